#include "smp/server/server_cli.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <sstream>
#include <string>
#include <vector>

#include "smp/server/server_identity.h"
#include "smp/server/server_paths.h"
#include "support/temp_dir.h"

namespace smp::server {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int status;
  std::string out, err;
};

CliRun run(std::vector<std::string> args) {
  args.insert(args.begin(), "smp-server");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int status = run_server_cli(static_cast<int>(argv.size()), argv.data(), out, err);
  return CliRun{status, out.str(), err.str()};
}

TEST(ServerCli, VersionIsTheReferenceLine) {
  for (const char* flag : {"-v", "--version"}) {
    CliRun r = run({flag});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "SMP server v1.0.0\n");
  }
}

TEST(ServerCli, NoArgumentsPrintsHelp) {
  CliRun r = run({});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("simplexmq-cpp"), std::string::npos) << r.out;
  for (const char* command : {"init", "start", "delete"}) {
    EXPECT_NE(r.out.find(command), std::string::npos) << command;
  }
}

TEST(ServerCli, HelpNamesTheImplementation) {
  CliRun r = run({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("SMP server v1.0.0 (simplexmq-cpp)"), std::string::npos) << r.out;
  r = run({"init", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--sign-algorithm"), std::string::npos) << r.out;
}

TEST(ServerCli, UnknownCommandOrAlgorithmIsRefused) {
  EXPECT_NE(run({"stop"}).status, 0);
  test::TempDir dir;
  CliRun r = run({"--config-dir", (dir.path() / "etc").string(), "--log-dir",
                  (dir.path() / "log").string(), "init", "-a", "RSA"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("RSA"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir.path() / "etc"));
}

TEST(ServerCli, InitWithFlagsUsesTheGivenDirectoriesAndOptions) {
  test::TempDir dir;
  ServerPaths paths{dir.path() / "etc", dir.path() / "log"};
  CliRun r = run({"init", "-l", "-a", "ed25519", "-n", "smp.example.com", "--port", "15224",
                  "--config-dir", paths.config_dir.string(), "--log-dir", paths.log_dir.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(paths.ini_file()));
  auto name = certificate_common_name(paths.server_cert_file());
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(*name, "smp.example.com");
  EXPECT_NE(r.out.find("@smp.example.com:15224\n"), std::string::npos) << r.out;

  r = run({"--config-dir", paths.config_dir.string(), "--log-dir", paths.log_dir.string(),
           "delete"});
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(fs::exists(paths.config_dir));
}

TEST(ServerCli, StartWithoutInitIsTheReferenceError) {
  test::TempDir dir;
  std::string ini = (dir.path() / "etc" / "smp-server.ini").string();
  CliRun r = run({"--config-dir", (dir.path() / "etc").string(), "--log-dir",
                  (dir.path() / "log").string(), "start"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "Error: server is not initialized (" + ini +
                       " does not exist).\nRun `smp-server init`.\n");
}

class ServerPathsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ::unsetenv(std::string(kConfigDirEnv).c_str());
    ::unsetenv(std::string(kLogDirEnv).c_str());
  }
};

TEST_F(ServerPathsTest, FlagsWinOverEnvironmentWhichWinsOverDefaults) {
  ::unsetenv(std::string(kConfigDirEnv).c_str());
  ::unsetenv(std::string(kLogDirEnv).c_str());
  ServerPaths p = resolve_server_paths(std::nullopt, std::nullopt);
  EXPECT_EQ(p.config_dir, fs::path("/etc/opt/simplex"));
  EXPECT_EQ(p.log_dir, fs::path("/var/opt/simplex"));
  EXPECT_EQ(p.ini_file(), fs::path("/etc/opt/simplex/smp-server.ini"));
  EXPECT_EQ(p.store_log_file(), fs::path("/var/opt/simplex/smp-server-store.log"));
  EXPECT_EQ(p.messages_file(), fs::path("/var/opt/simplex/smp-server-messages.log"));
  EXPECT_EQ(p.fingerprint_file(), fs::path("/etc/opt/simplex/fingerprint"));

  ::setenv(std::string(kConfigDirEnv).c_str(), "/env/etc", 1);
  ::setenv(std::string(kLogDirEnv).c_str(), "/env/log", 1);
  p = resolve_server_paths(std::nullopt, std::string());
  EXPECT_EQ(p.config_dir, fs::path("/env/etc"));
  EXPECT_EQ(p.log_dir, fs::path("/env/log"));

  p = resolve_server_paths(std::string("/flag/etc"), std::string("/flag/log"));
  EXPECT_EQ(p.config_dir, fs::path("/flag/etc"));
  EXPECT_EQ(p.log_dir, fs::path("/flag/log"));
}

}  // namespace
}  // namespace smp::server
