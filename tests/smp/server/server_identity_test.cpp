#include "smp/server/server_identity.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "smp/server/server_init.h"
#include "smp/transport/credential_files.h"
#include "support/temp_dir.h"

namespace smp::server {
namespace {

namespace fs = std::filesystem;

TEST(ServerAddress, LeavesOutTheDefaultPort) {
  Bytes hash(32, 0);
  std::string fp = transport::fingerprint_string(hash);
  EXPECT_EQ(server_address("127.0.0.1", 5223, hash), "smp://" + fp + "@127.0.0.1");
  EXPECT_EQ(server_address("smp.example.com", 15223, hash),
            "smp://" + fp + "@smp.example.com:15223");
}

class ServerIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ostringstream out, err;
    InitOptions options;
    options.algorithm = transport::CertificateAlgorithm::ed25519;
    ASSERT_EQ(init_server(paths_, options, out, err), 0) << err.str();
  }

  std::string load_error() {
    auto id = load_server_identity(paths_);
    if (id.has_value()) {
      ADD_FAILURE() << "identity loaded";
      return {};
    }
    return id.error().message;
  }

  test::TempDir dir_;
  ServerPaths paths_{dir_.path() / "etc", dir_.path() / "log"};
};

TEST_F(ServerIdentityTest, LoadsWhatInitWrote) {
  auto id = load_server_identity(paths_);
  ASSERT_TRUE(id.has_value()) << id.error().message;
  ServerIdentity identity = *id;
  EXPECT_EQ(identity.host, "127.0.0.1");
  EXPECT_EQ(identity.key_hash.size(), 32u);
  EXPECT_EQ(identity.fingerprint, transport::fingerprint_string(identity.key_hash));
}

TEST_F(ServerIdentityTest, OtherFingerprintIsTheReferenceMessage) {
  std::ofstream(paths_.fingerprint_file()) << transport::fingerprint_string(Bytes(32, 1)) << "\n";
  EXPECT_EQ(load_error(), kInvalidFingerprintMessage);
}

TEST_F(ServerIdentityTest, MissingFilesAreNamed) {
  fs::remove(paths_.server_key_file());
  std::string message = load_error();
  EXPECT_NE(message.find(paths_.server_key_file().string()), std::string::npos) << message;
  EXPECT_NE(message.find("not found"), std::string::npos) << message;

  fs::remove(paths_.fingerprint_file());
  message = load_error();
  EXPECT_NE(message.find(paths_.fingerprint_file().string()), std::string::npos) << message;
}

TEST_F(ServerIdentityTest, KeyOfAnotherServerIsRefused) {
  test::TempDir other_dir;
  ServerPaths other{other_dir.path() / "etc", other_dir.path() / "log"};
  std::ostringstream out, err;
  ASSERT_EQ(init_server(other, InitOptions{}, out, err), 0) << err.str();
  fs::copy_file(other.server_key_file(), paths_.server_key_file(),
                fs::copy_options::overwrite_existing);
  std::string message = load_error();
  EXPECT_NE(message.find("does not match"), std::string::npos) << message;
}

TEST_F(ServerIdentityTest, GarbledCertificateIsAnError) {
  std::ofstream(paths_.server_cert_file()) << "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  EXPECT_FALSE(load_error().empty());
  auto name = transport::certificate_common_name(paths_.server_cert_file());
  EXPECT_FALSE(name.has_value());
}

}  // namespace
}  // namespace smp::server
