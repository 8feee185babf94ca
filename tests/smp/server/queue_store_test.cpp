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

TEST(QueueStore, RefusesKeysThatCannotAuthorize) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  q.recipient_key = make_key(1, crypto::KeyAlgorithm::x448);
  EXPECT_EQ(error_of(store.add(q)), errc::wrong_algorithm);
  q = make_queue(1);
  q.more_recipient_keys = {make_key(2, crypto::KeyAlgorithm::x448)};
  EXPECT_EQ(error_of(store.add(q)), errc::wrong_algorithm);
  q = make_queue(1);
  ASSERT_TRUE(store.add(q));
  EXPECT_EQ(error_of(store.secure(q.recipient_id, make_key(2, crypto::KeyAlgorithm::x448),
                                  SecureCommand::key)),
            errc::wrong_algorithm);
  EXPECT_EQ(error_of(store.add_notifier(q.recipient_id,
                                        {make_id(1, 3), make_key(3, crypto::KeyAlgorithm::x448)},
                                        NotifierRule::replace)),
            errc::wrong_algorithm);
  EXPECT_EQ(error_of(store.update_recipient_keys(
                q.recipient_id, {make_key(4), make_key(5, crypto::KeyAlgorithm::x448)})),
            errc::wrong_algorithm);
  EXPECT_EQ(store.by_recipient(q.recipient_id), q);
}

// SMP v7+ queues authorize with X25519 keys (crypto_box authenticators).
TEST(QueueStore, KeepsX25519AuthorizationKeys) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  q.recipient_key = make_key(1, crypto::KeyAlgorithm::x25519);
  q.sender_key = make_key(2, crypto::KeyAlgorithm::x25519);
  q.notifier = NotifierCredentials{make_id(1, 3), make_key(3, crypto::KeyAlgorithm::x25519),
                                   DhSecret25519::from(Bytes(32, 4))};
  ASSERT_TRUE(store.add(q));
  EXPECT_EQ(store.by_recipient(q.recipient_id), q);
}

TEST(QueueStore, V1KeySetsTheSenderKeyOnce) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  ASSERT_TRUE(store.add(q));
  EXPECT_EQ(error_of(store.secure(make_id(5, 1), make_key(2), SecureCommand::v1_key)),
            errc::smp_auth);
  ASSERT_TRUE(store.secure(q.recipient_id, make_key(2), SecureCommand::v1_key));
  EXPECT_EQ(store.by_sender(q.sender_id)->sender_key, make_key(2));
  EXPECT_EQ(error_of(store.secure(q.recipient_id, make_key(3), SecureCommand::v1_key)),
            errc::smp_auth);
  EXPECT_EQ(error_of(store.secure(q.recipient_id, make_key(2), SecureCommand::v1_key)),
            errc::smp_auth);
  EXPECT_EQ(store.by_recipient(q.recipient_id)->sender_key, make_key(2));
}

// The reference's secureQueue: the same key again is OK (a retried KEY/SKEY), another is AUTH.
TEST(QueueStore, KeyIsIdempotentForTheSameKey) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  ASSERT_TRUE(store.add(q));
  ASSERT_TRUE(store.secure(q.recipient_id, make_key(2), SecureCommand::key));
  EXPECT_TRUE(store.secure(q.recipient_id, make_key(2), SecureCommand::key));
  EXPECT_EQ(error_of(store.secure(q.recipient_id, make_key(3), SecureCommand::key)),
            errc::smp_auth);
  EXPECT_EQ(store.by_recipient(q.recipient_id)->sender_key, make_key(2));
}

