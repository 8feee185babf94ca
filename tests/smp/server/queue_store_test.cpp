#include "smp/server/queue_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "server_test_util.h"

namespace smp::server {
namespace {

using test::make_id;
using test::make_key;
using test::make_queue;

using test::error_of;
TEST(QueueStore, AddsAndFindsByEveryId) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  q.notifier = NotifierCredentials{make_id(1, 3), make_key(9)};
  ASSERT_TRUE(store.add(q));
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.by_recipient(q.recipient_id), q);
  EXPECT_EQ(store.by_sender(q.sender_id), q);
  EXPECT_EQ(store.by_notifier(q.notifier->notifier_id), q);
  // Ids are not interchangeable between indexes.
  EXPECT_FALSE(store.by_recipient(q.sender_id));
  EXPECT_FALSE(store.by_sender(q.recipient_id));
  EXPECT_FALSE(store.by_notifier(q.recipient_id));
  EXPECT_FALSE(store.by_recipient(make_id(2, 1)));
}

TEST(QueueStore, ContainsOnlyRecipientIdsOfLiveQueues) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  EXPECT_FALSE(store.contains(q.recipient_id));
  ASSERT_TRUE(store.add(q));
  EXPECT_TRUE(store.contains(q.recipient_id));
  EXPECT_FALSE(store.contains(q.sender_id));  // a sender id is not a recipient id
  ASSERT_TRUE(store.remove(q.recipient_id));
  EXPECT_FALSE(store.contains(q.recipient_id));
}

TEST(QueueStore, KeepsEd448KeysAndDhSecret) {
  QueueStore store;
  QueueRecord q = make_queue(4);
  q.recipient_key = make_key(40, crypto::KeyAlgorithm::ed448);
  q.sender_key = make_key(41, crypto::KeyAlgorithm::ed448);
  q.status = QueueStatus::off;
  ASSERT_TRUE(store.add(q));
  EXPECT_EQ(store.by_recipient(q.recipient_id), q);
}

TEST(QueueStore, RefusesDuplicateIds) {
  QueueStore store;
  QueueRecord a = make_queue(1);
  a.notifier = NotifierCredentials{make_id(1, 3), make_key(9)};
  ASSERT_TRUE(store.add(a));
  QueueRecord same_rid = make_queue(2);
  same_rid.recipient_id = a.recipient_id;
  EXPECT_EQ(error_of(store.add(same_rid)), errc::already_exists);
  QueueRecord same_sid = make_queue(3);
  same_sid.sender_id = a.sender_id;
  EXPECT_EQ(error_of(store.add(same_sid)), errc::already_exists);
  QueueRecord same_nid = make_queue(4);
  same_nid.notifier = a.notifier;
  EXPECT_EQ(error_of(store.add(same_nid)), errc::already_exists);
  EXPECT_EQ(store.size(), 1u);
  // Nothing of the refused records leaked into the indexes.
  EXPECT_FALSE(store.by_sender(same_rid.sender_id));
  EXPECT_FALSE(store.by_recipient(same_sid.recipient_id));
  EXPECT_FALSE(store.by_recipient(same_nid.recipient_id));
  EXPECT_FALSE(store.by_sender(same_nid.sender_id));
}

TEST(QueueStore, RefusesNonSignatureKeys) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  q.recipient_key = make_key(1, crypto::KeyAlgorithm::x25519);
  EXPECT_EQ(error_of(store.add(q)), errc::wrong_algorithm);
  q = make_queue(1);
  ASSERT_TRUE(store.add(q));
  EXPECT_EQ(error_of(store.secure(q.recipient_id, make_key(2, crypto::KeyAlgorithm::x448))),
            errc::wrong_algorithm);
}

TEST(QueueStore, SecureSetsTheSenderKeyOnce) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  ASSERT_TRUE(store.add(q));
  EXPECT_EQ(error_of(store.secure(make_id(5, 1), make_key(2))), errc::smp_auth);
  ASSERT_TRUE(store.secure(q.recipient_id, make_key(2)));
  EXPECT_EQ(store.by_sender(q.sender_id)->sender_key, make_key(2));
  EXPECT_EQ(error_of(store.secure(q.recipient_id, make_key(3))), errc::smp_auth);
  EXPECT_EQ(error_of(store.secure(q.recipient_id, make_key(2))), errc::smp_auth);
  EXPECT_EQ(store.by_recipient(q.recipient_id)->sender_key, make_key(2));
}

