// Haskell String literals (`show` / `read` of a String), the form the agent protocol uses for
// `ERR INTERNAL "<text>"` (spec §7.3).
//
// show_string writes what GHC's showLitString does: double quotes; \" and \\; \a \b \f \n \r \t
// \v; other control characters by name (\NUL, \SOH, … \US, \DEL); code points above 127 as
// decimal escapes (\233); "\&" after a numeric escape that a digit follows and after \SO that
// an 'H' follows. read_string accepts every escape of the Haskell report (numeric \123 \o17
// \x7f, \^A, ASCII names, \& and string gaps) and raw bytes taken as Latin-1, but only a bare
// literal: no surrounding blanks, parentheses or list syntax (the reference's `read` would
// take those too). Text is handled as Unicode code points; the _utf8 forms convert, writing
// bytes that are not UTF-8 as their Latin-1 code point. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::enc {

std::string show_string(std::u32string_view text);
std::string show_string_utf8(std::string_view utf8);
// `show` of a ByteString: every byte is one Latin-1 character.
std::string show_latin1(ByteView bytes);

// The whole input must be one literal; errc::bad_syntax otherwise.
Result<std::u32string> read_string(std::string_view literal);
// As read_string, encoded as UTF-8 (surrogate code points are encoded like any other, so
// show_string_utf8 gives the literal back).
Result<std::string> read_string_utf8(std::string_view literal);

// UTF-8 of one code point (≤ 0x10FFFF, surrogates included) appended to out.
void append_utf8(std::string& out, char32_t cp);
// Code points of a UTF-8 text; a byte that does not start a well-formed sequence becomes the
// code point of that byte.
std::u32string decode_utf8_lenient(std::string_view utf8);

}  // namespace smp::enc