// SKEY (checkMode QMMessaging): only a messaging-mode queue; contact and unknown mode are AUTH.
TEST(QueueStore, SkeyOnlySecuresMessagingQueues) {
  QueueStore store;
  QueueRecord messaging = make_queue(1), contact = make_queue(2), legacy = make_queue(3);
  messaging.mode = QueueMode::messaging;
  contact.mode = QueueMode::contact;
  for (const QueueRecord& q : {messaging, contact, legacy}) ASSERT_TRUE(store.add(q));
  EXPECT_EQ(error_of(store.secure(contact.recipient_id, make_key(4), SecureCommand::skey)),
            errc::smp_auth);
  EXPECT_EQ(error_of(store.secure(legacy.recipient_id, make_key(4), SecureCommand::skey)),
            errc::smp_auth);
  ASSERT_TRUE(store.secure(messaging.recipient_id, make_key(4), SecureCommand::skey));
  EXPECT_TRUE(store.secure(messaging.recipient_id, make_key(4), SecureCommand::skey));
  EXPECT_EQ(error_of(store.secure(messaging.recipient_id, make_key(5), SecureCommand::skey)),
            errc::smp_auth);
  EXPECT_FALSE(store.by_recipient(contact.recipient_id)->sender_key);
}

TEST(QueueStore, V1AddNotifierOnceWithAFreeId) {
  QueueStore store;
  QueueRecord a = make_queue(1), b = make_queue(2);
  ASSERT_TRUE(store.add(a));
  ASSERT_TRUE(store.add(b));
  NotifierCredentials na{make_id(1, 3), make_key(5)};
  constexpr auto kRefuse = NotifierRule::refuse;
  EXPECT_EQ(error_of(store.add_notifier(make_id(9, 1), na, kRefuse)), errc::smp_auth);
  auto added = store.add_notifier(a.recipient_id, na, kRefuse);
  ASSERT_TRUE(added);
  EXPECT_FALSE(*added);
  EXPECT_EQ(store.by_notifier(na.notifier_id)->recipient_id, a.recipient_id);
  EXPECT_EQ(error_of(store.add_notifier(a.recipient_id, {make_id(2, 3), make_key(6)}, kRefuse)),
            errc::smp_auth);
  EXPECT_EQ(error_of(store.add_notifier(b.recipient_id, {na.notifier_id, make_key(6)}, kRefuse)),
            errc::already_exists);
  EXPECT_FALSE(store.by_recipient(b.recipient_id)->notifier);
}

// The reference's addQueueNotifier: a new notifier replaces the old, whose id is freed and
// which is returned; an id in use (also the queue's own) is DUPLICATE_.
TEST(QueueStore, NotifierIsReplacedAndTheOldOneReturned) {
  QueueStore store;
  QueueRecord a = make_queue(1);
  ASSERT_TRUE(store.add(a));
  NotifierCredentials first{make_id(1, 3), make_key(5), DhSecret25519::from(Bytes(32, 1))};
  NotifierCredentials second{make_id(1, 4), make_key(6), DhSecret25519::from(Bytes(32, 2))};
  constexpr auto kReplace = NotifierRule::replace;
  ASSERT_TRUE(store.add_notifier(a.recipient_id, first, kReplace));
  EXPECT_EQ(error_of(store.add_notifier(a.recipient_id, first, kReplace)), errc::already_exists);
  auto replaced = store.add_notifier(a.recipient_id, second, kReplace);
  ASSERT_TRUE(replaced);
  EXPECT_EQ(*replaced, first);
  EXPECT_FALSE(store.by_notifier(first.notifier_id));
  EXPECT_EQ(store.by_notifier(second.notifier_id)->notifier, second);

  auto deleted = store.delete_notifier(a.recipient_id);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, second);
  EXPECT_FALSE(store.by_notifier(second.notifier_id));
  EXPECT_EQ(store.by_recipient(a.recipient_id), a);
  auto again = store.delete_notifier(a.recipient_id);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_EQ(error_of(store.delete_notifier(make_id(9, 1))), errc::smp_auth);
  // The freed id can be used by another queue.
  QueueRecord b = make_queue(2);
  ASSERT_TRUE(store.add(b));
  ASSERT_TRUE(store.add_notifier(b.recipient_id, first, kReplace));
}

