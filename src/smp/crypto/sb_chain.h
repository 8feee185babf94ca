// The secret-box key chain of SMP block encryption (v11+; the reference's sbcInit/sbcHkdf in
// Crypto.hs): HKDF-SHA512 turns a session's DH secret into two 32-byte chain keys, one per
// direction, and each step of a chain yields a fresh secret_box key and nonce for one block
// and the chain key for the next. A key is used for one block only (forward secrecy within
// the session).
//
// Pure functions; thread-safe. SbChainKey is move-only and wiped on destruction and when
// stepped past; it is not synchronised (one owner advances it).
#pragma once

#include <cstddef>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/cbox.h"
#include "smp/crypto/secret_array.h"

namespace smp::crypto {

inline constexpr std::string_view kSbChainInitInfo = "SimpleXSbChainInit";
inline constexpr std::string_view kSbChainInfo = "SimpleXSbChain";
inline constexpr std::size_t kSbChainKeySize = 32;
inline constexpr std::size_t kSbKeySize = 32;

// One block's key and nonce. The key is the raw secret_box key of the reference's SbKey:
// sbEncrypt uses it as crypto_box uses a DH output (CbKey::from_dh_secret).
struct SbKeyNonce {
  SecretArray<kSbKeySize> key;
  CbNonce nonce{};
};

class SbChainKey {
 public:
  // errc::bad_key_size unless `bytes` is 32 bytes.
  static Result<SbChainKey> from_bytes(ByteView bytes);

  // sbcHkdf: HKDF-SHA512(salt "", ikm = this key, info "SimpleXSbChain", 88 bytes) split as
  // next chain key (32) ‖ secret_box key (32) ‖ nonce (24). This key becomes the next one.
  // errc::crypto_failure never arises for this fixed size; the key is unchanged if it did.
  Result<SbKeyNonce> next();

  // The current chain key (known-answer tests).
  ByteView view() const { return key_.view(); }

 private:
  SbChainKey() = default;
  SecretArray<kSbChainKeySize> key_;
};

struct SbChainKeys {
  SbChainKey first;
  SbChainKey second;
};

// sbcInit: HKDF-SHA512(salt, ikm = secret, info "SimpleXSbChainInit", 64 bytes) split into two
// chain keys. In SMP the salt is the session id and the secret the X25519 DH output; the
// server sends with `first`, the client with `second`.
Result<SbChainKeys> sbc_init(ByteView salt, ByteView secret);

}  // namespace smp::crypto
