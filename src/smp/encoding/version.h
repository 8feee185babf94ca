// Protocol versions and version ranges (spec §1.3): a Version is a u16; a VersionRange holds
// min ≤ max (the only way to build one checks it). Binary form u16(min) ‖ u16(max); text
// form "1" when min == max, else "1-2". Immutable value types; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smp/common/error.h"
#include "smp/encoding/binary.h"

namespace smp::enc {

using Version = std::uint16_t;

// Copyable value type; always min() <= max().
class VersionRange {
 public:
  // errc::bad_version_range when min > max.
  static Result<VersionRange> make(Version min, Version max);
  // For constants: the range must be valid, or the program does not compile.
  static consteval VersionRange of(Version min, Version max) {
    if (min > max) throw "invalid version range";
    return VersionRange(min, max);
  }
  static constexpr VersionRange single(Version v) { return VersionRange(v, v); }

  constexpr Version min() const { return min_; }
  constexpr Version max() const { return max_; }
  friend constexpr bool operator==(VersionRange, VersionRange) = default;

 private:
  constexpr VersionRange(Version min, Version max) : min_(min), max_(max) {}
  Version min_;
  Version max_;
};

// min <= v <= max (the reference's isCompatible).
constexpr bool is_compatible(Version v, VersionRange range) {
  return range.min() <= v && v <= range.max();
}

// When the ranges overlap, the version both sides use: the smaller of the two maxima.
// nullopt when they do not overlap (the reference's compatibleVersion).
constexpr std::optional<Version> compatible_version(VersionRange a, VersionRange b) {
  if (a.min() > b.max() || b.min() > a.max()) return std::nullopt;
  return a.max() < b.max() ? a.max() : b.max();
}

// Binary form.
void write_version_range(Writer& w, VersionRange range);
// Sets errc::bad_version_range on the reader when min > max (and returns nullopt on any error).
std::optional<VersionRange> read_version_range(Reader& r);

// Text form: "v" or "min-max".
std::string str_encode(VersionRange range);
// Decimal u16 (the reference's `decimal`: 1+ ASCII digits, leading zeros allowed). Values
// above 65535 are refused with errc::bad_version_range (the reference wraps them silently).
// On success `in` is advanced; on error it is unchanged.
Result<Version> parse_version(std::string_view& in);
// "v" or "v1-v2" from the front of `in` (errc::bad_version_range); `in` unchanged on error.
Result<VersionRange> parse_version_range(std::string_view& in);
// The whole text must be a range (errc::trailing_bytes after it).
Result<VersionRange> decode_version_range(std::string_view text);

}  // namespace smp::enc
