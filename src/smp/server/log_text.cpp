#include "smp/server/log_text.h"

#include "smp/encoding/base64.h"

namespace smp::server::log_text {

std::string_view strip_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

Result<void> expect(std::string_view& in, std::string_view literal) {
  if (!in.starts_with(literal)) return make_error_code(errc::bad_syntax);
  in.remove_prefix(literal.size());
  return {};
}

Result<QueueId> parse_id(std::string_view& in) {
  std::string_view rest = in;
  QueueId id;
  auto n = enc::parse_b64url_token_into(rest, id);
  if (!n) return n.error();
  if (*n != id.size()) return make_error_code(errc::bad_syntax);
  in = rest;
  return id;
}

Result<std::int64_t> parse_decimal(std::string_view& in) {
  constexpr std::int64_t kMax = INT64_MAX;
  std::size_t i = 0;
  std::int64_t v = 0;
  while (i < in.size() && in[i] >= '0' && in[i] <= '9') {
    std::int64_t d = in[i] - '0';
    if (v > (kMax - d) / 10) return make_error_code(errc::bad_syntax);
    v = v * 10 + d;
    ++i;
  }
  if (i == 0) return make_error_code(errc::bad_syntax);
  in.remove_prefix(i);
  return v;
}

Result<std::int64_t> parse_signed_decimal(std::string_view& in) {
  std::string_view rest = in;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  // Digits accumulate negatively, so INT64_MIN is reachable.
  std::size_t i = 0;
  std::int64_t v = 0;
  while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
    std::int64_t d = rest[i] - '0';
    if (v < (INT64_MIN + d) / 10) return make_error_code(errc::bad_syntax);
    v = v * 10 - d;
    ++i;
  }
  if (i == 0) return make_error_code(errc::bad_syntax);
  if (!negative) {
    if (v == INT64_MIN) return make_error_code(errc::bad_syntax);
    v = -v;
  }
  rest.remove_prefix(i);
  in = rest;
  return v;
}

bool consume(std::string_view& in, std::string_view literal) {
  if (!in.starts_with(literal)) return false;
  in.remove_prefix(literal.size());
  return true;
}

Result<void> expect_end(std::string_view in) {
  if (!in.empty()) return make_error_code(errc::trailing_bytes);
  return {};
}

}  // namespace smp::server::log_text
