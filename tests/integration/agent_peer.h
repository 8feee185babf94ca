// AgentPeer: one party of the process-level agent tests — an smp-agent process (AgentProcess)
// with its own directory (certificates, database, one .out/.err pair per run) and the test's
// AgentTestClient to it, which the peer reconnects after each restart.
//
// Reading is per connection: the agent's output for one connection is strictly ordered, but
// output for different connections interleaves, so next() returns the next transmission of
// the connection asked for and keeps the others, in order, for later calls. Every wait has a
// timeout; a missing or unexpected transmission is a test failure, never a hang, and the
// expect* calls then throw StepFailed, which ends the test (GoogleTest reports the exception)
// rather than letting every later step wait out its own timeout. Not thread-safe.
#pragma once

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "agent_process.h"
#include "smp/agent/agent_protocol.h"

namespace smp::test {

namespace ag = smp::agent;

// "(corrId, connId, COMMAND …)" with the command line cut at 100 characters.
// Thrown by AgentPeer::expect* after the test failure is recorded.
struct StepFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string describe(const ag::ReceivedTransmission& t) {
  std::string what;
  if (t.ok()) {
    auto encoded = ag::encode_command(t.command());
    what = encoded ? std::string(as_chars(*encoded)).substr(0, 100) : "<unencodable>";
  } else {
    what = "<unparsable: " + ag::encode_agent_error(t.error()) + ">";
  }
  return "(" + t.corr_id + ", " + t.conn_id + ", " + what + ")";
}

class AgentPeer {
 public:
  // Starts `smp-agent --server <s>…` in dir/name and connects to it.
  AgentPeer(const std::filesystem::path& dir, std::string name, std::vector<std::string> servers,
            std::vector<std::string> extra_args = {})
      : dir_(dir / name), name_(std::move(name)) {
    std::filesystem::create_directories(dir_);
    for (const auto& s : servers) {
      args_.push_back("--server");
      args_.push_back(s);
    }
    args_.insert(args_.end(), extra_args.begin(), extra_args.end());
    start();
  }

  // A new process on the same directory and database, and a new client. False (with a test
  // failure) when either does not come up.
  bool start() {
    ++runs_;
    process_ =
        std::make_unique<AgentProcess>(dir_, args_, Env{}, name_ + "-" + std::to_string(runs_));
    if (process_->port() == 0) return false;
    client_ = process_->connect();
    stash_.clear();
    return client_ != nullptr;
  }
  // SIGTERM (expects a clean exit) or SIGKILL; the client is dropped. Returns what the
  // agent had said and the test had not taken yet: the kept transmissions and the ones the
  // client still reads before the connection closes.
  std::vector<ag::ReceivedTransmission> stop(int sig = SIGTERM) {
    auto status = process_->stop(sig, 15s);
    if (sig == SIGTERM) {
      EXPECT_EQ(status, 0) << name_ << " did not stop cleanly:\n" << process_->process().err();
    } else {
      EXPECT_EQ(status, 128 + sig) << name_;
    }
    std::vector<ag::ReceivedTransmission> left(stash_.begin(), stash_.end());
    stash_.clear();
    if (client_) {
      while (auto t = client_->receive(2s)) left.push_back(std::move(*t));
    }
    client_.reset();
    return left;
  }
  // stop(sig), then start(); what the old client had received and the test had not taken is
  // kept (the client saw it before the restart).
  bool restart(int sig = SIGTERM) {
    auto left = stop(sig);
    bool started = start();
    stash_.insert(stash_.begin(), left.begin(), left.end());
    return started;
  }

  AgentTestClient& client() { return *client_; }
  bool connected() const { return client_ != nullptr; }
  const std::filesystem::path& dir() const { return dir_; }
  const std::string& name() const { return name_; }

  // Everything the agent processes of this peer wrote to stderr so far (their logs).
  std::string logs() const {
    std::string all;
    for (int i = 1; i <= runs_; ++i) {
      all += read_file(dir_ / (name_ + "-" + std::to_string(i) + ".err"));
    }
    return all;
  }

  void send(std::string_view corr_id, std::string_view conn_id, const ag::AgentCommand& c) {
    ASSERT_TRUE(client_);
    client_->send(corr_id, conn_id, c);
  }

  // The first transmission satisfying `pred` (earlier ones are kept), nullopt on timeout.
  std::optional<ag::ReceivedTransmission> take(
      const std::function<bool(const ag::ReceivedTransmission&)>& pred,
      std::chrono::milliseconds timeout = 10s) {
    for (auto it = stash_.begin(); it != stash_.end(); ++it) {
      if (pred(*it)) {
        auto found = std::move(*it);
        stash_.erase(it);
        return found;
      }
    }
    if (!client_) return std::nullopt;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return std::nullopt;
      auto t = client_->receive(left);
      if (!t) return std::nullopt;
      if (pred(*t)) return t;
      stash_.push_back(std::move(*t));
    }
  }

