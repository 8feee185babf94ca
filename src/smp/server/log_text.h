// Token scanners shared by the store log and the saved-messages file: each consumes from the
// front of `in` and leaves it unchanged on error. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "smp/common/error.h"
#include "smp/server/queue_record.h"

namespace smp::server::log_text {

// Removes one trailing '\r' (the reference's trimCR).
std::string_view strip_cr(std::string_view line);
// Consumes `literal`; errc::bad_syntax if `in` does not start with it.
Result<void> expect(std::string_view& in, std::string_view literal);
// A base64url token decoding to exactly 24 bytes; errc::bad_base64, or errc::bad_syntax for
// another length.
Result<QueueId> parse_id(std::string_view& in);
// One or more ASCII digits (no sign), as attoparsec's decimal; errc::bad_syntax if absent or
// out of range.
Result<std::int64_t> parse_decimal(std::string_view& in);
// An optional '-' or '+' then decimal digits, as attoparsec's `signed decimal` (the
// reference's strP for Int64); errc::bad_syntax if absent or out of range.
Result<std::int64_t> parse_signed_decimal(std::string_view& in);
// Consumes `literal` if `in` starts with it; false (nothing consumed) otherwise.
bool consume(std::string_view& in, std::string_view literal);
// errc::trailing_bytes unless `in` is empty.
Result<void> expect_end(std::string_view in);

}  // namespace smp::server::log_text
