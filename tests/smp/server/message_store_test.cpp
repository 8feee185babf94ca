#include "smp/server/message_store.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "server_test_util.h"

namespace smp::server {
namespace {

using test::make_id;
using test::error_of;

Message make_message(std::uint8_t n, std::int64_t ts) {
  MsgId id{};
  id.fill(n);
  return Message{.id = id, .timestamp = ts, .body = std::make_shared<const Bytes>(Bytes(16, n))};
}

TEST(MessageQueue, IsFirstInFirstOut) {
  MessageQueue q;
  EXPECT_FALSE(q.peek());
  ASSERT_TRUE(q.push(make_message(1, 10), 256, QuotaRule::refuse));
  ASSERT_TRUE(q.push(make_message(2, 11), 256, QuotaRule::refuse));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.peek()->id, make_message(1, 0).id);
  EXPECT_EQ(q.peek()->id, make_message(1, 0).id);  // peek does not remove
  EXPECT_TRUE(q.pop_if_head(make_message(1, 0).id));
  EXPECT_EQ(q.peek()->timestamp, 11);
  EXPECT_TRUE(q.pop_if_head(make_message(2, 0).id));
  EXPECT_FALSE(q.peek());
  EXPECT_EQ(q.size(), 0u);
}

TEST(MessageQueue, PopOnlyRemovesTheMatchingHead) {
  MessageQueue q;
  EXPECT_FALSE(q.pop_if_head(make_message(1, 0).id));
  ASSERT_TRUE(q.push(make_message(1, 10), 256, QuotaRule::refuse));
  ASSERT_TRUE(q.push(make_message(2, 10), 256, QuotaRule::refuse));
  EXPECT_FALSE(q.pop_if_head(make_message(2, 0).id));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.peek()->id, make_message(1, 0).id);
}

TEST(MessageQueue, RefusesMessagesOverQuota) {
  MessageQueue q;
  for (std::uint8_t i = 0; i < 3; ++i) ASSERT_TRUE(q.push(make_message(i, 1), 3, QuotaRule::refuse));
  auto r = q.push(make_message(9, 1), 3, QuotaRule::refuse);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::smp_quota));
  EXPECT_EQ(q.size(), 3u);
  ASSERT_TRUE(q.pop_if_head(make_message(0, 0).id));
  EXPECT_TRUE(q.push(make_message(9, 1), 3, QuotaRule::refuse));
  EXPECT_FALSE(q.push(make_message(10, 1), 0, QuotaRule::refuse));
}

// The reference's writeMsg (MsgStore/STM.hs): the message that finds the queue full leaves
// a marker with its id and time instead; then nothing is taken until the queue is empty.
TEST(MessageQueue, MarkRuleLeavesOneQuotaMarker) {
  MessageQueue q;
  auto first = q.push(make_message(0, 1), 2, QuotaRule::mark);
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);  // the queue was empty
  auto second = q.push(make_message(1, 2), 2, QuotaRule::mark);
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  EXPECT_EQ(error_of(q.push(make_message(2, 3), 2, QuotaRule::mark)), errc::smp_quota);
  EXPECT_EQ(error_of(q.push(make_message(3, 4), 2, QuotaRule::mark)), errc::smp_quota);
  auto all = q.snapshot();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[2].is_quota());
  EXPECT_EQ(all[2].id, make_message(2, 0).id);
  EXPECT_EQ(all[2].timestamp, 3);
  EXPECT_FALSE(all[2].body);
  // Still full after one ACK: the queue takes messages again only once it is empty.
  ASSERT_TRUE(q.pop_if_head(all[0].id));
  EXPECT_EQ(error_of(q.push(make_message(4, 5), 2, QuotaRule::mark)), errc::smp_quota);
  ASSERT_TRUE(q.pop_if_head(all[1].id));
  ASSERT_TRUE(q.pop_if_head(all[2].id));
  EXPECT_TRUE(q.push(make_message(5, 6), 2, QuotaRule::mark));
  // Expiry stops at a marker (deleteExpireMsgs_ only deletes messages).
  MessageQueue m;
  ASSERT_TRUE(m.push(make_message(1, 10), 1, QuotaRule::mark));
  EXPECT_FALSE(m.push(make_message(2, 11), 1, QuotaRule::mark));
  ASSERT_TRUE(m.push(make_message(3, 12), 8, QuotaRule::refuse));
  EXPECT_EQ(m.expire_older_than(1000), 1u);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_TRUE(m.peek()->is_quota());
  EXPECT_EQ(m.clear(), 2u);
  EXPECT_EQ(m.size(), 0u);
}

TEST(MessageQueue, SharesBodiesInsteadOfCopying) {
  MessageQueue q;
  Message m = make_message(1, 1);
  const Bytes* body = m.body.get();
  ASSERT_TRUE(q.push(m, 8, QuotaRule::refuse));
  EXPECT_EQ(q.peek()->body.get(), body);
  EXPECT_EQ(q.snapshot().front().body.get(), body);
}

