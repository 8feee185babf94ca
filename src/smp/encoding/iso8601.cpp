#include "smp/encoding/iso8601.h"

#include <cstdio>
#include <optional>

namespace smp::enc {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Exactly n ASCII digits from the front of `in`.
std::optional<int> digits(std::string_view& in, std::size_t n) {
  if (in.size() < n) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (in[i] < '0' || in[i] > '9') return std::nullopt;
    v = v * 10 + (in[i] - '0');
  }
  in.remove_prefix(n);
  return v;
}

bool skip(std::string_view& in, char c) {
  if (in.empty() || in.front() != c) return false;
  in.remove_prefix(1);
  return true;
}

// Z, ±HH:MM or ±HHMM: the offset east of UTC.
std::optional<minutes> zone(std::string_view& in) {
  if (skip(in, 'Z')) return minutes(0);
  if (in.empty() || (in.front() != '+' && in.front() != '-')) return std::nullopt;
  const int sign = in.front() == '-' ? -1 : 1;
  in.remove_prefix(1);
  auto hh = digits(in, 2);
  skip(in, ':');
  auto mm = digits(in, 2);
  if (!hh || !mm || *hh > 23 || *mm > 59) return std::nullopt;
  return minutes(sign * (*hh * 60 + *mm));
}

}  // namespace

Result<std::string> format_iso8601_millis(Timestamp t) {
  const auto day = std::chrono::floor<days>(t);
  const std::chrono::year_month_day ymd(day);
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) return make_error_code(errc::bad_syntax);
  const std::chrono::hh_mm_ss<milliseconds> tod(t - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", year,
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()),
                static_cast<int>(tod.subseconds().count()));
  return std::string(buf);
}

Result<Timestamp> parse_iso8601(std::string_view in) {
  const auto bad = make_error_code(errc::bad_syntax);
  auto y = digits(in, 4);
  if (!y || !skip(in, '-')) return bad;
  auto mo = digits(in, 2);
  if (!mo || !skip(in, '-')) return bad;
  auto d = digits(in, 2);
  if (!d || !skip(in, 'T')) return bad;
  auto h = digits(in, 2);
  if (!h || !skip(in, ':')) return bad;
  auto mi = digits(in, 2);
  if (!mi || !skip(in, ':')) return bad;
  auto s = digits(in, 2);
  if (!s) return bad;
  int millis = 0;
  if (skip(in, '.')) {
    std::size_t n = 0;
    while (n < in.size() && in[n] >= '0' && in[n] <= '9') {
      if (n < 3) millis = millis * 10 + (in[n] - '0');
      ++n;
    }
    if (n == 0) return bad;
    for (std::size_t k = n; k < 3; ++k) millis *= 10;
    in.remove_prefix(n);
  }
  auto offset = zone(in);
  if (!offset || !in.empty()) return bad;

  const std::chrono::year_month_day ymd{std::chrono::year(*y),
                                        std::chrono::month(static_cast<unsigned>(*mo)),
                                        std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok() || *h > 23 || *mi > 59 || *s > 60) return bad;
  const Timestamp t = Timestamp(std::chrono::sys_days(ymd)) + hours(*h) + minutes(*mi) +
                      seconds(*s) + milliseconds(millis) - *offset;
  // The offset (or a leap second) may carry the time out of the years we can write.
  if (!format_iso8601_millis(t)) return bad;
  return t;
}

}  // namespace smp::enc
