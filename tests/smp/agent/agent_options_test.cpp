#include "smp/agent/agent_options.h"

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace smp::agent {
namespace {

constexpr std::string_view kServerA =
    "smp://bU0K-bRg24xWW__lS0umO1Zdw_SXqpJNtm1_RrPLViE=@a.example";
constexpr std::string_view kServerB =
    "smp://E0ZUIdCMG2c_XLd0DIr02jWjBcO4DrlGWjCvjc0MFuE=@10.0.0.2:7000";

struct Parsed {
  AgentCommandLine result;
  std::string out, err;
};

Parsed parse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "smp-agent");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  EnvLookup lookup = [env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  std::ostringstream out, err;
  Parsed p;
  p.result = parse_agent_command_line(static_cast<int>(argv.size()), argv.data(), lookup, out, err);
  p.out = out.str();
  p.err = err.str();
  return p;
}

std::string text_of(const protocol::SmpServer& s) { return protocol::str_encode(s); }

TEST(AgentOptions, DefaultsAreTheReferences) {
  Parsed p = parse({});
  ASSERT_TRUE(p.result.options) << p.err;
  const AgentOptions& o = *p.result.options;
  ASSERT_EQ(o.servers.size(), 1u);
  EXPECT_EQ(text_of(o.servers[0]), kDefaultSmpServer);
  EXPECT_EQ(o.servers[0].host, "localhost");
  EXPECT_EQ(o.servers[0].port, "5223");
  EXPECT_EQ(o.port, 5224);
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.db_file, "smp-agent.db");
  EXPECT_EQ(o.cert_dir, "/etc/opt/simplex-agent");
  EXPECT_EQ(o.log_level, LogLevel::info);
  EXPECT_EQ(o.key_algorithm, crypto::KeyAlgorithm::ed25519);
}

TEST(AgentOptions, FlagsSetEverySetting) {
  Parsed p = parse({"--server", std::string(kServerA), "--server", std::string(kServerB), "--port",
                    "0", "--host", "::1", "--db", "/tmp/a.db", "--cert-dir", "/tmp/c",
                    "--log-level", "DEBUG", "--key-algorithm", "Ed448"});
  ASSERT_TRUE(p.result.options) << p.err;
  const AgentOptions& o = *p.result.options;
  ASSERT_EQ(o.servers.size(), 2u);
  EXPECT_EQ(text_of(o.servers[0]), kServerA);
  EXPECT_EQ(text_of(o.servers[1]), kServerB);
  EXPECT_EQ(o.port, 0);
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.db_file, "/tmp/a.db");
  EXPECT_EQ(o.cert_dir, "/tmp/c");
  EXPECT_EQ(o.log_level, LogLevel::debug);
  EXPECT_EQ(o.key_algorithm, crypto::KeyAlgorithm::ed448);
}

TEST(AgentOptions, EnvironmentSetsWhatNoFlagDoes) {
  Parsed p = parse({}, {{"SMP_SERVERS", std::string(kServerA) + ", " + std::string(kServerB) + ","},
                        {"SMP_AGENT_PORT", "6000"},
                        {"SMP_AGENT_DB", "env.db"},
                        {"SMP_AGENT_CFG_PATH", "/env/certs"}});
  ASSERT_TRUE(p.result.options) << p.err;
  const AgentOptions& o = *p.result.options;
  ASSERT_EQ(o.servers.size(), 2u);
  EXPECT_EQ(text_of(o.servers[0]), kServerA);
  EXPECT_EQ(text_of(o.servers[1]), kServerB);
  EXPECT_EQ(o.port, 6000);
  EXPECT_EQ(o.db_file, "env.db");
  EXPECT_EQ(o.cert_dir, "/env/certs");
}

