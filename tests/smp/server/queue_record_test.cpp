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
}

}  // namespace
}  // namespace smp::server
