#include "smp/server/server_init.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "smp/server/server_identity.h"
#include "smp/server/server_ini.h"
#include "smp/transport/credential_files.h"
#include "support/temp_dir.h"

namespace smp::server {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777u;
}

class ServerInitTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
  ServerPaths paths_{dir_.path() / "etc", dir_.path() / "log"};
  std::ostringstream out_, err_;

  int init(const InitOptions& options = {}) { return init_server(paths_, options, out_, err_); }
};

TEST_F(ServerInitTest, CreatesKeysCertificatesFingerprintAndIni) {
  InitOptions options;
  options.store_log = true;
  options.algorithm = transport::CertificateAlgorithm::ed25519;
  options.listen_host = "127.0.0.1";
  options.port = 15223;
  options.password = InitPassword::none;
  ASSERT_EQ(init(options), 0) << err_.str();
  EXPECT_EQ(err_.str(), "");

  EXPECT_EQ(mode_of(paths_.ca_key_file()), 0600u);
  EXPECT_EQ(mode_of(paths_.server_key_file()), 0600u);
  EXPECT_TRUE(fs::exists(paths_.ca_cert_file()));
  EXPECT_TRUE(fs::exists(paths_.server_cert_file()));
  EXPECT_TRUE(fs::is_directory(paths_.log_dir));

  auto hash = transport::key_hash_of_certificate_file(paths_.ca_cert_file());
  ASSERT_TRUE(hash);
  std::string fingerprint = transport::fingerprint_string(*hash);
  EXPECT_EQ(read_text(paths_.fingerprint_file()), fingerprint + "\n");

  auto settings = parse_server_ini(read_text(paths_.ini_file()));
  ASSERT_TRUE(settings.has_value());
  ServerIniSettings s = *settings;
  EXPECT_TRUE(s.store_log);
  EXPECT_EQ(s.host, "127.0.0.1");  // the certificate's name (the reference writes <hostnames>)
  EXPECT_EQ(s.listen_host, "127.0.0.1");
  EXPECT_EQ(s.ports, std::vector<std::uint16_t>{15223});
  EXPECT_FALSE(s.create_password);
  EXPECT_TRUE(s.ignored_keys.empty());

  std::string printed = out_.str();
  EXPECT_NE(printed.find("Server initialized, you can modify configuration in " +
                         paths_.ini_file().string() + ".\nRun `smp-server start` to start server.\n" +
                         std::string(kServerVersionLine) + "\nFingerprint: " + fingerprint + "\n"),
            std::string::npos)
      << printed;
  EXPECT_NE(printed.find("smp://" + fingerprint + "@127.0.0.1:15223\n"), std::string::npos);
  EXPECT_NE(printed.find("CA private key location:\n" + paths_.ca_key_file().string() +
                         "\n----------\n"),
            std::string::npos);

  auto identity = load_server_identity(paths_);
  ASSERT_TRUE(identity.has_value()) << identity.error().message;
}

TEST_F(ServerInitTest, StoreLogIsOnByDefaultAsInTheReference) {
  ASSERT_EQ(init(), 0) << err_.str();
  EXPECT_NE(read_text(paths_.ini_file()).find("\nenable = on\n"), std::string::npos);
}

TEST_F(ServerInitTest, StoreLogOffIsWrittenAsTheReferenceDoes) {
  InitOptions options;
  options.store_log = false;
  ASSERT_EQ(init(options), 0) << err_.str();
  EXPECT_NE(read_text(paths_.ini_file()).find("\nenable = off\n"), std::string::npos);
}

// Init.hs: without --password or --no-password, a random password (32 random bytes,
// base64url); the ini is then readable only by its owner and the address carries it.
TEST_F(ServerInitTest, ARandomPasswordByDefault) {
  ASSERT_EQ(init(), 0) << err_.str();
  auto s = parse_server_ini(read_text(paths_.ini_file()));
  ASSERT_TRUE(s.has_value());
  ASSERT_TRUE(s->create_password);
  EXPECT_EQ(s->create_password->size(), 44u);
  EXPECT_TRUE(is_valid_basic_auth(*s->create_password));
  EXPECT_EQ(mode_of(paths_.ini_file()), 0600u);
  EXPECT_NE(out_.str().find(":" + *s->create_password + "@127.0.0.1\n"), std::string::npos)
      << out_.str();
  // Another init, another password.
  test::TempDir other;
  ServerPaths other_paths{other.path() / "etc", other.path() / "log"};
  ASSERT_EQ(init_server(other_paths, {}, out_, err_), 0);
  EXPECT_NE(parse_server_ini(read_text(other_paths.ini_file()))->create_password, s->create_password);
}