TEST(QueueStore, AddNotifierOnceWithAFreeId) {
  QueueStore store;
  QueueRecord a = make_queue(1), b = make_queue(2);
  ASSERT_TRUE(store.add(a));
  ASSERT_TRUE(store.add(b));
  NotifierCredentials na{make_id(1, 3), make_key(5)};
  EXPECT_EQ(error_of(store.add_notifier(make_id(9, 1), na)), errc::smp_auth);
  ASSERT_TRUE(store.add_notifier(a.recipient_id, na));
  EXPECT_EQ(store.by_notifier(na.notifier_id)->recipient_id, a.recipient_id);
  EXPECT_EQ(error_of(store.add_notifier(a.recipient_id, {make_id(2, 3), make_key(6)})),
            errc::smp_auth);
  EXPECT_EQ(error_of(store.add_notifier(b.recipient_id, {na.notifier_id, make_key(6)})),
            errc::already_exists);
  EXPECT_FALSE(store.by_recipient(b.recipient_id)->notifier);
}

TEST(QueueStore, SuspendIsIdempotent) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  ASSERT_TRUE(store.add(q));
  EXPECT_EQ(error_of(store.suspend(make_id(2, 1))), errc::smp_auth);
  ASSERT_TRUE(store.suspend(q.recipient_id));
  ASSERT_TRUE(store.suspend(q.recipient_id));
  EXPECT_EQ(store.by_sender(q.sender_id)->status, QueueStatus::off);
}

TEST(QueueStore, RemoveFreesEveryId) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  q.notifier = NotifierCredentials{make_id(1, 3), make_key(9)};
  ASSERT_TRUE(store.add(q));
  ASSERT_TRUE(store.remove(q.recipient_id));
  EXPECT_EQ(error_of(store.remove(q.recipient_id)), errc::smp_auth);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_FALSE(store.by_recipient(q.recipient_id));
  EXPECT_FALSE(store.by_sender(q.sender_id));
  EXPECT_FALSE(store.by_notifier(q.notifier->notifier_id));
  // The ids can be used again.
  ASSERT_TRUE(store.add(q));
  EXPECT_EQ(store.by_notifier(q.notifier->notifier_id), q);
}

TEST(QueueStore, ForEachVisitsEveryQueueOnce) {
  QueueStore store;
  std::map<QueueId, QueueRecord> expected;
  for (std::uint32_t i = 0; i < 500; ++i) {
    QueueRecord q = make_queue(i);
    ASSERT_TRUE(store.add(q));
    if (i % 5 == 0) {
      ASSERT_TRUE(store.remove(q.recipient_id));
    } else {
      expected.emplace(q.recipient_id, q);
    }
  }
  std::set<QueueId> seen;
  store.for_each([&](const QueueRecord& q) {
    EXPECT_TRUE(seen.insert(q.recipient_id).second);
    auto it = expected.find(q.recipient_id);
    ASSERT_NE(it, expected.end());
    EXPECT_EQ(q, it->second);
  });
  EXPECT_EQ(seen.size(), 400u);
  EXPECT_EQ(store.size(), 400u);
}

TEST(QueueStore, ManyQueuesReuseFreedSlots) {
  QueueStore store;
  for (int round = 0; round < 3; ++round) {
    for (std::uint32_t i = 0; i < 3000; ++i) ASSERT_TRUE(store.add(make_queue(i)));
    for (std::uint32_t i = 0; i < 3000; ++i) {
      QueueRecord q = make_queue(i);
      ASSERT_EQ(store.by_sender(q.sender_id), q);
    }
    for (std::uint32_t i = 0; i < 3000; ++i) ASSERT_TRUE(store.remove(make_queue(i).recipient_id));
    EXPECT_EQ(store.size(), 0u);
  }
}

