#include "smp/encoding/system_time.h"

#include <gtest/gtest.h>

#include <limits>

namespace smp::enc {
namespace {

using namespace std::chrono;

TEST(SystemTime, MatchesSpecExampleAndDropsSubSeconds) {
  Writer w;
  write_system_time(w, system_clock::time_point(seconds(1641032645) + milliseconds(999)));
  EXPECT_EQ(to_hex(w.bytes()), "0000000061d02bc5");
  Reader r(w.bytes());
  auto t = read_system_time(r);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->time_since_epoch().count(), 1641032645);
}

TEST(SystemTime, PreEpochTimesRoundDown) {
  Writer w;
  write_system_time(w, system_clock::time_point(milliseconds(-1)));
  EXPECT_EQ(to_hex(w.bytes()), "ffffffffffffffff");
}

// Found by fuzzing: a decoded far-future time written back used to be converted to
// nanoseconds first, which overflowed.
TEST(SystemTime, RoundTripsSecondCountsBeyondNanosecondRange) {
  for (std::int64_t s : {std::int64_t{0x00d02b0061d02bc5}, std::numeric_limits<std::int64_t>::max(),
                         std::numeric_limits<std::int64_t>::min()}) {
    Writer w;
    w.i64(s);
    Reader r(w.bytes());
    auto t = read_system_time(r);
    ASSERT_TRUE(t);
    Writer again;
    write_system_time(again, *t);
    EXPECT_EQ(again.bytes(), w.bytes()) << s;
  }
}

TEST(SystemTime, TruncatedInputFails) {
  Bytes in = {0, 0, 0, 0, 0x61, 0xd0, 0x2b};
  Reader r(in);
  EXPECT_EQ(read_system_time(r), std::nullopt);
  EXPECT_EQ(r.error(), errc::truncated);
}

}  // namespace
}  // namespace smp::enc
