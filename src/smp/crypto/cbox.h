// cbEncrypt / cbDecrypt (spec §2.6): NaCl crypto_box (X25519, HSalsa20, XSalsa20-Poly1305)
// over a pad()-ed message, output = tag(16) ‖ ciphertext(padded_len) — libsodium's "easy"
// layout. The input secret is the raw X25519 output (dh()), not the beforenm key.
//
// CbKey holds crypto_box_beforenm of that secret inline and wiped, so a hot path (the server
// encrypting every delivered message for a queue) derives it once. Functions are pure and
// thread-safe; a CbKey is immutable after construction and may be shared between threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/crypto/secret_array.h"

namespace smp::crypto {

inline constexpr std::size_t kCbNonceSize = 24;
inline constexpr std::size_t kCbTagSize = 16;
inline constexpr std::size_t kCbKeySize = 32;
inline constexpr std::size_t kCbSecretSize = 32;  // raw X25519 output

using CbNonce = std::array<std::uint8_t, kCbNonceSize>;

// The first 24 bytes of `bytes`, right-padded with zero bytes when shorter (cbNonce).
CbNonce cb_nonce(ByteView bytes);
// 24 bytes from the CSPRNG.
CbNonce random_cb_nonce();

class CbKey {
 public:
  // errc::bad_key_size unless dh_secret is 32 bytes.
  static Result<CbKey> from_dh_secret(ByteView dh_secret);
  // dh(theirs, ours) then the above; errc::wrong_algorithm unless both keys are X25519.
  static Result<CbKey> from_keys(const PublicKey& theirs, const PrivateKey& ours);

  // tag ‖ encrypted pad(msg, padded_len); errc::crypto_large_msg if msg does not fit.
  Result<Bytes> encrypt(const CbNonce& nonce, ByteView msg, std::size_t padded_len) const;
  // The same into out, whose size is padded_len + 16 (no allocation).
  Result<void> encrypt_into(const CbNonce& nonce, ByteView msg, std::span<std::uint8_t> out) const;
  // Without padding (cbEncryptNoPad / cbDecryptNoPad): out = tag ‖ ciphertext, out.size()
  // == msg.size() + 16; open writes the plaintext (packet.size() − 16 bytes) to out and fails
  // with errc::cb_decrypt for a packet under 16 bytes, a wrong tag or an out of another size.
  void seal_no_pad(const CbNonce& nonce, ByteView msg, std::span<std::uint8_t> out) const;
  Result<void> open_no_pad(const CbNonce& nonce, ByteView packet,
                           std::span<std::uint8_t> out) const;
  // The unpadded message; errc::cb_decrypt for a packet under 16 bytes or a wrong tag,
  // errc::crypto_large_msg when the authenticated padding is invalid.
  Result<Bytes> decrypt(const CbNonce& nonce, ByteView packet) const;

  // In place, for a caller that pads the message itself: `packet` is 16 bytes of room for
  // the tag followed by the plaintext; the plaintext is encrypted where it is and the tag
  // written in front. REQUIRES: packet.size() >= 16.
  void seal_in_place(const CbNonce& nonce, std::span<std::uint8_t> packet) const;
  // The reverse: checks the tag (constant time) before anything is decrypted, then decrypts
  // in place and returns the plaintext, packet minus its first 16 bytes (padding kept).
  // errc::cb_decrypt for a packet under 16 bytes or a wrong tag (packet left as it was).
  Result<std::span<std::uint8_t>> open_in_place(const CbNonce& nonce,
                                                std::span<std::uint8_t> packet) const;

 private:
  CbKey() = default;
  SecretArray<kCbKeySize> key_;
};

// One-shot forms taking the raw DH secret (errc::bad_key_size unless it is 32 bytes).
Result<Bytes> cb_encrypt(ByteView dh_secret, const CbNonce& nonce, ByteView msg,
                         std::size_t padded_len);
Result<Bytes> cb_decrypt(ByteView dh_secret, const CbNonce& nonce, ByteView packet);

}  // namespace smp::crypto
