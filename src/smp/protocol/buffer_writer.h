// BufferWriter: the binary encoding primitives of spec §1.1 written into a caller-provided,
// fixed-size buffer (typically the 16384-byte transport block), so transmissions are encoded
// in place without allocating.
//
// Like enc::Writer it keeps a sticky error: after the first failure every call is a no-op.
// Running out of room is errc::transport_large_msg (the reference's TELargeMsg); a short field
// over 255 bytes is errc::value_too_large. Not thread-safe; the buffer must outlive the writer.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/protocol/wire_format.h"

namespace smp::protocol::detail {

class BufferWriter {
 public:
  explicit BufferWriter(std::span<std::uint8_t> out) : out_(out) {}
  BufferWriter(const BufferWriter&) = delete;
  BufferWriter& operator=(const BufferWriter&) = delete;

  BufferWriter& u8(std::uint8_t v) {
    if (room(1)) out_[pos_++] = v;
    return *this;
  }
  BufferWriter& ch(char c) { return u8(static_cast<std::uint8_t>(c)); }
  BufferWriter& i64(std::int64_t v) {
    if (room(8)) {
      const auto u = static_cast<std::uint64_t>(v);
      for (int shift = 56; shift >= 0; shift -= 8) out_[pos_++] = static_cast<std::uint8_t>(u >> shift);
    }
    return *this;
  }
  BufferWriter& raw(ByteView b) {
    if (room(b.size()) && !b.empty()) {
      std::memcpy(out_.data() + pos_, b.data(), b.size());
      pos_ += b.size();
    }
    return *this;
  }
  BufferWriter& raw(std::string_view s) { return raw(as_bytes(s)); }
  BufferWriter& short_bytes(ByteView b) {
    if (b.size() > kMaxShortField) return fail(errc::value_too_large);
    return u8(static_cast<std::uint8_t>(b.size())).raw(b);
  }
  BufferWriter& u16(std::uint16_t v) {
    return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v));
  }
  // u16 length + bytes (the reference's Large).
  BufferWriter& large(ByteView b) {
    if (b.size() > 0xffff) return fail(errc::value_too_large);
    return u16(static_cast<std::uint16_t>(b.size())).raw(b);
  }
  // Maybe tag: '1' when present, '0' when absent.
  BufferWriter& maybe_tag(bool present) { return ch(present ? '1' : '0'); }
  // Bool: 'T' / 'F'.
  BufferWriter& boolean(bool b) { return ch(b ? 'T' : 'F'); }
  // List count (u8); over 255 is errc::value_too_large.
  BufferWriter& count(std::size_t n) {
    if (n > 0xff) return fail(errc::value_too_large);
    return u8(static_cast<std::uint8_t>(n));
  }
  // Reserves n bytes to be filled later (e.g. a signature computed over what follows).
  std::span<std::uint8_t> skip(std::size_t n) {
    if (!room(n)) return {};
    auto s = out_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  BufferWriter& fail(errc e) {
    if (ok()) error_ = e;
    return *this;
  }

  bool ok() const { return error_ == errc::ok; }
  errc error() const { return error_; }
  std::size_t size() const { return pos_; }
  // The bytes written from position `from` on.
  std::span<std::uint8_t> written_from(std::size_t from) const {
    return out_.subspan(from, pos_ - from);
  }

 private:
  bool room(std::size_t n) {
    if (!ok()) return false;
    if (out_.size() - pos_ < n) {
      error_ = errc::transport_large_msg;
      return false;
    }
    return true;
  }

  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
  errc error_ = errc::ok;
};

}  // namespace smp::protocol::detail
