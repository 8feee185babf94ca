#include "smp/agent/shared_agent_store.h"

#include <gtest/gtest.h>

#include <future>

#include <fmt/format.h>

#include "smp/agent/agent_store_test_util.h"
#include "smp/agent/agent_test_util.h"
#include "support/power_loss_vfs.h"

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

// ---- Durability: a store over PowerLossVfs, closed by a power cut at its next sync ----

class SharedAgentStoreDurabilityTest : public ::testing::Test {
 protected:
  std::shared_ptr<SharedAgentStore> open() {
    StoreOptions options;
    options.vfs = vfs_.name();
    auto store = SharedAgentStore::open(dir_ / "agent.db", options);
    EXPECT_TRUE(store) << (store ? "" : store.error().message());
    return store ? *store : nullptr;
  }
  static error_code wait_durable(SharedAgentStore& store, SyncScope scope) {
    std::promise<error_code> answer;
    store.when_durable(scope, [&answer](error_code e) { answer.set_value(e); });
    return answer.get_future().get();
  }
  // The power goes at the store's next sync (closing it would sync); then the files are what
  // the disk held, opened without the VFS.
  AgentStore after_power_loss(std::shared_ptr<SharedAgentStore> store) {
    vfs_.fail_syncs_from(vfs_.syncs() + 1);
    store.reset();
    vfs_.lose_power();
    return test::open_store(dir_ / "agent.db");
  }

  test::TempDir dir_;
  smp::test::PowerLossVfs vfs_{"shared-agent-store-test"};
};

TEST_F(SharedAgentStoreDurabilityTest, WhatASyncCoveredSurvivesAPowerLossAndNothingElse) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->durable(SyncScope::commits));  // opening synced
  ASSERT_TRUE(store->with([](AgentStore& s) { return s.create_connection("kept", ConnectionMode::contact); }));
  EXPECT_FALSE(store->durable(SyncScope::commits));
  const auto before = vfs_.syncs();
  EXPECT_FALSE(wait_durable(*store, SyncScope::commits));
  EXPECT_EQ(vfs_.syncs(), before + 1);
  EXPECT_TRUE(store->durable(SyncScope::commits));
  // Nothing new: a request costs no sync.
  EXPECT_FALSE(wait_durable(*store, SyncScope::commits));
  EXPECT_EQ(vfs_.syncs(), before + 1);
  ASSERT_TRUE(store->with([](AgentStore& s) { return s.create_connection("lost", ConnectionMode::contact); }));

  AgentStore after = after_power_loss(std::move(store));
  EXPECT_TRUE(after.get_connection("kept"));
  EXPECT_EQ(test::error_of(after.get_connection("lost")), errc::not_found);
}

TEST_F(SharedAgentStoreDurabilityTest, TheWiderScopeWritesAndSyncsTheDeferredDeletions) {
  const auto server = test::test_server("smp.example");
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->with([&](AgentStore& s) -> Result<void> {
    SMP_TRY_VOID(s.create_snd_connection("a", test::make_snd_queue(server, "s1"), nullptr));
    for (const char* body : {"one", "two", "three"}) SMP_TRY_VOID(test::add_sent(s, "a", body));
    return {};
  }));
  ASSERT_FALSE(wait_durable(*store, SyncScope::commits));
  store->with([](AgentStore& s) { s.defer_delete_snd_message("a", 1); });
  EXPECT_TRUE(store->durable(SyncScope::commits));
  EXPECT_FALSE(store->durable(SyncScope::commits_and_deletions));
  ASSERT_FALSE(wait_durable(*store, SyncScope::commits_and_deletions));
  EXPECT_TRUE(store->durable(SyncScope::commits_and_deletions));
  EXPECT_FALSE(store->with([](AgentStore& s) { return s.has_deferred_deletions(); }));
  store->with([](AgentStore& s) { s.defer_delete_snd_message("a", 2); });  // never synced

  AgentStore after = after_power_loss(std::move(store));
  EXPECT_EQ(test::error_of(after.get_snd_message("a", 1)), errc::not_found);
  EXPECT_TRUE(after.get_snd_message("a", 2));
  EXPECT_TRUE(after.get_snd_message("a", 3));
}

// What the agent reports waits for the sync that covers the writes before it (write_mark):
// a deletion deferred after a request but written by its round is covered by that round, and
// so the report of it need not wait for (and be lost with) the next sync.
TEST_F(SharedAgentStoreDurabilityTest, TheSyncedMarkCoversWhatTheRoundWrote) {
  const auto server = test::test_server("smp.example");
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->synced_mark(), store->write_mark());  // opening synced
  ASSERT_TRUE(store->with([&](AgentStore& s) -> Result<void> {
    SMP_TRY_VOID(s.create_snd_connection("a", test::make_snd_queue(server, "s1"), nullptr));
    for (const char* body : {"one", "two"}) SMP_TRY_VOID(test::add_sent(s, "a", body));
    return {};
  }));
  const auto written = store->write_mark();
  EXPECT_GT(written, store->synced_mark());
  ASSERT_FALSE(wait_durable(*store, SyncScope::commits));
  EXPECT_GE(store->synced_mark(), written);

  // A deferred deletion moves the mark; the commits alone do not cover it.
  store->with([](AgentStore& s) { s.defer_delete_snd_message("a", 1); });
  const auto deferred = store->write_mark();
  EXPECT_GT(deferred, written);
  EXPECT_LT(store->synced_mark(), deferred);
  ASSERT_FALSE(wait_durable(*store, SyncScope::commits_and_deletions));
  EXPECT_GE(store->synced_mark(), deferred);

  // A failed sync covers nothing more.
  store->with([](AgentStore& s) { s.defer_delete_snd_message("a", 2); });
  const auto unsynced = store->write_mark();
  vfs_.fail_one_sync(vfs_.syncs() + 1);
  EXPECT_EQ(wait_durable(*store, SyncScope::commits_and_deletions),
            make_error_code(errc::io_error));
  EXPECT_LT(store->synced_mark(), unsynced);
}

// After an fsync error nothing written before it can be trusted to be on disk: every later
// request fails, though the disk would sync again.
TEST_F(SharedAgentStoreDurabilityTest, AFailedSyncIsFinal) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->with([](AgentStore& s) { return s.create_connection("a", ConnectionMode::contact); }));
  vfs_.fail_one_sync(vfs_.syncs() + 1);
  EXPECT_EQ(wait_durable(*store, SyncScope::commits), make_error_code(errc::io_error));
  EXPECT_FALSE(store->durable(SyncScope::commits));
  ASSERT_TRUE(store->with([](AgentStore& s) { return s.create_connection("b", ConnectionMode::contact); }));
  const auto syncs = vfs_.syncs();
  EXPECT_EQ(wait_durable(*store, SyncScope::commits_and_deletions), make_error_code(errc::io_error));
  EXPECT_EQ(vfs_.syncs(), syncs);  // not even tried
  EXPECT_FALSE(store->durable(SyncScope::commits));
}

}  // namespace
}  // namespace smp::agent
