// What smp-agent processes log at the default level: nothing of what their clients and
// peers entrust to them — connection ids, queue ids and keys, confirmation ids, broker
// message ids, connection info or message bodies — across a handshake, messages, an agent
// restart and a server outage.

#include <string>

#include <gtest/gtest.h>

#include "agent_flows.h"
#include "agent_pair_fixture.h"
#include "smp/crypto/hash.h"
#include "support/secret_scan.h"

namespace smp::test {
namespace {

namespace cmd = ag::cmd;

std::string random_text(std::string_view prefix) {
  Bytes r(12);
  crypto::random_bytes(r);
  return std::string(prefix) + to_hex(r);
}

TEST_F(AgentPairTest, LogsHoldNoIdsKeysOrBodies) {
  SecretScan secrets;
  InvitationFlow f = invitation();
  f.alice_conn = random_text("ac-");
  f.bob_conn = random_text("bc-");
  f.alice_info = bytes_of_text(random_text("alice info "));
  f.bob_info = bytes_of_text(random_text("bob info "));
  EXPECT_TRUE(secrets.add("Alice's connId", f.alice_conn));
  EXPECT_TRUE(secrets.add("Bob's connId", f.bob_conn));
  EXPECT_TRUE(secrets.add("Alice's connInfo", f.alice_info));
  EXPECT_TRUE(secrets.add("Bob's connInfo", f.bob_info));

  auto request = f.create();
  ASSERT_EQ(request.queues.size(), 1u);
  EXPECT_TRUE(secrets.add("sender id", request.queues[0].sender_id));
  EXPECT_TRUE(secrets.add("queue e2e key", request.queues[0].dh_public_key.raw()));
  ASSERT_TRUE(request.e2e);
  EXPECT_TRUE(secrets.add("x3dh key 1", request.e2e->key1.raw()));
  EXPECT_TRUE(secrets.add("x3dh key 2", request.e2e->key2.raw()));
  auto uri = ag::str_encode(request);
  ASSERT_TRUE(uri);
  EXPECT_TRUE(secrets.add("invitation", *uri));
  f.join(request);
  f.confirmation();
  EXPECT_TRUE(secrets.add("confId", f.conf_id));
  f.allow();
  f.connected();

  Direction a2b = alice_to_bob(f);
  Direction b2a = bob_to_alice(f);
  auto exchange = [&](Direction& d) {
    Bytes body = bytes_of_text(random_text("body "));
    EXPECT_TRUE(secrets.add("a body", body));
    auto mid = d.send(body);
    d.sent(mid);
    auto msg = d.to.expect<cmd::Msg>("", d.to_conn);
    EXPECT_EQ(msg.body, body);
    EXPECT_TRUE(secrets.add("broker msg id", msg.meta.broker_id));
    d.to.request("ack", d.to_conn, cmd::Ack{msg.meta.recipient_id}, cmd::Ok{});
    d.last_snd_msg_id = msg.meta.snd_msg_id;
  };
  exchange(a2b);
  exchange(b2a);

  ASSERT_TRUE(alice().restart(SIGTERM));
  alice().subscribe(f.alice_conn);
  exchange(b2a);
  ASSERT_EQ(server_->stop(SIGTERM), 0);
  alice().expect_exactly("", f.alice_conn, cmd::Down{});
  bob().expect_exactly("", f.bob_conn, cmd::Down{});
  ASSERT_TRUE(server_->start());
  alice().expect_exactly("", f.alice_conn, cmd::Up{}, 20s);
  bob().expect_exactly("", f.bob_conn, cmd::Up{}, 20s);
  exchange(a2b);
  // A failing command, so that error paths are logged too.
  alice().request("bad", f.alice_conn, cmd::Ack{999999},
                  cmd::Err{ag::InternalError{"SEMsgNotFound"}});

  alice().stop();
  bob().stop();
  std::string logs = alice().logs() + bob().logs();
  EXPECT_FALSE(logs.empty()) << "the agents logged nothing at all: the scan would prove nothing";
  auto hits = secrets.find_in(logs, "the agents' logs");
  EXPECT_TRUE(hits.empty()) << describe(hits);
}

}  // namespace
}  // namespace smp::test
