#include "smp/encoding/version.h"

#include <gtest/gtest.h>

#include "support/vectors.h"

namespace smp::enc {
namespace {

using test::hex;
using test::str;

VersionRange range_of(const boost::json::value& v) {
  auto r = VersionRange::make(static_cast<Version>(v.at("min").as_int64()),
                              static_cast<Version>(v.at("max").as_int64()));
  EXPECT_TRUE(r);
  return r ? *r : VersionRange::single(0);
}

TEST(VersionRange, EncodesEveryVectorInBothForms) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  const auto& cases = v.at("version_range_encode").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    VersionRange range = range_of(c.at("value"));
    EXPECT_EQ(str_encode(range), str(c.at("str_encoded")));
    Writer w;
    write_version_range(w, range);
    EXPECT_EQ(to_hex(w.bytes()), str(c.at("smp_encoded")));

    Reader r(w.bytes());
    auto back = read_version_range(r);
    r.expect_end();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(back, range);
    EXPECT_EQ(decode_version_range(str(c.at("str_encoded"))).value(), range);
  }
}

TEST(VersionRange, DecodesEveryStringVector) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  const auto& cases = v.at("version_range_str_decode").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    std::string input = str(c.at("input"));
    const auto& expected = c.at("strDecode").as_object();
    auto got = decode_version_range(input);
    ASSERT_EQ(got.has_value(), expected.at("ok").as_bool()) << input;
    if (got) {
      EXPECT_EQ(*got, range_of(expected.at("value"))) << input;
    }
  }
}

TEST(VersionRange, BinaryDecodeVectorsFailWhenMinAboveMax) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  const auto& cases = v.at("version_range_smp_decode").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    Bytes in = hex(c.at("input"));
    Reader r(in);
    auto got = read_version_range(r);
    r.expect_end();
    bool ok = r.ok() && got.has_value();
    ASSERT_EQ(ok, c.at("decoded").at("ok").as_bool()) << to_hex(in);
    if (!ok) {
      EXPECT_EQ(r.error(), errc::bad_version_range);
    }
  }
}

TEST(VersionRange, MakeRefusesMinAboveMax) {
  EXPECT_EQ(VersionRange::make(2, 1).error(), make_error_code(errc::bad_version_range));
  auto r = VersionRange::make(1, 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->min(), 1);
  EXPECT_EQ(r->max(), 2);
  constexpr VersionRange kConst = VersionRange::of(3, 7);
  static_assert(kConst.min() == 3 && kConst.max() == 7);
}

TEST(VersionRange, ReadFailsOnTruncatedInput) {
  Bytes in = {0x00, 0x01, 0x00};
  Reader r(in);
  EXPECT_FALSE(read_version_range(r));
  EXPECT_EQ(r.error(), errc::truncated);
}

TEST(VersionRange, ParseStopsAfterTheRange) {
  std::string_view in = "1-2&x";
  auto r = parse_version_range(in);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, VersionRange::of(1, 2));
  EXPECT_EQ(in, "&x");
  in = "007 rest";
  EXPECT_EQ(parse_version_range(in).value(), VersionRange::single(7));
  EXPECT_EQ(in, " rest");
}

TEST(VersionRange, ParseRejectsMalformedText) {
  for (std::string_view bad : {"", "-", "-1", "1-", "a", "2-1", "65536", "1-99999", "1--2"}) {
    std::string_view in = bad;
    EXPECT_FALSE(parse_version_range(in)) << bad;
    EXPECT_EQ(in, bad) << "input must be left unchanged";
  }
  EXPECT_EQ(decode_version_range("1 ").error(), make_error_code(errc::trailing_bytes));
  EXPECT_EQ(decode_version_range("1-2-3").error(), make_error_code(errc::trailing_bytes));
  EXPECT_TRUE(decode_version_range("65535"));
}

TEST(VersionCompatibility, ChoosesSmallerMaximumWhenRangesOverlap) {
  EXPECT_EQ(compatible_version(VersionRange::of(1, 3), VersionRange::of(2, 5)), 3);
  EXPECT_EQ(compatible_version(VersionRange::of(2, 5), VersionRange::of(1, 3)), 3);
  EXPECT_EQ(compatible_version(VersionRange::single(1), VersionRange::single(1)), 1);
  EXPECT_EQ(compatible_version(VersionRange::of(1, 2), VersionRange::of(2, 9)), 2);
  EXPECT_EQ(compatible_version(VersionRange::of(1, 2), VersionRange::of(3, 4)), std::nullopt);
  EXPECT_EQ(compatible_version(VersionRange::of(3, 4), VersionRange::of(1, 2)), std::nullopt);
}

TEST(VersionCompatibility, SingleVersionInRange) {
  EXPECT_TRUE(is_compatible(1, VersionRange::single(1)));
  EXPECT_TRUE(is_compatible(2, VersionRange::of(1, 3)));
  EXPECT_FALSE(is_compatible(0, VersionRange::of(1, 3)));
  EXPECT_FALSE(is_compatible(4, VersionRange::of(1, 3)));
}

}  // namespace
}  // namespace smp::enc
