#include "smp/server/send_queue.h"

#include <gtest/gtest.h>

#include "smp/crypto/cbox.h"
#include "smp/protocol/transmission.h"
#include "smp/protocol/wire_format.h"

namespace smp::server {
namespace {

namespace proto = protocol;

const Bytes kSession(12, 0xab);

proto::ReceivedBrokerMessage decode(const Bytes& block) {
  return proto::receive_broker_message_block(block, kSession);
}

TEST(SendQueueTest, KeepsOrderAcrossWrapAround) {
  SendQueue q(3);
  EXPECT_TRUE(q.empty());
  for (int round = 0; round < 5; ++round) {
    for (std::uint8_t i = 0; i < 3; ++i) {
      Outgoing& o = q.push_back();
      o.kind = Outgoing::Kind::end;
      o.id_a[0] = static_cast<std::uint8_t>(round * 3 + i);
    }
    EXPECT_EQ(q.size(), 3u);
    for (std::uint8_t i = 0; i < 3; ++i) {
      EXPECT_EQ(q.front().id_a[0], round * 3 + i);
      q.pop_front();
    }
    EXPECT_TRUE(q.empty());
  }
}

TEST(SendQueueTest, HoldsNoSlotsWhileEmpty) {
  SendQueue q(4);
  EXPECT_EQ(q.allocated_slots(), 0u);
  q.push_back().kind = Outgoing::Kind::pong;
  q.push_back().kind = Outgoing::Kind::ok;
  EXPECT_GE(q.allocated_slots(), 2u);
  q.pop_front();
  EXPECT_GE(q.allocated_slots(), 1u);  // one record still waits
  EXPECT_EQ(q.front().kind, Outgoing::Kind::ok);
  q.pop_front();
  EXPECT_EQ(q.allocated_slots(), 0u);
  // And it works again after the release.
  q.push_back().kind = Outgoing::Kind::end;
  EXPECT_EQ(q.front().kind, Outgoing::Kind::end);
}

TEST(SendQueueTest, GrowingKeepsOrderWhenTheRingHasWrapped) {
  SendQueue q(8);
  std::uint8_t next_in = 0, next_out = 0;
  auto push = [&] { q.push_back().id_a[0] = next_in++; };
  auto pop = [&] {
    EXPECT_EQ(q.front().id_a[0], next_out++);
    q.pop_front();
  };
  push();
  push();
  pop();
  push();
  push();  // grows while the head is not at slot 0
  push();
  push();
  push();
  push();
  push();
  EXPECT_EQ(q.size(), 8u);
  while (!q.empty()) pop();
  EXPECT_EQ(next_out, next_in);
}

TEST(SendQueueTest, PushBackClearsTheReusedSlot) {
  SendQueue q(1);
  Outgoing& first = q.push_back();
  first.kind = Outgoing::Kind::err;
  first.error = errc::smp_auth;
  first.corr_id.assign(as_bytes("corr"));
  q.pop_front();
  Outgoing& second = q.push_back();
  EXPECT_EQ(second.kind, Outgoing::Kind::ok);
  EXPECT_EQ(second.error, errc::ok);
  EXPECT_TRUE(second.corr_id.view().empty());
}

TEST(SendQueueTest, PopReleasesTheMessageBody) {
  SendQueue q(2);
  auto body = std::make_shared<const Bytes>(16106, 1);
  Outgoing& o = q.push_back();
  o.kind = Outgoing::Kind::msg;
  o.message = Message{.timestamp = 1, .body = body};
  o.recipient_dh = *DhSecret25519::from(Bytes(32, 9));
  EXPECT_EQ(body.use_count(), 2);
  q.pop_front();
  EXPECT_EQ(body.use_count(), 1);
  Outgoing& again = q.push_back();
  EXPECT_EQ(again.recipient_dh, DhSecret25519());  // the slot's copy of the secret is wiped
  again.message = Message{.timestamp = 1, .body = body};
  q.clear();
  EXPECT_EQ(body.use_count(), 1);
}

TEST(SendQueueTest, EncodesEachKindAsTheClientParsesIt) {
  Bytes block(proto::kBlockSize);
  QueueId rid{}, sid{};
  rid.fill(1);
  sid.fill(2);
  auto key = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key;
  auto body = std::make_shared<const Bytes>(proto::kMaxMessageLength, 7);

  Outgoing o;
  o.corr_id.assign(as_bytes("17"));
  o.kind = Outgoing::Kind::ids;
  o.id_a = rid;
  o.id_b = sid;
  o.key = key;
  ASSERT_TRUE(encode_outgoing(o, kSession, block));
  auto r = decode(block);
  ASSERT_TRUE(r.message) << errc_name(r.error());
  const auto* ids = std::get_if<proto::msg::Ids>(&*r.message);
  ASSERT_NE(ids, nullptr);
  EXPECT_EQ(to_bytes(ids->rcv_id), to_bytes(view(rid)));
  EXPECT_EQ(to_bytes(ids->snd_id), to_bytes(view(sid)));
  EXPECT_EQ(ids->srv_dh_key, key);
  EXPECT_EQ(to_string(r.corr_id), "17");

  o.kind = Outgoing::Kind::msg;
  o.queue_id.assign(view(rid));
  o.message = Message{.id = sid, .timestamp = 1234, .body = body};
  o.recipient_dh = *DhSecret25519::from(Bytes(32, 5));
  ASSERT_TRUE(encode_outgoing(o, kSession, block));
  r = decode(block);
  ASSERT_TRUE(r.message);
  const auto* m = std::get_if<proto::msg::Msg>(&*r.message);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->timestamp, 1234);
  EXPECT_EQ(to_bytes(r.queue_id), to_bytes(view(rid)));
  // SMP v1's MSG body: cbEncrypt(rcvDhSecret, nonce = msgId, pad(body, 16090)).
  auto cb = crypto::CbKey::from_dh_secret(o.recipient_dh.view());
  ASSERT_TRUE(cb);
  auto expected = cb->encrypt(crypto::cb_nonce(view(sid)), *body, proto::kServerEncryptedPaddedLength);
  ASSERT_TRUE(expected);
  EXPECT_EQ(to_bytes(m->body), *expected);
  EXPECT_EQ(cb->decrypt(crypto::cb_nonce(view(sid)), m->body).value(), *body);
  // The very block the broker encoder makes of the encrypted body.
  Bytes reference(proto::kBlockSize);
  ASSERT_TRUE(proto::encode_broker_block({kSession, o.corr_id.view(), o.queue_id.view()},
                                         proto::msg::Msg{view(sid), 1234, *expected}, reference));
  EXPECT_EQ(block, reference);
  // Quota markers have no SMP v1 form.
  o.message.kind = MessageKind::quota;
  EXPECT_FALSE(encode_outgoing(o, kSession, block));
  o.message.kind = MessageKind::message;

  o.kind = Outgoing::Kind::err;
  o.error = errc::smp_quota;
  ASSERT_TRUE(encode_outgoing(o, kSession, block));
  r = decode(block);
  ASSERT_TRUE(r.message);
  const auto* err = std::get_if<proto::msg::Err>(&*r.message);
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->error, errc::smp_quota);

  for (auto kind : {Outgoing::Kind::ok, Outgoing::Kind::end, Outgoing::Kind::nmsg,
                    Outgoing::Kind::nid}) {
    o.kind = kind;
    ASSERT_TRUE(encode_outgoing(o, kSession, block));
    r = decode(block);
    ASSERT_TRUE(r.message) << errc_name(r.error());
  }
  o.kind = Outgoing::Kind::pong;
  o.queue_id.assign({});
  ASSERT_TRUE(encode_outgoing(o, kSession, block));
  r = decode(block);
  ASSERT_TRUE(r.message);
  EXPECT_NE(std::get_if<proto::msg::Pong>(&*r.message), nullptr);
}

}  // namespace
}  // namespace smp::server
