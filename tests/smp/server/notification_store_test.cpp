// NotificationStore: notifications kept per notifier, taken oldest first, capped, expired.

#include "smp/server/notification_store.h"

#include <gtest/gtest.h>

namespace smp::server {
namespace {

StoredNotification at(std::int64_t ts) {
  StoredNotification n{.timestamp = ts};
  n.nonce[0] = static_cast<std::uint8_t>(ts);
  return n;
}

TEST(NotificationStore, TakesOldestFirstAndPutsBackInFront) {
  NotificationStore store;
  QueueId a{}, b{};
  a[8] = 1;
  b[8] = 2;
  for (int i = 1; i <= 5; ++i) store.add(a, at(i));
  store.add(b, at(100));
  EXPECT_EQ(store.size(), 6u);
  auto two = store.take(a, 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].timestamp, 1);
  EXPECT_EQ(two[1].timestamp, 2);
  store.put_back(a, {two[1]});
  auto rest = store.take(a, 10);
  ASSERT_EQ(rest.size(), 4u);
  EXPECT_EQ(rest[0].timestamp, 2);
  EXPECT_EQ(rest[3].timestamp, 5);
  EXPECT_TRUE(store.take(a, 10).empty());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.remove(b), 1u);
  EXPECT_EQ(store.size(), 0u);
}

TEST(NotificationStore, KeepsAtMostTheCapDroppingTheOldest) {
  NotificationStore store;
  QueueId a{};
  const auto cap = static_cast<std::int64_t>(NotificationStore::kMaxPerNotifier);
  for (std::int64_t i = 0; i < cap + 3; ++i) store.add(a, at(i));
  auto all = store.take(a, NotificationStore::kMaxPerNotifier + 10);
  ASSERT_EQ(all.size(), NotificationStore::kMaxPerNotifier);
  EXPECT_EQ(all.front().timestamp, 3);
  EXPECT_EQ(all.back().timestamp, cap + 2);
}

TEST(NotificationStore, ExpiresNotificationsOfOldMessages) {
  NotificationStore store;
  QueueId a{}, b{};
  b[8] = 5;
  store.add(a, at(10));
  store.add(a, at(20));
  store.add(b, at(5));
  EXPECT_EQ(store.expire_older_than(15), 2u);
  auto left = store.take(a, 10);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].timestamp, 20);
  EXPECT_TRUE(store.take(b, 10).empty());
}

}  // namespace
}  // namespace smp::server
