// The smp-agent executable as operators run it: the banner with the actual port, TLS with the
// credentials it made in its certificate directory, the welcome line, ERR CMD answers,
// a clean stop on SIGTERM / SIGINT, and the one-line errors of a failed start.

#include "agent_process.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace smp::test {
namespace {

namespace fs = std::filesystem;
namespace net = boost::asio;

struct Finished {
  std::optional<int> status;
  std::string out, err;
};

// Runs smp-agent with `args` until it exits (it should fail to start).
Finished run_failing(const TempDir& dir, const std::vector<std::string>& args,
                     const Env& env = {}) {
  ChildProcess p(smp_agent_binary(), args, env, dir.path() / "fail.out", dir.path() / "fail.err");
  auto status = p.wait(20s);
  return {status, p.out(), p.err()};
}

void expect_one_error_line(const Finished& f, std::string_view fragment) {
  EXPECT_EQ(f.status, 1) << f.out << f.err;
  EXPECT_EQ(f.err.rfind("Error: ", 0), 0u) << f.err;
  EXPECT_NE(f.err.find(fragment), std::string::npos) << f.err;
  EXPECT_EQ(f.err.find('\n'), f.err.size() - 1) << "not one line: " << f.err;
  EXPECT_EQ(f.out.find("listening"), std::string::npos) << f.out;
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777u;
}

TEST(AgentProcess, StartsGreetsAnswersMalformedCommandsAndStopsOnSigterm) {
  TempDir dir;
  AgentProcess agent(dir.path());
  ASSERT_NE(agent.port(), 0);
  EXPECT_EQ(mode_of(agent.cert_dir()), 0700u);
  EXPECT_EQ(mode_of(agent.cert_dir() / "agent.key"), 0600u);

  auto c = agent.connect();  // reads and checks the welcome line
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send_raw("1\r\nbob\r\nHELLO\r\n"));
  expect_cmd_error(c->receive(), "1", "bob", agent::CommandErrorType::syntax);
  ASSERT_TRUE(c->send_raw("2\r\nbob\r\nOK\r\n"));
  expect_cmd_error(c->receive(), "2", "bob", agent::CommandErrorType::prohibited);
  ASSERT_TRUE(c->send_raw("3\r\n\r\nSUB\r\n"));
  expect_cmd_error(c->receive(), "3", "", agent::CommandErrorType::no_conn);
  // A well-formed command gets exactly one answer with its corrId.
  auto answer = c->request("4", "bob", agent::cmd::Sub{});
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->corr_id, "4");
  EXPECT_EQ(answer->conn_id, "bob");

  EXPECT_EQ(agent.stop(SIGTERM), 0) << agent.process().err();
  EXPECT_TRUE(c->wait_closed(5s));
}

TEST(AgentProcess, SecondStartReusesItsCredentialsAndSigintStopsIt) {
  TempDir dir;
  Bytes first_hash;
  {
    AgentProcess first(dir.path(), {}, {}, "first");
    ASSERT_NE(first.port(), 0);
    first_hash = first.key_hash();
    EXPECT_EQ(first.stop(SIGINT), 0);
  }
  AgentProcess second(dir.path(), {}, {}, "second");
  ASSERT_NE(second.port(), 0);
  EXPECT_EQ(second.key_hash(), first_hash);
  EXPECT_TRUE(second.connect());
  EXPECT_EQ(second.stop(), 0);
}

TEST(AgentProcess, SettingsComeFromTheEnvironment) {
  TempDir dir;
  net::io_context io;
  net::ip::tcp::acceptor probe(io, {net::ip::make_address("127.0.0.1"), 0});
  const std::uint16_t free_port = probe.local_endpoint().port();
  probe.close();
  ChildProcess p(smp_agent_binary(), {"--host", "127.0.0.1"},
                 {{"SMP_AGENT_PORT", std::to_string(free_port)},
                  {"SMP_AGENT_CFG_PATH", (dir.path() / "env-certs").string()},
                  {"SMP_AGENT_DB", (dir.path() / "env.db").string()}},
                 dir.path() / "out", dir.path() / "err");
  auto port = p.wait_for_line(kAgentListeningPrefix);
  ASSERT_TRUE(port) << p.err();
  EXPECT_EQ(*port, std::to_string(free_port));
  EXPECT_TRUE(fs::exists(dir.path() / "env-certs" / "ca.crt"));
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(10s), 0);
}

TEST(AgentProcess, BusyPortIsOneErrorLine) {
  TempDir dir;
  AgentProcess first(dir.path());
  ASSERT_NE(first.port(), 0);
  Finished f = run_failing(dir, {"--host", "127.0.0.1", "--port", std::to_string(first.port()),
                                 "--cert-dir", first.cert_dir().string()});
  expect_one_error_line(f, "cannot listen on 127.0.0.1:" + std::to_string(first.port()));
}

TEST(AgentProcess, BadServerAddressIsOneErrorLine) {
  TempDir dir;
  expect_one_error_line(run_failing(dir, {"--server", "smp://nothing", "--cert-dir",
                                          (dir.path() / "certs").string()}),
                        "invalid SMP server address");
  expect_one_error_line(
      run_failing(dir, {"--cert-dir", (dir.path() / "certs").string()}, {{"SMP_SERVERS", "x"}}),
      "invalid SMP server address `x`");
}

TEST(AgentProcess, IncompleteCertificateDirectoryIsOneErrorLine) {
  TempDir dir;
  fs::create_directories(dir.path() / "certs");
  std::ofstream(dir.path() / "certs" / "ca.crt") << "-----BEGIN CERTIFICATE-----\n";
  Finished f = run_failing(dir, {"--port", "0", "--cert-dir", (dir.path() / "certs").string()});
  expect_one_error_line(f, "agent.crt, agent.key missing");
}

TEST(AgentProcess, DatabaseThatCannotBeOpenedEndsTheStartWithAnErrorLine) {
  TempDir dir;
  Finished f = run_failing(
      dir, {"--host", "127.0.0.1", "--port", "0", "--cert-dir", (dir.path() / "certs").string(),
            "--db", (dir.path() / "missing" / "agent.db").string()});
  // The store logs its own error first; the last line is the one the operator acts on.
  EXPECT_EQ(f.status, 1) << f.err;
  auto lines = lines_of(f.err);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().rfind("Error: cannot open the agent database ", 0), 0u) << f.err;
  EXPECT_NE(lines.back().find("missing/agent.db"), std::string::npos) << f.err;
  EXPECT_EQ(f.out.find("listening"), std::string::npos) << f.out;
}

TEST(AgentProcess, VersionPrintsTheAgentVersion) {
  TempDir dir;
  ChildProcess p(smp_agent_binary(), {"--version"}, {}, dir.path() / "out", dir.path() / "err");
  EXPECT_EQ(p.wait(10s), 0);
  EXPECT_EQ(p.out(), "SMP agent v1.0.0\n");
}

}  // namespace
}  // namespace smp::test
