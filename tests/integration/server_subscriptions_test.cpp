// Subscriptions across connections: END to the previous subscriber, notifier subscriptions
// with NMSG, and clean-up when a connection goes (spec §4.6).
#include "smp/server/server.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "server_test_util.h"

namespace smp::test {
namespace {

class ServerSubscriptionsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.started()); }
  TestServer server_;
};

TEST_F(ServerSubscriptionsTest, SubscribingFromAnotherConnectionSendsEndToThePrevious) {
  auto first = server_.connect();
  auto second = server_.connect();
  auto sender = server_.connect();
  ASSERT_TRUE(first && second && sender);
  RecipientQueue q = create_queue(*first);  // NEW subscribes `first`
  expect_ok(second->request("sub", q.rid, cmd::Sub{}, q.key()), "sub", q.rid);
  auto end = first->receive();
  ASSERT_TRUE(end);
  EXPECT_EQ(end->tag(), "END");
  EXPECT_EQ(end->corr_id(), "");
  EXPECT_EQ(end->queue_id(), q.rid);

  // Messages now go to `second` only.
  expect_ok(sender->request("s", q.sid, cmd::Send{bytes_of("to second")}), "s", q.sid);
  expect_msg(second->receive(), q, "", "to second");
  expect_pong(*first);
  // `first` no longer has the subscription: ACK finds nothing.
  expect_err(first->request("a", q.rid, cmd::Ack{}, q.key()), errc::smp_no_msg, "a", q.rid);

  // And back: `first` subscribes again, `second` gets END; the unacknowledged message is
  // delivered again to the new subscriber.
  expect_msg(first->request("sub2", q.rid, cmd::Sub{}, q.key()), q, "sub2", "to second");
  auto end2 = second->receive();
  ASSERT_TRUE(end2);
  EXPECT_EQ(end2->tag(), "END");
  EXPECT_EQ(end2->queue_id(), q.rid);
}

TEST_F(ServerSubscriptionsTest, ResubscribingOnTheSameConnectionSendsNoEnd) {
  auto c = server_.connect();
  ASSERT_TRUE(c);
  RecipientQueue q = create_queue(*c);
  expect_ok(c->request("sub", q.rid, cmd::Sub{}, q.key()), "sub", q.rid);
  expect_ok(c->request("sub", q.rid, cmd::Sub{}, q.key()), "sub", q.rid);
  expect_pong(*c);
}

TEST_F(ServerSubscriptionsTest, NotifierGetsNmsgAndEndWhenAnotherConnectionTakesOver) {
  auto recipient = server_.connect();
  auto sender = server_.connect();
  auto notifier1 = server_.connect();
  auto notifier2 = server_.connect();
  ASSERT_TRUE(recipient && sender && notifier1 && notifier2);
  RecipientQueue q = create_queue(*recipient);
  auto nk = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto nid_reply = recipient->request("nkey", q.rid, cmd::NKey{nk.public_key}, q.key());
  ASSERT_TRUE(nid_reply && nid_reply->as<msg::Nid>());
  Bytes nid = to_bytes(nid_reply->as<msg::Nid>()->notifier_id);

  expect_ok(notifier1->request("nsub", nid, cmd::NSub{}, &nk.private_key), "nsub", nid);
  expect_ok(sender->request("s1", q.sid, cmd::Send{bytes_of("m1")}), "s1", q.sid);
  auto nmsg = notifier1->receive();
  ASSERT_TRUE(nmsg);
  EXPECT_EQ(nmsg->tag(), "NMSG");
  EXPECT_EQ(nmsg->corr_id(), "");
  EXPECT_EQ(nmsg->queue_id(), nid);
  expect_msg(recipient->receive(), q, "", "m1");

  expect_ok(notifier2->request("nsub", nid, cmd::NSub{}, &nk.private_key), "nsub", nid);
  auto end = notifier1->receive();
  ASSERT_TRUE(end);
  EXPECT_EQ(end->tag(), "END");
  EXPECT_EQ(end->queue_id(), nid);

  expect_ok(sender->request("s2", q.sid, cmd::Send{bytes_of("m2")}), "s2", q.sid);
  auto nmsg2 = notifier2->receive();
  ASSERT_TRUE(nmsg2);
  EXPECT_EQ(nmsg2->tag(), "NMSG");
  expect_pong(*notifier1);  // nothing more for the previous notifier
}

