// OpenSSL handles and X.509 helpers for the TLS transport: owning pointers for the C objects,
// PEM/DER conversion, and the one place where OpenSSL's error queue becomes an smp::errc.
//
// Functions are pure (thread-safe); the handles are move-only owners, not thread-safe.
// Returned PEM texts of private keys are SecretBytes and wiped when dropped.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/crypto/openssl_handles.h"

namespace smp::transport {

// The owning handles are the crypto layer's (one deleter scheme for every OpenSSL object).
using crypto::BioPtr;
using crypto::EvpPkeyPtr;
using crypto::X509Ptr;
using crypto::X509StoreCtxPtr;
using crypto::X509StorePtr;

// Clears OpenSSL's thread-local error queue (crypto::consume_openssl_error, after logging it
// at debug level) and returns the resulting error.
error_code openssl_error(errc e);

// Every certificate in a PEM text, in order. errc::bad_der if there is none or one is malformed.
Result<std::vector<X509Ptr>> parse_certificates_pem(std::string_view pem);
// The first certificate of a PEM text.
Result<X509Ptr> parse_certificate_pem(std::string_view pem);
// An unencrypted PKCS#8 (or traditional) PEM private key. errc::bad_der when malformed.
Result<EvpPkeyPtr> parse_private_key_pem(ByteView pem);

// True for an IPv4 or IPv6 address literal (as opposed to a DNS name).
bool is_ip_literal(std::string_view host);

// Serialisations; errc::crypto_failure only if OpenSSL fails (out of memory).
Result<std::string> certificate_pem(X509* cert);
Result<SecretBytes> private_key_pem(EVP_PKEY* key);  // PKCS#8, unencrypted
// The complete DER encoding of a certificate (what TLS transmits and the key hash covers).
Result<Bytes> certificate_der(X509* cert);
// A certificate parsed from exactly one DER encoding (errc::bad_der otherwise).
Result<X509Ptr> certificate_from_der(ByteView der);
// The certificate's signing key: errc::wrong_algorithm unless Ed25519 or Ed448.
Result<crypto::PublicKey> certificate_public_key(X509* cert);
// The signing key of a PEM private key (Ed25519 or Ed448, else errc::wrong_algorithm).
Result<crypto::PrivateKey> signing_key_from_pem(ByteView pem);

}  // namespace smp::transport
