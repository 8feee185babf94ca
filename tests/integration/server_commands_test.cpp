// Every SMP command against an in-process server over real TLS: success and error paths with
// the reference's answers (spec §4.3-§4.6).
#include "smp/server/server.h"

#include <gtest/gtest.h>

#include <string>

#include "server_test_util.h"

namespace smp::test {
namespace {

class ServerCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.started()); }
  TestServer server_;
};

TEST_F(ServerCommandsTest, CreateSecureSendDeliverAcknowledge) {
  auto recipient = server_.connect();
  auto sender = server_.connect();
  ASSERT_TRUE(recipient && sender);
  RecipientQueue q = create_queue(*recipient);
  ASSERT_EQ(q.rid.size(), 24u);
  ASSERT_EQ(q.sid.size(), 24u);
  EXPECT_NE(q.rid, q.sid);

  crypto::KeyPair sender_key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  expect_ok(recipient->request("k", q.rid, cmd::Key{sender_key.public_key}, q.key()), "k", q.rid);
  expect_ok(sender->request("s1", q.sid, cmd::Send{bytes_of("hello")}, &sender_key.private_key),
            "s1", q.sid);
  // NEW subscribed the creating connection: the message comes unasked, with an empty corrId.
  Bytes id1 = expect_msg(recipient->receive(), q, "", "hello");
  expect_ok(sender->request("s2", q.sid, cmd::Send{bytes_of("world")}, &sender_key.private_key),
            "s2", q.sid);
  // Only one unacknowledged message per subscription: the second waits for ACK.
  expect_pong(*recipient);
  Bytes id2 = expect_msg(recipient->request("a1", q.rid, cmd::Ack{}, q.key()), q, "a1", "world");
  EXPECT_NE(id1, id2);
  expect_ok(recipient->request("a2", q.rid, cmd::Ack{}, q.key()), "a2", q.rid);
  EXPECT_EQ(server_.server().stats().queues_created.load(), 1u);
  EXPECT_EQ(server_.server().stats().queues_secured.load(), 1u);
  EXPECT_EQ(server_.server().stats().msgs_sent.load(), 2u);
  EXPECT_EQ(server_.server().stats().msgs_delivered.load(), 2u);
}

TEST_F(ServerCommandsTest, NewRequiresSignatureByTheNewRecipientKey) {
  auto c = server_.connect();
  ASSERT_TRUE(c);
  auto rk = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto other = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  expect_err(c->request("n", {}, cmd::New{rk.public_key, dh.public_key}, &other.private_key),
             errc::smp_auth, "n", {});
  auto ed448 = crypto::generate_key_pair(crypto::KeyAlgorithm::ed448);
  expect_err(c->request("m", {}, cmd::New{rk.public_key, dh.public_key}, &ed448.private_key),
             errc::smp_auth, "m", {});
  expect_err(c->request("u", {}, cmd::New{rk.public_key, dh.public_key}, nullptr),
             errc::smp_cmd_no_auth, "u", {});
}

// A server with a create_password, or one that takes no new queues, refuses v1's NEW (which
// cannot carry the password).
TEST(ServerCommandsNewQueues, APasswordOrNewQueuesOffRefuseV1New) {
  for (bool with_password : {true, false}) {
    TestServer server([&](server::ServerConfig& cfg) {
      if (with_password) {
        cfg.new_queue_basic_auth = std::string("s3cret");
      } else {
        cfg.allow_new_queues = false;
      }
    });
    ASSERT_TRUE(server.started());
    auto c = server.connect();
    ASSERT_TRUE(c);
    auto rk = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
    auto dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
    expect_err(c->request("n", {}, cmd::New{rk.public_key, dh.public_key}, &rk.private_key),
               errc::smp_auth, "n", {});
    EXPECT_EQ(server.queues().size(), 0u) << with_password;
  }
}

TEST_F(ServerCommandsTest, Ed448RecipientAndSenderKeysWork) {
  auto c = server_.connect();
  ASSERT_TRUE(c);
  RecipientQueue q = create_queue(*c, "new", crypto::KeyAlgorithm::ed448);
  auto sk = crypto::generate_key_pair(crypto::KeyAlgorithm::ed448);
  expect_ok(c->request("k", q.rid, cmd::Key{sk.public_key}, q.key()), "k", q.rid);
  expect_ok(c->request("s", q.sid, cmd::Send{bytes_of("ed448")}, &sk.private_key), "s", q.sid);
  expect_msg(c->receive(), q, "", "ed448");
}

