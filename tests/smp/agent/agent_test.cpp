// The Agent end to end (spec §7.6–§7.9): two agents with their own databases talking through
// in-process SMP servers over TLS.
#include "smp/agent/agent.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "smp/agent/agent_test_util.h"
#include "smp/agent/envelope_format.h"

namespace smp::agent {
namespace {

using test::Connected;
using test::connect_pair;
using test::error_of;
using test::exchange;
using test::expect_next;
using test::TestAgent;
using test::to_bytes;

using AgentTest = test::AgentPairTest;

TEST_F(AgentTest, InvitationReachesConOnBothSidesWithTheReferenceIds) {
  Connected c = connect_pair(alice_, bob_, "alice's conn", "");
  EXPECT_EQ(c.alice, "alice's conn");
  EXPECT_EQ(c.bob.size(), 16u);  // generated
  // Alice: HELLO rcvd 1, REPLY rcvd 2, HELLO sent 3 → her first SEND is MID 4.
  auto msg = exchange(alice_, c.alice, bob_, c.bob, to_bytes("hello bob"));
  EXPECT_EQ(msg.meta.recipient_id, 4);  // Bob: HELLO 1, REPLY 2 sent, HELLO 3 received
  EXPECT_EQ(msg.meta.snd_msg_id, 2);    // after Alice's HELLO
  auto back = exchange(bob_, c.bob, alice_, c.alice, to_bytes("hi alice"));
  EXPECT_EQ(back.meta.recipient_id, 5);
  EXPECT_EQ(alice_.events().size(), 0u);
  EXPECT_EQ(bob_.events().size(), 0u);
}

TEST_F(AgentTest, InternalIdsAreSharedBySentAndReceivedMessages) {
  Connected c = connect_pair(alice_, bob_);
  EXPECT_EQ(bob_.send(c.bob, "y"), 4);  // Bob: HELLO 1, REPLY 2 sent, HELLO 3 received
  EXPECT_EQ(expect_next<cmd::Sent>(bob_.events(), c.bob).id, 4);
  auto msg = expect_next<cmd::Msg>(alice_.events(), c.alice);
  EXPECT_EQ(msg.meta.recipient_id, 4);  // Alice: HELLO 1, REPLY 2 received, HELLO 3 sent
  EXPECT_EQ(msg.meta.snd_msg_id, 3);    // Bob's third message after HELLO and REPLY
  alice_.ok(c.alice, cmd::Ack{4});
  EXPECT_EQ(alice_.send(c.alice, "x"), 5);
  EXPECT_EQ(expect_next<cmd::Sent>(alice_.events(), c.alice).id, 5);
  EXPECT_EQ(expect_next<cmd::Msg>(bob_.events(), c.bob).meta.recipient_id, 5);
}

TEST_F(AgentTest, JoinToConTakesWellUnderASecondOnLoopback) {
  auto inv = alice_.command("", cmd::New{ConnectionMode::invitation});
  auto request = std::get<cmd::Inv>(inv.command).request;
  auto start = std::chrono::steady_clock::now();
  auto joined = bob_.command("", cmd::Join{request, to_bytes("b")});
  auto conf = expect_next<cmd::Conf>(alice_.events(), inv.conn_id);
  alice_.ok(inv.conn_id, cmd::Let{conf.conf_id, to_bytes("a")});
  expect_next<cmd::Info>(bob_.events(), joined.conn_id);
  expect_next<cmd::Con>(bob_.events(), joined.conn_id);
  expect_next<cmd::Con>(alice_.events(), inv.conn_id);
  auto took = std::chrono::steady_clock::now() - start;
  // HELLO is retried on the fast-start schedule: 25 ms, 50 ms, ... (the target is 0.3 s).
  EXPECT_LT(took, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms";
  RecordProperty("join_to_con_ms",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

TEST_F(AgentTest, BodiesOfZeroOneAndMaximumSizeArriveIntact) {
  Connected c = connect_pair(alice_, bob_);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, kMaxUserMessageSize}) {
    Bytes body(n);
    for (std::size_t i = 0; i < n; ++i) body[i] = static_cast<std::uint8_t>(i * 7 + 3);
    exchange(alice_, c.alice, bob_, c.bob, body);
    exchange(bob_, c.bob, alice_, c.alice, body);
  }
}

TEST_F(AgentTest, BodyOneByteOverTheMaximumIsCmdLarge) {
  Connected c = connect_pair(alice_, bob_);
  auto e = alice_.command(c.alice, cmd::Send{Bytes(kMaxUserMessageSize + 1, 'a')});
  EXPECT_EQ(error_of(e), AgentError(CmdError{CommandErrorType::large}));
  // As the reference: the ids were used up, so the next message shows a gap at the peer.
  auto mid = alice_.send(c.alice, "after");
  EXPECT_EQ(mid, 5);
  expect_next<cmd::Sent>(alice_.events(), c.alice);
  auto msg = expect_next<cmd::Msg>(bob_.events(), c.bob);
  EXPECT_EQ(msg.meta.integrity, MsgIntegrity(MsgSkipped{2, 2}));
  EXPECT_EQ(msg.body, to_bytes("after"));
}

TEST_F(AgentTest, PipelinedSendsArriveInOrderWithIntegrity) {
  Connected c = connect_pair(alice_, bob_);
  constexpr int kCount = 250;
  for (int i = 0; i < kCount; ++i) {
    alice_.agent().submit(fmt::format("s{}", i), c.alice,
                          cmd::Send{to_bytes(fmt::format("message {}", i))});
  }
  std::int64_t last_mid = 0;
  for (int i = 0; i < kCount; ++i) {
    auto e = bob_.events().take(
        [&](const AgentEvent& ev) { return std::holds_alternative<cmd::Msg>(ev.command); }, 10s);
    ASSERT_TRUE(e) << "message " << i << " did not arrive";
    auto msg = std::get<cmd::Msg>(e->command);
    ASSERT_EQ(msg.body, to_bytes(fmt::format("message {}", i)));
    ASSERT_EQ(msg.meta.integrity, MsgIntegrity(MsgOk{}));
    bob_.agent().submit(fmt::format("a{}", i), c.bob, cmd::Ack{msg.meta.recipient_id});
  }
  // Alice's events: every MID in order, each before its SENT.
  std::vector<std::int64_t> mids, sents;
  while (mids.size() < kCount || sents.size() < kCount) {
    auto e = alice_.events().next(c.alice, 10s);
    ASSERT_TRUE(e);
    if (auto* m = std::get_if<cmd::Mid>(&e->command)) {
      mids.push_back(m->id);
    } else if (auto* s = std::get_if<cmd::Sent>(&e->command)) {
      ASSERT_TRUE(std::find(mids.begin(), mids.end(), s->id) != mids.end()) << "SENT before MID";
      sents.push_back(s->id);
    } else {
      FAIL() << test::describe(*e);
    }
    last_mid = mids.empty() ? 0 : mids.back();
  }
  EXPECT_EQ(last_mid, 4 + kCount - 1);
  EXPECT_TRUE(std::is_sorted(mids.begin(), mids.end()));
  EXPECT_EQ(mids, sents);
  for (int i = 0; i < kCount; ++i) {
    auto ok = bob_.events().take([&](const AgentEvent& e) { return e.corr_id == fmt::format("a{}", i); });
    ASSERT_TRUE(ok);
    EXPECT_TRUE(std::holds_alternative<cmd::Ok>(ok->command)) << test::describe(*ok);
  }
}

TEST_F(AgentTest, AckOfAnUnknownMessageIsInternalMsgNotFound) {
  Connected c = connect_pair(alice_, bob_);
  EXPECT_EQ(error_of(bob_.command(c.bob, cmd::Ack{99})),
            AgentError(InternalError{"SEMsgNotFound"}));
}

TEST_F(AgentTest, OffStopsTheSenderButQueuedMessagesStillArrive) {
  Connected c = connect_pair(alice_, bob_);
  alice_.send(c.alice, "before");
  expect_next<cmd::Sent>(alice_.events(), c.alice);
  bob_.ok(c.bob, cmd::Off{});
  // Alice's next message is refused by the server: SMP AUTH drops it with MERR.
  auto mid = alice_.send(c.alice, "after");
  auto merr = expect_next<cmd::Merr>(alice_.events(), c.alice);
  EXPECT_EQ(merr.id, mid);
  EXPECT_EQ(merr.error, AgentError(SmpError{errc::smp_auth}));
  auto msg = expect_next<cmd::Msg>(bob_.events(), c.bob);
  EXPECT_EQ(msg.body, to_bytes("before"));
  bob_.ok(c.bob, cmd::Ack{msg.meta.recipient_id});
}

TEST_F(AgentTest, DelRemovesTheConnection) {
  Connected c = connect_pair(alice_, bob_);
  bob_.ok(c.bob, cmd::Del{});
  EXPECT_EQ(error_of(bob_.command(c.bob, cmd::Send{to_bytes("x")})),
            AgentError(ConnError{ConnectionErrorType::not_found}));
  EXPECT_EQ(error_of(bob_.command(c.bob, cmd::Sub{})),
            AgentError(ConnError{ConnectionErrorType::not_found}));
  // Bob's queue is gone from the server: Alice's message cannot be delivered.
  auto mid = alice_.send(c.alice, "anyone?");
  auto merr = expect_next<cmd::Merr>(alice_.events(), c.alice);
  EXPECT_EQ(merr.id, mid);
  EXPECT_EQ(merr.error, AgentError(SmpError{errc::smp_auth}));
}

TEST_F(AgentTest, CallReturnsTheAnswerAndNotificationsStillGoToTheSink) {
  auto fut = net::co_spawn(io_.executor(),
                           alice_.agent().call("", cmd::New{ConnectionMode::invitation}),
                           net::use_future);
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  AgentEvent inv = fut.get();
  ASSERT_TRUE(std::holds_alternative<cmd::Inv>(inv.command)) << test::describe(inv);
  EXPECT_EQ(alice_.events().size(), 0u);  // the answer went to the caller only
  bob_.command("", cmd::Join{std::get<cmd::Inv>(inv.command).request, to_bytes("b")});
  expect_next<cmd::Conf>(alice_.events(), inv.conn_id);
}

TEST_F(AgentTest, NoEventsAfterClose) {
  Connected c = connect_pair(alice_, bob_);
  bob_.send(c.bob, "one");
  alice_.agent().close();
  auto before = alice_.events().size();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(alice_.events().size(), before);
  auto fut = net::co_spawn(io_.executor(), alice_.agent().call(c.alice, cmd::Sub{}), net::use_future);
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(std::holds_alternative<cmd::Err>(fut.get().command));
}

}  // namespace
}  // namespace smp::agent

namespace smp::agent {
namespace {

TEST(AgentTwoServersTest, EachPartyReceivesOnItsOwnServer) {
  test::TestServer server_a, server_b;
  test::TempDir dir;
  test::IoThreads io;
  TestAgent alice(io.executor(), dir / "alice.db", {test::server_of(server_a)});
  TestAgent bob(io.executor(), dir / "bob.db", {test::server_of(server_b)});
  Connected c = connect_pair(alice, bob);
  // Alice's queue (NEW) is on A, Bob's reply queue on B.
  EXPECT_EQ(server_a.queues().size(), 1u);
  EXPECT_EQ(server_b.queues().size(), 1u);
  exchange(alice, c.alice, bob, c.bob, to_bytes("via B"));
  exchange(bob, c.bob, alice, c.alice, to_bytes("via A"));
}

TEST(AgentBurstTest, ThousandPipelinedSendsAllArriveInOrder) {
  test::TestServer server([](server::ServerConfig& cfg) { cfg.msg_queue_quota = 2000; });
  test::TempDir dir;
  test::IoThreads io;
  TestAgent alice(io.executor(), dir / "alice.db", {test::server_of(server)});
  TestAgent bob(io.executor(), dir / "bob.db", {test::server_of(server)});
  Connected c = connect_pair(alice, bob);
  constexpr int kCount = 1000;
  for (int i = 0; i < kCount; ++i) {
    alice.agent().submit(fmt::format("{}", i), c.alice, cmd::Send{to_bytes(fmt::format("m{}", i))});
  }
  for (int i = 0; i < kCount; ++i) {
    auto e = bob.events().take(
        [&](const AgentEvent& ev) { return std::holds_alternative<cmd::Msg>(ev.command); }, 20s);
    ASSERT_TRUE(e) << "message " << i << " did not arrive";
    const auto& msg = std::get<cmd::Msg>(e->command);
    ASSERT_EQ(msg.body, to_bytes(fmt::format("m{}", i)));
    ASSERT_EQ(msg.meta.integrity, MsgIntegrity(MsgOk{}));
    bob.agent().submit("", c.bob, cmd::Ack{msg.meta.recipient_id});
  }
  int mids = 0, sents = 0;
  while (mids < kCount || sents < kCount) {
    auto e = alice.events().next(c.alice, 20s);
    ASSERT_TRUE(e);
    if (auto* m = std::get_if<cmd::Mid>(&e->command)) {
      ASSERT_EQ(m->id, 4 + mids);
      ++mids;
    } else if (auto* s = std::get_if<cmd::Sent>(&e->command)) {
      ASSERT_EQ(s->id, 4 + sents);
      ASSERT_LT(sents, mids);
      ++sents;
    } else {
      FAIL() << test::describe(*e);
    }
  }
  // Every ACK was answered OK; nothing else was said.
  for (int i = 0; i < kCount; ++i) {
    auto e = bob.events().next(c.bob, 10s);
    ASSERT_TRUE(e);
    ASSERT_TRUE(std::holds_alternative<cmd::Ok>(e->command)) << test::describe(*e);
  }
  EXPECT_EQ(alice.events().size(), 0u);
  EXPECT_EQ(bob.events().size(), 0u);
}

}  // namespace
}  // namespace smp::agent

namespace smp::agent {
namespace {

TEST(AgentCreateTest, RefusesAConfigurationWithoutServersOrStore) {
  test::TempDir dir;
  test::IoThreads io;
  AgentConfig config;
  config.store_path = dir / "agent.db";
  auto no_servers = Agent::create(io.executor(), config, [](AgentEvent) {});
  ASSERT_FALSE(no_servers);
  EXPECT_EQ(no_servers.error(), make_error_code(errc::config_invalid));
  config.servers = {protocol::SmpServer{"127.0.0.1", "5223", Bytes(32, 1)}};
  EXPECT_EQ(Agent::create(io.executor(), config, nullptr, [](AgentEvent) {}).error(),
            make_error_code(errc::config_invalid));
  config.queue_key_algorithm = crypto::KeyAlgorithm::x25519;
  EXPECT_EQ(Agent::create(io.executor(), config, [](AgentEvent) {}).error(),
            make_error_code(errc::config_invalid));
}

TEST(AgentCreateTest, UnreachableServerIsBrokerNetwork) {
  test::TempDir dir;
  test::IoThreads io;
  // A port nothing listens on (a server that was started and stopped).
  protocol::SmpServer gone;
  {
    test::TestServer s;
    gone = test::server_of(s);
  }
  TestAgent alice(io.executor(), dir / "a.db", {gone});
  auto e = alice.command("", cmd::New{ConnectionMode::invitation});
  EXPECT_EQ(error_of(e), AgentError(BrokerError{BrokerErrorKind::network}));
}

TEST(AgentCreateTest, Ed448QueueKeysWorkToo) {
  test::TestServer server;
  test::TempDir dir;
  test::IoThreads io;
  auto ed448 = [](AgentConfig& c) { c.queue_key_algorithm = crypto::KeyAlgorithm::ed448; };
  TestAgent alice(io.executor(), dir / "a.db", {test::server_of(server)}, ed448);
  TestAgent bob(io.executor(), dir / "b.db", {test::server_of(server)});
  Connected c = connect_pair(alice, bob);
  exchange(alice, c.alice, bob, c.bob, to_bytes("mixed key algorithms"));
  exchange(bob, c.bob, alice, c.alice, to_bytes("fine"));
}

}  // namespace
}  // namespace smp::agent
