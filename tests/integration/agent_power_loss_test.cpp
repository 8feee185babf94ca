// Crash consistency of the agent across power loss. Alice and Bob (in-process Agents, an
// in-process server, real TLS on 127.0.0.1) go through the invitation handshake, then Bob sends
// a burst to Alice (who holds her ACKs, so every message Bob put on the wire stays on the
// server), then Alice sends a burst to Bob (who ACKs as messages come). Bob's store runs over
// PowerLossVfs, and the power goes out at his sync number K: that sync and every later one
// fail, and his files get back what was on disk then. Bob starts again on them and SUBs, and:
//  - everything Bob had told his client is still in his store: the connection of an answered
//    JOIN, INFO, CON, no delivery again of a message told SENT, every MSG not told ACKed;
//  - Bob's sending ratchet is not behind what Alice has received from him, and on the wire
//    (the server's copy of every message Bob sent her since the handshake) no header key and
//    message number carries two different messages: a message sent again is the same bytes;
//  - every message Bob told MID for reaches Alice once with integrity OK, and nothing else
//    does; every message Alice told MID for reaches Bob's client, once with integrity OK or
//    else (stored before the power went, told or not) marked DUPLICATE under its stored id,
//    as README.md says;
//  - the conversation goes on.
// K goes through every sync of the handshake, and through the bursts at a spread of points;
// the sync numbers come from a run without a failure (they vary a little from run to run,
// which only moves a point).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "smp/agent/agent.h"
#include "smp/agent/agent_command.h"
#include "smp/agent/agent_envelope.h"
#include "smp/agent/agent_test_util.h"
#include "smp/agent/client_envelope.h"
#include "smp/agent/ratchet_message.h"
#include "smp/agent/shared_agent_store.h"
#include "smp/client/message_crypto.h"
#include "smp/crypto/aead.h"
#include "smp/server/queue_record.h"
#include "support/power_loss_vfs.h"

namespace smp::test {
namespace {

namespace ag = smp::agent;
namespace cmd = smp::agent::cmd;
using ag::AgentEvent;
using ag::test::EventLog;
using ag::test::IoThreads;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kBobToAlice = 12;  // Bob's burst
constexpr int kAliceToBob = 12;  // Alice's burst
constexpr int kAfter = 3;        // Bob's messages after his restart

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }
std::string text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

template <class T>
const T* as(const AgentEvent& e) {
  return std::get_if<T>(&e.command);
}

// A header key and message number as the receiving party reads them from a ratchet message.
struct WireHeader {
  Bytes dh_key;  // SPKI of the sender's ratchet key
  std::uint32_t ns = 0;
  Bytes ratchet_message;
};

// Opens the server's copy of a message for `rq` down to its ratchet header, trying the
// receiving header keys of `ratchets`. The server keeps a message as its sender sent it (it
// encrypts it for the recipient only when it delivers it). nullopt when a layer does not open.
std::optional<WireHeader> read_header(const ag::RcvQueue& rq,
                                      const std::vector<const ag::Ratchet*>& ratchets,
                                      const server::Message& m) {
  if (!m.body || !rq.e2e_dh_secret) return std::nullopt;
  auto env = ag::decode_client_msg_envelope(*m.body);
  auto key = crypto::CbKey::from_dh_secret(rq.e2e_dh_secret->view());
  if (!env || !key) return std::nullopt;
  auto cm = ag::open_client_message(*key, *env);
  if (!cm) return std::nullopt;
  auto envelope = ag::decode_agent_envelope(cm->body);
  const auto* msg = envelope ? std::get_if<ag::AgentMsgEnvelope>(&*envelope) : nullptr;
  if (msg == nullptr) return std::nullopt;
  auto rm = ag::decode_enc_ratchet_message(msg->enc_agent_message);
  if (!rm) return std::nullopt;
  auto header = ag::decode_enc_message_header(rm->header);
  if (!header) return std::nullopt;
  for (const ag::Ratchet* rc : ratchets) {
    std::vector<ByteView> keys{rc->nhk_r.view()};
    if (rc->rcv) keys.push_back(rc->rcv->hk_r.view());
    for (ByteView hk : keys) {
      auto plain = crypto::decrypt_aead(hk, header->iv, rc->ad, header->body, header->tag);
      if (!plain) continue;
      auto h = ag::parse_msg_header(*plain, crypto::AlgorithmSet{rc->dh_rs.algorithm()});
      if (!h) return std::nullopt;
      return WireHeader{crypto::encode_public_key_der(h->dh_rs), h->ns, msg->enc_agent_message};
    }
  }
  return std::nullopt;
}

// One party: its store, its agent, and everything it told, over all of its lives.
struct Party {
  std::shared_ptr<ag::SharedAgentStore> store;
  std::shared_ptr<ag::Agent> agent;
  std::unique_ptr<EventLog> log;
  struct Told {
    int life;
    AgentEvent event;
  };
  std::vector<Told> told;
  int life = 0;
};

// Where the power went, for the failure messages.
enum class Phase { handshake, bob_to_alice, alice_to_bob, done };
const char* phase_name(Phase p) {
  static constexpr const char* kNames[] = {"handshake", "Bob's burst", "Alice's burst", "the end"};
  return kNames[static_cast<int>(p)];
}

class PowerLossRun {
 public:
  // fail_from: Bob's sync that fails, counted from the end of opening his store (0: the power
  // goes only at the end).
  explicit PowerLossRun(std::uint64_t fail_from)
      : server_([](server::ServerConfig& c) { c.msg_queue_quota = 1000; }),
        vfs_(fmt::format("power-loss-run-{}", fail_from)),
        fail_from_(fail_from) {}

