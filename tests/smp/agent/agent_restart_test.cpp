// Agents destroyed and created again on the same database (spec §7.10: the client SUBs each
// connection after a restart) at every step of the handshake and with messages in flight:
// connections still reach CON, nothing is lost, and nothing arrives twice unmarked.
#include <atomic>
#include <future>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "smp/agent/agent.h"
#include "smp/agent/agent_store.h"
#include "smp/agent/agent_test_util.h"
#include "smp/agent/client_envelope.h"
#include "smp/agent/snd_message_body.h"
#include "smp/client/blocking_client.h"

namespace smp::agent {
namespace {

using test::connect_pair;
using test::Connected;
using test::exchange;
using test::expect_next;
using test::to_bytes;

class AgentRestartTest : public test::AgentPairTest {
 protected:
  // Alice (inviting, connection "a") stores Bob's confirmation and tells CONF, but its ACK
  // never reaches the server (stopped at that moment) and her agent stops. Returns that CONF,
  // with the server up again and alice_ stopped.
  cmd::Conf stop_alice_before_she_acks_the_confirmation();
  // After Alice's LET: INFO and CON at Bob, CON at Alice, a message through, and nothing else
  // told to Alice.
  void expect_both_connected();
};

// Takes the first event of the connection satisfying T, skipping none: fails on anything else.
template <class T>
T next_of(test::TestAgent& a, const ConnId& id) {
  return expect_next<T>(a.events(), id, 10s);
}

// The connection's CON. An agent restarted right after telling CONF may not have ACKed the
// confirmation yet, and tells it again (the same id) when the server delivers it before LET:
// that copy, once, and nothing else may come before.
void expect_con_after_repeated_conf(test::TestAgent& a, const ConnId& id, const cmd::Conf& conf) {
  auto is = [&](const AgentEvent& e, auto pred) { return e.conn_id == id && pred(e.command); };
  auto con = [](const AgentCommand& c) { return std::holds_alternative<cmd::Con>(c); };
  auto same_conf = [&](const AgentCommand& c) {
    const auto* again = std::get_if<cmd::Conf>(&c);
    return again != nullptr && again->conf_id == conf.conf_id;
  };
  ASSERT_TRUE(a.events().take([&](const AgentEvent& e) { return is(e, con); }, 10s));
  (void)a.events().take([&](const AgentEvent& e) { return is(e, same_conf); }, 0ms);
  for (const auto& e : a.events().pending()) {
    if (e.conn_id == id) ADD_FAILURE() << "unexpected " << test::describe(e);
  }
}

cmd::Conf AgentRestartTest::stop_alice_before_she_acks_the_confirmation() {
  alice_.stop();
  test::EventLog log;
  std::promise<void> conf_told, server_stopped;
  std::shared_future<void> stopped = server_stopped.get_future().share();
  std::atomic<bool> first_conf{true};
  AgentEventSink to_log = log.sink();
  // Runs on the agent's strand: the ACK that follows CONF waits until the server is down.
  AgentEventSink sink = [&, to_log, stopped](AgentEvent e) {
    const bool hold = std::holds_alternative<cmd::Conf>(e.command) && first_conf.exchange(false);
    to_log(std::move(e));
    if (hold) {
      conf_told.set_value();
      stopped.wait();
    }
  };
  auto made = agent_with_sink(alice_, sink);
  EXPECT_TRUE(made);
  if (!made) return {};

  (*made)->submit("1", "a", cmd::New{ConnectionMode::invitation});
  auto inv = log.take([](const AgentEvent& e) { return e.corr_id == "1"; }, 10s);
  EXPECT_TRUE(inv && std::holds_alternative<cmd::Inv>(inv->command));
  if (!inv || !std::holds_alternative<cmd::Inv>(inv->command)) return {};
  bob_.ok("b", cmd::Join{std::get<cmd::Inv>(inv->command).request, to_bytes("bob's info")});
  EXPECT_EQ(conf_told.get_future().wait_for(10s), std::future_status::ready);
  server_.stop();
  server_stopped.set_value();
  auto conf = expect_next<cmd::Conf>(log, "a", 10s);
  EXPECT_EQ(conf.conn_info, to_bytes("bob's info"));
  made->reset();
  EXPECT_TRUE(server_.restart());
  return conf;
}

void AgentRestartTest::expect_both_connected() {
  auto info = bob_.events().take(
      [](const AgentEvent& e) { return std::holds_alternative<cmd::Info>(e.command); }, 10s);
  ASSERT_TRUE(info);
  EXPECT_EQ(std::get<cmd::Info>(info->command).conn_info, to_bytes("alice's info"));
  ASSERT_TRUE(bob_.events().take(
      [](const AgentEvent& e) { return std::holds_alternative<cmd::Con>(e.command); }, 10s));
  next_of<cmd::Con>(alice_, "a");
  exchange(alice_, "a", bob_, "b", to_bytes("connected"));
  for (const auto& e : alice_.events().pending()) {
    ADD_FAILURE() << "unexpected " << test::describe(e);
  }
}

TEST_F(AgentRestartTest, RestartsAtEveryHandshakeStepStillReachCon) {
  auto inv = alice_.command("a", cmd::New{ConnectionMode::invitation});
  auto request = std::get<cmd::Inv>(inv.command).request;
  alice_.restart();
  alice_.ok("a", cmd::Sub{});
  bob_.ok("b", cmd::Join{request, to_bytes("bob's info")});
  bob_.restart();
  bob_.ok("b", cmd::Sub{});  // resumes the HELLO, waiting for LET
  auto conf = next_of<cmd::Conf>(alice_, "a");
  alice_.restart();
  alice_.ok("a", cmd::Sub{});
  alice_.ok("a", cmd::Let{conf.conf_id, to_bytes("alice's info")});
  EXPECT_EQ(next_of<cmd::Info>(bob_, "b").conn_info, to_bytes("alice's info"));
  next_of<cmd::Con>(bob_, "b");
  expect_con_after_repeated_conf(alice_, "a", conf);
  alice_.restart();
  bob_.restart();
  alice_.ok("a", cmd::Sub{});
  bob_.ok("b", cmd::Sub{});
  exchange(alice_, "a", bob_, "b", to_bytes("after restarts"));
  exchange(bob_, "b", alice_, "a", to_bytes("and back"));
}

TEST_F(AgentRestartTest, JoiningPartyStoppedRightAfterLetFinishesOnSub) {
  auto inv = alice_.command("a", cmd::New{ConnectionMode::invitation});
  bob_.ok("b", cmd::Join{std::get<cmd::Inv>(inv.command).request, to_bytes("b")});
  bob_.stop();  // HELLO pending
  auto conf = next_of<cmd::Conf>(alice_, "a");
  alice_.ok("a", cmd::Let{conf.conf_id, to_bytes("a")});
  bob_.start();
  bob_.ok("b", cmd::Sub{});
  next_of<cmd::Info>(bob_, "b");
  next_of<cmd::Con>(bob_, "b");
  next_of<cmd::Con>(alice_, "a");
}

// The joining party stops right after telling INFO, before KEY and the ACK of the
// confirmation: after SUB the server delivers the confirmation again, which secures the
// queue (no ERR), so the initiator's HELLO gets through and both reach CON.
TEST_F(AgentRestartTest, JoiningPartyStoppedRightAfterInfoSecuresItsQueueOnSub) {
  bob_.stop();
  test::EventLog log;
  auto agent_slot = std::make_shared<std::shared_ptr<Agent>>();
  AgentEventSink to_log = log.sink();
  AgentEventSink sink = [agent_slot, to_log](AgentEvent e) {
    // The agent stops here, as a killed process would; closed before the test can see INFO
    // (and drop the agent).
    if (std::holds_alternative<cmd::Info>(e.command)) (*agent_slot)->close();
    to_log(std::move(e));
  };
  auto made = agent_with_sink(bob_, sink);
  ASSERT_TRUE(made);
  *agent_slot = *made;

  auto inv = alice_.command("a", cmd::New{ConnectionMode::invitation});
  (*agent_slot)
      ->submit("1", "b", cmd::Join{std::get<cmd::Inv>(inv.command).request, to_bytes("b")});
  auto joined = log.take([](const AgentEvent& e) { return e.corr_id == "1"; }, 10s);
  ASSERT_TRUE(joined && std::holds_alternative<cmd::Ok>(joined->command));
  auto conf = next_of<cmd::Conf>(alice_, "a");
  alice_.ok("a", cmd::Let{conf.conf_id, to_bytes("alice's info")});
  EXPECT_EQ(expect_next<cmd::Info>(log, "b", 10s).conn_info, to_bytes("alice's info"));
  agent_slot->reset();
  made->reset();

  bob_.start();
  bob_.ok("b", cmd::Sub{});
  next_of<cmd::Con>(bob_, "b");  // not ERR AGENT A_PROHIBITED first
  next_of<cmd::Con>(alice_, "a");
  exchange(alice_, "a", bob_, "b", to_bytes("secured"));
  exchange(bob_, "b", alice_, "a", to_bytes("and back"));
  for (const auto& e : bob_.events().pending()) ADD_FAILURE() << "unexpected " << test::describe(e);
}

// The inviting party has stored the confirmation and told CONF, but its ACK never reaches the
// server (stopped at that moment) and the agent stops: after SUB the server delivers the
// confirmation again, and the client sees the same CONF (same id), not a second one.
TEST_F(AgentRestartTest, InvitingPartyStoppedBeforeAckingTheConfirmationTellsTheSameConf) {
  cmd::Conf conf = stop_alice_before_she_acks_the_confirmation();
  alice_.start();
  alice_.ok("a", cmd::Sub{});
  auto again = next_of<cmd::Conf>(alice_, "a");  // the server's second delivery
  EXPECT_EQ(again.conf_id, conf.conf_id);
  EXPECT_EQ(again.conn_info, to_bytes("bob's info"));
  alice_.ok("a", cmd::Let{conf.conf_id, to_bytes("alice's info")});
  expect_both_connected();
}

// As above, but the client allows the connection before it subscribes: the copy delivered after
// SUB is the confirmation LET accepted (its queue secured already), taken silently — neither a
// second CONF nor an error.
TEST_F(AgentRestartTest, InvitingPartyAllowingBeforeSubTakesTheConfirmationsCopySilently) {
  cmd::Conf conf = stop_alice_before_she_acks_the_confirmation();
  alice_.start();
  alice_.ok("a", cmd::Let{conf.conf_id, to_bytes("alice's info")});
  alice_.ok("a", cmd::Sub{});
  expect_both_connected();
}

TEST_F(AgentRestartTest, MessagesSentWhileTheReceiverIsStoppedArriveAfterItsSub) {
  Connected c = connect_pair(alice_, bob_);
  bob_.stop();
  for (int i = 0; i < 5; ++i) {
    alice_.send(c.alice, fmt::format("m{}", i));
    next_of<cmd::Sent>(alice_, c.alice);
  }
  bob_.start();
  bob_.ok(c.bob, cmd::Sub{});
  for (int i = 0; i < 5; ++i) {
    auto msg = next_of<cmd::Msg>(bob_, c.bob);
    EXPECT_EQ(msg.body, to_bytes(fmt::format("m{}", i)));
    EXPECT_EQ(msg.meta.integrity, MsgIntegrity(MsgOk{}));
    bob_.ok(c.bob, cmd::Ack{msg.meta.recipient_id});
  }
}

TEST_F(AgentRestartTest, SenderStoppedWithPendingMessagesDeliversThemAfterSub) {
  Connected c = connect_pair(alice_, bob_);
  // Enough that the agent stops with messages still pending. Their corr ids are not numbers,
  // which TestAgent::command uses for its own.
  constexpr int kCount = 200;
  for (int i = 0; i < kCount; ++i) {
    alice_.agent().submit(fmt::format("s{}", i), c.alice,
                          cmd::Send{to_bytes(fmt::format("m{}", i))});
  }
  // Stop once some MIDs are out, most messages still pending.
  ASSERT_TRUE(alice_.events().take([](const AgentEvent& e) { return e.corr_id == "s2"; }, 10s));
  alice_.stop();
  int mids = 0;
  for (const auto& e : alice_.events().pending()) {
    if (std::holds_alternative<cmd::Mid>(e.command)) ++mids;
  }
  mids += 1;  // "2", taken above
  alice_.start();
  alice_.ok(c.alice, cmd::Sub{});
  // Every message that got a MID, and perhaps more: stored before the agent stopped, their
  // MIDs still waiting for the sync that would tell them (it tells MIDs in batches, so the
  // burst may well be stored whole by then). In order, once each, integrity OK.
  int received = 0;
  for (;; ++received) {
    auto e = bob_.events().take(
        [](const AgentEvent& ev) { return std::holds_alternative<cmd::Msg>(ev.command); },
        received < mids ? 10s : 500ms);
    if (!e) break;
    auto& msg = std::get<cmd::Msg>(e->command);
    EXPECT_EQ(msg.body, to_bytes(fmt::format("m{}", received)));
    EXPECT_EQ(msg.meta.integrity, MsgIntegrity(MsgOk{}));
    bob_.ok(c.bob, cmd::Ack{msg.meta.recipient_id});
  }
  EXPECT_GE(received, mids);
  EXPECT_LE(received, kCount);
  while (alice_.events().next(c.alice, 0ms)) {
  }
  exchange(alice_, c.alice, bob_, c.bob, to_bytes("still fine"));
}

TEST_F(AgentRestartTest, MessageNotifiedButNotAckedComesBackMarkedDuplicateWithItsId) {
  Connected c = connect_pair(alice_, bob_);
  alice_.send(c.alice, "once");
  next_of<cmd::Sent>(alice_, c.alice);
  auto first = next_of<cmd::Msg>(bob_, c.bob);
  EXPECT_EQ(first.meta.integrity, MsgIntegrity(MsgOk{}));
  bob_.restart();  // the client never ACKed: the server delivers it again
  bob_.ok(c.bob, cmd::Sub{});
  auto again = next_of<cmd::Msg>(bob_, c.bob);
  EXPECT_EQ(again.body, to_bytes("once"));
  EXPECT_EQ(again.meta.integrity, MsgIntegrity(MsgDuplicate{}));
  EXPECT_EQ(again.meta.recipient_id, first.meta.recipient_id);
  EXPECT_EQ(again.meta.broker_id, first.meta.broker_id);
  bob_.ok(c.bob, cmd::Ack{again.meta.recipient_id});
  exchange(alice_, c.alice, bob_, c.bob, to_bytes("next"));
}

// The sender stopped after the server took its SEND but before it forgot the message, so it
// sends the same ratchet message again: the receiver drops the copy without an error.
TEST_F(AgentRestartTest, CopyOfAMessageAlreadyReceivedIsDroppedSilently) {
  Connected c = connect_pair(alice_, bob_);
  // Keep one message pending by taking the server away, and read what Alice will send.
  server_.stop();
  next_of<cmd::Down>(alice_, c.alice);
  next_of<cmd::Down>(bob_, c.bob);
  auto mid = alice_.send(c.alice, "the original");
  auto store = AgentStore::open(alice_.db_path());
  ASSERT_TRUE(store);
  Bytes body = snd_message_envelope(store->get_snd_message(c.alice, mid).value()).value();
  Connection conn = store->get_connection(c.alice).value();
  const SndQueue& sq = *snd_queue_of(conn);
  ASSERT_TRUE(server_.restart());
  next_of<cmd::Up>(bob_, c.bob);
  // Alice's UP and the SENT of her pending message come in either order.
  auto sent = alice_.events().take(
      [](const AgentEvent& e) { return std::holds_alternative<cmd::Sent>(e.command); }, 10s);
  ASSERT_TRUE(sent);
  EXPECT_EQ(std::get<cmd::Sent>(sent->command).id, mid);
  next_of<cmd::Up>(alice_, c.alice);
  auto msg = next_of<cmd::Msg>(bob_, c.bob);
  EXPECT_EQ(msg.body, to_bytes("the original"));
  bob_.ok(c.bob, cmd::Ack{msg.meta.recipient_id});

  // The same ratchet message in a fresh envelope, as a restarted sender would send it.
  auto key = crypto::CbKey::from_dh_secret(sq.e2e_dh_secret.view()).value();
  Bytes copy =
      seal_client_message(key, PubHeader{1, std::nullopt}, ClientMessage{PrivHeader{}, body})
          .value();
  auto client = client::BlockingSmpClient::connect(test::server_of(server_));
  ASSERT_TRUE(client);
  ASSERT_TRUE((*client)->send_message(&sq.snd_private_key, sq.snd_id, copy));
  // Nothing is reported and the copy is ACKed, so the next message comes through.
  exchange(alice_, c.alice, bob_, c.bob, to_bytes("next"));
  for (const auto& e : bob_.events().pending()) {
    ADD_FAILURE() << "unexpected " << test::describe(e);
  }
}

}  // namespace
}  // namespace smp::agent