TEST_F(ServerCommandsTest, UnsignedSendWorksOnlyBeforeKey) {
  auto c = server_.connect();
  ASSERT_TRUE(c);
  RecipientQueue q = create_queue(*c);
  expect_ok(c->request("s0", q.sid, cmd::Send{bytes_of("confirmation")}), "s0", q.sid);
  expect_msg(c->receive(), q, "", "confirmation");
  auto signed_before_key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  // Before KEY a signed SEND is refused: there is no key to check it with.
  expect_err(c->request("s1", q.sid, cmd::Send{bytes_of("x")}, &signed_before_key.private_key),
             errc::smp_auth, "s1", q.sid);

  auto sk = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  expect_ok(c->request("k", q.rid, cmd::Key{sk.public_key}, q.key()), "k", q.rid);
  expect_err(c->request("s2", q.sid, cmd::Send{bytes_of("x")}), errc::smp_auth, "s2", q.sid);
  expect_err(c->request("s3", q.sid, cmd::Send{bytes_of("x")}, &signed_before_key.private_key),
             errc::smp_auth, "s3", q.sid);
  expect_ok(c->request("s4", q.sid, cmd::Send{bytes_of("y")}, &sk.private_key), "s4", q.sid);
}

TEST_F(ServerCommandsTest, KeyOnSecuredQueueIsAuth) {
  auto c = server_.connect();
  ASSERT_TRUE(c);
  RecipientQueue q = create_queue(*c);
  auto k1 = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto k2 = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  expect_ok(c->request("1", q.rid, cmd::Key{k1.public_key}, q.key()), "1", q.rid);
  expect_err(c->request("2", q.rid, cmd::Key{k2.public_key}, q.key()), errc::smp_auth, "2", q.rid);
  // The first key stays in force.
  expect_ok(c->request("3", q.sid, cmd::Send{bytes_of("m")}, &k1.private_key), "3", q.sid);
  expect_msg(c->receive(), q, "", "m");
  expect_err(c->request("4", q.sid, cmd::Send{bytes_of("m")}, &k2.private_key), errc::smp_auth,
             "4", q.sid);
}

TEST_F(ServerCommandsTest, RecipientCommandsNeedTheRecipientSignature) {
  auto c = server_.connect();
  ASSERT_TRUE(c);
  RecipientQueue q = create_queue(*c);
  auto stranger = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  expect_err(c->request("s", q.rid, cmd::Sub{}, &stranger.private_key), errc::smp_auth, "s", q.rid);
  expect_err(c->request("d", q.rid, cmd::Del{}, &stranger.private_key), errc::smp_auth, "d", q.rid);
  expect_err(c->request("u", q.rid, cmd::Sub{}), errc::smp_cmd_no_auth, "u", q.rid);
  // The sender id does not name the queue for recipient commands.
  expect_err(c->request("x", q.sid, cmd::Sub{}, q.key()), errc::smp_auth, "x", q.sid);
}

TEST_F(ServerCommandsTest, AuthOnUnknownQueue) {
  auto c = server_.connect();
  ASSERT_TRUE(c);
  auto key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  Bytes unknown(24, 0x42);
  expect_err(c->request("1", unknown, cmd::Sub{}, &key.private_key), errc::smp_auth, "1", unknown);
  expect_err(c->request("2", unknown, cmd::Send{bytes_of("m")}), errc::smp_auth, "2", unknown);
  expect_err(c->request("3", unknown, cmd::Send{bytes_of("m")}, &key.private_key), errc::smp_auth,
             "3", unknown);
  expect_err(c->request("4", unknown, cmd::NSub{}, &key.private_key), errc::smp_auth, "4", unknown);
  Bytes short_id = to_bytes(bytes_of("1234"));
  expect_err(c->request("5", short_id, cmd::Ack{}, &key.private_key), errc::smp_auth, "5",
             short_id);
}

TEST_F(ServerCommandsTest, AckWithoutDeliveryIsNoMsg) {
  auto c = server_.connect();
  auto other = server_.connect();
  ASSERT_TRUE(c && other);
  RecipientQueue q = create_queue(*c);
  // Subscribed by NEW, nothing delivered yet.
  expect_err(c->request("a", q.rid, cmd::Ack{}, q.key()), errc::smp_no_msg, "a", q.rid);
  // Not subscribed at all on this connection.
  expect_err(other->request("b", q.rid, cmd::Ack{}, q.key()), errc::smp_no_msg, "b", q.rid);
  // After an ACK the same delivery cannot be acknowledged twice.
  expect_ok(other->request("s", q.sid, cmd::Send{bytes_of("m")}), "s", q.sid);
  expect_msg(c->receive(), q, "", "m");
  expect_ok(c->request("a1", q.rid, cmd::Ack{}, q.key()), "a1", q.rid);
  expect_err(c->request("a2", q.rid, cmd::Ack{}, q.key()), errc::smp_no_msg, "a2", q.rid);
}

