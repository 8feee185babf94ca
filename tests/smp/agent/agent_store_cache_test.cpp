#include "smp/agent/agent_store_cache.h"

#include <stdexcept>

#include <gtest/gtest.h>

#include "smp/agent/agent_store_test_util.h"

namespace smp::agent {
namespace {

using test::error_of;
using test::make_rcv_queue;
using test::make_snd_queue;
using test::open_store;
using test::TempDir;
using test::test_server;

const protocol::SmpServer kServer = test_server("smp1.example");

Ratchet make_ratchet() { return std::move(test::make_peers(random_key_generator()).bob.state); }

QueueStatus rcv_status(AgentStore& s, std::string_view conn_id) {
  auto conn = s.get_connection(conn_id);
  EXPECT_TRUE(conn) << s.last_error();
  if (!conn || rcv_queue_of(*conn) == nullptr) return QueueStatus::disabled;
  return rcv_queue_of(*conn)->status;
}

// ---- StoreCache on its own ----

TEST(StoreCacheTest, HandsOutIndependentCopies) {
  detail::StoreCache cache(4);
  Ratchet rc = make_ratchet();
  cache.put_ratchet("a", rc);
  auto first = cache.ratchet("a");
  ASSERT_TRUE(first);
  first->ns = 99;  // changing a copy leaves the cached state alone
  auto second = cache.ratchet("a");
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, rc);
  EXPECT_FALSE(cache.ratchet("b"));
  EXPECT_FALSE(cache.connection("a"));
}

TEST(StoreCacheTest, KeepsAtMostItsCapacityAndNothingWhenZero) {
  detail::StoreCache cache(2);
  Ratchet rc = make_ratchet();
  cache.put_ratchet("a", rc);
  cache.put_ratchet("b", rc);
  cache.put_ratchet("c", rc);
  int held = 0;
  for (const char* id : {"a", "b", "c"}) held += cache.ratchet(id) ? 1 : 0;
  EXPECT_EQ(held, 2);
  EXPECT_TRUE(cache.ratchet("c"));

  detail::StoreCache off(0);
  off.put_ratchet("a", rc);
  EXPECT_FALSE(off.ratchet("a"));
}

TEST(StoreCacheTest, ForgetsWhatItIsTold) {
  detail::StoreCache cache(8);
  Ratchet rc = make_ratchet();
  Connection conn =
      RcvConnection{ConnData{"a", ConnectionMode::invitation}, make_rcv_queue(kServer, "r1", "s1")};
  cache.put_connection("a", conn);
  cache.put_ratchet("a", rc);
  cache.forget_connection("a");
  EXPECT_FALSE(cache.connection("a"));
  EXPECT_TRUE(cache.ratchet("a"));
  cache.put_connection("a", conn);
  cache.forget_ratchet("a");
  EXPECT_TRUE(cache.connection("a"));
  EXPECT_FALSE(cache.ratchet("a"));
  cache.forget_connections();
  EXPECT_FALSE(cache.connection("a"));
  cache.put_connection("a", conn);
  cache.put_ratchet("a", rc);
  cache.forget("a");
  EXPECT_FALSE(cache.connection("a"));
  EXPECT_FALSE(cache.ratchet("a"));
}

// ---- Through the store: what it reads always matches what was committed ----

class StoreCacheFixture : public ::testing::Test {
 protected:
  TempDir dir_;
  AgentStore store_ = open_store(dir_ / "agent.db");
};

TEST_F(StoreCacheFixture, ConnectionReadAgainFollowsStatusChangesAndUpgrades) {
  ASSERT_TRUE(store_.create_rcv_connection("a", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r1", "s1")));
  EXPECT_EQ(rcv_status(store_, "a"), QueueStatus::new_);  // now cached
  ASSERT_TRUE(store_.set_rcv_queue_status(kServer, as_bytes("r1"), QueueStatus::active));
  EXPECT_EQ(rcv_status(store_, "a"), QueueStatus::active);
  ASSERT_TRUE(
      store_.set_rcv_queue_confirmed_e2e(kServer, as_bytes("r1"), SecretBytes(Bytes(32, 7))));
  auto conn = store_.get_rcv_connection(kServer, as_bytes("r1"));
  ASSERT_TRUE(conn);
  EXPECT_EQ(rcv_queue_of(*conn)->status, QueueStatus::confirmed);
  EXPECT_TRUE(rcv_queue_of(*conn)->e2e_dh_secret);

  ASSERT_TRUE(store_.upgrade_rcv_to_duplex("a", make_snd_queue(kServer, "s2")));
  auto duplex = store_.get_connection("a");
  ASSERT_TRUE(duplex);
  ASSERT_EQ(conn_type(*duplex), ConnType::duplex);
  ASSERT_TRUE(store_.set_snd_queue_status(kServer, as_bytes("s2"), QueueStatus::active));
  EXPECT_EQ(snd_queue_of(*store_.get_connection("a"))->status, QueueStatus::active);

  ASSERT_TRUE(store_.delete_connection("a"));
  EXPECT_EQ(error_of(store_.get_connection("a")), errc::not_found);
  EXPECT_EQ(error_of(store_.get_ratchet("a")), errc::not_found);
}

TEST_F(StoreCacheFixture, ANewKeyHashOfTheServerReachesConnectionsReadBefore) {
  ASSERT_TRUE(store_.create_rcv_connection("a", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r1", "s1")));
  EXPECT_EQ(rcv_queue_of(store_.get_connection("a").value())->server.key_hash, kServer.key_hash);
  protocol::SmpServer rekeyed = kServer;
  rekeyed.key_hash = Bytes(32, 0x11);
  ASSERT_TRUE(store_.create_snd_connection("b", make_snd_queue(rekeyed, "s2"), nullptr));
  EXPECT_EQ(rcv_queue_of(store_.get_connection("a").value())->server.key_hash, rekeyed.key_hash);
}

TEST_F(StoreCacheFixture, RatchetReadAgainIsTheLastOneSaved) {
  Ratchet first = make_ratchet();
  ASSERT_TRUE(store_.create_snd_connection("a", make_snd_queue(kServer, "s1"), &first));
  EXPECT_EQ(store_.get_ratchet("a").value(), first);
  Ratchet second = make_ratchet();
  ASSERT_TRUE(store_.update_ratchet("a", second, SkippedKeysUnchanged{}));
  EXPECT_EQ(store_.get_ratchet("a").value(), second);
  Ratchet third = make_ratchet();
  ASSERT_TRUE(store_.set_ratchet("a", third));
  EXPECT_EQ(store_.get_ratchet("a").value(), third);
}

TEST_F(StoreCacheFixture, WhatARolledBackTransactionWroteIsNotReadBack) {
  Ratchet kept = make_ratchet();
  ASSERT_TRUE(store_.create_rcv_connection("a", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r1", "s1")));
  ASSERT_TRUE(store_.set_ratchet("a", kept));
  EXPECT_EQ(rcv_status(store_, "a"), QueueStatus::new_);

  auto failed = store_.atomically([&](AgentStore& s) -> Result<void> {
    SMP_TRY_VOID(s.set_ratchet("a", make_ratchet()));
    SMP_TRY_VOID(s.upgrade_rcv_to_duplex("a", make_snd_queue(kServer, "s2")));
    SMP_TRY_VOID(s.set_rcv_queue_status(kServer, as_bytes("r1"), QueueStatus::active));
    // Read inside the transaction: they see its writes, and must not outlive its rollback.
    EXPECT_EQ(conn_type(s.get_connection("a").value()), ConnType::duplex);
    EXPECT_NE(s.get_ratchet("a").value(), kept);
    return make_error_code(errc::wrong_state);
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(store_.get_ratchet("a").value(), kept);
  auto conn = store_.get_connection("a");
  ASSERT_TRUE(conn);
  EXPECT_EQ(conn_type(*conn), ConnType::rcv);
  EXPECT_EQ(rcv_queue_of(*conn)->status, QueueStatus::new_);

  EXPECT_THROW(store_.atomically([&](AgentStore& s) -> Result<void> {
    EXPECT_TRUE(s.set_ratchet("a", make_ratchet()));
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(store_.get_ratchet("a").value(), kept);
}

TEST_F(StoreCacheFixture, AReaderOnTheSameFileSeesTheWritersChanges) {
  ASSERT_TRUE(store_.create_rcv_connection("a", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r1", "s1")));
  StoreOptions ro;
  ro.read_only = true;
  AgentStore reader = open_store(dir_ / "agent.db", ro);
  EXPECT_EQ(rcv_status(reader, "a"), QueueStatus::new_);
  ASSERT_TRUE(store_.set_rcv_queue_status(kServer, as_bytes("r1"), QueueStatus::secured));
  EXPECT_EQ(rcv_status(reader, "a"), QueueStatus::secured);
}

TEST_F(StoreCacheFixture, WithoutTheCacheEverythingReadsTheSame) {
  StoreOptions off;
  off.cache_capacity = 0;
  AgentStore plain = open_store(dir_ / "plain.db", off);
  Ratchet rc = make_ratchet();
  ASSERT_TRUE(plain.create_snd_connection("a", make_snd_queue(kServer, "s1"), &rc));
  EXPECT_EQ(plain.get_ratchet("a").value(), rc);
  ASSERT_TRUE(plain.set_snd_queue_status(kServer, as_bytes("s1"), QueueStatus::active));
  EXPECT_EQ(snd_queue_of(plain.get_connection("a").value())->status, QueueStatus::active);
}

}  // namespace
}  // namespace smp::agent
