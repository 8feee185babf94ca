// smp-agent processes stopped and started again end to end (spec §7.10, §7.11): after every
// step of the handshake either agent is stopped (SIGTERM, or kill -9) and started on its
// database, its client SUBs the connection, and the handshake still reaches CON; an agent
// killed during a burst of sends loses and duplicates nothing unmarked; a server stopped
// mid-conversation is DOWN and then UP on both agents, and the conversation goes on.

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "agent_flows.h"
#include "agent_pair_fixture.h"

namespace smp::test {
namespace {

namespace cmd = ag::cmd;

enum class Step { created, joined, confirmed, allowed, informed, connected };
enum class Who { alice, bob };

struct RestartCase {
  Step after;
  Who who;
  int sig;
};

std::string case_name(const ::testing::TestParamInfo<RestartCase>& info) {
  static constexpr const char* kSteps[] = {"Created", "Joined",   "Confirmed",
                                           "Allowed", "Informed", "Connected"};
  const RestartCase& c = info.param;
  return std::string("After") + kSteps[static_cast<int>(c.after)] +
         (c.who == Who::alice ? "Alice" : "Bob") + (c.sig == SIGKILL ? "Killed" : "Stopped");
}

class AgentRestartTest : public AgentPairTest, public ::testing::WithParamInterface<RestartCase> {
 protected:
  // Restarts the peer of the case, if `step` is its step, and SUBs its connection.
  void maybe_restart(Step step, InvitationFlow& f) {
    const RestartCase& c = GetParam();
    if (c.after != step) return;
    AgentPeer& peer = c.who == Who::alice ? alice() : bob();
    const std::string& conn = c.who == Who::alice ? f.alice_conn : f.bob_conn;
    ASSERT_TRUE(peer.restart(c.sig));
    restarted_ = &peer;
    peer.subscribe(conn);
  }

  // The next notification of `conn` at `peer` must be `c`. The restarted peer may have
  // produced it just before it stopped without writing it out (a stopping agent drops its
  // queued output, a killed one everything): then it never comes, and the messages at the end
  // show that the connection works all the same.
  void expect_unless_lost(AgentPeer& peer, const std::string& conn, const ag::AgentCommand& c) {
    if (&peer != restarted_) return peer.expect_exactly("", conn, c);
    // Anything else stays kept, and fails the strict reads that follow.
    (void)peer.take(
        [&](const ag::ReceivedTransmission& t) {
          return t.conn_id == conn && t.corr_id.empty() && t.ok() && t.command() == c;
        },
        5s);
  }