TEST_F(ServerCommandsTest, SubAnswersWithTheWaitingMessageAndResubRedelivers) {
  auto c = server_.connect();
  ASSERT_TRUE(c);
  RecipientQueue q = create_queue(*c);
  c.reset();  // the subscription ends with the connection
  auto sender = server_.connect();
  ASSERT_TRUE(sender);
  expect_ok(sender->request("s1", q.sid, cmd::Send{bytes_of("one")}), "s1", q.sid);
  expect_ok(sender->request("s2", q.sid, cmd::Send{bytes_of("two")}), "s2", q.sid);

  auto r = server_.connect();
  ASSERT_TRUE(r);
  Bytes first = expect_msg(r->request("sub1", q.rid, cmd::Sub{}, q.key()), q, "sub1", "one");
  // A repeated SUB clears the delivered flag: the same message comes again.
  Bytes again = expect_msg(r->request("sub2", q.rid, cmd::Sub{}, q.key()), q, "sub2", "one");
  EXPECT_EQ(first, again);
  expect_msg(r->request("ack", q.rid, cmd::Ack{}, q.key()), q, "ack", "two");
  expect_ok(r->request("ack2", q.rid, cmd::Ack{}, q.key()), "ack2", q.rid);
  // Subscribed and waiting: SUB answers OK, and a new message arrives unasked.
  expect_ok(r->request("sub3", q.rid, cmd::Sub{}, q.key()), "sub3", q.rid);
  expect_ok(sender->request("s3", q.sid, cmd::Send{bytes_of("three")}), "s3", q.sid);
  expect_msg(r->receive(), q, "", "three");
}

TEST_F(ServerCommandsTest, NkeyAnswersNidOnceAndNsubNeedsTheNotifierKey) {
  auto c = server_.connect();
  ASSERT_TRUE(c);
  RecipientQueue q = create_queue(*c);
  auto nk = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto r = c->request("n", q.rid, cmd::NKey{nk.public_key}, q.key());
  ASSERT_TRUE(r);
  const auto* nid = r->as<msg::Nid>();
  ASSERT_NE(nid, nullptr) << r->tag();
  EXPECT_EQ(r->queue_id(), q.rid);
  EXPECT_EQ(nid->notifier_id.size(), 24u);
  Bytes notifier_id = to_bytes(nid->notifier_id);
  expect_err(c->request("n2", q.rid, cmd::NKey{nk.public_key}, q.key()), errc::smp_auth, "n2",
             q.rid);
  expect_ok(c->request("ns", notifier_id, cmd::NSub{}, &nk.private_key), "ns", notifier_id);
  expect_err(c->request("ns2", notifier_id, cmd::NSub{}, q.key()), errc::smp_auth, "ns2",
             notifier_id);
  expect_err(c->request("ns3", q.rid, cmd::NSub{}, &nk.private_key), errc::smp_auth, "ns3", q.rid);
}

TEST_F(ServerCommandsTest, OffStopsSendingButNotReceiving) {
  auto c = server_.connect();
  auto sender = server_.connect();
  ASSERT_TRUE(c && sender);
  RecipientQueue q = create_queue(*c);
  expect_ok(sender->request("s1", q.sid, cmd::Send{bytes_of("before")}), "s1", q.sid);
  expect_msg(c->receive(), q, "", "before");
  expect_ok(c->request("off", q.rid, cmd::Off{}, q.key()), "off", q.rid);
  expect_ok(c->request("off2", q.rid, cmd::Off{}, q.key()), "off2", q.rid);  // idempotent
  expect_err(sender->request("s2", q.sid, cmd::Send{bytes_of("after")}), errc::smp_auth, "s2",
             q.sid);
  // SUB and ACK still work on a suspended queue.
  expect_msg(c->request("sub", q.rid, cmd::Sub{}, q.key()), q, "sub", "before");
  expect_ok(c->request("ack", q.rid, cmd::Ack{}, q.key()), "ack", q.rid);
}