TEST(QueueStore, RecipientKeysAreReplacedAsAList) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  ASSERT_TRUE(store.add(q));
  std::vector<crypto::PublicKey> keys{make_key(7, crypto::KeyAlgorithm::x25519), make_key(8),
                                      make_key(9, crypto::KeyAlgorithm::ed448)};
  ASSERT_TRUE(store.update_recipient_keys(q.recipient_id, keys));
  auto got = store.by_recipient(q.recipient_id);
  ASSERT_TRUE(got);
  EXPECT_EQ(recipient_keys(*got), keys);
  EXPECT_TRUE(has_recipient_key(*got, make_key(8)));
  EXPECT_FALSE(has_recipient_key(*got, q.recipient_key));
  ASSERT_TRUE(store.update_recipient_keys(q.recipient_id, {q.recipient_key}));
  EXPECT_EQ(store.by_recipient(q.recipient_id), q);  // no extras left behind
  EXPECT_EQ(error_of(store.update_recipient_keys(q.recipient_id, {})), errc::smp_auth);
  EXPECT_EQ(error_of(store.update_recipient_keys(make_id(9, 1), keys)), errc::smp_auth);
}

QueueLinkData link_data(std::uint32_t seed, std::size_t user_size = 100) {
  return QueueLinkData{make_id(seed, 5), Bytes(40, static_cast<std::uint8_t>(seed)),
                       Bytes(user_size, static_cast<std::uint8_t>(seed + 1))};
}

// The reference's addQueueLinkData: data may be set when there is none, or replaced with
// the same link id and fixed data (new user data); anything else is AUTH.
TEST(QueueStore, LinkDataFollowsTheReferenceRules) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  ASSERT_TRUE(store.add(q));
  QueueLinkData link = link_data(1);
  ASSERT_TRUE(store.set_link(q.recipient_id, link));
  auto found = store.by_link(link.link_id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->recipient_id, q.recipient_id);
  EXPECT_EQ(*found->link, link);

  QueueLinkData new_user_data = link;
  new_user_data.user_data = Bytes(13784, 9);  // the largest the reference's clients send
  ASSERT_TRUE(store.set_link(q.recipient_id, new_user_data));
  EXPECT_EQ(*store.by_link(link.link_id)->link, new_user_data);

  QueueLinkData other_fixed = link;
  other_fixed.fixed_data[0] ^= 1;
  EXPECT_EQ(error_of(store.set_link(q.recipient_id, other_fixed)), errc::smp_auth);
  EXPECT_EQ(error_of(store.set_link(q.recipient_id, link_data(2))), errc::smp_auth);
  EXPECT_FALSE(store.by_link(link_data(2).link_id));
  EXPECT_EQ(error_of(store.set_link(make_id(9, 1), link)), errc::smp_auth);

  ASSERT_TRUE(store.delete_link(q.recipient_id));
  EXPECT_FALSE(store.by_link(link.link_id));
  EXPECT_EQ(store.by_recipient(q.recipient_id), q);
  EXPECT_TRUE(store.delete_link(q.recipient_id));  // nothing to delete is fine
  ASSERT_TRUE(store.set_link(q.recipient_id, link_data(2)));  // a new link id after LDEL
}

