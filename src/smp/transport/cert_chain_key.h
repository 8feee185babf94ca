// CertChainPubKey of the current SMP handshake (Transport.hs at 6.5.5.0): a certificate chain
// and a public key signed by the chain's leaf key as an X.509 SignedExact — how a server
// proves, inside its handshake block, that the per-connection X25519 key is its own.
//
// Wire form (smpEncode (encodeCertChain chain, SignedObject signedKey)):
//   u8 count (>= 1) ‖ count × (u16 length ‖ certificate DER) ‖ u16 length ‖ signed key DER
// Signed key DER (signX509 key (publicToX509 k)):
//   SEQUENCE { SubjectPublicKeyInfo, AlgorithmIdentifier (Ed25519 | Ed448), BIT STRING sig }
// where the signature covers the SubjectPublicKeyInfo's DER exactly as sent.
//
// Pure functions; thread-safe. Parsers never read outside their input.
#pragma once

#include <optional>
#include <vector>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/binary.h"

namespace smp::transport {

struct CertChainPubKey {
  std::vector<Bytes> chain;  // certificate DERs, leaf first
  Bytes signed_key;          // the SignedExact's DER

  friend bool operator==(const CertChainPubKey&, const CertChainPubKey&) = default;
};

// Errors (on the Writer): errc::value_too_large for an empty chain, over 255 certificates or
// a DER over 65535 bytes.
void write_cert_chain_pub_key(enc::Writer& w, const CertChainPubKey& value);
// As the reference's parser: every certificate must be one whole DER certificate
// (errc::bad_der), the chain non-empty (errc::bad_tag), the signed key a SignedExact whose
// signed part is a public key (errc::bad_der). On failure the reader is failed, nullopt.
std::optional<CertChainPubKey> read_cert_chain_pub_key(enc::Reader& r);

// signX509: the DER of `key`'s SubjectPublicKeyInfo signed by `signer` (Ed25519 or Ed448,
// errc::wrong_algorithm otherwise). Deterministic (EdDSA).
Result<Bytes> sign_public_key(const crypto::PrivateKey& signer, const crypto::PublicKey& key);

// verifyX509 then x509ToPublic': the signed key when the signature algorithm is `signer`'s
// and the signature verifies over the signed part, and the key's algorithm is in `allowed`.
// errc::bad_der for a malformed SignedExact; errc::handshake_bad_auth for any other failure.
Result<crypto::PublicKey> verify_signed_key(ByteView signed_key, const crypto::PublicKey& signer,
                                            crypto::AlgorithmSet allowed);

// chainIdCaCerts (Transport/Shared.hs): the identity certificate of a chain of 2 to 4
// certificates (its second), nullopt for other lengths.
std::optional<ByteView> id_certificate(const std::vector<Bytes>& chain);

}  // namespace smp::transport
