#include "smp/encoding/padding.h"

#include <algorithm>
#include <cstring>

namespace smp::enc {

Result<void> pad_into(ByteView msg, std::span<std::uint8_t> out) {
  if (!fits_padded(msg.size(), out.size())) return make_error_code(errc::crypto_large_msg);
  out[0] = static_cast<std::uint8_t>(msg.size() >> 8);
  out[1] = static_cast<std::uint8_t>(msg.size());
  if (!msg.empty()) std::memcpy(out.data() + 2, msg.data(), msg.size());
  std::fill(out.begin() + 2 + static_cast<std::ptrdiff_t>(msg.size()), out.end(), kPadByte);
  return {};
}

Result<void> append_padded(Bytes& out, ByteView msg, std::size_t padded_len) {
  if (!fits_padded(msg.size(), padded_len)) return make_error_code(errc::crypto_large_msg);
  out.reserve(out.size() + padded_len);
  const std::size_t end = out.size() + padded_len;
  out.push_back(static_cast<std::uint8_t>(msg.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(msg.size()));
  out.insert(out.end(), msg.begin(), msg.end());
  out.resize(end, kPadByte);
  return {};
}

Result<Bytes> pad(ByteView msg, std::size_t padded_len) {
  Bytes out;
  auto r = append_padded(out, msg, padded_len);
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
