// Binary encoding primitives of SMP v1 (spec §1.1): big-endian integers, short (u8-length)
// and Large (u16-length) byte strings, Tail, Maybe ('0'/'1'), lists, SystemTime.
//
// Writer appends to a byte buffer; Reader consumes a borrowed view. Both keep a sticky
// error: after the first failure every further call is a no-op returning an empty value, and
// error()/finish() report the first failure. So a decoder reads all fields, then checks once.
// Readers never read past their input. Not thread-safe; the Reader's input must outlive it.
#pragma once

#include <cstdint>
#include <optional>

#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::enc {

inline constexpr std::size_t kMaxShortLength = 255;
inline constexpr std::size_t kMaxLargeLength = 65535;

class Writer {
 public:
  Writer() = default;
  explicit Writer(std::size_t reserve) { out_.reserve(reserve); }

  Writer& u8(std::uint8_t v);
  Writer& u16(std::uint16_t v);
  Writer& u32(std::uint32_t v);
  Writer& i64(std::int64_t v);
  Writer& ch(char c) { return u8(static_cast<std::uint8_t>(c)); }
  // Raw bytes with no length (fixed-size fields, tags, Tail as the last field).
  Writer& raw(ByteView b);
  Writer& raw(std::string_view s) { return raw(as_bytes(s)); }
  // u8 length + bytes; over 255 bytes sets errc::value_too_large (the reference wraps: Q10).
  Writer& short_bytes(ByteView b);
  Writer& short_bytes(std::string_view s) { return short_bytes(as_bytes(s)); }
  // u16 length + bytes; over 65535 sets errc::value_too_large.
  Writer& large(ByteView b);
  // Maybe tag: '1' when present, '0' when absent (the value itself is written by the caller).
  Writer& maybe_tag(bool present) { return ch(present ? '1' : '0'); }
  // List count (u8); over 255 sets errc::value_too_large.
  Writer& count(std::size_t n);
  // Records an error found by the caller while encoding (first error wins).
  Writer& fail(errc e);

  bool ok() const { return error_ == errc::ok; }
  errc error() const { return error_; }
  const Bytes& bytes() const { return out_; }
  std::size_t size() const { return out_.size(); }
  // The encoded bytes, or the first error.
  Result<Bytes> finish() &&;

 private:
  Bytes out_;
  errc error_ = errc::ok;
};

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::int64_t i64();
  char ch() { return static_cast<char>(u8()); }
  // Exactly n raw bytes.
  ByteView take(std::size_t n);
  ByteView short_bytes();
  ByteView large();
  // Everything up to the end of input (Tail).
  ByteView tail();
  // Maybe tag: true for '1', false for '0'; any other byte sets errc::bad_tag.
  bool maybe_tag();
  // Consumes an exact literal (e.g. a command tag with its space); mismatch sets bad_tag.
  void expect(std::string_view literal);
  // Sets errc::trailing_bytes if input remains (the reference's parseAll).
  void expect_end();
  void fail(errc e);

  bool ok() const { return error_ == errc::ok; }
  explicit operator bool() const { return ok(); }
  errc error() const { return error_; }
  std::size_t remaining() const { return ok() ? in_.size() - pos_ : 0; }
  bool at_end() const { return remaining() == 0; }
  ByteView rest() const { return ok() ? in_.subspan(pos_) : ByteView{}; }
  std::size_t position() const { return pos_; }

 private:
  bool need(std::size_t n);
  ByteView in_;
  std::size_t pos_ = 0;
  errc error_ = errc::ok;
};

// Wraps a finished Reader's state as a Result: the value when ok, else the first error.
template <class T>
Result<T> result_of(const Reader& r, T&& value) {
  if (!r.ok()) return make_error_code(r.error());
  return std::forward<T>(value);
}

}  // namespace smp::enc
