#include "smp/encoding/binary.h"

namespace smp::enc {

Writer& Writer::u8(std::uint8_t v) {
  if (ok()) out_.push_back(v);
  return *this;
}

Writer& Writer::u16(std::uint16_t v) {
  if (ok()) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  return *this;
}

Writer& Writer::u32(std::uint32_t v) {
  if (ok()) {
    for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(v >> shift));
  }
  return *this;
}

Writer& Writer::i64(std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  return u32(static_cast<std::uint32_t>(u >> 32)).u32(static_cast<std::uint32_t>(u));
}

Writer& Writer::raw(ByteView b) {
  if (ok()) out_.insert(out_.end(), b.begin(), b.end());
  return *this;
}

Writer& Writer::short_bytes(ByteView b) {
  if (b.size() > kMaxShortLength) return fail(errc::value_too_large);
  return u8(static_cast<std::uint8_t>(b.size())).raw(b);
}

Writer& Writer::large(ByteView b) {
  if (b.size() > kMaxLargeLength) return fail(errc::value_too_large);
  return u16(static_cast<std::uint16_t>(b.size())).raw(b);
}

Writer& Writer::count(std::size_t n) {
  if (n > kMaxShortLength) return fail(errc::value_too_large);
  return u8(static_cast<std::uint8_t>(n));
}

Writer& Writer::fail(errc e) {
  if (ok()) error_ = e;
  return *this;
}

Result<Bytes> Writer::finish() && {
  if (!ok()) return make_error_code(error_);
  return std::move(out_);
}

bool Reader::need(std::size_t n) {
  if (!ok()) return false;
  if (in_.size() - pos_ < n) {
    error_ = errc::truncated;
    return false;
  }
  return true;
}

void Reader::fail(errc e) {
  if (ok()) error_ = e;
}

std::uint8_t Reader::u8() {
  if (!need(1)) return 0;
  return in_[pos_++];
}

std::uint16_t Reader::u16() {
  if (!need(2)) return 0;
  auto v = static_cast<std::uint16_t>((in_[pos_] << 8) | in_[pos_ + 1]);
  pos_ += 2;
  return v;
}

std::uint32_t Reader::u32() {
  if (!need(4)) return 0;
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | in_[pos_ + static_cast<std::size_t>(i)];
  pos_ += 4;
  return v;
}

std::int64_t Reader::i64() {
  std::uint64_t hi = u32();
  std::uint64_t lo = u32();
  return static_cast<std::int64_t>((hi << 32) | lo);
}

ByteView Reader::take(std::size_t n) {
  if (!need(n)) return {};
  ByteView v = in_.subspan(pos_, n);
  pos_ += n;
  return v;
}

ByteView Reader::short_bytes() {
  std::size_t n = u8();
  return take(n);
}

ByteView Reader::large() {
  std::size_t n = u16();
  return take(n);
}

ByteView Reader::tail() {
  if (!ok()) return {};
  ByteView v = in_.subspan(pos_);
  pos_ = in_.size();
  return v;
}

bool Reader::maybe_tag() {
  char c = ch();
  if (!ok()) return false;
  if (c == '1') return true;
  if (c != '0') fail(errc::bad_tag);
  return false;
}

void Reader::expect(std::string_view literal) {
  ByteView got = take(literal.size());
  if (ok() && as_chars(got) != literal) {
    pos_ -= literal.size();
    fail(errc::bad_tag);
  }
}

void Reader::expect_end() {
  if (ok() && pos_ != in_.size()) fail(errc::trailing_bytes);
}

}  // namespace smp::enc
