// SMP ErrorType (spec §4.4): the text carried by a broker `ERR` message, mapped onto the
// smp_* values of smp::errc.
//
// `BLOCK`, `SESSION`, `CMD UNKNOWN|SYNTAX|NO_AUTH|HAS_AUTH|NO_QUEUE`, `AUTH`, `QUOTA`,
// `NO_MSG`, `LARGE_MSG`, `INTERNAL`. The reference's internal `DUPLICATE_` is never sent and
// is not accepted here. Pure functions; thread-safe; returned views point to static storage.
#pragma once

#include <optional>

#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::protocol {

// True for the twelve errc values that have an SMP ErrorType (errc::smp_block … smp_internal).
bool is_error_type(errc e) noexcept;

// Any error as the ErrorType a peer is told: smp_* values map to themselves, everything else
// (store, crypto backend, I/O failures) to errc::smp_internal, as the reference answers
// INTERNAL for its own failures.
errc to_error_type(errc e) noexcept;

// The exact wire text of to_error_type(e), e.g. "CMD SYNTAX", "AUTH".
std::string_view error_type_text(errc e) noexcept;

// Parses the whole input as ErrorType text (the reference's smpP under parseAll): tokens are
// case-sensitive, "CMD" needs exactly one space and a CommandError, nothing may follow.
// Returns the smp_* value, or nullopt. (Not Result<errc>: errc converts to an error_code, so
// a Result<errc> could not tell a parsed value from a failure.)
std::optional<errc> parse_error_type(ByteView text) noexcept;

}  // namespace smp::protocol
