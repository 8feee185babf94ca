// The smp-agent process end to end over real servers (spec §7.6): the invitation and contact
// handshakes to CON on both sides, a rejected contact request, and two agents whose queues
// are on two different servers.

#include <gtest/gtest.h>

#include "agent_flows.h"
#include "agent_pair_fixture.h"
#include "server_install.h"

namespace smp::test {
namespace {

using ag::ConnectionMode;
namespace cmd = ag::cmd;

TEST_F(AgentPairTest, InvitationReachesConOnBothSidesAndCarriesMessages) {
  InvitationFlow f = invitation();
  f.run();
  Direction a2b = alice_to_bob(f);
  EXPECT_EQ(a2b.exchange(bytes_of_text("hello")), 4);  // HELLO in and out, REPLY in: 1-3
  Direction b2a = bob_to_alice(f);
  EXPECT_EQ(b2a.exchange(bytes_of_text("hello too")), 5);
  EXPECT_TRUE(alice().quiet(f.alice_conn, 200ms));
  EXPECT_TRUE(bob().quiet(f.bob_conn, 200ms));
}

TEST_F(AgentPairTest, AgentMadeConnectionIdsAreSixteenBase64UrlCharacters) {
  InvitationFlow f = invitation();
  f.alice_conn = "";
  alice().send("1", "", cmd::New{ConnectionMode::invitation});
  auto inv = alice().take([](const auto& t) { return t.corr_id == "1"; });
  ASSERT_TRUE(inv && inv->ok() && std::holds_alternative<cmd::Inv>(inv->command()));
  const std::string alice_conn = inv->conn_id;
  EXPECT_EQ(alice_conn.size(), 16u);
  EXPECT_EQ(alice_conn.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos)
      << alice_conn;
  bob().send("2", "", cmd::Join{std::get<cmd::Inv>(inv->command()).request, f.bob_info});
  auto ok = bob().take([](const auto& t) { return t.corr_id == "2"; });
  ASSERT_TRUE(ok && ok->ok() && std::holds_alternative<cmd::Ok>(ok->command()));
  const std::string bob_conn = ok->conn_id;
  EXPECT_EQ(bob_conn.size(), 16u);
  f.alice_conn = alice_conn;
  f.bob_conn = bob_conn;
  f.confirmation();
  f.allow();
  f.connected();
  alice_to_bob(f).exchange(bytes_of_text("hello"));
}

TEST_F(AgentPairTest, ContactRequestAcceptedConnectsBothSides) {
  alice().send("1", "alice_contact", cmd::New{ConnectionMode::contact});
  auto contact = alice().expect<cmd::Inv>("1", "alice_contact");
  EXPECT_EQ(contact.request.mode, ConnectionMode::contact);
  EXPECT_FALSE(contact.request.e2e);

  bob().request("11", "alice", cmd::Join{contact.request, bytes_of_text("bob's connInfo")},
                cmd::Ok{});
  auto req = alice().expect<cmd::Req>("", "alice_contact");
  EXPECT_EQ(req.conn_info, bytes_of_text("bob's connInfo"));
  alice().request("2", "bob", cmd::Acpt{req.inv_id, bytes_of_text("alice's connInfo")}, cmd::Ok{});
  auto conf = bob().expect<cmd::Conf>("", "alice");
  EXPECT_EQ(conf.conn_info, bytes_of_text("alice's connInfo"));
  bob().request("12", "alice", cmd::Let{conf.conf_id, bytes_of_text("bob's connInfo 2")},
                cmd::Ok{});
  alice().expect_exactly("", "bob", cmd::Info{bytes_of_text("bob's connInfo 2")});
  alice().expect_exactly("", "bob", cmd::Con{});
  bob().expect_exactly("", "alice", cmd::Con{});

  // Alice is the joining party of the new connection: HELLO and REPLY out, HELLO in.
  Direction a2b{alice(), "bob", bob(), "alice", 2};
  EXPECT_EQ(a2b.exchange(bytes_of_text("hi")), 4);
  Direction b2a{bob(), "alice", alice(), "bob", 1};
  EXPECT_EQ(b2a.exchange(bytes_of_text("hello")), 5);

  // The same request still works for someone else; an accepted invitation cannot be taken
  // again.
  alice().request("3", "bob2", cmd::Acpt{req.inv_id, bytes_of_text("again")},
                  cmd::Err{ag::cmd_error(ag::CommandErrorType::prohibited)});
  EXPECT_TRUE(alice().quiet("alice_contact", 200ms));
}

TEST_F(AgentPairTest, RejectedContactRequestCannotBeAccepted) {
  alice().send("1", "alice_contact", cmd::New{ConnectionMode::contact});
  auto contact = alice().expect<cmd::Inv>("1", "alice_contact");
  bob().request("11", "alice", cmd::Join{contact.request, bytes_of_text("bob's connInfo")},
                cmd::Ok{});
  auto req = alice().expect<cmd::Req>("", "alice_contact");

  // RJCT names the contact connection; any other is not found.
  alice().request("2", "someone", cmd::Rjct{req.inv_id},
                  cmd::Err{ag::ConnError{ag::ConnectionErrorType::not_found}});
  alice().request("3", "alice_contact", cmd::Rjct{req.inv_id}, cmd::Ok{});
  alice().request("4", "bob", cmd::Acpt{req.inv_id, bytes_of_text("alice's connInfo")},
                  cmd::Err{ag::cmd_error(ag::CommandErrorType::prohibited)});
  // A second RJCT deletes nothing and is still OK (the reference's DELETE matches no row).
  alice().request("5", "alice_contact", cmd::Rjct{req.inv_id}, cmd::Ok{});
  // Bob's side never hears back.
  EXPECT_TRUE(bob().quiet("alice", 500ms));

  // The contact address keeps working: a second request arrives.
  bob().request("12", "alice2", cmd::Join{contact.request, bytes_of_text("bob again")}, cmd::Ok{});
  auto again = alice().expect<cmd::Req>("", "alice_contact");
  EXPECT_EQ(again.conn_info, bytes_of_text("bob again"));
  EXPECT_NE(again.inv_id, req.inv_id);
}

// Alice's agent knows only server 1, Bob's only server 2: Alice's queue is on server 1, Bob's
// reply queue on server 2, and each agent is subscribed only to its own server.
TEST(AgentTwoServers, QueuesOnTwoServersCarryMessagesBothWays) {
  TempDir dir;
  ServerInstall s1(dir.path() / "server1"), s2(dir.path() / "server2");
  ASSERT_TRUE(s1.start());
  ASSERT_TRUE(s2.start());
  AgentPeer alice(dir.path(), "alice", {s1.address()});
  AgentPeer bob(dir.path(), "bob", {s2.address()});
  ASSERT_TRUE(alice.connected() && bob.connected());

  InvitationFlow f{alice, bob};
  auto request = f.create();
  ASSERT_EQ(request.queues.size(), 1u);
  EXPECT_EQ(request.queues[0].server.port, std::to_string(s1.port()));
  f.join(request);
  f.confirmation();
  f.allow();
  f.connected();
  Direction a2b{alice, f.alice_conn, bob, f.bob_conn, 1};
  Direction b2a{bob, f.bob_conn, alice, f.alice_conn, 2};
  a2b.exchange(bytes_of_text("via server 2"));
  b2a.exchange(bytes_of_text("via server 1"));

  // Bob's reply queue is on server 2: only Bob is subscribed there.
  ASSERT_EQ(s2.stop(), 0);
  bob.expect_exactly("", f.bob_conn, cmd::Down{});
  EXPECT_TRUE(alice.quiet(f.alice_conn, 300ms));
  b2a.exchange(bytes_of_text("server 1 still works"));
  ASSERT_TRUE(s2.start());
  bob.expect_exactly("", f.bob_conn, cmd::Up{}, 15s);
  a2b.exchange(bytes_of_text("server 2 is back"));
}

}  // namespace
}  // namespace smp::test
