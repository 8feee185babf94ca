#include "smp/encoding/padding.h"

#include <algorithm>
#include <cstring>

namespace smp::enc {

Result<void> pad_into(ByteView msg, std::span<std::uint8_t> out) {
  if (out.size() < 2 || msg.size() > out.size() - 2 || msg.size() > 0xffff) {
    return make_error_code(errc::crypto_large_msg);
  }
  out[0] = static_cast<std::uint8_t>(msg.size() >> 8);
  out[1] = static_cast<std::uint8_t>(msg.size());
  if (!msg.empty()) std::memcpy(out.data() + 2, msg.data(), msg.size());
  std::fill(out.begin() + 2 + static_cast<std::ptrdiff_t>(msg.size()), out.end(), kPadByte);
  return {};
}

Result<Bytes> pad(ByteView msg, std::size_t padded_len) {
  Bytes out(padded_len);
  auto r = pad_into(msg, out);
  if (!r) return r.error();
  return out;
}

Result<ByteView> unpad(ByteView padded) {
  if (padded.size() < 2) return make_error_code(errc::crypto_large_msg);
  std::size_t len = (static_cast<std::size_t>(padded[0]) << 8) | padded[1];
  if (padded.size() - 2 < len) return make_error_code(errc::crypto_large_msg);
  return padded.subspan(2, len);
}

}  // namespace smp::enc
