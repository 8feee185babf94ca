#include "smp/encoding/query_string.h"

#include <gtest/gtest.h>

#include "support/vectors.h"

namespace smp::enc {
namespace {

using test::str;

QueryParams params_of(const boost::json::value& v) {
  QueryParams out;
  for (const auto& p : v.as_array()) out.emplace_back(str(p.at(0)), str(p.at(1)));
  return out;
}

TEST(QueryString, RendersEveryVector) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  const auto& cases = v.at("query_string_encode").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    std::string mode = str(c.at("escaping"));
    ASSERT_TRUE(mode == "escape" || mode == "no-escaping") << mode;
    Escaping esc = mode == "escape" ? Escaping::escape : Escaping::none;
    QueryParams params = params_of(c.at("params"));
    EXPECT_EQ(render_query(params, esc), str(c.at("str_encoded")));
    if (esc == Escaping::escape) {
      EXPECT_EQ(decode_query(str(c.at("str_encoded"))).value(), params);
    }
  }
}

TEST(QueryString, ParsesEveryVector) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  const auto& cases = v.at("query_string_decode").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    std::string input = str(c.at("input"));
    const auto& expected = c.at("parsed").as_object();
    auto got = decode_query(input);
    ASSERT_EQ(got.has_value(), expected.at("ok").as_bool()) << input;
    if (got) {
      EXPECT_EQ(*got, params_of(expected.at("value"))) << input;
    }
  }
}

TEST(QueryString, EscapesEverythingButUnreservedWithUppercaseHex) {
  EXPECT_EQ(url_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(url_encode(" !\"#$%&'()*+,/:;<=>?@[\\]^`{|}"),
            "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D");
  EXPECT_EQ(url_encode(std::string("\x00\xff\n", 3)), "%00%FF%0A");
}

TEST(QueryString, NoEscapingKeepsValuesButEscapesNames) {
  QueryParams p = {{"a b", "c d&e"}};
  EXPECT_EQ(render_query(p, Escaping::none), "a%20b=c d&e");
  EXPECT_EQ(render_query(p, Escaping::escape), "a%20b=c%20d%26e");
}

TEST(QueryString, DecodesPlusEitherCaseHexAndKeepsMalformedPercent) {
  EXPECT_EQ(url_decode("a+b%2b%2B%e9"), "a b++\xe9");
  EXPECT_EQ(url_decode("%"), "%");
  EXPECT_EQ(url_decode("%4"), "%4");
  EXPECT_EQ(url_decode("%zz"), "%zz");
  EXPECT_EQ(url_decode("%%41"), "%A");
  EXPECT_EQ(url_decode("50%"), "50%");
  EXPECT_EQ(url_decode("%4g1"), "%4g1");
}

TEST(QueryString, ParseStopsAtSpaceOrNewlineAndDropsOneQuestionMark) {
  std::string_view in = "?a=1&b=2 rest";
  QueryParams p = parse_query(in);
  EXPECT_EQ(p, (QueryParams{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(in, " rest");

  in = "??a=1\nx";
  p = parse_query(in);
  EXPECT_EQ(p, (QueryParams{{"?a", "1"}}));
  EXPECT_EQ(in, "\nx");

  EXPECT_EQ(decode_query("a=1 b").error(), make_error_code(errc::trailing_bytes));
}

TEST(QueryString, SplitsAtFirstEqualsAndKeepsEmptyItems) {
  EXPECT_EQ(decode_query("a=b=c").value(), (QueryParams{{"a", "b=c"}}));
  EXPECT_EQ(decode_query("a&&b").value(), (QueryParams{{"a", ""}, {"", ""}, {"b", ""}}));
  EXPECT_EQ(decode_query("a=1&").value(), (QueryParams{{"a", "1"}}));
  EXPECT_EQ(decode_query("&a").value(), (QueryParams{{"", ""}, {"a", ""}}));
  EXPECT_EQ(decode_query("").value(), QueryParams{});
  EXPECT_EQ(decode_query("?").value(), QueryParams{});
  EXPECT_EQ(decode_query("%3D=%26").value(), (QueryParams{{"=", "&"}}));
}

TEST(QueryString, LookupReturnsFirstMatch) {
  QueryParams p = {{"v", "1"}, {"x", ""}, {"v", "2"}};
  EXPECT_EQ(query_param(p, "v"), "1");
  EXPECT_EQ(query_param(p, "x"), "");
  EXPECT_EQ(query_param(p, "y"), std::nullopt);
  EXPECT_EQ(query_param(p, "V"), std::nullopt);
}

TEST(QueryString, RenderThenParseRoundTripsArbitraryBytes) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  QueryParams p = {{all, all}, {"", ""}, {"k", "v"}};
  EXPECT_EQ(decode_query(render_query(p)).value(), p);
}

}  // namespace
}  // namespace smp::enc
