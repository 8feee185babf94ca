#include "smp/protocol/error_type.h"

#include <array>
#include <utility>

namespace smp::protocol {
namespace {

// The one table of ErrorType tokens; parse and encode both use it.
constexpr std::array<std::pair<errc, std::string_view>, 12> kErrorTypes = {{
    {errc::smp_block, "BLOCK"},
    {errc::smp_session, "SESSION"},
    {errc::smp_cmd_unknown, "CMD UNKNOWN"},
    {errc::smp_cmd_syntax, "CMD SYNTAX"},
    {errc::smp_cmd_no_auth, "CMD NO_AUTH"},
    {errc::smp_cmd_has_auth, "CMD HAS_AUTH"},
    {errc::smp_cmd_no_queue, "CMD NO_QUEUE"},
    {errc::smp_auth, "AUTH"},
    {errc::smp_quota, "QUOTA"},
    {errc::smp_no_msg, "NO_MSG"},
    {errc::smp_large_msg, "LARGE_MSG"},
    {errc::smp_internal, "INTERNAL"},
}};

}  // namespace

bool is_error_type(errc e) noexcept {
  return e >= errc::smp_block && e <= errc::smp_internal;
}

errc to_error_type(errc e) noexcept { return is_error_type(e) ? e : errc::smp_internal; }

std::string_view error_type_text(errc e) noexcept {
  const errc t = to_error_type(e);
  for (const auto& [value, text] : kErrorTypes) {
    if (value == t) return text;
  }
  return "INTERNAL";  // unreachable: the table covers every ErrorType
}

std::optional<errc> parse_error_type(ByteView text) noexcept {
  // The reference reads space-separated tokens and then requires the end of input, so the
  // accepted inputs are exactly the table's texts.
  const std::string_view s = as_chars(text);
  for (const auto& [value, token] : kErrorTypes) {
    if (token == s) return value;
  }
  return std::nullopt;
}

}  // namespace smp::protocol
