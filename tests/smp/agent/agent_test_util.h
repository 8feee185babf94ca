// Helpers for the Agent tests: an io_context on its own threads, an event log the sink fills
// (waited on with timeouts), a TestAgent that can be destroyed and created again on the same
// database, and the invitation handshake between two agents. Everything runs over real TLS to
// in-process TestServers on 127.0.0.1. Test-only; EventLog is thread-safe, the rest is not.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include "smp/agent/agent.h"
#include "smp/agent/agent_command.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace smp::agent::test {

using namespace std::chrono_literals;
using smp::test::TempDir;
using smp::test::TestServer;

inline protocol::SmpServer server_of(const TestServer& s) {
  return protocol::SmpServer{"127.0.0.1", std::to_string(s.port()), s.key_hash()};
}

inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// An io_context run by two threads until destroyed.
class IoThreads {
 public:
  IoThreads() : guard_(io_.get_executor()) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~IoThreads() {
    guard_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }
  net::any_io_executor executor() { return io_.get_executor(); }

 private:
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

// What an agent said, in order. Tests take events out as they check them.
class EventLog {
 public:
  AgentEventSink sink() {
    return [this](AgentEvent e) {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(e));
      cv_.notify_all();
    };
  }

  // Removes and returns the first event that satisfies pred, waiting up to `timeout`.
  std::optional<AgentEvent> take(const std::function<bool(const AgentEvent&)>& pred,
                                 std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex_);
    std::optional<AgentEvent> found;
    cv_.wait_for(lock, timeout, [&] {
      for (auto it = events_.begin(); it != events_.end(); ++it) {
        if (pred(*it)) {
          found = std::move(*it);
          events_.erase(it);
          return true;
        }
      }
      return false;
    });
    return found;
  }

  // The next event of the connection (answers and notifications alike).
  std::optional<AgentEvent> next(const ConnId& conn_id, std::chrono::milliseconds timeout = 5s) {
    return take([&](const AgentEvent& e) { return e.conn_id == conn_id; }, timeout);
  }

  // Events not yet taken.
  std::vector<AgentEvent> pending() {
    std::lock_guard lock(mutex_);
    return {events_.begin(), events_.end()};
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return events_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<AgentEvent> events_;
};

inline std::string describe(const AgentEvent& e) {
  auto text = encode_command(e.command);
  std::string s = "[" + e.corr_id + "|" + e.conn_id + "] ";
  if (!text) return s + "<unencodable>";
  std::string line(text->begin(), text->end());
  return s + line.substr(0, 80);
}

// The next event of `conn_id` must be a T; returns it.
template <class T>
T expect_next(EventLog& log, const ConnId& conn_id, std::chrono::milliseconds timeout = 5s) {
  auto e = log.next(conn_id, timeout);
  if (!e) {
    ADD_FAILURE() << "no event for " << conn_id << " in time";
    return T{};
  }
  if (!std::holds_alternative<T>(e->command)) {
    ADD_FAILURE() << "unexpected event " << describe(*e);
    return T{};
  }
  return std::get<T>(std::move(e->command));
}

// One agent with its own database file, re-creatable on the same file.
class TestAgent {
 public:
  TestAgent(net::any_io_executor ex, std::filesystem::path db,
            std::vector<protocol::SmpServer> servers, std::function<void(AgentConfig&)> adjust = {})
      : ex_(std::move(ex)),
        db_(std::move(db)),
        servers_(std::move(servers)),
        adjust_(std::move(adjust)) {
    start();
  }
  ~TestAgent() { stop(); }

  void start() {
    AgentConfig config;
    config.servers = servers_;
    config.store_path = db_;
    config.smp_client.command_timeout = 2s;
    if (adjust_) adjust_(config);
    auto a = Agent::create(ex_, config, log_->sink());
    EXPECT_TRUE(a) << (a ? "" : a.error().message());
    if (a) agent_ = std::move(*a);
  }
  const std::filesystem::path& db_path() const { return db_; }
  // Destroys the agent as a process exit would (its store file stays).
  void stop() {
    if (agent_) agent_->close();
    agent_.reset();
  }
  void restart() {
    stop();
    start();
  }

  Agent& agent() { return *agent_; }
  EventLog& events() { return *log_; }

  // Submits and waits for the answer (matched by corr id).
  AgentEvent command(const ConnId& conn_id, AgentCommand command,
                     std::chrono::milliseconds timeout = 10s) {
    std::string corr = std::to_string(++corr_);
    agent_->submit(corr, conn_id, std::move(command));
    auto e = log_->take([&](const AgentEvent& ev) { return ev.corr_id == corr; }, timeout);
    if (!e) {
      ADD_FAILURE() << "no answer to command " << corr;
      return AgentEvent{corr, conn_id, cmd::Err{InternalError{"no answer"}}};
    }
    return std::move(*e);
  }
  // The answer must be OK.
  void ok(const ConnId& conn_id, AgentCommand c) {
    auto e = command(conn_id, std::move(c));
    EXPECT_TRUE(std::holds_alternative<cmd::Ok>(e.command)) << describe(e);
  }
  std::int64_t send(const ConnId& conn_id, std::string_view body) {
    auto e = command(conn_id, cmd::Send{to_bytes(body)});
    auto* mid = std::get_if<cmd::Mid>(&e.command);
    EXPECT_TRUE(mid) << describe(e);
    return mid ? mid->id : -1;
  }