  ~PowerLossRun() {
    for (Party* p : {&alice_, &bob_}) {
      if (p->agent) p->agent->close();
    }
    bob_.agent.reset();
    alice_.agent.reset();
    wait_released(bob_);
    wait_released(alice_);
  }

  // The whole run; the syncs Bob made up to the end of each phase (of a run without failure).
  std::vector<std::uint64_t> run() {
    start(alice_, "alice.db", "");
    start(bob_, "bob.db", vfs_.name());
    if (::testing::Test::HasFatalFailure()) return {};
    // Counted from the end of opening (which syncs once).
    const std::uint64_t opened = vfs_.syncs();
    if (fail_from_ > 0) vfs_.fail_syncs_from(opened + fail_from_);
    std::vector<std::uint64_t> marks;
    handshake();
    marks.push_back(vfs_.syncs() - opened);
    if (!lost()) bob_to_alice();
    marks.push_back(vfs_.syncs() - opened);
    if (!lost()) alice_to_bob();
    marks.push_back(vfs_.syncs() - opened);
    if (!lost()) {
      phase_ = Phase::done;
      vfs_.fail_syncs_from(vfs_.syncs() + 1);  // the power goes now
    }
    SCOPED_TRACE(fmt::format("the power went during {}", phase_name(phase_)));
    restart_bob();
    if (::testing::Test::HasFatalFailure()) return marks;
    after_restart();
    return marks;
  }

 private:
  // ---- Parties ----

  void start(Party& p, const char* file, const std::string& vfs) {
    ag::AgentConfig config;
    config.servers = {ag::test::server_of(server_)};
    config.store_path = dir_ / file;
    config.store_options.vfs = vfs;
    config.smp_client.command_timeout = 2s;
    auto store = ag::SharedAgentStore::open(config.store_path, config.store_options);
    ASSERT_TRUE(store) << store.error().message();
    p.store = *store;
    p.log = std::make_unique<EventLog>();
    ++p.life;
    auto agent = ag::Agent::create(io_.executor(), config, p.store, p.log->sink());
    ASSERT_TRUE(agent);
    p.agent = *agent;
  }

