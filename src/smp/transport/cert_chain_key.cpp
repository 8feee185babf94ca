#include "smp/transport/cert_chain_key.h"

#include <array>

#include <climits>
#include <openssl/asn1.h>
#include <openssl/err.h>

#include "smp/crypto/sign.h"
#include "smp/transport/x509.h"

namespace smp::transport {

namespace {

constexpr std::uint8_t kSequence = 0x30;
constexpr std::uint8_t kBitString = 0x03;
// AlgorithmIdentifier { id-Ed25519 | id-Ed448 } with absent parameters (RFC 8410 §3).
constexpr std::array<std::uint8_t, 7> kEd25519AlgorithmId{0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
constexpr std::array<std::uint8_t, 7> kEd448AlgorithmId{0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71};

ByteView algorithm_id(crypto::KeyAlgorithm alg) {
  return alg == crypto::KeyAlgorithm::ed448 ? ByteView(kEd448AlgorithmId)
                                            : ByteView(kEd25519AlgorithmId);
}

// A DER header: tag, then the definite length in the shortest form.
void append_header(Bytes& out, std::uint8_t tag, std::size_t length) {
  out.push_back(tag);
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
  } else if (length <= 0xff) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(length));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(length));
  }
}

// One DER element at the front of `in` (OpenSSL's header parser): its tag and content, and
// the whole element; `in` moves past it. nullopt for a malformed or indefinite-length header
// or one that runs past `in`.
struct Element {
  int tag = 0;
  bool constructed = false;
  ByteView content;
  ByteView whole;
};

std::optional<Element> next_element(ByteView& in) {
  if (in.empty() || in.size() > LONG_MAX) return std::nullopt;
  const unsigned char* p = in.data();
  long length = 0;
  int tag = 0, cls = 0;
  int flags = ASN1_get_object(&p, &length, &tag, &cls, static_cast<long>(in.size()));
  if ((flags & 0x80) != 0 || (flags & 0x01) != 0 || cls != V_ASN1_UNIVERSAL || length < 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  auto header = static_cast<std::size_t>(p - in.data());
  auto size = static_cast<std::size_t>(length);
  if (size > in.size() - header) return std::nullopt;
  Element e{tag, (flags & V_ASN1_CONSTRUCTED) != 0, in.subspan(header, size),
            in.first(header + size)};
  in = in.subspan(header + size);
  return e;
}

// The three parts of a SignedExact: signed data (a whole element), algorithm, signature bits.
struct SignedParts {
  ByteView tbs;
  ByteView algorithm;
  ByteView signature;  // BIT STRING content without its unused-bits byte
};

std::optional<SignedParts> split_signed(ByteView der) {
  auto outer = next_element(der);
  if (!outer || !der.empty() || outer->tag != V_ASN1_SEQUENCE || !outer->constructed) {
    return std::nullopt;
  }
  ByteView body = outer->content;
  auto tbs = next_element(body);
  auto alg = next_element(body);
  auto sig = next_element(body);
  if (!tbs || !alg || !sig || !body.empty() || tbs->tag != V_ASN1_SEQUENCE ||
      alg->tag != V_ASN1_SEQUENCE || sig->tag != V_ASN1_BIT_STRING || sig->constructed ||
      sig->content.empty() || sig->content[0] != 0) {
    return std::nullopt;
  }
  return SignedParts{tbs->whole, alg->whole, sig->content.subspan(1)};
}

}  // namespace

void write_cert_chain_pub_key(enc::Writer& w, const CertChainPubKey& value) {
  if (value.chain.empty()) {
    w.fail(errc::value_too_large);
    return;
  }
  w.count(value.chain.size());
  for (const Bytes& cert : value.chain) w.large(cert);
  w.large(value.signed_key);
}

std::optional<CertChainPubKey> read_cert_chain_pub_key(enc::Reader& r) {
  CertChainPubKey value;
  std::uint8_t count = r.u8();
  if (r.ok() && count == 0) r.fail(errc::bad_tag);  // NonEmpty: "empty list"
  for (std::uint8_t i = 0; r.ok() && i < count; ++i) {
    ByteView der = r.large();
    if (r.ok() && !certificate_from_der(der)) r.fail(errc::bad_der);
    value.chain.push_back(to_bytes(der));
  }
  ByteView signed_key = r.large();
  if (!r.ok()) return std::nullopt;
  auto parts = split_signed(signed_key);
  if (!parts || !crypto::decode_public_key_der(parts->tbs)) {
    r.fail(errc::bad_der);
    return std::nullopt;
  }
  value.signed_key = to_bytes(signed_key);
  return value;
}

Result<Bytes> sign_public_key(const crypto::PrivateKey& signer, const crypto::PublicKey& key) {
  if (!crypto::is_signature_algorithm(signer.algorithm())) {
    return make_error_code(errc::wrong_algorithm);
  }
  Bytes spki = crypto::encode_public_key_der(key);
  Bytes signature = crypto::sign(signer, spki);
  ByteView alg = algorithm_id(signer.algorithm());
  const std::size_t bits = signature.size() + 1;  // the unused-bits byte, 0
  Bytes bit_string;
  append_header(bit_string, kBitString, bits);
  bit_string.push_back(0);
  append(bit_string, signature);
  Bytes out;
  append_header(out, kSequence, spki.size() + alg.size() + bit_string.size());
  append(out, spki);
  append(out, alg);
  append(out, bit_string);
  return out;
}

Result<crypto::PublicKey> verify_signed_key(ByteView signed_key, const crypto::PublicKey& signer,
                                            crypto::AlgorithmSet allowed) {
  auto parts = split_signed(signed_key);
  if (!parts) return make_error_code(errc::bad_der);
  const auto bad_auth = make_error_code(errc::handshake_bad_auth);
  // verifyX509: the signature algorithm must be the signer's own (Ed25519 or Ed448).
  if (!crypto::is_signature_algorithm(signer.algorithm()) ||
      !std::ranges::equal(parts->algorithm, algorithm_id(signer.algorithm())) ||
      !crypto::verify(signer, parts->signature, parts->tbs)) {
    return bad_auth;
  }
  auto key = crypto::decode_public_key_der(parts->tbs, allowed);
  if (!key) return bad_auth;
  return *key;
}

std::optional<ByteView> id_certificate(const std::vector<Bytes>& chain) {
  if (chain.size() < 2 || chain.size() > 4) return std::nullopt;
  return ByteView(chain[1]);
}

}  // namespace smp::transport
