#include "smp/encoding/system_time.h"

#include <gtest/gtest.h>

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

TEST(SystemTime, TruncatedInputFails) {
  Bytes in = {0, 0, 0, 0, 0x61, 0xd0, 0x2b};
  Reader r(in);
  EXPECT_EQ(read_system_time(r), std::nullopt);
  EXPECT_EQ(r.error(), errc::truncated);
}

}  // namespace
}  // namespace smp::enc