  // Closes the party's store once its agent (whose coroutines hold it until they end) has let
  // it go. The last reference is dropped here, so the store is closed when this returns (not
  // on an io thread a moment later, while its files are being put back).
  static void wait_released(Party& p) {
    const auto deadline = Clock::now() + 10s;
    while (p.store && p.store.use_count() > 1 && Clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    EXPECT_TRUE(!p.store || p.store.use_count() == 1) << "a store outlived its agent";
    p.store.reset();
  }

  bool lost() const { return vfs_.power_lost(); }

  // ---- The client side: what Alice's and Bob's clients do with what they are told ----

  void pump() {
    for (Party* p : {&alice_, &bob_}) {
      if (!p->log) continue;
      while (auto e = p->log->take([](const AgentEvent&) { return true; }, 0ms)) {
        p->told.push_back({p->life, *e});
        if (p == &alice_) {
          on_alice(*e);
        } else {
          on_bob(*e);
        }
      }
    }
  }

  // Pumps until done() or the timeout; stops early, after a while to settle, when the power
  // went out (unless `through_power_loss`). False on the timeout.
  bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                  bool through_power_loss = false) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      pump();
      if (done()) return true;
      if (!through_power_loss && lost()) {
        // What Bob's machine did before it stopped is still arriving; Alice goes on.
        const auto settle = Clock::now() + 300ms;
        while (Clock::now() < settle) {
          pump();
          std::this_thread::sleep_for(2ms);
        }
        return true;
      }
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(2ms);
    }
  }

  void on_alice(const AgentEvent& e) {
    if (const auto* inv = as<cmd::Inv>(e)) {
      bob_.agent->submit("join", "bob", cmd::Join{inv->request, bytes_of("bob's info")});
    } else if (const auto* conf = as<cmd::Conf>(e)) {
      alice_.agent->submit("let", "alice", cmd::Let{conf->conf_id, bytes_of("alice's info")});
    } else if (as<cmd::Con>(e)) {
      alice_con_ = true;
    } else if (const auto* mid = as<cmd::Mid>(e)) {
      alice_mids_[mid->id] = sent_bodies_.at(e.corr_id);
    } else if (const auto* msg = as<cmd::Msg>(e)) {
      alice_msgs_.push_back(*msg);
      if (alice_acks_) ack(alice_, "alice", msg->meta.recipient_id);
      else held_acks_.push_back(msg->meta.recipient_id);
    } else if (as<cmd::Err>(e) || as<cmd::Merr>(e)) {
      ADD_FAILURE() << "Alice: " << ag::test::describe(e);
    }
  }

  void on_bob(const AgentEvent& e) {
    if (as<cmd::Ok>(e) && e.corr_id == "join") {
      join_ok_ = true;
    } else if (as<cmd::Info>(e)) {
      bob_info_ = true;
    } else if (as<cmd::Con>(e)) {
      bob_con_ = true;
    } else if (const auto* mid = as<cmd::Mid>(e)) {
      bob_mids_[mid->id] = sent_bodies_.at(e.corr_id);
    } else if (const auto* sent = as<cmd::Sent>(e)) {
      bob_sent_.insert(sent->id);
    } else if (const auto* msg = as<cmd::Msg>(e)) {
      bob_msgs_.push_back({bob_.life, *msg});
      ack(bob_, "bob", msg->meta.recipient_id);
    } else if (as<cmd::Ok>(e) && e.corr_id.rfind("ack ", 0) == 0) {
      bob_acked_.insert(std::stoll(e.corr_id.substr(4)));
    } else if (as<cmd::Err>(e) || as<cmd::Merr>(e)) {
      ADD_FAILURE() << "Bob (life " << bob_.life << "): " << ag::test::describe(e);
    }
  }

  // For a failure message: every message Bob told MID for, whether it was told SENT, and
  // what Bob told in his last life.
  std::string bobs_messages() const {
    std::string out;
    for (const auto& [id, body] : bob_mids_) {
      out += fmt::format("  MID {} \"{}\"{}\n", id, body, bob_sent_.contains(id) ? " SENT" : "");
    }
    for (const auto& t : bob_.told) {
      if (t.life == bob_.life) out += fmt::format("  told: {}\n", ag::test::describe(t.event));
    }
    return out;
  }

  static void ack(Party& p, const char* conn, std::int64_t id) {
    p.agent->submit(fmt::format("ack {}", id), conn, cmd::Ack{id});
  }

  void send(Party& p, const char* conn, const std::string& body) {
    const std::string corr = fmt::format("send {}", body);
    sent_bodies_[corr] = body;
    p.agent->submit(corr, conn, cmd::Send{bytes_of(body)});
  }

  // ---- Phases before the power goes ----

  void handshake() {
    alice_.agent->submit("new", "alice", cmd::New{ag::ConnectionMode::invitation});
    EXPECT_TRUE(pump_until([&] { return alice_con_ && bob_con_; }, 20s)) << "no CON";
  }

  void bob_to_alice() {
    phase_ = Phase::bob_to_alice;
    alice_before_burst_ = alice_ratchet();
    alice_acks_ = false;
    for (int i = 0; i < kBobToAlice; ++i) send(bob_, "bob", fmt::format("b2a {}", i));
    EXPECT_TRUE(pump_until([&] { return bob_sent_.size() >= kBobToAlice; }, 20s)) << "no SENT";
  }

  void alice_to_bob() {
    phase_ = Phase::alice_to_bob;
    for (int i = 0; i < kAliceToBob; ++i) send(alice_, "alice", fmt::format("a2b {}", i));
    EXPECT_TRUE(pump_until([&] { return bob_acked_.size() >= kAliceToBob; }, 20s)) << "no ACK";
  }

  // ---- The power loss ----

  void restart_bob() {
    bob_.agent->close();
    pump();  // what Bob told before he stopped (nothing is told after close())
    bob_.agent.reset();
    wait_released(bob_);
    bob_.log.reset();
    vfs_.lose_power();
    check_bobs_disk();
    start(bob_, "bob.db", "");
  }

  // What Bob told his client before the power went is on his disk.
  void check_bobs_disk() {
    auto opened = ag::AgentStore::open(dir_ / "bob.db");
    ASSERT_TRUE(opened) << opened.error().message();
    ag::AgentStore& disk = *opened;
    {
      auto st = disk.database().prepare("PRAGMA integrity_check");
      ASSERT_TRUE(st && st->step_row()) << disk.last_error();
      EXPECT_EQ(st->column_text(0), "ok") << "Bob's database after the power loss";
    }
    auto conn = disk.get_connection("bob");
    if (join_ok_) {
      ASSERT_TRUE(conn) << "Bob's JOIN was answered OK, the connection is gone";
    }
    if (!conn) return;
    if (bob_con_) {
      EXPECT_EQ(ag::conn_type(*conn), ag::ConnType::duplex) << "Bob told CON";
    }
    if (bob_info_) {
      const ag::RcvQueue* rq = ag::rcv_queue_of(*conn);
      EXPECT_TRUE(rq != nullptr && rq->e2e_dh_secret) << "Bob told INFO";
    }
    for (std::int64_t id : bob_sent_) {
      EXPECT_FALSE(disk.get_snd_message("bob", id)) << "message " << id << " was told SENT";
    }
    // A message told is on disk until its ACK is: told ACKed, it is gone. (Told, ACKed but
    // not told so, it may be either; if it is gone, the server had the ACK and does not
    // deliver it again, which check_bob_received would see.)
    for (const auto& [life, msg] : bob_msgs_) {
      const std::int64_t id = msg.meta.recipient_id;
      auto stored = disk.get_rcv_message("bob", id);
      if (bob_acked_.contains(id)) {
        EXPECT_FALSE(stored) << "message " << id << " was told ACKed";
      }
      if (stored) {
        EXPECT_EQ(stored->broker_id, msg.meta.broker_id) << "message " << id;
      }
    }
    check_ratchets(disk);
  }

  // Bob's next message cannot carry a header key and number Alice has received already.
  void check_ratchets(ag::AgentStore& bob_disk) {
    auto bob_rc = bob_disk.get_ratchet("bob");
    auto alice_rc = alice_.store->with([](ag::AgentStore& s) { return s.get_ratchet("alice"); });
    if (!bob_rc || !alice_rc || !bob_rc->snd) return;  // no ratchet on one side yet
    const SecretBytes& hk_s = bob_rc->snd->hk_s;
    if (alice_rc->rcv && constant_time_equal(hk_s.view(), alice_rc->rcv->hk_r.view())) {
      EXPECT_GE(bob_rc->ns, alice_rc->nr)
          << "Bob would send again message numbers Alice has received";
    } else {
      EXPECT_TRUE(constant_time_equal(hk_s.view(), alice_rc->nhk_r.view()))
          << "Bob's sending chain is one Alice has left";
    }
  }

  // ---- After the restart ----

  void after_restart() {
    if (!join_ok_) return;  // Bob's client does not know the connection; nothing to resume
    bob_.agent->submit("sub", "bob", cmd::Sub{});
    ASSERT_TRUE(pump_until([&] { return alice_con_ && bob_con_; }, 20s, true))
        << "the handshake did not finish after the restart";
    if (!alice_before_burst_) alice_before_burst_ = alice_ratchet();
    alice_acks_ = false;
    for (int i = 0; i < kAfter; ++i) send(bob_, "bob", fmt::format("b2a after {}", i));
    // Every message Bob told MID for is delivered (again, if it was not told SENT).
    ASSERT_TRUE(pump_until(
        [&] {
          const auto after = std::count_if(bob_mids_.begin(), bob_mids_.end(), [](const auto& kv) {
            return kv.second.rfind("b2a after", 0) == 0;
          });
          return after == kAfter &&
                 std::all_of(bob_mids_.begin(), bob_mids_.end(),
                             [&](const auto& kv) { return bob_sent_.contains(kv.first); });
        },
        20s, true))
        << "Bob's messages were not all delivered after the restart\n"
        << bobs_messages();
    check_wire();

    // Alice takes everything now.
    alice_acks_ = true;
    for (std::int64_t id : std::exchange(held_acks_, {})) ack(alice_, "alice", id);
    std::set<std::string> expected;
    for (const auto& [id, body] : bob_mids_) expected.insert(body);
    pump_until(
        [&] {
          std::set<std::string> got;
          for (const auto& m : alice_msgs_) got.insert(text_of(m.body));
          return std::includes(got.begin(), got.end(), expected.begin(), expected.end());
        },
        20s, true);
    quiet(500ms);
    check_alice_received();
    // Bob's client gets every message Alice told MID for.
    pump_until([&] { return bob_has_all_of_alices(); }, 20s, true);
    quiet(500ms);
    check_bob_received();
  }

  void quiet(std::chrono::milliseconds d) {
    pump_until([] { return false; }, d, true);
  }

  std::optional<ag::Ratchet> alice_ratchet() {
    auto rc = alice_.store->with([](ag::AgentStore& s) { return s.get_ratchet("alice"); });
    EXPECT_TRUE(rc);
    if (!rc) return std::nullopt;
    return std::move(*rc);
  }

  // No header key and message number on the wire carries two different messages.
  void check_wire() {
    auto conn = alice_.store->with([](ag::AgentStore& s) { return s.get_connection("alice"); });
    ASSERT_TRUE(conn);
    const ag::RcvQueue* rq = ag::rcv_queue_of(*conn);
    ASSERT_NE(rq, nullptr);
    auto rid = server::queue_id_from(rq->rcv_id);
    ASSERT_TRUE(rid);
    auto queue = server_.messages().find(*rid);
    ASSERT_TRUE(queue);
    const std::optional<ag::Ratchet> now = alice_ratchet();
    ASSERT_TRUE(now);
    std::vector<const ag::Ratchet*> ratchets{&*now};
    if (alice_before_burst_) ratchets.push_back(&*alice_before_burst_);
    std::map<std::string, Bytes> seen;  // ratchet key and message number → the message
    std::size_t copies = 0;
    const auto messages = queue->snapshot();
    for (const auto& m : messages) {
      auto h = read_header(*rq, ratchets, m);
      ASSERT_TRUE(h) << "a message on the wire that Alice cannot read";
      std::string key = fmt::format("{}/{}", text_of(h->dh_key), h->ns);
      auto [it, fresh] = seen.emplace(std::move(key), h->ratchet_message);
      if (!fresh) {
        ++copies;
        EXPECT_TRUE(it->second == h->ratchet_message)
            << "message number " << h->ns << " of one ratchet key carries two messages";
      }
    }
    // Every message Bob told MID for and Alice has not taken yet is there.
    EXPECT_GE(messages.size() + alice_msgs_.size(), bob_mids_.size());
    wire_messages_ += messages.size();
    wire_copies_ += copies;
  }

  void check_alice_received() {
    std::map<std::string, int> ok;
    std::int64_t last_snd_id = 0;
    for (const auto& m : alice_msgs_) {
      const std::string body = text_of(m.body);
      EXPECT_EQ(m.meta.integrity, ag::MsgIntegrity{ag::MsgOk{}}) << body;
      EXPECT_TRUE(sent_bodies_.contains("send " + body)) << "never sent: " << body;
      EXPECT_EQ(++ok[body], 1) << "received twice: " << body;
      if (last_snd_id != 0) {
        EXPECT_EQ(m.meta.snd_msg_id, last_snd_id + 1) << body;
      }
      last_snd_id = m.meta.snd_msg_id;
    }
    for (const auto& [id, body] : bob_mids_) EXPECT_EQ(ok[body], 1) << "lost: " << body;
  }

  bool bob_has_all_of_alices() const {
    std::set<std::string> got;
    for (const auto& [life, m] : bob_msgs_) got.insert(text_of(m.body));
    return std::all_of(alice_mids_.begin(), alice_mids_.end(),
                       [&](const auto& kv) { return got.contains(kv.second); });
  }

  void check_bob_received() {
    std::map<std::string, std::int64_t> ok_id;  // body → its id, told with integrity OK
    for (const auto& [life, m] : bob_msgs_) {
      const std::string body = text_of(m.body);
      EXPECT_TRUE(sent_bodies_.contains("send " + body)) << "never sent: " << body;
      if (std::holds_alternative<ag::MsgDuplicate>(m.meta.integrity)) {
        // The server's copy of a message Bob had stored: under its stored id.
        auto first = ok_id.find(body);
        if (first != ok_id.end()) {
          EXPECT_EQ(m.meta.recipient_id, first->second) << body;
        }
        continue;
      }
      EXPECT_EQ(m.meta.integrity, ag::MsgIntegrity{ag::MsgOk{}}) << body;
      EXPECT_TRUE(ok_id.emplace(body, m.meta.recipient_id).second) << "told twice: " << body;
    }
    std::set<std::string> got;
    for (const auto& [life, m] : bob_msgs_) got.insert(text_of(m.body));
    for (const auto& [id, body] : alice_mids_) EXPECT_TRUE(got.contains(body)) << "lost: " << body;
  }

 public:
  std::size_t wire_messages_ = 0, wire_copies_ = 0;
  Phase phase_ = Phase::handshake;

 private:
  TestServer server_;
  TempDir dir_;
  PowerLossVfs vfs_;
  IoThreads io_;
  const std::uint64_t fail_from_;
  Party alice_, bob_;
  std::map<std::string, std::string> sent_bodies_;  // corr id → body
  bool alice_con_ = false, bob_con_ = false, join_ok_ = false, bob_info_ = false;
  bool alice_acks_ = true;
  std::vector<std::int64_t> held_acks_;
  std::optional<ag::Ratchet> alice_before_burst_;
  std::map<std::int64_t, std::string> alice_mids_, bob_mids_;  // MID → body
  std::set<std::int64_t> bob_sent_, bob_acked_;
  std::vector<cmd::Msg> alice_msgs_;
  std::vector<std::pair<int, cmd::Msg>> bob_msgs_;  // (life, MSG)
};

