// A gtest fixture for tests of the smp-server executable: one installation in a temporary
// directory (config in etc/, logs in log/, chosen through the environment as an operator
// would), with init, start (waits for the banner), SIGTERM stop, ini edits and clients that
// pin the installation's CA. Every child process is killed when the test ends.
// Not thread-safe: call it from the test's main thread.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server_process.h"
#include "server_test_util.h"
#include "smp/transport/certificates.h"
#include "support/temp_dir.h"

namespace smp::test {

namespace fs = std::filesystem;

inline unsigned mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777u;
}

struct Finished {
  std::optional<int> status;
  std::string out, err;
};

// One server installation in a temporary directory (config in etc/, logs in log/), driven
// through the environment variables, as an operator would.
class ServerProcessFixture : public ::testing::Test {
 protected:
  fs::path cfg_dir() const { return dir_.path() / "etc"; }
  fs::path log_dir() const { return dir_.path() / "log"; }
  fs::path ini_file() const { return cfg_dir() / "smp-server.ini"; }
  fs::path store_log() const { return log_dir() / "smp-server-store.log"; }
  fs::path messages_file() const { return log_dir() / "smp-server-messages.log"; }

  Env env() const {
    return {{"SMP_SERVER_CFG_PATH", cfg_dir().string()},
            {"SMP_SERVER_LOG_PATH", log_dir().string()}};
  }

  std::unique_ptr<ChildProcess> spawn(const std::vector<std::string>& args) {
    ++runs_;
    return std::make_unique<ChildProcess>(smp_server_binary(), args, env(),
                                          dir_.path() / numbered("out", runs_),
                                          dir_.path() / numbered("err", runs_));
  }

  Finished run(const std::vector<std::string>& args) {
    auto p = spawn(args);
    auto status = p->wait(60s);
    return Finished{status, p->out(), p->err()};
  }

  // init with the store log on, listening on 127.0.0.1 and any free port, without a
  // password to create queues (SMP v1 clients cannot send one).
  void init(std::vector<std::string> extra = {"-l"}) {
    std::vector<std::string> args{"init", "--host", "127.0.0.1", "--port", "0", "--no-password"};
    args.insert(args.end(), extra.begin(), extra.end());
    Finished f = run(args);
    ASSERT_EQ(f.status, 0) << f.out << f.err;
  }

  // Starts the server and waits for its banner; port_ is the port it listens on.
  std::unique_ptr<ChildProcess> start() {
    auto p = spawn({"start"});
    auto listening = p->wait_for_line("Listening on port ");
    EXPECT_TRUE(listening) << "no banner; stdout:\n" << p->out() << "\nstderr:\n" << p->err();
    if (listening) port_ = static_cast<std::uint16_t>(std::stoi(*listening));
    EXPECT_TRUE(p->wait_for_line("Server address: smp://"));
    return p;
  }

  // SIGTERM, then expects a clean exit.
  void stop(ChildProcess& p) {
    p.signal(SIGTERM);
    auto status = p.wait(30s);
    EXPECT_EQ(status, 0) << "stdout:\n" << p.out() << "\nstderr:\n" << p.err();
    EXPECT_EQ(p.err(), "");
  }

  Bytes key_hash() const {
    auto hash = transport::key_hash_of_certificate_file(cfg_dir() / "ca.crt");
    EXPECT_TRUE(hash);
    return hash ? Bytes(hash->begin(), hash->end()) : Bytes{};
  }

  std::unique_ptr<TestClient> connect() { return TestClient::connect(port_, key_hash()); }

  // Replaces `key = old` (or `key: old`) with `key = value` in smp-server.ini.
  void set_ini(const std::string& key, const std::string& value) {
    std::string text = read_file(ini_file());
    auto at = text.find("\n" + key + " =");
    if (at == std::string::npos) at = text.find("\n" + key + ":");
    ASSERT_NE(at, std::string::npos) << key;
    auto end = text.find('\n', at + 1);
    text.replace(at + 1, end - at - 1, key + " = " + value);
    std::ofstream(ini_file(), std::ios::trunc) << text;
  }

  // A failed start: non-zero status and exactly one line on stderr, which is returned.
  std::string expect_start_fails() {
    Finished f = run({"start"});
    EXPECT_TRUE(f.status.has_value()) << "start did not exit";
    EXPECT_NE(f.status.value_or(0), 0);
    auto lines = lines_of(f.err);
    EXPECT_EQ(lines.size(), 1u) << f.err;
    return lines.empty() ? std::string() : lines.front();
  }

  TempDir dir_;
  std::uint16_t port_ = 0;
  int runs_ = 0;
};

}  // namespace smp::test