  AgentPeer* restarted_ = nullptr;
};

TEST_P(AgentRestartTest, HandshakeReachesConAfterTheRestart) {
  InvitationFlow f = invitation();
  auto request = f.create();
  maybe_restart(Step::created, f);
  f.join(request);
  maybe_restart(Step::joined, f);
  f.confirmation();
  maybe_restart(Step::confirmed, f);
  if (restarted_ == &alice()) {
    // Restarted before the confirmation's ACK left, Alice's agent tells the same CONF again
    // when the server delivers it before LET: it may come before LET's OK (and is taken once
    // CON is in, below).
    alice().send("3", f.alice_conn, cmd::Let{f.conf_id, f.alice_info});
    alice().expect_answer("3", f.alice_conn, cmd::Ok{});
  } else {
    f.allow();
  }
  maybe_restart(Step::allowed, f);
  expect_unless_lost(bob(), f.bob_conn, cmd::Info{f.alice_info});
  maybe_restart(Step::informed, f);
  expect_unless_lost(bob(), f.bob_conn, cmd::Con{});
  expect_unless_lost(alice(), f.alice_conn, cmd::Con{});
  if (restarted_ == &alice()) {
    // The same CONF again, if it came (after LET the copy is taken silently).
    (void)alice().take(
        [&](const ag::ReceivedTransmission& t) {
          return t.conn_id == f.alice_conn && t.corr_id.empty() && t.ok() &&
                 t.command() == ag::AgentCommand(cmd::Conf{f.conf_id, f.bob_info});
        },
        0ms);
  }
  maybe_restart(Step::connected, f);

  alice_to_bob(f).exchange(bytes_of_text("after the restart"));
  bob_to_alice(f).exchange(bytes_of_text("and back"));
  EXPECT_TRUE(alice().quiet(f.alice_conn, 100ms));
  EXPECT_TRUE(bob().quiet(f.bob_conn, 100ms));
}

std::vector<RestartCase> restart_cases() {
  std::vector<RestartCase> cases;
  const std::pair<Step, Who> points[] = {
      {Step::created, Who::alice},   {Step::joined, Who::bob},   {Step::confirmed, Who::alice},
      {Step::allowed, Who::alice},   {Step::allowed, Who::bob},  {Step::informed, Who::bob},
      {Step::connected, Who::alice}, {Step::connected, Who::bob}};
  for (const auto& [step, who] : points) {
    for (int sig : {SIGTERM, SIGKILL}) cases.push_back({step, who, sig});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Steps, AgentRestartTest, ::testing::ValuesIn(restart_cases()), case_name);

// kill -9 of the sending agent while a pipelined burst is being stored and delivered: every
// message that got its MID arrives once with integrity OK (or again, marked DUPLICATE);
// none is lost, none arrives twice unmarked.
TEST_F(AgentPairTest, SenderKilledDuringABurstLosesAndDuplicatesNothing) {
  InvitationFlow f = invitation();
  f.run();
  constexpr int kCount = 300;
  std::string burst;
  std::map<std::string, std::string> body_of;  // corrId → body
  for (int i = 0; i < kCount; ++i) {
    std::string corr = numbered("s", i);
    body_of[corr] = numbered("burst ", i);
    auto t = ag::encode_transmission({corr, f.bob_conn, cmd::Send{bytes_of_text(body_of[corr])}});
    ASSERT_TRUE(t);
    burst.append(as_chars(*t));
  }
  ASSERT_TRUE(bob().client().send_raw(burst));
  // Killed as soon as the first MID shows that the burst is being stored; deliveries are
  // under way then, and the MIDs still queued in the session are lost with the process.
  auto first = bob().take([](const auto& x) { return !x.corr_id.empty(); }, 10s);
  ASSERT_TRUE(first && first->ok() && std::holds_alternative<cmd::Mid>(first->command()));
  std::map<std::string, int> mid_bodies;  // bodies that got a MID
  mid_bodies[body_of[first->corr_id]] = 0;
  for (const auto& t : bob().stop(SIGKILL)) {
    if (t.corr_id.empty()) continue;
    ASSERT_TRUE(t.ok() && std::holds_alternative<cmd::Mid>(t.command())) << describe(t);
    mid_bodies[body_of[t.corr_id]] = 0;
  }
  ASSERT_TRUE(bob().start());
  bob().subscribe(f.bob_conn);

  // Alice takes everything that comes, until all MID'd bodies are in and a while passes.
  std::map<std::string, int> ok_count;
  std::int64_t last_s = 2;
  for (;;) {
    bool all_in = std::all_of(mid_bodies.begin(), mid_bodies.end(),
                              [&](const auto& kv) { return ok_count.count(kv.first) > 0; });
    auto t = alice().next(f.alice_conn, all_in ? 1500ms : 20s);
    if (!t) {
      EXPECT_TRUE(all_in) << "messages were lost";
      break;
    }
    ASSERT_TRUE(t->ok() && std::holds_alternative<cmd::Msg>(t->command())) << describe(*t);
    const auto& msg = std::get<cmd::Msg>(t->command());
    std::string body(as_chars(msg.body));
    if (std::holds_alternative<ag::MsgDuplicate>(msg.meta.integrity)) {
      EXPECT_EQ(ok_count.count(body), 1u) << "a duplicate of a message never received: " << body;
    } else {
      EXPECT_EQ(msg.meta.integrity, ag::MsgIntegrity{ag::MsgOk{}}) << describe(*t);
      EXPECT_EQ(++ok_count[body], 1) << "received twice unmarked: " << body;
      EXPECT_EQ(msg.meta.snd_msg_id, ++last_s);
    }
    alice().request("ack", f.alice_conn, cmd::Ack{msg.meta.recipient_id}, cmd::Ok{});
  }
  for (const auto& [body, _] : mid_bodies) EXPECT_EQ(ok_count.count(body), 1u) << body;
  // Nothing arrives that was not sent.
  for (const auto& [body, _] : ok_count) {
    EXPECT_EQ(body.rfind("burst ", 0), 0u) << body;
  }
  // Bob's new session heard only SENT for the deliveries it resumed.
  while (auto t = bob().next(f.bob_conn, 300ms)) {
    EXPECT_TRUE(t->ok() && std::holds_alternative<cmd::Sent>(t->command())) << describe(*t);
  }
  // The conversation goes on.
  Direction b2a{bob(), f.bob_conn, alice(), f.alice_conn, last_s};
  b2a.exchange(bytes_of_text("after the burst"));
  Direction a2b = alice_to_bob(f);
  a2b.exchange(bytes_of_text("all received"));
}

TEST_F(AgentPairTest, ServerStoppedMidConversationIsDownThenUpAndMessagesGoOn) {
  InvitationFlow f = invitation();
  f.run();
  Direction a2b = alice_to_bob(f);
  Direction b2a = bob_to_alice(f);
  a2b.exchange(bytes_of_text("before"));

  ASSERT_EQ(server_->stop(SIGTERM), 0);
  alice().expect_exactly("", f.alice_conn, cmd::Down{});
  bob().expect_exactly("", f.bob_conn, cmd::Down{});
  // Sent while the server is away: stored, delivered once it is back.
  auto mid = b2a.send(bytes_of_text("while down"));
  ASSERT_TRUE(server_->start());
  alice().expect_exactly("", f.alice_conn, cmd::Up{}, 20s);
  bob().expect_exactly("", f.bob_conn, cmd::Up{}, 20s);
  b2a.sent(mid);
  b2a.receive(bytes_of_text("while down"));
  a2b.exchange(bytes_of_text("after"));
  b2a.exchange(bytes_of_text("after too"));

  // Killed rather than stopped: the same.
  ASSERT_EQ(server_->stop(SIGKILL), 128 + SIGKILL);
  alice().expect_exactly("", f.alice_conn, cmd::Down{});
  bob().expect_exactly("", f.bob_conn, cmd::Down{});
  ASSERT_TRUE(server_->start());
  alice().expect_exactly("", f.alice_conn, cmd::Up{}, 20s);
  bob().expect_exactly("", f.bob_conn, cmd::Up{}, 20s);
  a2b.exchange(bytes_of_text("after the kill"));
}

}  // namespace
}  // namespace smp::test
