#include "smp/agent/shared_agent_store.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "smp/agent/agent_test_util.h"

namespace smp::agent {
namespace {

using test::expect_next;
using test::to_bytes;

TEST(SharedAgentStoreTest, OpenFailsForAMissingDirectory) {
  test::TempDir dir;
  auto store = SharedAgentStore::open(dir / "no-such-dir/agent.db");
  EXPECT_FALSE(store);
}

TEST(SharedAgentStoreTest, WithRunsUnderTheLockAndReturnsTheResult) {
  test::TempDir dir;
  auto store = SharedAgentStore::open(dir / "agent.db").value();
  auto id = store->with([](AgentStore& s) { return s.create_connection("c", ConnectionMode::contact); });
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "c");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto r = store->with([&](AgentStore& s) {
          return s.create_connection(fmt::format("t{}-{}", t, i), ConnectionMode::invitation);
        });
        EXPECT_TRUE(r);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store->with([](AgentStore& s) { return s.list_connections(); }).value().size(), 101u);
}

// The smp-agent executable runs one Agent per client on one database: two agents sharing a
// store connect to each other and exchange messages both ways at once without lock errors.
TEST(SharedAgentStoreTest, AgentsOnOneStoreTalkToEachOther) {
  test::TestServer server;
  test::TempDir dir;
  test::IoThreads io;
  auto store = SharedAgentStore::open(dir / "agent.db").value();
  AgentConfig config;
  config.servers = {test::server_of(server)};
  test::EventLog alice_log, bob_log;
  auto alice = Agent::create(io.executor(), config, store, alice_log.sink()).value();
  auto bob = Agent::create(io.executor(), config, store, bob_log.sink()).value();
  auto answer = [](test::EventLog& log, const std::string& corr) {
    auto e = log.take([&](const AgentEvent& ev) { return ev.corr_id == corr; }, 10s);
    EXPECT_TRUE(e) << corr;
    return e ? *e : AgentEvent{};
  };
  alice->submit("1", "to bob", cmd::New{ConnectionMode::invitation});
  auto inv = answer(alice_log, "1");
  ASSERT_TRUE(std::holds_alternative<cmd::Inv>(inv.command)) << test::describe(inv);
  bob->submit("2", "to alice", cmd::Join{std::get<cmd::Inv>(inv.command).request, to_bytes("b")});
  ASSERT_TRUE(std::holds_alternative<cmd::Ok>(answer(bob_log, "2").command));
  auto conf = expect_next<cmd::Conf>(alice_log, "to bob");
  alice->submit("3", "to bob", cmd::Let{conf.conf_id, to_bytes("a")});
  ASSERT_TRUE(std::holds_alternative<cmd::Ok>(answer(alice_log, "3").command));
  expect_next<cmd::Info>(bob_log, "to alice");
  expect_next<cmd::Con>(bob_log, "to alice");
  expect_next<cmd::Con>(alice_log, "to bob");

  constexpr int kCount = 50;
  for (int i = 0; i < kCount; ++i) {
    alice->submit("", "to bob", cmd::Send{to_bytes(fmt::format("a{}", i))});
    bob->submit("", "to alice", cmd::Send{to_bytes(fmt::format("b{}", i))});
  }
  auto receive_all = [&](Agent& agent, test::EventLog& log, const ConnId& id, char from) {
    for (int i = 0; i < kCount; ++i) {
      auto e = log.take(
          [&](const AgentEvent& ev) {
            return ev.conn_id == id && std::holds_alternative<cmd::Msg>(ev.command);
          },
          10s);
      ASSERT_TRUE(e);
      const auto& msg = std::get<cmd::Msg>(e->command);
      EXPECT_EQ(msg.body, to_bytes(fmt::format("{}{}", from, i)));
      EXPECT_EQ(msg.meta.integrity, MsgIntegrity(MsgOk{}));
      agent.submit("", id, cmd::Ack{msg.meta.recipient_id});
    }
  };
  receive_all(*bob, bob_log, "to alice", 'a');
  receive_all(*alice, alice_log, "to bob", 'b');
  for (auto* log : {&alice_log, &bob_log}) {
    for (const auto& e : log->pending()) {
      EXPECT_FALSE(std::holds_alternative<cmd::Err>(e.command)) << test::describe(e);
      EXPECT_FALSE(std::holds_alternative<cmd::Merr>(e.command)) << test::describe(e);
    }
  }
  alice->close();
  bob->close();
}

}  // namespace
}  // namespace smp::agent
