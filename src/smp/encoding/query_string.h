// Query strings as the reference agent writes and reads them (spec §1.4, http-types 0.12.3):
// name=value pairs joined by '&'. Rendering either percent-encodes names and values
// (Escaping::escape) or names only (Escaping::none); parsing is always the same lenient
// percent-decoding. Pure functions over value types; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smp/common/error.h"

namespace smp::enc {

// Pairs in order; names may repeat (lookups take the first).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

enum class Escaping { escape, none };

// http-types urlEncode True: keeps A-Z a-z 0-9 - _ . ~, every other byte becomes %XX with
// uppercase hex (space is %20).
std::string url_encode(std::string_view text);
// http-types urlDecode True: '+' is a space, %XX with either-case hex is its byte, and a '%'
// not followed by two hex digits stays a literal '%'.
std::string url_decode(std::string_view text);

// "n1=v1&n2=v2" with no leading '?'; "" for no pairs. Escaping::none writes values raw.
std::string render_query(const QueryParams& params, Escaping escaping = Escaping::escape);

// Parses the front of `in` up to (not including) the first ' ' or '\n' and advances `in` to
// it. Drops one leading '?', splits on '&' or ';', splits each item at its first '=' (no '='
// means an empty value) and url-decodes both parts. Never fails.
QueryParams parse_query(std::string_view& in);
// Parses the whole text; errc::trailing_bytes if it contains a ' ' or '\n'.
Result<QueryParams> decode_query(std::string_view text);

// The value of the first pair named `name`, or nullopt.
std::optional<std::string_view> query_param(const QueryParams& params, std::string_view name);

}  // namespace smp::enc
