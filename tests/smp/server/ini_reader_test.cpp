#include "smp/server/ini_reader.h"

#include <gtest/gtest.h>

namespace smp::server {
namespace {

// The parsed file, or an empty one after failing the test.
Ini parse_ok(std::string_view text) {
  auto r = parse_ini(text);
  if (!r.has_value()) {
    ADD_FAILURE() << "line " << r.error().line << ": " << r.error().message;
    return Ini{};
  }
  return *r;
}

std::string value_of(const Ini& ini, std::string_view section, std::string_view key) {
  const IniEntry* e = ini.find(section, key);
  return e ? e->value : "<missing>";
}

TEST(IniReader, ReadsSectionsAndBothSeparators) {
  Ini ini = parse_ok("[A]\nx: 1\ny = two words\n\n[B]\nz:3\n");
  ASSERT_EQ(ini.entries().size(), 3u);
  EXPECT_EQ(value_of(ini, "A", "x"), "1");
  EXPECT_EQ(value_of(ini, "A", "y"), "two words");
  EXPECT_EQ(value_of(ini, "B", "z"), "3");
  ASSERT_NE(ini.find("B", "z"), nullptr);
  EXPECT_EQ(ini.find("B", "z")->line, 6u);
  EXPECT_EQ(ini.find("A", "z"), nullptr);
  EXPECT_EQ(ini.sections(), (std::vector<std::string>{"A", "B"}));
}

TEST(IniReader, SkipsCommentLinesAndCutsCommentsAfterWhitespace) {
  Ini ini = parse_ok("# top\n; also\n[S]\n  # indented\nenable: off  # on\npass: a#b\nk: v ;c\n");
  EXPECT_EQ(value_of(ini, "S", "enable"), "off");
  EXPECT_EQ(value_of(ini, "S", "pass"), "a#b");
  EXPECT_EQ(value_of(ini, "S", "k"), "v");
}

TEST(IniReader, AcceptsCrlfAndEmptyValues) {
  Ini ini = parse_ok("[S]\r\nhost:\r\nport: 5223\r\n");
  EXPECT_EQ(value_of(ini, "S", "host"), "");
  EXPECT_EQ(value_of(ini, "S", "port"), "5223");
}

TEST(IniReader, SplitsAtTheFirstSeparator) {
  Ini ini = parse_ok("[S]\nurl: http://x=y\n");
  EXPECT_EQ(value_of(ini, "S", "url"), "http://x=y");
}

TEST(IniReader, RepeatedSectionMergesKeys) {
  Ini ini = parse_ok("[S]\na: 1\n[T]\n[S]\nb: 2\n");
  EXPECT_EQ(value_of(ini, "S", "b"), "2");
  EXPECT_EQ(ini.sections(), (std::vector<std::string>{"S", "T"}));
}

TEST(IniReader, EmptyTextHasNoEntries) {
  Ini ini = parse_ok("");
  EXPECT_TRUE(ini.entries().empty());
}

struct BadIni {
  const char* text;
  std::size_t line;
  const char* message_part;
};

class IniReaderErrors : public ::testing::TestWithParam<BadIni> {};

TEST_P(IniReaderErrors, NameTheLine) {
  auto ini = parse_ini(GetParam().text);
  ASSERT_FALSE(ini.has_value());
  IniError e = ini.error();
  EXPECT_EQ(e.line, GetParam().line);
  EXPECT_NE(e.message.find(GetParam().message_part), std::string::npos) << e.message;
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, IniReaderErrors,
    ::testing::Values(BadIni{"[S\nx: 1\n", 1, "closing"},
                      BadIni{"[S]\nx: 1\n[]\n", 3, "empty section"},
                      BadIni{"[S] junk\n", 1, "after the section"},
                      BadIni{"[S]\nport 5223\n", 2, "key: value"},
                      BadIni{"[S]\n: 5223\n", 2, "missing key"},
                      BadIni{"x: 1\n[S]\n", 1, "outside"},
                      BadIni{"[S]\nx: 1\n\nx: 2\n", 4, "repeated"}));

}  // namespace
}  // namespace smp::server
