// Contact addresses (spec §7.6, contact mode) and the command errors of §7.3.
#include "smp/agent/agent.h"

#include <gtest/gtest.h>

#include "smp/agent/agent_test_util.h"

namespace smp::agent {
namespace {

using test::Connected;
using test::connect_pair;
using test::error_of;
using test::exchange;
using test::expect_next;
using test::to_bytes;

using AgentContactTest = test::AgentPairTest;
using AgentErrorsTest = test::AgentPairTest;

const AgentError kNotFound = ConnError{ConnectionErrorType::not_found};
const AgentError kDuplicate = ConnError{ConnectionErrorType::duplicate};
const AgentError kSimplex = ConnError{ConnectionErrorType::simplex};
const AgentError kProhibited = CmdError{CommandErrorType::prohibited};

// Alice's contact address and Bob's REQ to it; returns (contact conn, invitation id, Bob's conn).
struct Requested {
  ConnId contact;
  std::string inv_id;
  ConnId bob;
};
Requested request_contact(test::TestAgent& alice, test::TestAgent& bob) {
  auto inv = alice.command("contact", cmd::New{ConnectionMode::contact});
  auto* request = std::get_if<cmd::Inv>(&inv.command);
  EXPECT_TRUE(request) << test::describe(inv);
  if (!request) return {};
  EXPECT_EQ(request->request.mode, ConnectionMode::contact);
  EXPECT_FALSE(request->request.e2e);
  auto joined = bob.command("", cmd::Join{request->request, to_bytes("bob's profile")});
  EXPECT_TRUE(std::holds_alternative<cmd::Ok>(joined.command)) << test::describe(joined);
  auto req = expect_next<cmd::Req>(alice.events(), "contact");
  EXPECT_EQ(req.conn_info, to_bytes("bob's profile"));
  return {"contact", req.inv_id, joined.conn_id};
}

TEST_F(AgentContactTest, AcceptedRequestConnectsWithRolesSwapped) {
  Requested r = request_contact(alice_, bob_);
  auto accepted = alice_.command("", cmd::Acpt{r.inv_id, to_bytes("alice's profile")});
  ASSERT_TRUE(std::holds_alternative<cmd::Ok>(accepted.command)) << test::describe(accepted);
  const ConnId alice_conn = accepted.conn_id;
  EXPECT_NE(alice_conn, r.contact);
  // Bob invited: he gets CONF and allows, Alice gets INFO; both CON.
  auto conf = expect_next<cmd::Conf>(bob_.events(), r.bob);
  EXPECT_EQ(conf.conn_info, to_bytes("alice's profile"));
  bob_.ok(r.bob, cmd::Let{conf.conf_id, to_bytes("bob again")});
  EXPECT_EQ(expect_next<cmd::Info>(alice_.events(), alice_conn).conn_info, to_bytes("bob again"));
  expect_next<cmd::Con>(alice_.events(), alice_conn);
  expect_next<cmd::Con>(bob_.events(), r.bob);
  exchange(alice_, alice_conn, bob_, r.bob, to_bytes("hello"));
  exchange(bob_, r.bob, alice_, alice_conn, to_bytes("hello back"));
  // The invitation was used: a second ACPT is refused.
  EXPECT_EQ(error_of(alice_.command("", cmd::Acpt{r.inv_id, to_bytes("x")})), kProhibited);
}

TEST_F(AgentContactTest, ContactAddressTakesSeveralRequests) {
  Requested first = request_contact(alice_, bob_);
  auto joined = bob_.command("", cmd::Join{std::get<cmd::Inv>(alice_.command("c2", cmd::New{ConnectionMode::contact}).command).request, to_bytes("second")});
  EXPECT_TRUE(std::holds_alternative<cmd::Ok>(joined.command));
  EXPECT_EQ(expect_next<cmd::Req>(alice_.events(), "c2").conn_info, to_bytes("second"));
  EXPECT_NE(first.bob, joined.conn_id);
}

TEST_F(AgentContactTest, RejectedRequestIsForgotten) {
  Requested r = request_contact(alice_, bob_);
  // RJCT belongs to the contact connection.
  EXPECT_EQ(error_of(alice_.command("other", cmd::Rjct{r.inv_id})), kNotFound);
  alice_.ok(r.contact, cmd::Rjct{r.inv_id});
  EXPECT_EQ(error_of(alice_.command("", cmd::Acpt{r.inv_id, to_bytes("x")})), kProhibited);
}

TEST_F(AgentContactTest, SendOnAContactConnectionIsSimplex) {
  auto inv = alice_.command("contact", cmd::New{ConnectionMode::contact});
  ASSERT_TRUE(std::holds_alternative<cmd::Inv>(inv.command));
  EXPECT_EQ(error_of(alice_.command("contact", cmd::Send{to_bytes("x")})), kSimplex);
  EXPECT_EQ(error_of(alice_.command("contact", cmd::Ack{1})), kSimplex);
  EXPECT_EQ(error_of(alice_.command("contact", cmd::Off{})), kSimplex);
  alice_.ok("contact", cmd::Sub{});
  alice_.ok("contact", cmd::Del{});
}

TEST_F(AgentErrorsTest, UnknownConnectionIsConnNotFound) {
  for (AgentCommand c : std::vector<AgentCommand>{cmd::Sub{}, cmd::Send{to_bytes("x")}, cmd::Ack{1},
                                                  cmd::Off{}, cmd::Del{},
                                                  cmd::Let{"conf", to_bytes("i")}}) {
    EXPECT_EQ(error_of(alice_.command("nobody", c)), kNotFound);
  }
}

TEST_F(AgentErrorsTest, MissingConnIdIsCmdNoConn) {
  EXPECT_EQ(error_of(alice_.command("", cmd::Sub{})), AgentError(CmdError{CommandErrorType::no_conn}));
  EXPECT_EQ(error_of(alice_.command("", cmd::Send{to_bytes("x")})),
            AgentError(CmdError{CommandErrorType::no_conn}));
}

TEST_F(AgentErrorsTest, AgentOnlyCommandsAreProhibited) {
  EXPECT_EQ(error_of(alice_.command("c", cmd::Ok{})), kProhibited);
  EXPECT_EQ(error_of(alice_.command("c", cmd::Con{})), kProhibited);
}

TEST_F(AgentErrorsTest, DuplicateConnIdIsConnDuplicate) {
  ASSERT_TRUE(std::holds_alternative<cmd::Inv>(
      alice_.command("taken", cmd::New{ConnectionMode::invitation}).command));
  EXPECT_EQ(error_of(alice_.command("taken", cmd::New{ConnectionMode::invitation})), kDuplicate);
  EXPECT_EQ(error_of(alice_.command("taken", cmd::New{ConnectionMode::contact})), kDuplicate);
  auto inv = bob_.command("", cmd::New{ConnectionMode::invitation});
  EXPECT_EQ(error_of(alice_.command("taken", cmd::Join{std::get<cmd::Inv>(inv.command).request,
                                                        to_bytes("i")})),
            kDuplicate);
}

TEST_F(AgentErrorsTest, LetOnTheWrongConnectionIsProhibited) {
  auto inv = alice_.command("a", cmd::New{ConnectionMode::invitation});
  bob_.command("b", cmd::Join{std::get<cmd::Inv>(inv.command).request, to_bytes("i")});
  auto conf = expect_next<cmd::Conf>(alice_.events(), "a");
  // Bob's connection is a send connection: LET is the inviting party's command.
  EXPECT_EQ(error_of(bob_.command("b", cmd::Let{conf.conf_id, to_bytes("x")})), kProhibited);
  // Another of Alice's connections does not own that confirmation.
  alice_.command("other", cmd::New{ConnectionMode::invitation});
  EXPECT_EQ(error_of(alice_.command("other", cmd::Let{conf.conf_id, to_bytes("x")})), kProhibited);
  EXPECT_EQ(error_of(alice_.command("a", cmd::Let{"no such id", to_bytes("x")})),
            AgentError(InternalError{"SEConfirmationNotFound"}));
  // None of that harmed the confirmation: the right LET still connects.
  alice_.ok("a", cmd::Let{conf.conf_id, to_bytes("x")});
  expect_next<cmd::Info>(bob_.events(), "b");
  expect_next<cmd::Con>(bob_.events(), "b");
  expect_next<cmd::Con>(alice_.events(), "a");
}

TEST_F(AgentErrorsTest, JoinOfAnIncompatibleVersionIsAVersion) {
  auto inv = alice_.command("a", cmd::New{ConnectionMode::invitation});
  ConnectionRequest request = std::get<cmd::Inv>(inv.command).request;
  ConnectionRequest newer = request;
  newer.agent_versions = enc::VersionRange::single(2);
  EXPECT_EQ(error_of(bob_.command("", cmd::Join{newer, to_bytes("i")})),
            AgentError(PeerError{PeerErrorType::a_version}));
  ConnectionRequest newer_queue = request;
  newer_queue.queues[0].client_versions = enc::VersionRange::single(2);
  EXPECT_EQ(error_of(bob_.command("", cmd::Join{newer_queue, to_bytes("i")})),
            AgentError(PeerError{PeerErrorType::a_version}));
  ConnectionRequest newer_e2e = request;
  newer_e2e.e2e->versions = enc::VersionRange::single(2);
  EXPECT_EQ(error_of(bob_.command("", cmd::Join{newer_e2e, to_bytes("i")})),
            AgentError(PeerError{PeerErrorType::a_version}));
}

TEST_F(AgentErrorsTest, SubOnAConnectionStillWaitingForLetIsOk) {
  auto inv = alice_.command("a", cmd::New{ConnectionMode::invitation});
  bob_.command("b", cmd::Join{std::get<cmd::Inv>(inv.command).request, to_bytes("i")});
  bob_.ok("b", cmd::Sub{});  // send connection, confirmed: resumes HELLO
  alice_.ok("a", cmd::Sub{});
}

}  // namespace
}  // namespace smp::agent
