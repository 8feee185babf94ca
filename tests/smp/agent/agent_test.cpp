// The Agent end to end (spec §7.6–§7.9): two agents with their own databases talking through
// in-process SMP servers over TLS.
#include "smp/agent/agent.h"

#include <gtest/gtest.h>

#include "smp/agent/agent_test_util.h"
#include "smp/agent/envelope_format.h"

namespace smp::agent {
namespace {

using test::Connected;
using test::connect_pair;
using test::exchange;
using test::expect_next;
using test::TestAgent;
using test::to_bytes;

class AgentTest : public ::testing::Test {
 protected:
  std::vector<protocol::SmpServer> servers() { return {test::server_of(server_)}; }

  test::TestServer server_;
  test::TempDir dir_;
  test::IoThreads io_;
  TestAgent alice_{io_.executor(), dir_ / "alice.db", servers()};
  TestAgent bob_{io_.executor(), dir_ / "bob.db", servers()};
};

TEST_F(AgentTest, InvitationReachesConOnBothSidesWithTheReferenceIds) {
  auto start = std::chrono::steady_clock::now();
  Connected c = connect_pair(alice_, bob_, "alice's conn", "");
  EXPECT_EQ(c.alice, "alice's conn");
  EXPECT_EQ(c.bob.size(), 16u);  // generated
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 3s);
  // Alice: HELLO rcvd 1, REPLY rcvd 2, HELLO sent 3 → her first SEND is MID 4.
  auto msg = exchange(alice_, c.alice, bob_, c.bob, to_bytes("hello bob"));
  EXPECT_EQ(msg.meta.recipient_id, 4);  // Bob: HELLO 1, REPLY 2 sent, HELLO 3 received
  EXPECT_EQ(msg.meta.snd_msg_id, 2);    // after Alice's HELLO
  auto back = exchange(bob_, c.bob, alice_, c.alice, to_bytes("hi alice"));
  EXPECT_EQ(back.meta.recipient_id, 5);
  EXPECT_EQ(alice_.events().size(), 0u);
  EXPECT_EQ(bob_.events().size(), 0u);
}

}  // namespace
}  // namespace smp::agent
