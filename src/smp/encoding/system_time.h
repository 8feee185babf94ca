// SystemTime in binary form (spec §1.1): i64 seconds since the Unix epoch. Sub-second parts
// are dropped on encoding (rounded towards negative infinity, as the reference's SystemTime
// keeps nanoseconds in [0, 1e9)); decoding yields whole seconds. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>

#include "smp/encoding/binary.h"

namespace smp::enc {

using SystemSeconds = std::chrono::sys_seconds;

inline void write_system_time(Writer& w, std::chrono::system_clock::time_point t) {
  w.i64(std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count());
}

// nullopt on error (check r.ok()).
inline std::optional<SystemSeconds> read_system_time(Reader& r) {
  std::int64_t s = r.i64();
  if (!r.ok()) return std::nullopt;
  return SystemSeconds(std::chrono::seconds(s));
}

}  // namespace smp::enc
