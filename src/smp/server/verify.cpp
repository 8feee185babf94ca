#include "smp/server/verify.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "smp/crypto/cb_authenticator.h"
#include "smp/crypto/sign.h"
#include "smp/encoding/base64.h"
#include "smp/protocol/batch.h"
#include "smp/protocol/wire_format.h"

namespace smp::server {

namespace {

using crypto::KeyAlgorithm;

// The reference's dummyKeyEd25519 / dummyKeyEd448 (SPKI DER, standard base64).
constexpr std::string_view kDummyEd25519 = "MCowBQYDK2VwAyEA139Oqs4QgpqbAmB0o7rZf6T19ryl7E65k4AYe0kE3Qs=";
constexpr std::string_view kDummyEd448 =
    "MEMwBQYDK2VxAzoA6ibQc9XpkSLtwrf7PLvp81qW/etiumckVFImCMRdftcG/XopbOSaq9qyLhrgJWKOLyNrQPNVvpMA";

crypto::PublicKey decode_dummy(std::string_view b64) {
  return crypto::decode_public_key_der(enc::b64_decode(b64).value()).value();
}

const crypto::PublicKey& dummy_key(KeyAlgorithm alg) {
  static const crypto::PublicKey ed25519 = decode_dummy(kDummyEd25519);
  static const crypto::PublicKey ed448 = decode_dummy(kDummyEd448);
  // Any fixed X25519 key costs the same DH; a fresh one per process serves as well.
  static const crypto::PublicKey x25519 =
      crypto::generate_key_pair(KeyAlgorithm::x25519).public_key;
  switch (alg) {
    case KeyAlgorithm::ed448: return ed448;
    case KeyAlgorithm::x25519: return x25519;
    default: return ed25519;
  }
}

// short(session id) when it is implied (v7+), else nothing: the prefix of the authorized
// bytes.
struct ImpliedPrefix {
  std::array<std::uint8_t, 1 + protocol::kMaxSessionIdSize> bytes{};
  std::size_t size = 0;
  explicit ImpliedPrefix(const protocol::ReceivedCommand& rc) {
    if (rc.implied_session_id.empty()) return;
    bytes[0] = static_cast<std::uint8_t>(rc.implied_session_id.size());
    std::copy(rc.implied_session_id.begin(), rc.implied_session_id.end(), bytes.begin() + 1);
    size = 1 + rc.implied_session_id.size();
  }
  ByteView view() const { return ByteView(bytes.data(), size); }
};

// Checks rc's authorization against `key`, whose algorithm matches the authorization's.
bool check(const protocol::ReceivedCommand& rc, const crypto::PublicKey& key,
           const crypto::PrivateKey* server_dh_key) {
  if (*rc.signature_algorithm == KeyAlgorithm::x25519) {
    if (server_dh_key == nullptr) return false;
    ImpliedPrefix prefix(rc);
    return crypto::cb_verify(key, *server_dh_key, crypto::cb_nonce(rc.corr_id), rc.signature,
                             prefix.view(), rc.signed_part);
  }
  if (rc.implied_session_id.empty()) return crypto::verify(key, rc.signature, rc.signed_part);
  Bytes scratch;
  return crypto::verify(key, rc.signature, protocol::authorized_bytes(rc, scratch));
}

// The result is discarded on purpose: only the time it takes matters. `volatile` keeps the
// call from being treated as dead code.
void dummy_verify(const protocol::ReceivedCommand& rc, const crypto::PrivateKey* server_dh_key) {
  volatile bool sink = check(rc, dummy_key(*rc.signature_algorithm), server_dh_key);
  (void)sink;
}

}  // namespace

bool verify_signature(const protocol::ReceivedCommand& rc, const crypto::PublicKey& key,
                      const crypto::PrivateKey* server_dh_key) {
  if (!rc.is_signed()) return false;
  if (key.algorithm() != *rc.signature_algorithm) {
    dummy_verify(rc, server_dh_key);
    return false;
  }
  return check(rc, key, server_dh_key);
}

bool verify_any_key(const protocol::ReceivedCommand& rc, std::span<const crypto::PublicKey> keys,
                    const crypto::PrivateKey* server_dh_key) {
  bool ok = false;
  for (const auto& key : keys) ok = verify_signature(rc, key, server_dh_key) || ok;
  return ok;
}

bool reject_with_dummy_verification(const protocol::ReceivedCommand& rc,
                                    const crypto::PrivateKey* server_dh_key) {
  if (rc.is_signed()) dummy_verify(rc, server_dh_key);
  return false;
}

bool verify_optional_key(const protocol::ReceivedCommand& rc, const crypto::PublicKey* key,
                         const crypto::PrivateKey* server_dh_key) {
  if (key == nullptr) return !rc.is_signed();
  return verify_signature(rc, *key, server_dh_key);
}

}  // namespace smp::server