TEST(AgentOptions, FlagsWinOverTheEnvironment) {
  Parsed p =
      parse({"-s", std::string(kServerB), "-p", "7000", "--db", "flag.db", "--cert-dir", "/flag"},
            {{"SMP_SERVERS", std::string(kServerA)},
             {"SMP_AGENT_PORT", "6000"},
             {"SMP_AGENT_DB", "env.db"},
             {"SMP_AGENT_CFG_PATH", "/env"}});
  ASSERT_TRUE(p.result.options) << p.err;
  const AgentOptions& o = *p.result.options;
  ASSERT_EQ(o.servers.size(), 1u);
  EXPECT_EQ(text_of(o.servers[0]), kServerB);
  EXPECT_EQ(o.port, 7000);
  EXPECT_EQ(o.db_file, "flag.db");
  EXPECT_EQ(o.cert_dir, "/flag");
}

TEST(AgentOptions, EmptyEnvironmentValuesCountAsUnset) {
  Parsed p = parse({}, {{"SMP_SERVERS", ""}, {"SMP_AGENT_PORT", ""}, {"SMP_AGENT_DB", ""}});
  ASSERT_TRUE(p.result.options) << p.err;
  EXPECT_EQ(text_of(p.result.options->servers.at(0)), kDefaultSmpServer);
  EXPECT_EQ(p.result.options->port, 5224);
  EXPECT_EQ(p.result.options->db_file, "smp-agent.db");
}

void expect_one_error_line(const Parsed& p, std::string_view fragment) {
  EXPECT_FALSE(p.result.options);
  EXPECT_EQ(p.result.exit_status, 1);
  EXPECT_EQ(p.err.rfind("Error: ", 0), 0u) << p.err;
  EXPECT_NE(p.err.find(fragment), std::string::npos) << p.err;
  EXPECT_EQ(p.err.find('\n'), p.err.size() - 1) << "not one line: " << p.err;
}

TEST(AgentOptions, BadServerAddressesAreOneErrorLine) {
  for (const std::string bad : {"localhost:5223", "smp://@localhost", "smp://not base64!@host",
                                "smp://bU0K-bRg24xWW__lS0umO1Zdw_SXqpJNtm1_RrPLViE=@"}) {
    SCOPED_TRACE(bad);
    expect_one_error_line(parse({"--server", bad}), "invalid SMP server address");
  }
  expect_one_error_line(parse({}, {{"SMP_SERVERS", std::string(kServerA) + ",bogus"}}), "`bogus`");
}

TEST(AgentOptions, BadPortsAreOneErrorLine) {
  for (const std::string bad : {"65536", "-1", "12ab", "99999999999", " 5224"}) {
    SCOPED_TRACE(bad);
    expect_one_error_line(parse({"--port", bad}), "invalid port");
  }
  expect_one_error_line(parse({}, {{"SMP_AGENT_PORT", "x"}}), "invalid port `x`");
}

TEST(AgentOptions, EmptyPathsAndHostAreRefused) {
  expect_one_error_line(parse({"--db", ""}), "--db");
  expect_one_error_line(parse({"--cert-dir", ""}), "--cert-dir");
  expect_one_error_line(parse({"--host", ""}), "--host");
}

TEST(AgentOptions, UnknownFlagsAndLogLevelsFail) {
  Parsed unknown = parse({"--frobnicate"});
  EXPECT_FALSE(unknown.result.options);
  EXPECT_NE(unknown.result.exit_status, 0);
  Parsed level = parse({"--log-level", "loud"});
  EXPECT_FALSE(level.result.options);
  EXPECT_NE(level.result.exit_status, 0);
  Parsed algorithm = parse({"--key-algorithm", "x25519"});  // cannot sign
  EXPECT_FALSE(algorithm.result.options);
  EXPECT_NE(algorithm.result.exit_status, 0);
}

TEST(AgentOptions, VersionAndHelpExitZero) {
  Parsed version = parse({"--version"});
  EXPECT_FALSE(version.result.options);
  EXPECT_EQ(version.result.exit_status, 0);
  EXPECT_NE(version.out.find("SMP agent v1.0.0"), std::string::npos) << version.out;
  Parsed help = parse({"--help"});
  EXPECT_FALSE(help.result.options);
  EXPECT_EQ(help.result.exit_status, 0);
  EXPECT_NE(help.out.find("--cert-dir"), std::string::npos);
}

}  // namespace
}  // namespace smp::agent
