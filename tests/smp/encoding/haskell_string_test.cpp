#include "smp/encoding/haskell_string.h"

#include <gtest/gtest.h>

namespace smp::enc {
namespace {

std::string show(std::u32string_view s) { return show_string(s); }

TEST(HaskellShow, PlainAsciiIsQuoted) {
  EXPECT_EQ(show(U""), R"("")");
  EXPECT_EQ(show(U"some error"), R"("some error")");
  EXPECT_EQ(show(U"it's"), R"("it's")");  // no escape for ' inside a string
}

TEST(HaskellShow, QuoteAndBackslashAreEscaped) { EXPECT_EQ(show(U"a\"b\\c"), R"("a\"b\\c")"); }

TEST(HaskellShow, ControlCharactersUseLettersOrNames) {
  EXPECT_EQ(show(U"\n\r\t\a\b\f\v"), R"("\n\r\t\a\b\f\v")");
  EXPECT_EQ(show(std::u32string(1, U'\0')), R"("\NUL")");
  EXPECT_EQ(show(U"\x01\x02\x03\x1b\x1f"), R"("\SOH\STX\ETX\ESC\US")");
  EXPECT_EQ(show(U"\x7f"), R"("\DEL")");
}

TEST(HaskellShow, NonAsciiIsDecimal) {
  EXPECT_EQ(show(U"\u00e9"), R"("\233")");
  EXPECT_EQ(show(U"\u4e2d"), R"("\20013")");
  EXPECT_EQ(show(U"\U0001F600"), R"("\128512")");
}

// The separator GHC writes so that a following character does not extend the escape.
TEST(HaskellShow, EmptyEscapeSeparatesNumericEscapeFromADigit) {
  EXPECT_EQ(show(U"\u00f76"), R"("\247\&6")");
  EXPECT_EQ(show(U"\u00f7a"), R"("\247a")");
  EXPECT_EQ(show(U"\x0eH"), R"("\SO\&H")");
  EXPECT_EQ(show(U"\x0eI"), R"("\SOI")");
  EXPECT_EQ(show(U"\x01"
                 U"1"),
            R"("\SOH1")");  // names need no separator before digits
}

TEST(HaskellShow, ByteStringsAreLatin1) {
  const Bytes bytes = {'l', 'i', 'n', 'e', '\n', '\r', 0, 0xff};
  EXPECT_EQ(show_latin1(bytes), R"("line\n\r\NUL\255")");
}

TEST(HaskellShow, Utf8TextIsShownByCodePoint) {
  EXPECT_EQ(show_string_utf8("caf\xc3\xa9"), R"("caf\233")");
  // A byte that is not UTF-8 is shown as its Latin-1 character.
  EXPECT_EQ(show_string_utf8("\xe9t\xc3"), R"("\233t\195")");
  // Overlong forms are not decoded.
  EXPECT_EQ(show_string_utf8("\xc0\x80"), R"("\192\128")");
}

TEST(HaskellRead, InvertsShow) {
  const std::u32string samples[] = {
      U"",
      U"plain",
      U"q\"b\\",
      U"\n\r\t\a\b\f\v",
      std::u32string(3, U'\0'),
      U"\u00f76",
      U"\x0eH",
      U"\x0e\x01",
      U"\x7f\u0080\u00ff\U0010FFFF",
      U"\u4e2d\u6587 7",
  };
  for (const auto& s : samples) {
    auto back = read_string(show(s));
    ASSERT_TRUE(back) << show(s);
    EXPECT_EQ(back.value(), s) << show(s);
  }
}

TEST(HaskellRead, AcceptsEveryEscapeOfTheReport) {
  EXPECT_EQ(read_string(R"("\65\x41\X41\o101\O101")").value(), U"AAAAA");
  EXPECT_EQ(read_string(R"("\^A\^@\^_\^[")").value(), std::u32string(U"\x01\0\x1f\x1b", 4));
  EXPECT_EQ(read_string(R"("\SOH\SO\&H\SP\DEL\NUL")").value(),
            std::u32string(U"\x01\x0eH \x7f\0", 6));
  EXPECT_EQ(read_string(R"("a\&b")").value(), U"ab");
  EXPECT_EQ(read_string(R"("a\'b")").value(), U"a'b");
  EXPECT_EQ(read_string("\"ab\\  \t \\cd\"").value(), U"abcd");  // string gap
  EXPECT_EQ(read_string("\"\xe9\"").value(), U"\u00e9");         // raw bytes are Latin-1
  EXPECT_EQ(read_string(R"("\1114111")").value(), U"\U0010FFFF");
}

TEST(HaskellRead, RejectsMalformedLiterals) {
  for (std::string_view bad : {
           "",
           "abc",
           "\"",
           "\"abc",
           "\"a\\\"",
           R"("\q")",
           R"("\1114112")",
           R"("\x")",
           R"("\o8")",
           R"("\^a")",
           R"("\^")",
           R"("\ABC")",
           "\"a\\ b\"",
           R"("\)",
           R"( "a")",
           R"(("a"))",
           R"(['a'])",
       }) {
    EXPECT_FALSE(read_string(bad)) << bad;
  }
  EXPECT_EQ(read_string(R"("a" )").error(), make_error_code(errc::trailing_bytes));
  EXPECT_EQ(read_string(R"("a"b")").error(), make_error_code(errc::trailing_bytes));
}

TEST(HaskellRead, Utf8FormRoundTripsThroughShow) {
  for (std::string_view literal :
       {R"("caf\233")", R"("\55296\&1")", R"("\1114111\NUL")", R"("x\SO\&H")"}) {
    auto text = read_string_utf8(literal);
    ASSERT_TRUE(text) << literal;
    EXPECT_EQ(show_string_utf8(text.value()), literal);
  }
}

}  // namespace
}  // namespace smp::enc
