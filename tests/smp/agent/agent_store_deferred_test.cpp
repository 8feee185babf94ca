// Deferred deletions: a message the server has finished with disappears from this store's
// reads at once and from the file with the next write transaction (or a flush, or closing).
#include <gtest/gtest.h>

#include "smp/agent/agent_store.h"
#include "smp/agent/agent_store_test_util.h"

namespace smp::agent {
namespace {

using test::add_sent;
using test::count_rows;
using test::error_of;
using test::make_rcv_queue;
using test::make_snd_queue;
using test::open_store;
using test::TempDir;
using test::test_server;

const protocol::SmpServer kServer = test_server("smp1.example");

Result<RcvMsgResult> add_received(AgentStore& store, std::string_view conn_id, std::int64_t n) {
  const std::string broker_id = "broker-" + std::to_string(n);
  return store.create_rcv_message(
      conn_id,
      NewRcvMessage{{}, AgentMsgType::a_msg, to_bytes("m"), n, {}, to_bytes(broker_id), {}});
}

class DeferredDeletionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.create_snd_connection("a", make_snd_queue(kServer, "s1"), nullptr));
    ASSERT_TRUE(store_.upgrade_snd_to_duplex("a", make_rcv_queue(kServer, "r1", "x1")));
    ASSERT_TRUE(store_.create_snd_connection("b", make_snd_queue(kServer, "s2"), nullptr));
  }
  // Rows as another connection to the file sees them (not through store_, whose database()
  // would write the deletions first).
  std::int64_t rows_on_file(std::string_view table) {
    StoreOptions ro;
    ro.read_only = true;
    AgentStore reader = open_store(dir_ / "agent.db", ro);
    return count_rows(reader, table);
  }

  TempDir dir_;
  AgentStore store_ = open_store(dir_ / "agent.db");
};

TEST_F(DeferredDeletionTest, SentMessageIsGoneForReadsAndOnFileAfterTheNextWrite) {
  for (const char* body : {"one", "two", "three"}) ASSERT_TRUE(add_sent(store_, "a", body));
  store_.defer_delete_snd_message("a", 1);
  store_.defer_delete_snd_message("a", 2);
  EXPECT_TRUE(store_.has_deferred_deletions());

  EXPECT_EQ(error_of(store_.get_snd_message("a", 1)), errc::not_found);
  EXPECT_EQ(store_.get_snd_message("a", 3).value().body, to_bytes("three"));
  // What a delivery worker sends next skips both, though they are still the oldest rows.
  auto next = store_.next_pending_snd_message(kServer, as_bytes("s1"));
  ASSERT_TRUE(next && next->has_value());
  EXPECT_EQ((*next)->internal_id, 3);
  EXPECT_EQ(store_.pending_snd_messages("a").value(),
            (std::vector<PendingSndMessage>{{3, AgentMsgType::a_msg}}));
  EXPECT_EQ(store_.pending_snd_messages(kServer, as_bytes("s1")).value().size(), 1u);
  EXPECT_EQ(rows_on_file("snd_messages"), 3);

  // Any write takes them along, here a message on another connection.
  ASSERT_TRUE(add_sent(store_, "b", "other"));
  EXPECT_FALSE(store_.has_deferred_deletions());
  EXPECT_EQ(rows_on_file("snd_messages"), 2);
  EXPECT_EQ(rows_on_file("messages"), 2);
  store_.defer_delete_snd_message("a", 3);
  auto none = store_.next_pending_snd_message(kServer, as_bytes("s1"));
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TEST_F(DeferredDeletionTest, ReceivedMessageIsGoneForReadsUntilFlushed) {
  ASSERT_TRUE(add_received(store_, "a", 1));
  ASSERT_TRUE(add_received(store_, "a", 2));
  store_.defer_delete_rcv_message("a", 1);
  EXPECT_EQ(error_of(store_.get_rcv_message("a", 1)), errc::not_found);
  EXPECT_EQ(store_.get_rcv_message("a", 2).value().snd_msg_id, 2);
  EXPECT_FALSE(store_.find_rcv_message_by_broker_id("a", as_bytes("broker-1")).value());
  EXPECT_EQ(store_.find_rcv_message_by_broker_id("a", as_bytes("broker-2")).value(), 2);
  // A sent message of the same number is another row, untouched.
  ASSERT_TRUE(add_sent(store_, "a", "sent"));
  EXPECT_EQ(rows_on_file("rcv_messages"), 1);  // that write took the deletion along

  store_.defer_delete_rcv_message("a", 2);
  EXPECT_EQ(rows_on_file("rcv_messages"), 1);
  ASSERT_TRUE(store_.flush_deferred_deletions());
  EXPECT_EQ(rows_on_file("rcv_messages"), 0);
  EXPECT_EQ(rows_on_file("snd_messages"), 1);
  EXPECT_TRUE(store_.flush_deferred_deletions());  // nothing waits: no transaction, no error
}

TEST_F(DeferredDeletionTest, AWriteThatFailsKeepsThemForTheNext) {
  ASSERT_TRUE(add_sent(store_, "a", "one"));
  store_.defer_delete_snd_message("a", 1);
  EXPECT_EQ(error_of(add_sent(store_, "absent", "x")), errc::not_found);  // rolled back
  EXPECT_TRUE(store_.has_deferred_deletions());
  EXPECT_EQ(rows_on_file("snd_messages"), 1);
  EXPECT_EQ(error_of(store_.get_snd_message("a", 1)), errc::not_found);
  ASSERT_TRUE(store_.flush_deferred_deletions());
  EXPECT_EQ(rows_on_file("snd_messages"), 0);
}

TEST_F(DeferredDeletionTest, DeletedConnectionDoesNotFailTheWriteThatCarriesThem) {
  ASSERT_TRUE(add_sent(store_, "b", "one"));
  store_.defer_delete_snd_message("b", 1);
  ASSERT_TRUE(store_.delete_connection("b"));  // the deletion ran first, then the connection
  store_.defer_delete_snd_message("a", 7);     // never existed
  ASSERT_TRUE(add_sent(store_, "a", "next")) << store_.last_error();
  EXPECT_FALSE(store_.has_deferred_deletions());
  EXPECT_EQ(rows_on_file("messages"), 1);
}

TEST_F(DeferredDeletionTest, ClosingTheStoreWritesThem) {
  ASSERT_TRUE(add_sent(store_, "a", "one"));
  ASSERT_TRUE(add_received(store_, "a", 1));
  store_.defer_delete_snd_message("a", 1);
  store_.defer_delete_rcv_message("a", 2);
  { AgentStore closing = std::move(store_); }
  EXPECT_EQ(rows_on_file("messages"), 0);
  AgentStore reopened = open_store(dir_ / "agent.db");
  EXPECT_EQ(error_of(reopened.get_snd_message("a", 1)), errc::not_found);
  EXPECT_EQ(error_of(reopened.get_rcv_message("a", 2)), errc::not_found);
}

TEST_F(DeferredDeletionTest, AStoreMovedOntoWritesItsOwnFirst) {
  ASSERT_TRUE(add_sent(store_, "a", "one"));
  store_.defer_delete_snd_message("a", 1);
  AgentStore other = open_store(dir_ / "other.db");
  store_ = std::move(other);  // ends the first store
  EXPECT_FALSE(store_.has_deferred_deletions());
  EXPECT_EQ(rows_on_file("messages"), 0);
}

}  // namespace
}  // namespace smp::agent
