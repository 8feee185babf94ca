// A server with several io threads. Each connection lives on one thread and new
// connections take the threads in turn, so consecutive connections sit on different
// threads: deliveries, ACKs and END here cross every pair of threads.
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "server_test_util.h"
#include "smp/server/server.h"

namespace smp::test {
namespace {

constexpr std::size_t kThreads = 3;

TEST(ServerThreadsTest, ConnectionsOnDifferentThreadsDeliverAcknowledgeAndHandOver) {
  TestServer server([](server::ServerConfig& c) { c.threads = kThreads; });
  ASSERT_TRUE(server.started());

  // Connected in the order recipient, sender, recipient, ...: with three threads the
  // recipients and the senders each cover all three.
  std::vector<std::unique_ptr<TestClient>> recipients, senders;
  for (std::size_t i = 0; i < kThreads; ++i) {
    recipients.push_back(server.connect());
    senders.push_back(server.connect());
    ASSERT_TRUE(recipients.back() && senders.back());
  }
  std::vector<RecipientQueue> queues;
  for (auto& r : recipients) queues.push_back(create_queue(*r));  // subscribed on its maker

  // Every sender sends to every queue, one after the other.
  for (std::size_t s = 0; s < senders.size(); ++s) {
    for (const auto& q : queues) {
      expect_ok(senders[s]->request("s", q.sid,
                                    cmd::Send{bytes_of(numbered("from ", static_cast<int>(s)))}),
                "s", q.sid);
    }
  }
  // Each recipient gets its queue's messages in the order they were sent: the first one
  // unasked, each next one as the answer to the ACK of the one before, then OK.
  for (std::size_t r = 0; r < recipients.size(); ++r) {
    const RecipientQueue& q = queues[r];
    expect_msg(recipients[r]->receive(), q, "", "from 0");
    for (std::size_t s = 1; s < senders.size(); ++s) {
      expect_msg(recipients[r]->request("a", q.rid, cmd::Ack{}, q.key()), q, "a",
                 numbered("from ", static_cast<int>(s)));
    }
    expect_ok(recipients[r]->request("a", q.rid, cmd::Ack{}, q.key()), "a", q.rid);
  }

  // Each queue is taken over by the next recipient (on another thread): END to the previous.
  for (std::size_t r = 0; r < recipients.size(); ++r) {
    const RecipientQueue& q = queues[r];
    TestClient& next = *recipients[(r + 1) % recipients.size()];
    expect_ok(next.request("sub", q.rid, cmd::Sub{}, q.key()), "sub", q.rid);
    auto end = recipients[r]->receive();
    ASSERT_TRUE(end);
    EXPECT_EQ(end->tag(), "END");
    EXPECT_EQ(end->queue_id(), q.rid);
  }
  // And a message now reaches the new subscriber.
  expect_ok(senders[0]->request("s", queues[0].sid, cmd::Send{bytes_of("after END")}), "s",
            queues[0].sid);
  expect_msg(recipients[1]->receive(), queues[0], "", "after END");
  for (auto& c : recipients) expect_pong(*c);
  for (auto& c : senders) expect_pong(*c);
}

}  // namespace
}  // namespace smp::test