// A link id belongs to one queue: unlike the reference, another queue cannot take it over.
TEST(QueueStore, LinkIdsAreUnique) {
  QueueStore store;
  QueueRecord a = make_queue(1), b = make_queue(2);
  a.link = std::make_shared<const QueueLinkData>(link_data(1));
  ASSERT_TRUE(store.add(a));
  ASSERT_TRUE(store.add(b));
  EXPECT_EQ(error_of(store.set_link(b.recipient_id, link_data(1))), errc::already_exists);
  QueueRecord c = make_queue(3);
  c.link = a.link;
  EXPECT_EQ(error_of(store.add(c)), errc::already_exists);
  EXPECT_EQ(store.by_link(a.link->link_id)->recipient_id, a.recipient_id);
  ASSERT_TRUE(store.remove(a.recipient_id));
  EXPECT_FALSE(store.by_link(a.link->link_id));
  ASSERT_TRUE(store.set_link(b.recipient_id, link_data(1)));
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

TEST(QueueStore, BlockKeepsTheBlockingInfoUntilUnblocked) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  ASSERT_TRUE(store.add(q));
  BlockingInfo info{BlockingReason::content, ClientNotice{86400}};
  EXPECT_EQ(error_of(store.block(make_id(2, 1), info)), errc::smp_auth);
  ASSERT_TRUE(store.block(q.recipient_id, info));
  auto got = store.by_recipient(q.recipient_id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, QueueStatus::blocked);
  EXPECT_EQ(got->blocking, info);
  ASSERT_TRUE(store.unblock(q.recipient_id));
  EXPECT_EQ(store.by_recipient(q.recipient_id), q);
  ASSERT_TRUE(store.block(q.recipient_id, info));
  ASSERT_TRUE(store.suspend(q.recipient_id));  // OFF wins, as the reference's setStatus
  EXPECT_EQ(store.by_recipient(q.recipient_id)->status, QueueStatus::off);
}

