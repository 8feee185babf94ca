// What smp-agent processes log at the default level: nothing of what their clients and
// peers entrust to them — connection ids, queue ids and keys, confirmation ids, broker
// message ids, connection info or message bodies — across a handshake, messages, an agent
// restart and a server outage.

#include <string>

#include <gtest/gtest.h>

#include "agent_flows.h"
#include "agent_pair_fixture.h"
#include "secret_scan.h"
#include "smp/crypto/hash.h"

namespace smp::test {
namespace {

namespace cmd = ag::cmd;

std::string random_text(std::string_view prefix) {
  Bytes r(12);
  crypto::random_bytes(r);
  return std::string(prefix) + to_hex(r);
}

TEST(SecretScan, FindsEachFormAndOnlyWhatWasAdded) {
  SecretScan scan;
  Bytes id = bytes_of_text("\x01\x02\x03\x04\x05\x06\x07\x08\x09");
  scan.add("queue id", id);
  scan.add_text("body", "a secret body");
  EXPECT_TRUE(scan.scan("nothing here at all").empty());
  EXPECT_EQ(scan.scan("log: " + to_hex(id)).size(), 1u);
  EXPECT_EQ(scan.scan("log: " + enc::b64url_encode(id)).size(), 1u);
  EXPECT_EQ(scan.scan("log: 010203040506070809 and a secret body").size(), 2u);
  EXPECT_EQ(scan.scan("log: 01020304050607080A").size(), 0u);
}

TEST_F(AgentPairTest, LogsHoldNoIdsKeysOrBodies) {
  SecretScan secrets;
  InvitationFlow f = invitation();
  f.alice_conn = random_text("ac-");
  f.bob_conn = random_text("bc-");
  f.alice_info = bytes_of_text(random_text("alice info "));
  f.bob_info = bytes_of_text(random_text("bob info "));
  secrets.add_text("Alice's connId", f.alice_conn);
  secrets.add_text("Bob's connId", f.bob_conn);
  secrets.add("Alice's connInfo", f.alice_info);
  secrets.add("Bob's connInfo", f.bob_info);

  auto request = f.create();
  ASSERT_EQ(request.queues.size(), 1u);
  secrets.add("sender id", request.queues[0].sender_id);
  secrets.add("queue e2e key", request.queues[0].dh_public_key.raw());
  ASSERT_TRUE(request.e2e);
  secrets.add("x3dh key 1", request.e2e->key1.raw());
  secrets.add("x3dh key 2", request.e2e->key2.raw());
  auto uri = ag::str_encode(request);
  ASSERT_TRUE(uri);
  secrets.add_text("invitation", *uri);
  f.join(request);
  f.confirmation();
  secrets.add_text("confId", f.conf_id);
  f.allow();
  f.connected();

  Direction a2b = alice_to_bob(f);
  Direction b2a = bob_to_alice(f);
  auto exchange = [&](Direction& d) {
    Bytes body = bytes_of_text(random_text("body "));
    secrets.add("a body", body);
    auto mid = d.send(body);
    d.sent(mid);
    auto msg = d.to.expect<cmd::Msg>("", d.to_conn);
    EXPECT_EQ(msg.body, body);
    secrets.add("broker msg id", msg.meta.broker_id);
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
  for (const auto& found : secrets.scan(logs)) ADD_FAILURE() << "the agents' logs hold " << found;
}

}  // namespace
}  // namespace smp::test
