#include "smp/agent/retry_schedule.h"

#include <gtest/gtest.h>

#include <vector>

namespace smp::agent {
namespace {

using us = std::chrono::microseconds;

std::vector<us> take(RetrySchedule s, std::size_t n) {
  std::vector<us> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(s.next());
  return out;
}

std::vector<us> reference_prefix() {
  std::vector<us> want(11, us{1'000'000});
  for (auto v : {1'500'000, 2'250'000, 3'375'000, 5'062'500, 7'593'750, 10'000'000, 10'000'000,
                 10'000'000}) {
    want.push_back(us{v});
  }
  return want;
}

TEST(RetryScheduleTest, ReferenceWaitsOneSecondElevenTimesThenGrowsByHalfToTenSeconds) {
  auto want = reference_prefix();
  EXPECT_EQ(take(RetrySchedule::reference(), want.size()), want);
}

TEST(RetryScheduleTest, ReferenceStaysAtMaxForever) {
  RetrySchedule s = RetrySchedule::reference();
  for (int i = 0; i < 1000; ++i) (void)s.next();
  EXPECT_EQ(s.next(), us{10'000'000});
}

TEST(RetryScheduleTest, FastStartDoublesFrom25msThenFollowsTheReference) {
  std::vector<us> want{us{25'000}, us{50'000}, us{100'000}, us{200'000}, us{400'000}, us{800'000}};
  auto ref = reference_prefix();
  want.insert(want.end(), ref.begin(), ref.end());
  EXPECT_EQ(take(RetrySchedule::fast_start(), want.size()), want);
}

TEST(RetryScheduleTest, IntervalsAreConfigurable) {
  RetryInterval ri{us{100}, us{300}, us{200}};
  // 100 ×4 (elapsed 0,100,200,300), then 150, 200, 200.
  std::vector<us> want{us{100}, us{100}, us{100}, us{100}, us{150}, us{200}, us{200}};
  EXPECT_EQ(take(RetrySchedule::reference(ri), want.size()), want);
  std::vector<us> fast{us{30}, us{60}, us{100}, us{100}};
  EXPECT_EQ(take(RetrySchedule::fast_start(ri, us{30}), fast.size()), fast);
}

TEST(RetryScheduleTest, FastStartWithoutAFastPhaseIsTheReference) {
  auto want = reference_prefix();
  EXPECT_EQ(take(RetrySchedule::fast_start({}, us{0}), want.size()), want);
  EXPECT_EQ(take(RetrySchedule::fast_start({}, us{2'000'000}), want.size()), want);
}

}  // namespace
}  // namespace smp::agent