TEST(QueueStore, UpdateTimeReportsAChange) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  ASSERT_TRUE(store.add(q));
  const SystemDate day = system_date_of(1'700'000'123);
  EXPECT_EQ(day, 1'699'920'000);
  auto changed = store.update_time(q.recipient_id, day);
  ASSERT_TRUE(changed);
  EXPECT_TRUE(*changed);
  changed = store.update_time(q.recipient_id, day);
  ASSERT_TRUE(changed);
  EXPECT_FALSE(*changed);
  EXPECT_EQ(store.by_recipient(q.recipient_id)->updated_at, day);
  EXPECT_EQ(error_of(store.update_time(make_id(2, 1), day)), errc::smp_auth);
  EXPECT_EQ(system_date_of(-1), -kSecondsPerDay);
}

ServiceRecord service_record(std::uint32_t seed, ServiceRole role) {
  return ServiceRecord{make_id(seed, 7), role, {Bytes(300, static_cast<std::uint8_t>(seed))},
                       Bytes(64, static_cast<std::uint8_t>(seed)), 1'700'006'400};
}

// The reference's getCreateService: found by certificate hash with the same role; another
// role is SERVICE; a new certificate creates the service unless its id is taken.
TEST(QueueStore, ServicesAreFoundByTheirCertificate) {
  QueueStore store;
  ServiceRecord ntf = service_record(1, ServiceRole::notifier);
  auto created = store.get_or_create_service(ntf);
  ASSERT_TRUE(created);
  EXPECT_EQ(*created, std::make_pair(ntf.id, true));
  ServiceRecord again = ntf;
  again.id = make_id(2, 7);  // a fresh id from another handshake with the same certificate
  EXPECT_EQ(store.get_or_create_service(again).value(), std::make_pair(ntf.id, false));
  again.role = ServiceRole::messaging;
  EXPECT_EQ(error_of(store.get_or_create_service(again)), errc::service_role_mismatch);
  ServiceRecord clash = service_record(3, ServiceRole::messaging);
  clash.id = ntf.id;
  EXPECT_EQ(error_of(store.get_or_create_service(clash)), errc::already_exists);
  EXPECT_EQ(store.service(ntf.id), ntf);
  EXPECT_EQ(store.services(), std::vector<ServiceRecord>{ntf});
}

TEST(QueueStore, QueuesAreCountedPerService) {
  QueueStore store;
  ServiceRecord rcv = service_record(1, ServiceRole::messaging);
  ServiceRecord ntf = service_record(2, ServiceRole::notifier);
  ASSERT_TRUE(store.get_or_create_service(rcv));
  ASSERT_TRUE(store.get_or_create_service(ntf));
  QueueRecord a = make_queue(1), b = make_queue(2);
  a.recipient_service = rcv.id;
  a.notifier = NotifierCredentials{make_id(1, 3), make_key(3), std::nullopt, ntf.id};
  ASSERT_TRUE(store.add(a));
  ASSERT_TRUE(store.add(b));
  EXPECT_EQ(store.service_queue_count(ServiceParty::recipient, rcv.id).value(), 1u);
  EXPECT_EQ(store.service_queue_count(ServiceParty::notifier, ntf.id).value(), 1u);
  EXPECT_EQ(error_of(store.service_queue_count(ServiceParty::notifier, make_id(9, 7))),
            errc::smp_auth);
  EXPECT_EQ(error_of(store.set_queue_service(b.recipient_id, ServiceParty::notifier, ntf.id)),
            errc::smp_auth);  // no notifier
  ASSERT_TRUE(store.set_queue_service(b.recipient_id, ServiceParty::recipient, rcv.id));
  EXPECT_EQ(store.by_recipient(b.recipient_id)->recipient_service, rcv.id);
  EXPECT_EQ(store.service_queue_count(ServiceParty::recipient, rcv.id).value(), 2u);
  ASSERT_TRUE(store.set_queue_service(a.recipient_id, ServiceParty::notifier, std::nullopt));
  EXPECT_EQ(store.service_queue_count(ServiceParty::notifier, ntf.id).value(), 0u);
  ASSERT_TRUE(store.remove(a.recipient_id));
  EXPECT_EQ(store.service_queue_count(ServiceParty::recipient, rcv.id).value(), 1u);
  ASSERT_TRUE(store.set_queue_service(b.recipient_id, ServiceParty::recipient, std::nullopt));
  EXPECT_EQ(store.by_recipient(b.recipient_id), b);
}

TEST(QueueStore, EveryFieldSurvivesTheStore) {
  QueueStore store;
  QueueRecord q = make_queue(1);
  q.more_recipient_keys = {make_key(2, crypto::KeyAlgorithm::x25519)};
  q.sender_key = make_key(3, crypto::KeyAlgorithm::ed448);
  q.mode = QueueMode::contact;
  q.link = std::make_shared<const QueueLinkData>(link_data(1));
  q.notifier = NotifierCredentials{make_id(1, 3), make_key(4), DhSecret25519::from(Bytes(32, 5)),
                                   make_id(1, 8)};
  q.status = QueueStatus::blocked;
  q.blocking = BlockingInfo{BlockingReason::spam, ClientNotice{}};
  q.updated_at = 1'700'006'400;
  q.recipient_service = make_id(1, 9);
  ASSERT_TRUE(store.add(q));
  EXPECT_EQ(store.by_recipient(q.recipient_id), q);
  EXPECT_EQ(store.by_sender(q.sender_id), q);
  EXPECT_EQ(store.by_notifier(q.notifier->notifier_id), q);
  EXPECT_EQ(store.by_link(q.link->link_id), q);
  auto removed = store.remove(q.recipient_id);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, q);
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
          EXPECT_TRUE(store.secure(q.recipient_id, make_key(seed), SecureCommand::key));
        }
        if (i % 8 == 0) {
          EXPECT_TRUE(store.add_notifier(q.recipient_id, {make_id(seed, 3), make_key(seed)},
                                         NotifierRule::replace));
        }
        if (i % 6 == 0) {
          EXPECT_TRUE(store.set_link(q.recipient_id, QueueLinkData{make_id(seed, 5), {1}, {2}}));
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
        (void)store.by_link(make_id(other, 5));
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
    if (i % 6 == 0) {
      q.link = std::make_shared<const QueueLinkData>(QueueLinkData{make_id(seed, 5), {1}, {2}});
      EXPECT_EQ(store.by_link(make_id(seed, 5)), q);
    }
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
