#include "smp/server/queue_record.h"

#include <gtest/gtest.h>

#include "server_test_util.h"

namespace smp::server {
namespace {

TEST(QueueRecord, QueueIdIsExactly24Bytes) {
  Bytes b(24);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i);
  auto id = queue_id_from(b);
  ASSERT_TRUE(id);
  EXPECT_EQ(to_bytes(view(*id)), b);
  EXPECT_FALSE(queue_id_from(ByteView(b).first(23)));
  b.push_back(0);
  EXPECT_FALSE(queue_id_from(b));
  EXPECT_FALSE(queue_id_from(ByteView()));
}

TEST(QueueRecord, DhSecretIsExactly32BytesAndCopyable) {
  Bytes raw(32, 7);
  auto s = DhSecret25519::from(raw);
  ASSERT_TRUE(s);
  DhSecret25519 copy = *s;
  EXPECT_EQ(to_bytes(copy.view()), raw);
  EXPECT_EQ(copy, *s);
  EXPECT_FALSE(DhSecret25519::from(ByteView(raw).first(31)));
  raw[0] = 8;
  EXPECT_NE(*DhSecret25519::from(raw), copy);
  EXPECT_EQ(to_bytes(DhSecret25519().view()), Bytes(32, 0));
}

TEST(QueueRecord, EqualityCoversEveryField) {
  QueueRecord a = test::make_queue(1);
  QueueRecord b = a;
  EXPECT_EQ(a, b);
  b.status = QueueStatus::off;
  EXPECT_NE(a, b);
  b = a;
  b.sender_key = test::make_key(2);
  EXPECT_NE(a, b);
  b = a;
  b.notifier = NotifierCredentials{test::make_id(1, 3), test::make_key(3)};
  EXPECT_NE(a, b);
  b = a;
  b.recipient_dh_secret = *DhSecret25519::from(Bytes(32, 0xEE));
  EXPECT_NE(a, b);
  b = a;
  b.more_recipient_keys = {test::make_key(4)};
  EXPECT_NE(a, b);
  b = a;
  b.mode = QueueMode::messaging;
  EXPECT_NE(a, b);
  b = a;
  b.updated_at = 86400;
  EXPECT_NE(a, b);
  b = a;
  b.recipient_service = test::make_id(1, 9);
  EXPECT_NE(a, b);
  b = a;
  b.notifier = NotifierCredentials{test::make_id(1, 3), test::make_key(3)};
  QueueRecord c = b;
  c.notifier->dh_secret = DhSecret25519::from(Bytes(32, 1));
  EXPECT_NE(b, c);
  c = b;
  c.notifier->service_id = test::make_id(1, 9);
  EXPECT_NE(b, c);
}

TEST(QueueRecord, LinkDataIsComparedByValue) {
  QueueRecord a = test::make_queue(1);
  QueueRecord b = a;
  a.link = std::make_shared<const QueueLinkData>(QueueLinkData{test::make_id(1, 5), {1}, {2}});
  EXPECT_NE(a, b);
  b.link = std::make_shared<const QueueLinkData>(*a.link);  // another copy, the same data
  EXPECT_EQ(a, b);
  b.link = std::make_shared<const QueueLinkData>(QueueLinkData{test::make_id(1, 5), {1}, {3}});
  EXPECT_NE(a, b);
}

TEST(QueueRecord, BlockingInfoCountsOnlyWhenBlocked) {
  QueueRecord a = test::make_queue(1);
  QueueRecord b = a;
  b.blocking = BlockingInfo{BlockingReason::content, std::nullopt};
  EXPECT_EQ(a, b);
  a.status = b.status = QueueStatus::blocked;
  EXPECT_NE(a, b);
}

// The reference's isContactQueue / isSecuredMsgQueue (Server.hs at 6.5.5).
TEST(QueueRecord, ContactAndSecuredMessagingQueues) {
  QueueRecord q = test::make_queue(1);
  EXPECT_TRUE(is_contact_queue(q));  // no mode, no sender key: an old contact address
  EXPECT_FALSE(is_secured_messaging_queue(q));
  q.sender_key = test::make_key(2);
  EXPECT_FALSE(is_contact_queue(q));
  EXPECT_TRUE(is_secured_messaging_queue(q));
  q.mode = QueueMode::contact;
  EXPECT_TRUE(is_contact_queue(q));
  EXPECT_FALSE(is_secured_messaging_queue(q));
  q.mode = QueueMode::messaging;
  q.sender_key.reset();
  EXPECT_FALSE(is_contact_queue(q));
  EXPECT_FALSE(is_secured_messaging_queue(q));
}

TEST(QueueRecord, SystemDateRoundsDownToTheDay) {
  EXPECT_EQ(system_date_of(0), 0);
  EXPECT_EQ(system_date_of(86399), 0);
  EXPECT_EQ(system_date_of(86400), 86400);
  EXPECT_EQ(system_date_of(-86400), -86400);
  EXPECT_EQ(system_date_of(-86401), -2 * 86400);
}

}  // namespace
}  // namespace smp::server