TEST_F(ServerCommandsTest, DelRemovesTheQueueAndItsMessages) {
  auto c = server_.connect();
  ASSERT_TRUE(c);
  RecipientQueue q = create_queue(*c);
  expect_ok(c->request("s1", q.sid, cmd::Send{bytes_of("m1")}), "s1", q.sid);
  expect_msg(c->receive(), q, "", "m1");
  expect_ok(c->request("s2", q.sid, cmd::Send{bytes_of("m2")}), "s2", q.sid);
  auto rid = server::queue_id_from(q.rid);
  ASSERT_TRUE(rid);
  ASSERT_NE(server_.messages().find(*rid), nullptr);
  expect_ok(c->request("del", q.rid, cmd::Del{}, q.key()), "del", q.rid);
  EXPECT_EQ(server_.messages().find(*rid), nullptr);
  EXPECT_FALSE(server_.queues().by_recipient(*rid));
  expect_err(c->request("sub", q.rid, cmd::Sub{}, q.key()), errc::smp_auth, "sub", q.rid);
  expect_err(c->request("s3", q.sid, cmd::Send{bytes_of("m3")}), errc::smp_auth, "s3", q.sid);
  expect_err(c->request("del2", q.rid, cmd::Del{}, q.key()), errc::smp_auth, "del2", q.rid);
  EXPECT_EQ(server_.server().stats().queues_deleted.load(), 1u);
}

TEST_F(ServerCommandsTest, LargeMessageLimitIs16088Bytes) {
  auto c = server_.connect();
  ASSERT_TRUE(c);
  RecipientQueue q = create_queue(*c);
  std::string largest(16088, 'a');
  std::string too_large(16089, 'b');
  expect_ok(c->request("ok", q.sid, cmd::Send{bytes_of(largest)}), "ok", q.sid);
  expect_msg(c->receive(), q, "", largest);
  expect_err(c->request("big", q.sid, cmd::Send{bytes_of(too_large)}), errc::smp_large_msg, "big",
             q.sid);
  // An empty body is a message too.
  expect_ok(c->request("a", q.rid, cmd::Ack{}, q.key()), "a", q.rid);
  expect_ok(c->request("empty", q.sid, cmd::Send{ByteView{}}), "empty", q.sid);
  expect_msg(c->receive(), q, "", "");
}

TEST_F(ServerCommandsTest, PingAnswersPong) {
  auto c = server_.connect();
  ASSERT_TRUE(c);
  expect_pong(*c, "p1");
  expect_pong(*c, "");
}

TEST_F(ServerCommandsTest, DuplexExchangeOverTwoQueues) {
  auto alice = server_.connect();
  auto bob = server_.connect();
  ASSERT_TRUE(alice && bob);
  RecipientQueue qa = create_queue(*alice, "a-new");  // alice receives on qa
  RecipientQueue qb = create_queue(*bob, "b-new");    // bob receives on qb
  auto alice_sends = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto bob_sends = crypto::generate_key_pair(crypto::KeyAlgorithm::ed448);
  expect_ok(alice->request("k", qa.rid, cmd::Key{bob_sends.public_key}, qa.key()), "k", qa.rid);
  expect_ok(bob->request("k", qb.rid, cmd::Key{alice_sends.public_key}, qb.key()), "k", qb.rid);
  for (int i = 0; i < 5; ++i) {
    std::string to_bob = numbered("a->b ", i);
    std::string to_alice = numbered("b->a ", i);
    expect_ok(alice->request("s", qb.sid, cmd::Send{bytes_of(to_bob)}, &alice_sends.private_key),
              "s", qb.sid);
    expect_msg(bob->receive(), qb, "", to_bob);
    expect_ok(bob->request("a", qb.rid, cmd::Ack{}, qb.key()), "a", qb.rid);
    expect_ok(bob->request("s", qa.sid, cmd::Send{bytes_of(to_alice)}, &bob_sends.private_key),
              "s", qa.sid);
    expect_msg(alice->receive(), qa, "", to_alice);
    expect_ok(alice->request("a", qa.rid, cmd::Ack{}, qa.key()), "a", qa.rid);
  }
}

class ServerQuotaTest : public ::testing::Test {
 protected:
  TestServer server_{[](server::ServerConfig& c) { c.msg_queue_quota = 3; }};
};

TEST_F(ServerQuotaTest, QuotaCountsTheUnacknowledgedMessage) {
  ASSERT_TRUE(server_.started());
  auto c = server_.connect();
  ASSERT_TRUE(c);
  RecipientQueue q = create_queue(*c);
  for (int i = 0; i < 3; ++i) {
    std::string corr = numbered("s", i);
    expect_ok(c->request(corr, q.sid, cmd::Send{bytes_of(corr)}), corr, q.sid);
    if (i == 0) expect_msg(c->receive(), q, "", "s0");
  }
  expect_err(c->request("full", q.sid, cmd::Send{bytes_of("x")}), errc::smp_quota, "full", q.sid);
  expect_msg(c->request("a", q.rid, cmd::Ack{}, q.key()), q, "a", "s1");
  expect_ok(c->request("again", q.sid, cmd::Send{bytes_of("s3")}), "again", q.sid);
  expect_err(c->request("full2", q.sid, cmd::Send{bytes_of("x")}), errc::smp_quota, "full2", q.sid);
}

}  // namespace
}  // namespace smp::test