TEST_F(ServerSubscriptionsTest, DisconnectReleasesRecipientAndNotifierSubscriptions) {
  auto sender = server_.connect();
  ASSERT_TRUE(sender);
  std::optional<RecipientQueue> queue;
  Bytes nid;
  auto nk = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  {
    auto c = server_.connect();
    ASSERT_TRUE(c);
    queue.emplace(create_queue(*c));
    const RecipientQueue& q = *queue;
    auto r = c->request("nkey", q.rid, cmd::NKey{nk.public_key}, q.key());
    ASSERT_TRUE(r && r->as<msg::Nid>());
    nid = to_bytes(r->as<msg::Nid>()->notifier_id);
    expect_ok(c->request("nsub", nid, cmd::NSub{}, &nk.private_key), "nsub", nid);
  }
  // The server notices the disconnection and removes both subscriptions (the reference
  // keeps the notifier one, quirk Q4): new subscribers get no END, there is nobody to end.
  for (int i = 0; i < 200 && server_.server().stats().connections_current.load() != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(server_.server().stats().connections_current.load(), 1);
  const RecipientQueue& q = *queue;
  auto again = server_.connect();
  ASSERT_TRUE(again);
  expect_ok(again->request("sub", q.rid, cmd::Sub{}, q.key()), "sub", q.rid);
  expect_ok(again->request("nsub", nid, cmd::NSub{}, &nk.private_key), "nsub", nid);
  expect_ok(sender->request("s", q.sid, cmd::Send{bytes_of("after")}), "s", q.sid);
  // Both notifications reach the new connection, in either order.
  int msgs = 0, nmsgs = 0;
  for (int i = 0; i < 2; ++i) {
    auto r = again->receive();
    ASSERT_TRUE(r);
    if (r->tag() == "MSG") ++msgs;
    if (r->tag() == "NMSG") ++nmsgs;
  }
  EXPECT_EQ(msgs, 1);
  EXPECT_EQ(nmsgs, 1);
}

TEST_F(ServerSubscriptionsTest, DeletingAQueueEndsItsSubscriptionsSilently) {
  auto owner = server_.connect();
  auto other = server_.connect();
  ASSERT_TRUE(owner && other);
  RecipientQueue q = create_queue(*owner);
  expect_ok(other->request("sub", q.rid, cmd::Sub{}, q.key()), "sub", q.rid);
  auto end = owner->receive();
  ASSERT_TRUE(end);
  EXPECT_EQ(end->tag(), "END");
  expect_ok(owner->request("del", q.rid, cmd::Del{}, q.key()), "del", q.rid);
  // As in the reference, the subscriber is not told; its next command on the queue is AUTH.
  expect_pong(*other);
  expect_err(other->request("ack", q.rid, cmd::Ack{}, q.key()), errc::smp_auth, "ack", q.rid);
}

TEST_F(ServerSubscriptionsTest, ManyQueuesOnOneConnectionEachDeliverOneMessage) {
  auto recipient = server_.connect();
  auto sender = server_.connect();
  ASSERT_TRUE(recipient && sender);
  constexpr int kQueues = 20;
  std::vector<RecipientQueue> queues;
  for (int i = 0; i < kQueues; ++i) queues.push_back(create_queue(*recipient, numbered("n", i)));
  for (int i = 0; i < kQueues; ++i) {
    for (int j = 0; j < 2; ++j) {  // the second message waits for ACK
      sender->send(numbered("s", i), queues[static_cast<std::size_t>(i)].sid,
                   cmd::Send{bytes_of(numbered("m", i))});
    }
  }
  for (int i = 0; i < 2 * kQueues; ++i) {
    auto r = sender->receive();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->tag(), "OK");
  }
  std::set<std::string> delivered;
  for (int i = 0; i < kQueues; ++i) {
    auto r = recipient->receive();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->tag(), "MSG");
    delivered.insert(to_hex(r->queue_id()));
  }
  EXPECT_EQ(delivered.size(), static_cast<std::size_t>(kQueues));
  expect_pong(*recipient);
}

}  // namespace
}  // namespace smp::test
