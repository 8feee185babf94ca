#include "smp/encoding/binary.h"

#include <gtest/gtest.h>

#include "smp/encoding/padding.h"
#include "support/vectors.h"

namespace smp::enc {
namespace {

TEST(BinaryEncoding, Int64MatchesSpecExample) {
  Writer w;
  w.i64(1234567890123456789);
  EXPECT_EQ(to_hex(w.bytes()), "112210f47de98115");
  Reader r(w.bytes());
  EXPECT_EQ(r.i64(), 1234567890123456789);
  r.expect_end();
  EXPECT_TRUE(r.ok());
}

TEST(BinaryEncoding, RefusesShortStringOver255Bytes) {
  Bytes big(256, 'x');
  Writer w;
  w.short_bytes(big);
  EXPECT_EQ(w.error(), errc::value_too_large);
  EXPECT_FALSE(std::move(w).finish().has_value());
}

TEST(BinaryEncoding, ShortStringLengthBeyondInputIsTruncated) {
  Bytes in = {0x05, 'a', 'b'};
  Reader r(in);
  auto v = r.short_bytes();
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(r.error(), errc::truncated);
  // Sticky: further reads stay failed and return nothing.
  EXPECT_EQ(r.u8(), 0);
  EXPECT_EQ(r.error(), errc::truncated);
}

TEST(BinaryEncoding, MaybeRejectsOtherTags) {
  Bytes in = {'2'};
  Reader r(in);
  r.maybe_tag();
  EXPECT_EQ(r.error(), errc::bad_tag);
}

TEST(BinaryEncoding, ExpectEndReportsTrailingBytes) {
  Bytes in = {0x00, 0x01, 0x02};
  Reader r(in);
  EXPECT_EQ(r.u16(), 1);
  r.expect_end();
  EXPECT_EQ(r.error(), errc::trailing_bytes);
}

TEST(Padding, PadMatchesSpecExample) {
  auto p = pad(as_bytes("hello"), 24);
  ASSERT_TRUE(p);
  std::string fill;
  for (int i = 0; i < 17; ++i) fill += "23";
  EXPECT_EQ(to_hex(*p), "000568656c6c6f" + fill);
  auto u = unpad(*p);
  ASSERT_TRUE(u);
  EXPECT_EQ(as_chars(*u), "hello");
}

TEST(Padding, RejectsMessageThatDoesNotFit) {
  Bytes msg(23, 'a');
  EXPECT_EQ(pad(msg, 24).error(), make_error_code(errc::crypto_large_msg));
  Bytes bad = {0x00, 0x05, 'a'};
  EXPECT_EQ(unpad(bad).error(), make_error_code(errc::crypto_large_msg));
}

}  // namespace
}  // namespace smp::enc
