// encryptAEAD / decryptAEAD (spec §2.7): AES-256-GCM with a 16-byte IV (J0 derived by GHASH,
// not the 12-byte fast path), associated data and a 16-byte tag, over a pad()-ed plaintext.
// Used by the double ratchet for headers and bodies. Pure functions on OpenSSL; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::crypto {

inline constexpr std::size_t kAesKeySize = 32;
inline constexpr std::size_t kGcmIvSize = 16;
inline constexpr std::size_t kAuthTagSize = 16;

using AuthTag = std::array<std::uint8_t, kAuthTagSize>;

struct AeadCiphertext {
  AuthTag tag;
  Bytes ciphertext;  // padded_len bytes
};

// GCM-encrypts pad(msg, padded_len). errc::bad_key_size unless key is 32 and iv 16 bytes;
// errc::crypto_large_msg if msg does not fit.
Result<AeadCiphertext> encrypt_aead(ByteView key, ByteView iv, std::size_t padded_len,
                                    ByteView ad, ByteView msg);
// The same into out (out.size() is the padded length; no allocation); returns the tag.
Result<AuthTag> encrypt_aead_into(ByteView key, ByteView iv, ByteView ad, ByteView msg,
                                  std::span<std::uint8_t> out);

// Checks the tag (in constant time, by OpenSSL) and returns the unpadded plaintext.
// errc::aes_decrypt for a wrong tag, AD, key, IV or ciphertext (or a tag that is not 16
// bytes); errc::crypto_large_msg when the authenticated padding is invalid;
// errc::bad_key_size for a key or IV of the wrong size.
Result<Bytes> decrypt_aead(ByteView key, ByteView iv, ByteView ad, ByteView ciphertext,
                           ByteView tag);

}  // namespace smp::crypto
