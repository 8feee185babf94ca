#include "smp/server/server_cli.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "smp/server/server_identity.h"
#include "smp/server/server_ini.h"
#include "smp/server/server_paths.h"
#include "smp/transport/credential_files.h"
#include "support/temp_dir.h"

namespace smp::server {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

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

TEST(ServerCli, VersionNamesBothGenerations) {
  for (const char* flag : {"-v", "--version"}) {
    CliRun r = run({flag});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "SMP server v6.5.5.0 (simplexmq-cpp: SMP v1 and SMP 6..18)\n");
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
  EXPECT_NE(r.out.find(std::string(kServerVersionLine) + ": a SimpleX"), std::string::npos) << r.out;
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
  auto name = transport::certificate_common_name(paths.server_cert_file());
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(*name, "smp.example.com");
  EXPECT_NE(r.out.find("@smp.example.com:15224\n"), std::string::npos) << r.out;
  auto settings = parse_server_ini(read_file(paths.ini_file()));
  ASSERT_TRUE(settings.has_value());
  EXPECT_TRUE(settings->store_log);
  EXPECT_TRUE(settings->create_password);  // random, as the reference's default

  r = run({"--config-dir", paths.config_dir.string(), "--log-dir", paths.log_dir.string(),
           "delete"});
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(fs::exists(paths.config_dir));
}

// The reference's init flags: --disable-store-log, --password PWD, --no-password.
TEST(ServerCli, InitPasswordAndStoreLogFlags) {
  test::TempDir dir;
  auto init = [&](const std::string& name, std::vector<std::string> flags) {
    ServerPaths paths{dir.path() / name / "etc", dir.path() / name / "log"};
    std::vector<std::string> args{"--config-dir", paths.config_dir.string(), "--log-dir",
                                  paths.log_dir.string(), "init"};
    args.insert(args.end(), flags.begin(), flags.end());
    CliRun r = run(args);
    EXPECT_EQ(r.status, 0) << r.err;
    auto s = parse_server_ini(read_file(paths.ini_file()));
    EXPECT_TRUE(s.has_value());
    return s.has_value() ? *s : ServerIniSettings{};
  };
  ServerIniSettings s = init("given", {"--password", "s3cret", "--disable-store-log"});
  EXPECT_EQ(s.create_password, "s3cret");
  EXPECT_FALSE(s.store_log);
  s = init("none", {"--no-password"});
  EXPECT_FALSE(s.create_password);
  EXPECT_TRUE(s.store_log);
  EXPECT_NE(run({"--config-dir", (dir.path() / "x").string(), "init", "--no-password",
                 "--password", "a"}).status, 0);
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
