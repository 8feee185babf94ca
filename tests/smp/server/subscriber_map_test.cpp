#include "smp/server/subscriber_map.h"

#include <gtest/gtest.h>

namespace smp::server {
namespace {

struct Conn {
  int n = 0;
};

QueueId id(std::uint8_t b) {
  QueueId q{};
  q.fill(b);
  return q;
}

TEST(SubscriberMapTest, ReplaceReturnsThePreviousLiveSubscriberOnly) {
  SubscriberMap<Conn> m;
  auto a = std::make_shared<Conn>();
  auto b = std::make_shared<Conn>();
  EXPECT_EQ(m.replace(id(1), a), nullptr);
  EXPECT_EQ(m.replace(id(1), a), nullptr);  // the same connection again: no END
  EXPECT_EQ(m.replace(id(1), b), a);
  EXPECT_EQ(m.find(id(1)), b);
  b.reset();  // gone without cleaning up
  EXPECT_EQ(m.find(id(1)), nullptr);
  EXPECT_EQ(m.replace(id(1), a), nullptr);  // nobody alive to end
}

TEST(SubscriberMapTest, RemoveIfOwnerKeepsANewerSubscriber) {
  SubscriberMap<Conn> m;
  auto a = std::make_shared<Conn>();
  auto b = std::make_shared<Conn>();
  m.replace(id(2), a);
  m.replace(id(2), b);
  m.remove_if_owner(id(2), a.get());
  EXPECT_EQ(m.find(id(2)), b);
  m.remove_if_owner(id(2), b.get());
  EXPECT_EQ(m.find(id(2)), nullptr);
  EXPECT_EQ(m.size(), 0u);
}

TEST(SubscriberMapTest, RemoveReturnsWhoeverHeldTheId) {
  SubscriberMap<Conn> m;
  auto a = std::make_shared<Conn>();
  EXPECT_EQ(m.remove(id(3)), nullptr);
  m.replace(id(3), a);
  m.replace(id(4), a);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.remove(id(3)), a);
  EXPECT_EQ(m.find(id(3)), nullptr);
  EXPECT_EQ(m.find(id(4)), a);
}

}  // namespace
}  // namespace smp::server