TEST_F(ServerInitTest, AGivenPasswordOrNone) {
  InitOptions options;
  options.password = InitPassword::given;
  options.given_password = "#Pa55;word";
  ASSERT_EQ(init(options), 0) << err_.str();
  EXPECT_NE(read_text(paths_.ini_file()).find("\ncreate_password = #Pa55;word\n"),
            std::string::npos);
  EXPECT_EQ(parse_server_ini(read_text(paths_.ini_file()))->create_password, "#Pa55;word");

  test::TempDir other;
  ServerPaths other_paths{other.path() / "etc", other.path() / "log"};
  options.password = InitPassword::none;
  ASSERT_EQ(init_server(other_paths, options, out_, err_), 0);
  EXPECT_FALSE(parse_server_ini(read_text(other_paths.ini_file()))->create_password);
}

TEST_F(ServerInitTest, AnInvalidPasswordIsRefused) {
  InitOptions options;
  options.password = InitPassword::given;
  options.given_password = "user:pass";
  EXPECT_EQ(init(options), 1);
  EXPECT_NE(err_.str().find("password"), std::string::npos) << err_.str();
  EXPECT_FALSE(fs::exists(paths_.config_dir));
}

TEST_F(ServerInitTest, FqdnBecomesTheCertificateName) {
  InitOptions options;
  options.fqdn = "smp.example.com";
  ASSERT_EQ(init(options), 0) << err_.str();
  auto name = transport::certificate_common_name(paths_.server_cert_file());
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(*name, "smp.example.com");
  EXPECT_NE(out_.str().find("@smp.example.com\n"), std::string::npos) << out_.str();
}

TEST_F(ServerInitTest, RefusesWhenAlreadyInitialized) {
  ASSERT_EQ(init(), 0) << err_.str();
  std::string key_before = read_text(paths_.ca_key_file());
  err_.str("");
  EXPECT_EQ(init(), 1);
  EXPECT_EQ(err_.str(), "Error: server is already initialized (" + paths_.ini_file().string() +
                            " exists).\nRun `smp-server start`.\n");
  EXPECT_EQ(read_text(paths_.ca_key_file()), key_before);
}

TEST_F(ServerInitTest, ReplacesWhatAnUnfinishedInitLeft) {
  fs::create_directories(paths_.config_dir);
  fs::create_directories(paths_.log_dir);
  std::ofstream(paths_.ca_key_file()) << "stale";
  std::ofstream(paths_.store_log_file()) << "stale";
  std::ofstream(paths_.config_dir / "unrelated.txt") << "keep";
  ASSERT_EQ(init(), 0) << err_.str();
  EXPECT_NE(read_text(paths_.ca_key_file()), "stale");
  EXPECT_FALSE(fs::exists(paths_.store_log_file()));
  EXPECT_EQ(read_text(paths_.config_dir / "unrelated.txt"), "keep");
}

TEST_F(ServerInitTest, InvalidCertificateNameIsAnError) {
  InitOptions options;
  options.fqdn = std::string(65, 'a');
  EXPECT_EQ(init(options), 1);
  EXPECT_NE(err_.str().find("certificate's name"), std::string::npos) << err_.str();
  EXPECT_FALSE(fs::exists(paths_.ini_file()));
}

TEST_F(ServerInitTest, OptionsThatStartWouldRefuseAreRefusedFirst) {
  InitOptions options;
  options.port = 80;
  EXPECT_EQ(init(options), 1);
  EXPECT_NE(err_.str().find("cannot be 80"), std::string::npos) << err_.str();
  options.port = 5223;
  options.listen_host = "a b";
  EXPECT_EQ(init(options), 1);
  EXPECT_FALSE(fs::exists(paths_.config_dir));
}

TEST_F(ServerInitTest, DeleteRemovesBothDirectories) {
  ASSERT_EQ(init(), 0) << err_.str();
  std::ofstream(paths_.store_log_file()) << "x";
  out_.str("");
  EXPECT_EQ(delete_server(paths_, out_, err_), 0);
  EXPECT_EQ(out_.str(), "Deleted configuration and log files\n");
  EXPECT_FALSE(fs::exists(paths_.config_dir));
  EXPECT_FALSE(fs::exists(paths_.log_dir));
  // Deleting nothing is fine too.
  EXPECT_EQ(delete_server(paths_, out_, err_), 0);
}

}  // namespace
}  // namespace smp::server
