// SystemTime in binary form (spec §1.1): i64 seconds since the Unix epoch. Sub-second parts
// are dropped on encoding (rounded towards negative infinity, as the reference's SystemTime
// keeps nanoseconds in [0, 1e9)); decoding yields whole seconds. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>

#include "smp/encoding/binary.h"

namespace smp::enc {

using SystemSeconds = std::chrono::sys_seconds;

// Takes any system-clock time point (system_clock::time_point, sys_seconds, ...) without
// converting it to a finer unit, so every i64 second count can be written back.
template <class Duration>
void write_system_time(Writer& w, std::chrono::sys_time<Duration> t) {
  w.i64(std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count());
}

// nullopt on error (check r.ok()). Any i64 is accepted, so a decoded time may lie outside
// what system_clock::time_point (nanoseconds, about ±292 years) can hold: compare or convert
// in seconds, or range-check before converting.
inline std::optional<SystemSeconds> read_system_time(Reader& r) {
  std::int64_t s = r.i64();
  if (!r.ok()) return std::nullopt;
  return SystemSeconds(std::chrono::seconds(s));
}

}  // namespace smp::enc
