// Haskell String literals (`show` / `read` of a String), the form of the agent protocol's
// `ERR INTERNAL "<text>"` (spec §7.3). show_string writes what GHC's showLitString writes;
// read_string takes every escape of the Haskell report but only a bare literal (no blanks,
// parentheses or list syntax around it, which the reference's `read` would also take).
// Text is handled as Unicode code points; the _utf8 forms convert. Pure functions;
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::enc {

// Double quotes; \" and \\; \a \b \f \n \r \t \v; other control characters by name (\NUL,
// \SOH, … \US, \DEL); code points above 127 as decimal escapes (\233); "\&" after a numeric
// escape that a digit follows and after \SO that an 'H' follows.
std::string show_string(std::u32string_view text);
// Bytes that are not UTF-8 are shown as their Latin-1 code point.
std::string show_string_utf8(std::string_view utf8);
// `show` of a ByteString: every byte is one Latin-1 character.
std::string show_latin1(ByteView bytes);

// The whole input must be one literal; errc::bad_syntax otherwise (trailing_bytes after the
// closing quote). Escapes: numeric (\123 \o17 \x7f), \^A, ASCII names, \& and string gaps;
// raw bytes are taken as Latin-1.
Result<std::u32string> read_string(std::string_view literal);
// As read_string, encoded as UTF-8. Surrogate code points are encoded like any other, so
// reading what show_string_utf8 writes of the result gives the result again.
Result<std::string> read_string_utf8(std::string_view literal);

// UTF-8 of one code point (≤ 0x10FFFF, surrogates included) appended to out.
void append_utf8(std::string& out, char32_t cp);
// Code points of a UTF-8 text; a byte that does not start a well-formed sequence becomes the
// code point of that byte.
std::u32string decode_utf8_lenient(std::string_view utf8);

}  // namespace smp::enc