 private:
  net::any_io_executor ex_;
  std::filesystem::path db_;
  std::vector<protocol::SmpServer> servers_;
  std::function<void(AgentConfig&)> adjust_;
  // Kept across restarts: a closed agent says nothing more, so the log stays in order.
  std::unique_ptr<EventLog> log_ = std::make_unique<EventLog>();
  std::shared_ptr<Agent> agent_;
  int corr_ = 0;
};

inline AgentError error_of(const AgentEvent& e) {
  if (auto* err = std::get_if<cmd::Err>(&e.command)) return err->error;
  ADD_FAILURE() << "not an error: " << describe(e);
  return InternalError{"not an error"};
}

}  // namespace smp::agent::test

namespace smp::agent::test {

// Both sides of one duplex connection.
struct Connected {
  ConnId alice;  // the inviting party's connection id
  ConnId bob;    // the joining party's
};

// NEW INV at alice, JOIN at bob, CONF → LET, INFO, CON on both sides (spec §7.6).
inline Connected connect_pair(TestAgent& alice, TestAgent& bob, const ConnId& alice_id = "",
                              const ConnId& bob_id = "") {
  Connected c;
  auto inv = alice.command(alice_id, cmd::New{ConnectionMode::invitation});
  auto* request = std::get_if<cmd::Inv>(&inv.command);
  EXPECT_TRUE(request) << describe(inv);
  if (!request) return c;
  c.alice = inv.conn_id;
  auto joined = bob.command(bob_id, cmd::Join{request->request, to_bytes("bob's info")});
  EXPECT_TRUE(std::holds_alternative<cmd::Ok>(joined.command)) << describe(joined);
  c.bob = joined.conn_id;
  auto conf = expect_next<cmd::Conf>(alice.events(), c.alice);
  EXPECT_EQ(conf.conn_info, to_bytes("bob's info"));
  alice.ok(c.alice, cmd::Let{conf.conf_id, to_bytes("alice's info")});
  auto info = expect_next<cmd::Info>(bob.events(), c.bob);
  EXPECT_EQ(info.conn_info, to_bytes("alice's info"));
  expect_next<cmd::Con>(bob.events(), c.bob);
  expect_next<cmd::Con>(alice.events(), c.alice);
  return c;
}

// `from` sends `body`; MID, then SENT at the sender, MSG at the receiver, which ACKs it.
// Returns the receiver's MSG.
inline cmd::Msg exchange(TestAgent& from, const ConnId& from_id, TestAgent& to, const ConnId& to_id,
                         const Bytes& body) {
  auto e = from.command(from_id, cmd::Send{body});
  auto* mid = std::get_if<cmd::Mid>(&e.command);
  EXPECT_TRUE(mid) << describe(e);
  if (!mid) return {};
  auto sent = expect_next<cmd::Sent>(from.events(), from_id);
  EXPECT_EQ(sent.id, mid->id);
  auto msg = expect_next<cmd::Msg>(to.events(), to_id);
  EXPECT_EQ(msg.body, body);
  EXPECT_EQ(msg.meta.integrity, MsgIntegrity(MsgOk{}));
  to.ok(to_id, cmd::Ack{msg.meta.recipient_id});
  return msg;
}

}  // namespace smp::agent::test

namespace smp::agent::test {

// One server, two agents (alice and bob) with their own databases.
class AgentPairTest : public ::testing::Test {
 protected:
  std::vector<protocol::SmpServer> servers() { return {server_of(server_)}; }

  // An Agent on `agent`'s database with a sink of the test's own (`agent` stopped first), for
  // tests that act inside the sink. Short command timeout, so that a lost server is noticed.
  Result<std::shared_ptr<Agent>> agent_with_sink(const TestAgent& agent, AgentEventSink sink) {
    AgentConfig config;
    config.servers = servers();
    config.store_path = agent.db_path();
    config.smp_client.command_timeout = std::chrono::seconds(2);
    return Agent::create(io_.executor(), config, std::move(sink));
  }

  TestServer server_;
  TempDir dir_;
  IoThreads io_;
  TestAgent alice_{io_.executor(), dir_ / "alice.db", servers()};
  TestAgent bob_{io_.executor(), dir_ / "bob.db", servers()};
};

}  // namespace smp::agent::test