  // The next transmission of `conn_id`.
  std::optional<ag::ReceivedTransmission> next(std::string_view conn_id,
                                               std::chrono::milliseconds timeout = 10s) {
    return take([&](const ag::ReceivedTransmission& t) { return t.conn_id == conn_id; }, timeout);
  }

  // The next transmission of `conn_id` must be a T with `corr_id`; returns it.
  template <class T>
  T expect(std::string_view corr_id, std::string_view conn_id,
           std::chrono::milliseconds timeout = 10s) {
    auto t = next(conn_id, timeout);
    if (!t) {
      fail(std::string(": nothing for connection ") + std::string(conn_id) + " (expected " +
           type_name<T>() + ")" + pending_text());
    }
    if (!t->ok() || !std::holds_alternative<T>(t->command()) || t->corr_id != corr_id) {
      fail(": expected " + type_name<T>() + " with corrId `" + std::string(corr_id) + "`, got " +
           describe(*t));
    }
    return std::get<T>(t->command());
  }
  // The next transmission of `conn_id` must be exactly (corr_id, conn_id, command).
  void expect_exactly(std::string_view corr_id, std::string_view conn_id,
                      const ag::AgentCommand& command, std::chrono::milliseconds timeout = 10s) {
    auto t = next(conn_id, timeout);
    if (!t) fail(": nothing for connection " + std::string(conn_id) + pending_text());
    if (t->corr_id != corr_id || !t->ok() || t->command() != command) {
      fail(": expected (" + std::string(corr_id) + ", " + std::string(conn_id) + ", " +
           text_of(command) + "), got " + describe(*t));
    }
  }
  // The answer to the command sent with `corr_id` must be exactly (corr_id, conn_id,
  // `answer`); notifications that come before it are kept.
  void expect_answer(std::string_view corr_id, std::string_view conn_id,
                     const ag::AgentCommand& answer, std::chrono::milliseconds timeout = 10s) {
    auto t = take([&](const ag::ReceivedTransmission& x) { return x.corr_id == corr_id; }, timeout);
    if (!t) fail(": no answer to " + std::string(corr_id) + pending_text());
    if (t->conn_id != conn_id || !t->ok() || t->command() != answer) {
      fail(": expected (" + std::string(corr_id) + ", " + std::string(conn_id) + ", " +
           text_of(answer) + "), got " + describe(*t));
    }
  }
  // SUB, as a client does after a restart: OK, while notifications (SENT of deliveries it
  // resumed, say) may come before it.
  void subscribe(std::string_view conn_id) {
    send("sub", conn_id, ag::cmd::Sub{});
    expect_answer("sub", conn_id, ag::cmd::Ok{});
  }
  // send, then the answer must be exactly `answer` (same corrId and connId).
  void request(std::string_view corr_id, std::string_view conn_id, const ag::AgentCommand& c,
               const ag::AgentCommand& answer, std::chrono::milliseconds timeout = 10s) {
    send(corr_id, conn_id, c);
    expect_exactly(corr_id, conn_id, answer, timeout);
  }
  // True when nothing arrives for `conn_id` within `wait` (others are kept).
  bool quiet(std::string_view conn_id, std::chrono::milliseconds wait) {
    auto t = next(conn_id, wait);
    if (t) ADD_FAILURE() << name_ << ": unexpected " << describe(*t);
    return !t;
  }

  // Kept transmissions not asked for yet.
  const std::deque<ag::ReceivedTransmission>& pending() const { return stash_; }
  std::string pending_text() const {
    std::string s;
    for (const auto& t : stash_) s += "\n  pending: " + describe(t);
    return s;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    ADD_FAILURE() << name_ << what;
    throw StepFailed(name_ + what);
  }

  static std::string text_of(const ag::AgentCommand& c) {
    auto encoded = ag::encode_command(c);
    return encoded ? std::string(as_chars(*encoded)).substr(0, 100) : "<unencodable>";
  }

  template <class T, std::size_t I = 0>
  static constexpr std::size_t index_of() {
    if constexpr (std::is_same_v<T, std::variant_alternative_t<I, ag::AgentCommand>>) {
      return I;
    } else {
      return index_of<T, I + 1>();
    }
  }

  template <class T>
  static std::string type_name() {
    static constexpr const char* kNames[] = {
        "NEW",  "INV", "JOIN", "CONF", "LET",  "REQ",  "ACPT", "RJCT", "INFO", "CON", "SUB", "END",
        "DOWN", "UP",  "SEND", "MID",  "SENT", "MERR", "MSG",  "ACK",  "OFF",  "DEL", "OK",  "ERR"};
    static_assert(std::size(kNames) == std::variant_size_v<ag::AgentCommand>);
    return kNames[index_of<T>()];
  }

  std::filesystem::path dir_;
  std::string name_;
  std::vector<std::string> args_;
  std::unique_ptr<AgentProcess> process_;
  std::unique_ptr<AgentTestClient> client_;
  std::deque<ag::ReceivedTransmission> stash_;
  int runs_ = 0;
};

}  // namespace smp::test