TEST(QueueStore, ConcurrentAddsLookupsAndRemovals) {
  QueueStore store;
  constexpr std::uint32_t kThreads = 4, kPerThread = 2000;
  std::atomic<std::size_t> found{0};
  std::vector<std::thread> threads;
  for (std::uint32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint32_t i = 0; i < kPerThread; ++i) {
        std::uint32_t seed = t * kPerThread + i;
        QueueRecord q = make_queue(seed);
        EXPECT_TRUE(store.add(q));
        if (store.by_sender(q.sender_id) == q) ++found;
        if (i % 4 == 0) {
          EXPECT_TRUE(store.secure(q.recipient_id, make_key(seed)));
        }
        if (i % 8 == 0) {
          EXPECT_TRUE(store.add_notifier(q.recipient_id, {make_id(seed, 3), make_key(seed)}));
        }
        if (i % 16 == 0) {
          EXPECT_TRUE(store.remove(q.recipient_id));
        }
        // Look at another thread's queues, which may or may not exist yet.
        std::uint32_t other = ((t + 1) % kThreads) * kPerThread + i;
        auto o = store.by_recipient(make_queue(other).recipient_id);
        if (o) {
          EXPECT_EQ(o->sender_id, make_queue(other).sender_id);
        }
        (void)store.by_notifier(make_id(other, 3));
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) {
      std::size_t n = 0;
      store.for_each([&](const QueueRecord&) { ++n; });
      EXPECT_LE(n, kThreads * kPerThread);
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(found.load(), kThreads * kPerThread);
  EXPECT_EQ(store.size(), kThreads * kPerThread - kThreads * (kPerThread / 16));
  for (std::uint32_t seed = 0; seed < kThreads * kPerThread; ++seed) {
    std::uint32_t i = seed % kPerThread;
    QueueRecord q = make_queue(seed);
    auto got = store.by_recipient(q.recipient_id);
    if (i % 16 == 0) {
      EXPECT_FALSE(got);
      continue;
    }
    ASSERT_TRUE(got);
    if (i % 4 == 0) q.sender_key = make_key(seed);
    if (i % 8 == 0) q.notifier = NotifierCredentials{make_id(seed, 3), make_key(seed)};
    EXPECT_EQ(got, q);
  }
}

TEST(QueueStore, ForEachSortedVisitsEveryQueueOnceInRecipientIdOrder) {
  QueueStore store;
  store.reserve(10);  // a hint smaller than what follows: still correct
  std::vector<QueueRecord> expected;
  for (std::uint32_t i = 0; i < 500; ++i) {
    QueueRecord q = make_queue(i);
    if (i % 3 == 0) q.sender_key = make_key(100 + i);
    if (i % 7 == 0) q.notifier = NotifierCredentials{make_id(i, 3), make_key(200 + i)};
    ASSERT_TRUE(store.add(q));
    if (i % 5 == 0) {
      ASSERT_TRUE(store.suspend(q.recipient_id));
      q.status = QueueStatus::off;
    }
    expected.push_back(q);
  }
  // Removed queues leave free slots that are reused: memory order is not id order.
  for (std::uint32_t i = 0; i < 500; i += 9) ASSERT_TRUE(store.remove(make_queue(i).recipient_id));
  std::erase_if(expected, [](const QueueRecord& q) {
    for (std::uint32_t i = 0; i < 500; i += 9)
      if (q.recipient_id == make_queue(i).recipient_id) return true;
    return false;
  });
  for (std::uint32_t i = 1000; i < 1050; ++i) {
    ASSERT_TRUE(store.add(make_queue(i)));
    expected.push_back(make_queue(i));
  }
  std::sort(expected.begin(), expected.end(),
            [](const QueueRecord& a, const QueueRecord& b) { return a.recipient_id < b.recipient_id; });
  std::vector<QueueRecord> seen;
  store.for_each_sorted([&](const QueueRecord& q) { seen.push_back(q); });
  EXPECT_EQ(seen, expected);
}

TEST(QueueStore, ForEachSortedOrdersIdsThatShareTheirFirstBytes) {
  QueueStore store;
  std::vector<QueueId> rids;
  for (std::uint32_t last : {7u, 3u, 250u, 0u, 128u}) {
    QueueRecord q = make_queue(last);
    q.recipient_id.fill(0x42);  // same first 8 bytes (and shard): only the tail differs
    q.recipient_id[23] = static_cast<std::uint8_t>(last);
    ASSERT_TRUE(store.add(q));
    rids.push_back(q.recipient_id);
  }
  std::sort(rids.begin(), rids.end());
  std::vector<QueueId> order;
  store.for_each_sorted([&](const QueueRecord& q) { order.push_back(q.recipient_id); });
  EXPECT_EQ(order, rids);
}

}  // namespace
}  // namespace smp::server