TEST(MessageQueue, KeepsOrderWhileGrowingAndWrappingAround) {
  MessageQueue q;
  std::uint8_t next_in = 0, next_out = 0;
  // Interleave pushes and pops so the head moves around the buffer while it grows.
  for (int round = 0; round < 50; ++round) {
    for (int k = 0; k < 3 + round % 7; ++k) {
      ASSERT_TRUE(q.push(make_message(next_in, next_in), 256, QuotaRule::refuse));
      ++next_in;
    }
    for (int k = 0; k < 2 + round % 5 && q.size() > 0; ++k) {
      auto head = q.peek();
      ASSERT_TRUE(head);
      EXPECT_EQ(head->id, make_message(next_out, 0).id);
      ASSERT_TRUE(q.pop_if_head(head->id));
      ++next_out;
    }
    auto all = q.snapshot();
    ASSERT_EQ(all.size(), q.size());
    for (std::size_t i = 0; i < all.size(); ++i)
      EXPECT_EQ(all[i].id, make_message(static_cast<std::uint8_t>(next_out + i), 0).id);
  }
  while (auto head = q.peek()) {
    EXPECT_EQ(head->id, make_message(next_out++, 0).id);
    ASSERT_TRUE(q.pop_if_head(head->id));
  }
  EXPECT_EQ(next_in, next_out);
}

TEST(MessageQueue, ExpiresOldMessagesFromTheHead) {
  MessageQueue q;
  ASSERT_TRUE(q.push(make_message(1, 100), 8, QuotaRule::refuse));
  ASSERT_TRUE(q.push(make_message(2, 200), 8, QuotaRule::refuse));
  ASSERT_TRUE(q.push(make_message(3, 300), 8, QuotaRule::refuse));
  EXPECT_EQ(q.expire_older_than(100), 0u);  // strictly older
  EXPECT_EQ(q.expire_older_than(201), 2u);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.peek()->timestamp, 300);
  EXPECT_EQ(q.expire_older_than(1000), 1u);
  EXPECT_EQ(q.expire_older_than(1000), 0u);
}

TEST(MessageStore, CreatesFindsAndRemovesQueues) {
  MessageStore store;
  QueueId rid = make_id(1, 1);
  EXPECT_FALSE(store.find(rid));
  auto q = store.get_or_create(rid);
  ASSERT_TRUE(q);
  EXPECT_EQ(store.get_or_create(rid), q);
  EXPECT_EQ(store.find(rid), q);
  EXPECT_EQ(store.size(), 1u);
  ASSERT_TRUE(q->push(make_message(1, 1), 4, QuotaRule::refuse));
  store.remove(rid);
  store.remove(rid);
  EXPECT_FALSE(store.find(rid));
  EXPECT_EQ(q->size(), 1u);  // a holder keeps the removed queue alive
  EXPECT_EQ(store.get_or_create(rid)->size(), 0u);
}

TEST(MessageStore, ExpiresAcrossQueues) {
  MessageStore store;
  for (std::uint32_t i = 0; i < 10; ++i) {
    auto q = store.get_or_create(make_id(i, 1));
    ASSERT_TRUE(q->push(make_message(1, 50), 8, QuotaRule::refuse));
    ASSERT_TRUE(q->push(make_message(2, 150), 8, QuotaRule::refuse));
  }
  EXPECT_EQ(store.expire_older_than(100), 10u);
  std::size_t left = 0;
  store.for_each([&](const QueueId&, const MessageQueue& q) { left += q.size(); });
  EXPECT_EQ(left, 10u);
}

TEST(MessageStore, ConcurrentProducersAndConsumerKeepOrder) {
  MessageStore store;
  QueueId rid = make_id(1, 1);
  constexpr int kCount = 2000;
  std::thread producer([&] {
    for (int i = 0; i < kCount; ++i) {
      auto q = store.get_or_create(rid);
      Message m = make_message(static_cast<std::uint8_t>(i), i);
      while (!q->push(m, 16, QuotaRule::refuse)) std::this_thread::yield();
    }
  });
  std::thread other([&] {
    for (std::uint32_t i = 0; i < 500; ++i) (void)store.get_or_create(make_id(i + 10, 1));
  });
  int next = 0;
  while (next < kCount) {
    auto q = store.find(rid);
    if (!q) continue;
    auto m = q->peek();
    if (!m) continue;
    EXPECT_EQ(m->timestamp, next);
    EXPECT_TRUE(q->pop_if_head(m->id));
    ++next;
  }
  producer.join();
  other.join();
  EXPECT_EQ(store.find(rid)->size(), 0u);
  EXPECT_EQ(store.size(), 501u);
}

}  // namespace
}  // namespace smp::server
