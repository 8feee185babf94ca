// What the agent tells its client and what it sends to a server waits for its store's sync:
// with Bob's disk failing from its next sync on (PowerLossVfs), Bob tells nothing more and
// sends nothing that depends on what he stored — no MID, no SEND, no MSG, no ACK.
#include <gtest/gtest.h>

#include "smp/agent/agent_test_util.h"
#include "smp/server/queue_record.h"
#include "support/power_loss_vfs.h"

namespace smp::agent {
namespace {

using test::connect_pair;
using test::exchange;
using test::IoThreads;
using test::TempDir;
using test::TestAgent;
using test::TestServer;
using test::to_bytes;

class AgentDurabilityTest : public ::testing::Test {
 protected:
  std::vector<protocol::SmpServer> servers() { return {test::server_of(server_)}; }

  // Messages on the server for the receive queue of `agent`'s connection.
  std::size_t on_server(const TestAgent& agent, const ConnId& conn_id) {
    StoreOptions ro;
    ro.read_only = true;
    auto store = AgentStore::open(agent.db_path(), ro);
    EXPECT_TRUE(store);
    if (!store) return 0;
    auto conn = store->get_connection(conn_id);
    EXPECT_TRUE(conn);
    const RcvQueue* rq = conn ? rcv_queue_of(*conn) : nullptr;
    auto rid = rq != nullptr ? server::queue_id_from(rq->rcv_id) : std::nullopt;
    EXPECT_TRUE(rid);
    auto queue = rid ? server_.messages().find(*rid) : nullptr;
    return queue ? queue->size() : 0;
  }

  TestServer server_;
  TempDir dir_;
  smp::test::PowerLossVfs vfs_{"agent-durability-test"};
  IoThreads io_;
  TestAgent alice_{io_.executor(), dir_ / "alice.db", servers()};
  TestAgent bob_{io_.executor(), dir_ / "bob.db", servers(),
                 [this](AgentConfig& c) { c.store_options.vfs = vfs_.name(); }};
};

TEST_F(AgentDurabilityTest, NothingIsToldOrSentBeforeItIsOnDisk) {
  auto c = connect_pair(alice_, bob_);
  exchange(bob_, c.bob, alice_, c.alice, to_bytes("while the disk works"));
  exchange(alice_, c.alice, bob_, c.bob, to_bytes("and back"));
  ASSERT_FALSE(vfs_.power_lost());

  vfs_.fail_syncs_from(vfs_.syncs() + 1);
  // The message is stored with its ratchet step, but that is not on disk: no MID, no SEND.
  bob_.agent().submit("send", c.bob, cmd::Send{to_bytes("never on disk")});
  EXPECT_FALSE(bob_.events().take([](const AgentEvent& e) { return e.corr_id == "send"; }, 1s));
  EXPECT_FALSE(alice_.events().next(c.alice, 300ms));
  EXPECT_EQ(on_server(alice_, c.alice), 0u);
  EXPECT_TRUE(vfs_.power_lost());

  // A message for Bob is stored but neither told nor ACKed: the server keeps it.
  EXPECT_GE(alice_.send(c.alice, "for bob"), 0);
  test::expect_next<cmd::Sent>(alice_.events(), c.alice);
  EXPECT_FALSE(bob_.events().next(c.bob, 1s));
  EXPECT_EQ(on_server(bob_, c.bob), 1u);
}

}  // namespace
}  // namespace smp::agent
