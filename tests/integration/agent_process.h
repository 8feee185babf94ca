// AgentProcess: the built smp-agent binary run as a child process (ChildProcess) on 127.0.0.1
// and any free port, with its certificate directory and database in a directory the test
// owns: start, wait for "SMP agent listening on port N", read the CA key hash clients pin,
// connect AgentTestClients, stop with a signal. Not thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "child_process.h"
#include "smp/agent/agent_credentials.h"
#include "smp/transport/certificates.h"
#include "support/agent_test_client.h"

namespace smp::test {

inline std::filesystem::path smp_agent_binary() {
  return std::filesystem::path(SMP_BIN_DIR) / "smp-agent";
}

inline constexpr std::string_view kAgentListeningPrefix = "SMP agent listening on port ";

class AgentProcess {
 public:
  // Starts `smp-agent --host 127.0.0.1 --port 0 --cert-dir <dir>/certs --db <dir>/agent.db`
  // plus `extra_args`, with `env` added; output goes to <dir>/<name>.out and .err. Waits for
  // the banner (a test failure, and port() 0, if it does not come within 20 s).
  AgentProcess(const std::filesystem::path& dir, std::vector<std::string> extra_args = {},
               const Env& env = {}, const std::string& name = "agent")
      : dir_(dir) {
    std::vector<std::string> args{"--host",     "127.0.0.1",         "--port", "0",
                                  "--cert-dir", cert_dir().string(), "--db",   db_file().string()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<ChildProcess>(smp_agent_binary(), args, env, dir / (name + ".out"),
                                              dir / (name + ".err"));
    auto banner = process_->wait_for_line(kAgentListeningPrefix);
    if (!banner) {
      ADD_FAILURE() << "smp-agent did not start; stdout:\n"
                    << process_->out() << "\nstderr:\n"
                    << process_->err();
      return;
    }
    port_ = static_cast<std::uint16_t>(std::stoi(*banner));
    auto hash = transport::key_hash_of_certificate_file(cert_dir() / agent::kCaCertFile);
    if (!hash) {
      ADD_FAILURE() << "cannot read the agent's ca.crt: " << hash.error().message();
      return;
    }
    key_hash_.assign(hash->begin(), hash->end());
  }

  std::filesystem::path cert_dir() const { return dir_ / "certs"; }
  std::filesystem::path db_file() const { return dir_ / "agent.db"; }
  std::uint16_t port() const { return port_; }
  // SHA-256 of the agent's ca.crt: what its clients pin.
  const Bytes& key_hash() const { return key_hash_; }
  ChildProcess& process() { return *process_; }

  // A client past the welcome line (null, with a test failure, when it cannot connect).
  std::unique_ptr<AgentTestClient> connect(std::chrono::milliseconds timeout = 5s) const {
    return AgentTestClient::connect(port_, key_hash_, timeout);
  }

  // SIGTERM (or `sig`), then the exit status (nullopt if it does not exit within `timeout`).
  std::optional<int> stop(int sig = SIGTERM, std::chrono::milliseconds timeout = 10s) {
    process_->signal(sig);
    return process_->wait(timeout);
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t port_ = 0;
  Bytes key_hash_;
};

}  // namespace smp::test
