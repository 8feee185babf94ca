#include "smp/encoding/version.h"

#include "smp/common/try.h"

namespace smp::enc {

Result<VersionRange> VersionRange::make(Version min, Version max) {
  if (min > max) return make_error_code(errc::bad_version_range);
  return VersionRange(min, max);
}

void write_version_range(Writer& w, VersionRange range) { w.u16(range.min()).u16(range.max()); }

std::optional<VersionRange> read_version_range(Reader& r) {
  Version min = r.u16();
  Version max = r.u16();
  if (!r.ok()) return std::nullopt;
  auto range = VersionRange::make(min, max);
  if (!range) {
    r.fail(errc::bad_version_range);
    return std::nullopt;
  }
  return *range;
}

std::string str_encode(VersionRange range) {
  std::string out = std::to_string(range.min());
  if (range.max() != range.min()) {
    out += '-';
    out += std::to_string(range.max());
  }
  return out;
}

Result<Version> parse_version(std::string_view& in) {
  std::size_t n = 0;
  std::uint32_t v = 0;
  for (; n < in.size() && in[n] >= '0' && in[n] <= '9'; ++n) {
    v = v * 10 + static_cast<std::uint32_t>(in[n] - '0');
    if (v > 0xffff) return make_error_code(errc::bad_version_range);
  }
  if (n == 0) return make_error_code(errc::bad_version_range);
  in.remove_prefix(n);
  return static_cast<Version>(v);
}

Result<VersionRange> parse_version_range(std::string_view& in) {
  std::string_view rest = in;
  SMP_TRY(Version min, parse_version(rest));
  Version max = min;
  if (!rest.empty() && rest.front() == '-') {
    rest.remove_prefix(1);
    SMP_TRY(max, parse_version(rest));
  }
  SMP_TRY(VersionRange range, VersionRange::make(min, max));
  in = rest;
  return range;
}

Result<VersionRange> decode_version_range(std::string_view text) {
  SMP_TRY(VersionRange range, parse_version_range(text));
  if (!text.empty()) return make_error_code(errc::trailing_bytes);
  return range;
}

}  // namespace smp::enc
