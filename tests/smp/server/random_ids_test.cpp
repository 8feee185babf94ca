#include "smp/server/random_ids.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace smp::server {
namespace {

TEST(RandomIdsTest, IdsDoNotRepeat) {
  std::set<std::array<std::uint8_t, 24>> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(random_id<24>()).second);
}

TEST(RandomIdsTest, ThreadsDrawDifferentIds) {
  std::array<std::uint8_t, 24> a{}, b{};
  std::thread t1([&] { a = random_id<24>(); });
  std::thread t2([&] { b = random_id<24>(); });
  t1.join();
  t2.join();
  EXPECT_NE(a, b);
  EXPECT_NE(a, (std::array<std::uint8_t, 24>{}));
}

}  // namespace
}  // namespace smp::server
