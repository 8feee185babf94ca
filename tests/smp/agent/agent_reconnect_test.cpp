// A server that goes away and comes back (spec §7.11): DOWN for every connection subscribed
// there, then, once the agent has reconnected and subscribed again, UP; messages go on.
#include "smp/agent/agent.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "smp/agent/agent_store.h"
#include "smp/agent/agent_test_util.h"

namespace smp::agent {
namespace {

using test::Connected;
using test::connect_pair;
using test::exchange;
using test::expect_next;
using test::to_bytes;

using AgentReconnectTest = test::AgentPairTest;

template <class T>
std::optional<AgentEvent> take_kind(test::TestAgent& a, const ConnId& id,
                                    std::chrono::milliseconds timeout = 10s) {
  return a.events().take(
      [&](const AgentEvent& e) { return e.conn_id == id && std::holds_alternative<T>(e.command); },
      timeout);
}

TEST_F(AgentReconnectTest, DownThenUpWhenTheServerRestartsAndMessagesContinue) {
  Connected c = connect_pair(alice_, bob_);
  Connected d = connect_pair(alice_, bob_);
  server_.stop();
  for (const ConnId& id : {c.alice, d.alice}) expect_next<cmd::Down>(alice_.events(), id);
  for (const ConnId& id : {c.bob, d.bob}) expect_next<cmd::Down>(bob_.events(), id);
  ASSERT_TRUE(server_.restart());
  for (const ConnId& id : {c.alice, d.alice}) expect_next<cmd::Up>(alice_.events(), id, 10s);
  for (const ConnId& id : {c.bob, d.bob}) expect_next<cmd::Up>(bob_.events(), id, 10s);
  exchange(alice_, c.alice, bob_, c.bob, to_bytes("after the restart"));
  exchange(bob_, d.bob, alice_, d.alice, to_bytes("on the other one too"));
}

TEST_F(AgentReconnectTest, MessagesSentWhileTheServerIsDownGoOutWhenItIsBack) {
  Connected c = connect_pair(alice_, bob_);
  server_.stop();
  expect_next<cmd::Down>(alice_.events(), c.alice);
  expect_next<cmd::Down>(bob_.events(), c.bob);
  std::vector<std::int64_t> mids;
  for (int i = 0; i < 3; ++i) mids.push_back(alice_.send(c.alice, fmt::format("m{}", i)));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(server_.restart());
  ASSERT_TRUE(take_kind<cmd::Up>(alice_, c.alice));
  ASSERT_TRUE(take_kind<cmd::Up>(bob_, c.bob));
  for (int i = 0; i < 3; ++i) {
    auto sent = take_kind<cmd::Sent>(alice_, c.alice);
    ASSERT_TRUE(sent);
    EXPECT_EQ(std::get<cmd::Sent>(sent->command).id, mids[static_cast<std::size_t>(i)]);
    auto msg = expect_next<cmd::Msg>(bob_.events(), c.bob, 10s);
    EXPECT_EQ(msg.body, to_bytes(fmt::format("m{}", i)));
    EXPECT_EQ(msg.meta.integrity, MsgIntegrity(MsgOk{}));
    bob_.ok(c.bob, cmd::Ack{msg.meta.recipient_id});
  }
  EXPECT_EQ(alice_.events().size(), 0u);
}

TEST_F(AgentReconnectTest, QueueGoneWhileDownIsReportedAndTheOthersComeUp) {
  Connected c = connect_pair(alice_, bob_);
  Connected d = connect_pair(alice_, bob_);
  server_.stop();
  expect_next<cmd::Down>(alice_.events(), c.alice);
  expect_next<cmd::Down>(alice_.events(), d.alice);
  // Alice's receive queue of connection c disappears from the server.
  auto conn = AgentStore::open(alice_.db_path()).value().get_connection(c.alice).value();
  const Bytes& rcv_id = rcv_queue_of(conn)->rcv_id;
  server::QueueId rid{};
  ASSERT_EQ(rcv_id.size(), rid.size());
  std::copy(rcv_id.begin(), rcv_id.end(), rid.begin());
  ASSERT_TRUE(server_.queues().remove(rid));
  ASSERT_TRUE(server_.restart());
  auto err = take_kind<cmd::Err>(alice_, c.alice);
  ASSERT_TRUE(err);
  EXPECT_EQ(std::get<cmd::Err>(err->command).error, AgentError(SmpError{errc::smp_auth}));
  EXPECT_TRUE(take_kind<cmd::Up>(alice_, d.alice));
  EXPECT_FALSE(take_kind<cmd::Up>(alice_, c.alice, 300ms));
}

TEST_F(AgentReconnectTest, ClosedAgentDoesNotReconnect) {
  Connected c = connect_pair(alice_, bob_);
  alice_.stop();
  server_.stop();
  expect_next<cmd::Down>(bob_.events(), c.bob);
  ASSERT_TRUE(server_.restart());
  expect_next<cmd::Up>(bob_.events(), c.bob, 10s);
  EXPECT_EQ(alice_.events().size(), 0u);
}

}  // namespace
}  // namespace smp::agent
