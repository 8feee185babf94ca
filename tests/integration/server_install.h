// ServerInstall: one smp-server installation for the process-level agent tests, in a
// directory the test owns: `init` with the store log on, listening on 127.0.0.1 and a port
// chosen free once, so that every later start (after SIGTERM or kill -9) comes back on the
// same address with the same queues. start() waits for the banner; address() is the
// "smp://<fingerprint>@127.0.0.1:<port>" agents are given. Not thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gtest/gtest.h>

#include "child_process.h"
#include "server_process.h"

namespace smp::test {

// A port nothing listens on right now (bound and released; a small race is accepted).
inline std::uint16_t free_tcp_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return probe.local_endpoint().port();
}

class ServerInstall {
 public:
  // Runs `smp-server init -l` in `dir` (config in dir/etc, logs in dir/log). A failure is a
  // test failure and leaves address() empty.
  explicit ServerInstall(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    port_ = free_tcp_port();
    ChildProcess init(smp_server_binary(),
                      {"init", "-l", "--no-password", "--host", "127.0.0.1", "--port",
                       std::to_string(port_)}, env(),
                      dir_ / "init.out", dir_ / "init.err");
    auto status = init.wait(60s);
    EXPECT_EQ(status, 0) << "smp-server init failed: " << init.out() << init.err();
  }

  // Starts the server; true once it listens (a test failure otherwise).
  bool start() {
    ++runs_;
    process_ =
        std::make_unique<ChildProcess>(smp_server_binary(), std::vector<std::string>{"start"},
                                       env(), dir_ / ("server-" + std::to_string(runs_) + ".out"),
                                       dir_ / ("server-" + std::to_string(runs_) + ".err"));
    auto line = process_->wait_for_line("Server address: ");
    if (!line) {
      ADD_FAILURE() << "smp-server did not start:\n" << process_->out() << process_->err();
      return false;
    }
    address_ = *line;
    return true;
  }

  // SIGTERM (the server saves its messages) or SIGKILL; the exit status, nullopt on timeout.
  std::optional<int> stop(int sig = SIGTERM) {
    if (!process_) return std::nullopt;
    process_->signal(sig);
    auto status = process_->wait(30s);
    process_.reset();
    return status;
  }

  bool running() const { return process_ && process_->running(); }
  std::uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }

 private:
  Env env() const {
    return {{"SMP_SERVER_CFG_PATH", (dir_ / "etc").string()},
            {"SMP_SERVER_LOG_PATH", (dir_ / "log").string()}};
  }

  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  std::string address_;
  std::unique_ptr<ChildProcess> process_;
  int runs_ = 0;
};

}  // namespace smp::test
