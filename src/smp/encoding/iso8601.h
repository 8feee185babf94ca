// UTC timestamps in the agent protocol's MSG metadata (spec §7.2): written as
// YYYY-MM-DDTHH:MM:SS.sssZ (milliseconds, always three digits, as formatISO8601Millis), read
// in the forms the reference's parseISO8601 takes: YYYY-MM-DDTHH:MM:SS, an optional fraction
// of any length (digits past the milliseconds are dropped), then Z, ±HH:MM or ±HHMM. A second
// of 60 rolls over into the next minute. Times are in UTC years 0000-9999 both ways, so
// whatever is read can be written. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "smp/common/error.h"

namespace smp::enc {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// errc::bad_syntax for a time outside years 0000-9999.
Result<std::string> format_iso8601_millis(Timestamp t);
// The whole text; errc::bad_syntax when it is not a valid timestamp.
Result<Timestamp> parse_iso8601(std::string_view text);

}  // namespace smp::enc