// The sync numbers at the end of each phase, from a run without a failure (which is checked
// like the others, the power going at its end).
std::vector<std::uint64_t> phase_ends() {
  PowerLossRun run(0);
  auto marks = run.run();
  EXPECT_EQ(marks.size(), 3u);
  return marks;
}

void run_at(std::uint64_t k, std::size_t& runs) {
  SCOPED_TRACE(fmt::format("the power went at Bob's sync {}", k));
  PowerLossRun run(k);
  run.run();
  ++runs;
}

TEST(AgentPowerLossTest, AtEverySyncOfTheHandshake) {
  auto ends = phase_ends();
  ASSERT_EQ(ends.size(), 3u);
  std::size_t runs = 0;
  for (std::uint64_t k = 1; k <= ends[0] && !::testing::Test::HasFailure(); ++k) run_at(k, runs);
  std::printf("[ figures  ] %zu power losses, at each of the handshake's %llu syncs\n", runs,
              static_cast<unsigned long long>(ends[0]));
}

// SMP_POWER_LOSS_AT=K runs the power loss at Bob's sync K alone (to look into one point).
TEST(AgentPowerLossTest, AtOneSyncGivenInTheEnvironment) {
  const char* at = std::getenv("SMP_POWER_LOSS_AT");
  if (at == nullptr) GTEST_SKIP() << "SMP_POWER_LOSS_AT not set";
  std::size_t runs = 0;
  run_at(std::stoull(at), runs);
}

TEST(AgentPowerLossTest, AtSyncsSpreadThroughTheBursts) {
  auto ends = phase_ends();
  ASSERT_EQ(ends.size(), 3u);
  ASSERT_GT(ends[2], ends[0]);
  constexpr std::uint64_t kPoints = 12;
  std::set<std::uint64_t> points;
  for (std::uint64_t i = 0; i < kPoints; ++i) {
    points.insert(ends[0] + 1 + (ends[2] - ends[0]) * i / kPoints);
  }
  std::size_t runs = 0;
  for (std::uint64_t k : points) {
    if (::testing::Test::HasFailure()) break;
    run_at(k, runs);
  }
  std::printf("[ figures  ] %zu power losses at syncs %llu..%llu of the bursts (Bob's burst ends at "
              "%llu)\n",
              runs, static_cast<unsigned long long>(ends[0] + 1),
              static_cast<unsigned long long>(ends[2]), static_cast<unsigned long long>(ends[1]));
}

}  // namespace
}  // namespace smp::test
