// Library-internal: appends pad(msg, padded_len) (spec §2.4) to a byte buffer, writing each
// byte once (no zero-fill before the copy), for the allocating encrypt functions whose
// ciphertext is then produced in place. Same format as enc::pad. Pure; thread-safe.
#pragma once

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/encoding/padding.h"

namespace smp::crypto::detail {

inline constexpr std::size_t kMaxPaddedMessage = 0xffff;

inline bool fits_padded(std::size_t msg_size, std::size_t padded_len) {
  return padded_len >= 2 && msg_size <= padded_len - 2 && msg_size <= kMaxPaddedMessage;
}

// errc::crypto_large_msg when msg does not fit; `out` is unchanged then.
inline Result<void> append_padded(Bytes& out, ByteView msg, std::size_t padded_len) {
  if (!fits_padded(msg.size(), padded_len)) return make_error_code(errc::crypto_large_msg);
  out.reserve(out.size() + padded_len);
  const std::size_t end = out.size() + padded_len;
  out.push_back(static_cast<std::uint8_t>(msg.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(msg.size()));
  out.insert(out.end(), msg.begin(), msg.end());
  out.resize(end, enc::kPadByte);
  return {};
}

}  // namespace smp::crypto::detail
