#include "smp/encoding/containers.h"

#include <gtest/gtest.h>

namespace smp::enc {
namespace {

auto read_short = [](Reader& r) { return to_bytes(r.short_bytes()); };

// An item reader in the optional style: a 1-byte value that must be even.
std::optional<int> read_even(Reader& r) {
  std::uint8_t b = r.u8();
  if (!r.ok()) return std::nullopt;
  if (b % 2 != 0) {
    r.fail(errc::bad_tag);
    return std::nullopt;
  }
  return b;
}

TEST(Containers, MaybeRejectsUnknownTagAndTruncatedValue) {
  Bytes bad_tag = {'2', 0x00};
  Reader r1(bad_tag);
  EXPECT_EQ(read_maybe(r1, read_short), std::nullopt);
  EXPECT_EQ(r1.error(), errc::bad_tag);

  Bytes truncated = {'1', 0x03, 'a'};
  Reader r2(truncated);
  EXPECT_EQ(read_maybe(r2, read_short), std::nullopt);
  EXPECT_EQ(r2.error(), errc::truncated);

  Bytes empty;
  Reader r3(empty);
  read_maybe(r3, read_short);
  EXPECT_EQ(r3.error(), errc::truncated);
}

TEST(Containers, ListCountBeyondInputIsTruncated) {
  Bytes in = {0x03, 0x01, 'a', 0x01, 'b'};
  Reader r(in);
  auto items = read_list(r, read_short);
  EXPECT_TRUE(items.empty());
  EXPECT_EQ(r.error(), errc::truncated);
}

TEST(Containers, ListPropagatesItemErrorFromOptionalReader) {
  Bytes ok = {0x02, 0x02, 0x04};
  Reader r1(ok);
  EXPECT_EQ(read_non_empty(r1, read_even), (std::vector<int>{2, 4}));
  EXPECT_TRUE(r1.ok());

  Bytes bad = {0x02, 0x02, 0x03};
  Reader r2(bad);
  EXPECT_TRUE(read_list(r2, read_even).empty());
  EXPECT_EQ(r2.error(), errc::bad_tag);
}

TEST(Containers, NonEmptyRefusesZeroCountButListAcceptsIt) {
  Bytes zero = {0x00};
  Reader r1(zero);
  read_non_empty(r1, read_short);
  EXPECT_EQ(r1.error(), errc::bad_syntax);
  Reader r2(zero);
  EXPECT_TRUE(read_list(r2, read_short).empty());
  EXPECT_TRUE(r2.ok());
}

TEST(Containers, WriterRefusesMoreThan255Items) {
  std::vector<int> items(256, 0);
  Writer w;
  write_list(w, items, [](Writer& wr, int) { wr.u8(0); });
  EXPECT_EQ(w.error(), errc::value_too_large);
}

TEST(Containers, MaybeRoundTrips) {
  Writer w;
  write_maybe(w, std::optional<Bytes>(to_bytes("ab")), [](Writer& wr, const Bytes& b) { wr.short_bytes(b); });
  write_maybe(w, std::optional<Bytes>(), [](Writer& wr, const Bytes& b) { wr.short_bytes(b); });
  EXPECT_EQ(to_hex(w.bytes()), "3102616230");
  Reader r(w.bytes());
  EXPECT_EQ(read_maybe(r, read_short), to_bytes("ab"));
  EXPECT_EQ(read_maybe(r, read_short), std::nullopt);
  r.expect_end();
  EXPECT_TRUE(r.ok());
}

}  // namespace
}  // namespace smp::enc
