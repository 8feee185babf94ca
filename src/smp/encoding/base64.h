// Base64 text forms (spec §1.2): base64url with '=' padding for every URI and text field, and
// standard base64 for the few places that use it (the agent's MSG broker id).
//
// Decoding follows base64-bytestring as run by the reference (the version that produced the
// known-answer vectors): base64url is padding-agnostic (missing '=' are added), standard base64
// needs exact padding, and both reject '=' inside the text and non-zero trailing bits.
// The parse_* scanners are the token parsers used inside larger grammars. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::enc {

// base64url (RFC 4648 §5) with '=' padding; "" for empty input.
std::string b64url_encode(ByteView data);
// The same, appended to `out` (no temporary string).
void b64url_encode_append(std::string& out, ByteView data);

// Decodes a whole base64url text; errc::bad_base64 on failure. "" decodes to empty bytes.
// Length ≡ 0 (mod 4) is taken as padded; ≡ 2 or 3 gets the missing '=' appended, except
// that a ≡ 3 text already ending in '=' is refused; ≡ 1 is refused.
Result<Bytes> b64url_decode(std::string_view text);

// The base64url token parser (`strP` for ByteString): consumes `[A-Za-z0-9_-]+` then `=*`
// from the front of `in` and decodes it. An empty token is an error. Like the reference,
// Latin-1 letters and digits (e.g. 0xE9) are taken into the token and then fail to decode.
// On success `in` is advanced past the token; on error `in` is unchanged.
Result<Bytes> parse_b64url_token(std::string_view& in);
// The same token parser decoding into `out` instead of a new Bytes: returns the decoded
// length n (snprintf-like: when n > out.size() the token is valid but did not fit, `out`
// holds nothing useful and `in` is still advanced). Errors and the advance of `in` are
// exactly those of parse_b64url_token.
Result<std::size_t> parse_b64url_token_into(std::string_view& in, std::span<std::uint8_t> out);

// Standard base64 (RFC 4648 §4), padded.
std::string b64_encode(ByteView data);

// Decodes a whole standard base64 text; the length must be a multiple of 4 with correct
// padding; errc::bad_base64 otherwise.
Result<Bytes> b64_decode(std::string_view text);

// The standard base64 token parser (`base64P`): `[A-Za-z0-9+/]+` then `=*`, decoded strictly.
// On error `in` is unchanged.
Result<Bytes> parse_b64_token(std::string_view& in);

}  // namespace smp::enc
