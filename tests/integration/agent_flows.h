// The agent conversations the process-level tests repeat, driven through two AgentPeers and
// checked strictly per connection (spec §7.6, §7.7, §7.8): the invitation handshake to CON on
// both sides, the contact handshake, and one message SEND → MID, SENT → MSG → ACK.
// Each step is a test failure when it goes otherwise (see AgentPeer). Not thread-safe.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "agent_peer.h"

namespace smp::test {

inline Bytes bytes_of_text(std::string_view s) { return Bytes(s.begin(), s.end()); }

// prefix + decimal n (spelled out: GCC 12 warns falsely on operator+ of strings).
inline std::string numbered(std::string_view prefix, std::int64_t n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

// The parts of the invitation handshake, so that tests can act between them.
struct InvitationFlow {
  InvitationFlow(AgentPeer& a, AgentPeer& b) : alice(a), bob(b) {}

  AgentPeer& alice;
  AgentPeer& bob;
  std::string alice_conn = "alice-to-bob";
  std::string bob_conn = "bob-to-alice";
  Bytes alice_info = bytes_of_text("alice's connInfo");
  Bytes bob_info = bytes_of_text("bob's connInfo");
  std::string conf_id;

  // Alice NEW INV → INV; returns the request.
  ag::ConnectionRequest create() {
    alice.send("1", alice_conn, ag::cmd::New{ag::ConnectionMode::invitation});
    auto inv = alice.expect<ag::cmd::Inv>("1", alice_conn);
    EXPECT_EQ(inv.request.mode, ag::ConnectionMode::invitation);
    return inv.request;
  }
  // Bob JOIN → OK.
  void join(const ag::ConnectionRequest& request) {
    bob.request("2", bob_conn, ag::cmd::Join{request, bob_info}, ag::cmd::Ok{});
  }
  // Alice gets CONF with Bob's info.
  void confirmation() {
    auto conf = alice.expect<ag::cmd::Conf>("", alice_conn);
    EXPECT_EQ(conf.conn_info, bob_info);
    conf_id = conf.conf_id;
  }
  // Alice LET → OK.
  void allow() { alice.request("3", alice_conn, ag::cmd::Let{conf_id, alice_info}, ag::cmd::Ok{}); }
  // Bob gets INFO and CON, Alice CON.
  void connected() {
    bob.expect_exactly("", bob_conn, ag::cmd::Info{alice_info});
    bob.expect_exactly("", bob_conn, ag::cmd::Con{});
    alice.expect_exactly("", alice_conn, ag::cmd::Con{});
  }
  void run() {
    join(create());
    confirmation();
    allow();
    connected();
  }
};

// Counts of one direction of a conversation, so that S= and the MIDs can be checked.
struct Direction {
  Direction(AgentPeer& sender, std::string sender_conn, AgentPeer& recipient,
            std::string recipient_conn, std::int64_t last_received)
      : from(sender),
        from_conn(std::move(sender_conn)),
        to(recipient),
        to_conn(std::move(recipient_conn)),
        last_snd_msg_id(last_received) {}

  AgentPeer& from;
  std::string from_conn;
  AgentPeer& to;
  std::string to_conn;
  std::int64_t last_snd_msg_id = 0;  // S= of the last message `to` received
  int corr = 100;

  // SEND → MID; returns the MID.
  std::int64_t send(const Bytes& body) {
    std::string c = std::to_string(++corr);
    from.send(c, from_conn, ag::cmd::Send{body});
    return from.expect<ag::cmd::Mid>(c, from_conn).id;
  }
  // SENT <mid> at the sender.
  void sent(std::int64_t mid) { from.expect_exactly("", from_conn, ag::cmd::Sent{mid}); }
  // MSG at the receiver with integrity OK, the next S= and `body`; ACK → OK.
  void receive(const Bytes& body) {
    auto msg = to.expect<ag::cmd::Msg>("", to_conn);
    EXPECT_EQ(msg.meta.integrity, ag::MsgIntegrity{ag::MsgOk{}});
    EXPECT_EQ(msg.meta.snd_msg_id, last_snd_msg_id + 1);
    EXPECT_EQ(msg.meta.broker_id.size(), 24u);
    EXPECT_EQ(msg.body, body) << "body of " << body.size() << " bytes differs";
    last_snd_msg_id = msg.meta.snd_msg_id;
    std::string c = std::to_string(++corr);
    to.request(c, to_conn, ag::cmd::Ack{msg.meta.recipient_id}, ag::cmd::Ok{});
  }
  // All three; returns the MID.
  std::int64_t exchange(const Bytes& body) {
    auto mid = send(body);
    sent(mid);
    receive(body);
    return mid;
  }
};

}  // namespace smp::test
