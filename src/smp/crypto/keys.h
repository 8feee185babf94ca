// Asymmetric keys of SMP v1 (spec §2.1): Ed25519/Ed448 for signatures, X25519/X448 for DH,
// with their DER forms (X.509 SubjectPublicKeyInfo, PKCS#8 v0) and the binary short(DER) form.
//
// PublicKey is a copyable value with inline storage (no heap). PrivateKey is move-only, owns
// its secret in SecretBytes (wiped on destruction) and carries its public key, computed once.
// Decoders are strict: exactly the RFC 8410 encoding of one key, nothing before or after it.
// All functions are thread-safe; objects are not synchronised (immutable after construction).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/openssl_handles.h"
#include "smp/encoding/binary.h"

namespace smp::crypto {

enum class KeyAlgorithm : std::uint8_t { ed25519, ed448, x25519, x448 };

constexpr std::size_t public_key_size(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::ed25519:
      return 32;
    case KeyAlgorithm::ed448:
      return 57;
    case KeyAlgorithm::x25519:
      return 32;
    case KeyAlgorithm::x448:
      return 56;
  }
  return 0;
}
constexpr std::size_t private_key_size(KeyAlgorithm alg) { return public_key_size(alg); }
inline constexpr std::size_t kMaxPublicKeySize = 57;

constexpr bool is_signature_algorithm(KeyAlgorithm alg) {
  return alg == KeyAlgorithm::ed25519 || alg == KeyAlgorithm::ed448;
}

// "ed25519", "ed448", "x25519", "x448".
std::string_view algorithm_name(KeyAlgorithm alg);

// The algorithms a decoder accepts: decode_public_key_der(der, {KeyAlgorithm::x25519}).
class AlgorithmSet {
 public:
  constexpr AlgorithmSet(std::initializer_list<KeyAlgorithm> algs) {
    for (KeyAlgorithm a : algs) mask_ = static_cast<std::uint8_t>(mask_ | bit(a));
  }
  constexpr bool contains(KeyAlgorithm a) const { return (mask_ & bit(a)) != 0; }

 private:
  static constexpr std::uint8_t bit(KeyAlgorithm a) {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(a));
  }
  std::uint8_t mask_ = 0;
};

inline constexpr AlgorithmSet kAnyAlgorithm{KeyAlgorithm::ed25519, KeyAlgorithm::ed448,
                                            KeyAlgorithm::x25519, KeyAlgorithm::x448};
inline constexpr AlgorithmSet kSignatureAlgorithms{KeyAlgorithm::ed25519, KeyAlgorithm::ed448};
inline constexpr AlgorithmSet kDhX25519{KeyAlgorithm::x25519};
inline constexpr AlgorithmSet kDhX448{KeyAlgorithm::x448};

class PublicKey {
 public:
  // errc::bad_key_size unless raw.size() == public_key_size(alg). Any bytes of that size are
  // accepted, as the reference does.
  static Result<PublicKey> from_raw(KeyAlgorithm alg, ByteView raw);

  KeyAlgorithm algorithm() const { return alg_; }
  ByteView raw() const { return ByteView(raw_.data(), public_key_size(alg_)); }

  friend bool operator==(const PublicKey& a, const PublicKey& b) {
    return a.alg_ == b.alg_ && a.raw_ == b.raw_;  // unused tail bytes are always zero
  }

 private:
  PublicKey() = default;
  KeyAlgorithm alg_ = KeyAlgorithm::ed25519;
  std::array<std::uint8_t, kMaxPublicKeySize> raw_{};
};

namespace detail {
struct PrivateKeyAccess;
}

// A moved-from PrivateKey holds nothing and may only be assigned to or destroyed.
class PrivateKey {
 public:
  // errc::bad_key_size unless raw.size() == private_key_size(alg); errc::crypto_failure if the
  // backend cannot load the key.
  static Result<PrivateKey> from_raw(KeyAlgorithm alg, ByteView raw);

  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey() = default;

  KeyAlgorithm algorithm() const { return alg_; }
  // The raw secret (seed for Ed25519/Ed448, scalar for X25519/X448).
  ByteView raw() const { return secret_.view().first(private_key_size(alg_)); }
  const PublicKey& public_key() const { return public_; }
  // An independent copy of the secret (the cached OpenSSL key, if any, is shared read-only).
  PrivateKey clone() const;

 private:
  friend struct detail::PrivateKeyAccess;
  PrivateKey(KeyAlgorithm alg, SecretBytes secret, PublicKey pub, EvpPkeyPtr pkey)
      : alg_(alg), secret_(std::move(secret)), public_(pub), pkey_(std::move(pkey)) {}

  KeyAlgorithm alg_;
  // Ed25519: libsodium's 64-byte secret key (seed ‖ public key); others: the raw key.
  SecretBytes secret_;
  PublicKey public_;
  // Ed448 / X448: the loaded OpenSSL key, so signing and DH do not recompute the public key.
  EvpPkeyPtr pkey_;
};

struct KeyPair {
  PublicKey public_key;
  PrivateKey private_key;
};

// A fresh key pair from the CSPRNG.
KeyPair generate_key_pair(KeyAlgorithm alg);

// DER (spec §2.1). Decoders: errc::bad_der for anything but the exact encoding of one key
// (truncated, trailing bytes, unknown OID, wrong lengths); errc::wrong_algorithm for a
// well-formed key whose algorithm is not in `allowed`.
Bytes encode_public_key_der(const PublicKey& key);
// The same DER written into a caller's buffer (no allocation); returns its length.
inline constexpr std::size_t kSpkiPrefixSize = 12;
inline constexpr std::size_t kMaxPublicKeyDerSize = kSpkiPrefixSize + kMaxPublicKeySize;
std::size_t encode_public_key_der_to(const PublicKey& key,
                                     std::array<std::uint8_t, kMaxPublicKeyDerSize>& out);
Result<PublicKey> decode_public_key_der(ByteView der, AlgorithmSet allowed);
inline Result<PublicKey> decode_public_key_der(ByteView der) {
  return decode_public_key_der(der, kAnyAlgorithm);
}
SecretBytes encode_private_key_der(const PrivateKey& key);
Result<PrivateKey> decode_private_key_der(ByteView der, AlgorithmSet allowed);
inline Result<PrivateKey> decode_private_key_der(ByteView der) {
  return decode_private_key_der(der, kAnyAlgorithm);
}

// Binary form inside SMP and agent messages: short(DER) (spec §0 pitfall 1).
void write_public_key(enc::Writer& w, const PublicKey& key);
// On failure sets r.fail(bad_der / wrong_algorithm / truncated) and returns nullopt.
std::optional<PublicKey> read_public_key(enc::Reader& r, AlgorithmSet allowed);

}  // namespace smp::crypto
