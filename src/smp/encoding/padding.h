// pad / unPad (spec §2.4): u16(len) ‖ msg ‖ '#' fill up to a fixed length. Used for the
// 16384-byte transport blocks, crypto_box plaintexts and AES-GCM plaintexts alike.
// unpad accepts any fill bytes and any total length ≥ len + 2, as the reference does.
// Pure functions; thread-safe.
#pragma once

#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::enc {

inline constexpr std::uint8_t kPadByte = '#';

// Whether a message of msg_size bytes fits pad(…, padded_len).
inline bool fits_padded(std::size_t msg_size, std::size_t padded_len) {
  return padded_len >= 2 && msg_size <= padded_len - 2 && msg_size <= 0xffff;
}

// errc::crypto_large_msg when msg.size() > padded_len - 2.
Result<Bytes> pad(ByteView msg, std::size_t padded_len);
// Appends pad(msg, padded_len) to out, writing each byte once (no zero-fill first), so a
// cipher can then work in place. errc::crypto_large_msg leaves out unchanged.
Result<void> append_padded(Bytes& out, ByteView msg, std::size_t padded_len);
// Writes the padded form into out (out.size() is the padded length); no allocation.
Result<void> pad_into(ByteView msg, std::span<std::uint8_t> out);
// errc::crypto_large_msg when the length word exceeds the available bytes (or input < 2 bytes).
Result<ByteView> unpad(ByteView padded);

}  // namespace smp::enc
