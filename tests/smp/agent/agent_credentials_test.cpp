#include "smp/agent/agent_credentials.h"

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "smp/transport/x509.h"
#include "support/temp_dir.h"

namespace smp::agent {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777u;
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(AgentCredentials, FirstStartCreatesAChainWithOwnerOnlyKeyAndDirectory) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "etc" / "agent";
  auto c = load_or_create_agent_credentials(dir);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->created);
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir / "agent.key"), 0600u);
  EXPECT_EQ(mode_of(dir / "agent.crt"), 0644u);
  EXPECT_EQ(mode_of(dir / "ca.crt"), 0644u);
  EXPECT_FALSE(fs::exists(dir / "ca.key")) << "the CA key is not kept";

  // The served chain is [agent.crt, ca.crt] and validates as clients check it, pinning
  // the key hash of ca.crt, for each name a local client uses.
  auto chain = transport::parse_certificates_pem(c->tls.certificate_chain_pem);
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), 2u);
  auto ca_hash = transport::key_hash_of_certificate_file(dir / "ca.crt");
  ASSERT_TRUE(ca_hash);
  EXPECT_EQ(c->key_hash, Bytes(ca_hash->begin(), ca_hash->end()));
  std::array<X509*, 2> certs{(*chain)[0].get(), (*chain)[1].get()};
  for (std::string_view host : {"localhost", "127.0.0.1", "::1"}) {
    EXPECT_TRUE(transport::validate_server_chain(certs, host, c->key_hash)) << host;
  }
  EXPECT_FALSE(transport::validate_server_chain(certs, "example.com", c->key_hash));
  Bytes other = c->key_hash;
  other[5] ^= 0x40;
  EXPECT_FALSE(transport::validate_server_chain(certs, "localhost", other));
  EXPECT_TRUE(transport::make_server_context(c->tls));
}

TEST(AgentCredentials, SecondStartReusesTheFiles) {
  TempDir tmp;
  auto first = load_or_create_agent_credentials(tmp.path());
  ASSERT_TRUE(first) << first.error().message;
  const std::string key = read_text(tmp.path() / "agent.key");
  auto second = load_or_create_agent_credentials(tmp.path());
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->key_hash, first->key_hash);
  EXPECT_EQ(second->tls.certificate_chain_pem, first->tls.certificate_chain_pem);
  EXPECT_EQ(read_text(tmp.path() / "agent.key"), key);
}

TEST(AgentCredentials, AnExistingEmptyDirectoryGetsNewFiles) {
  TempDir tmp;
  ::chmod(tmp.path().c_str(), 0750);
  auto c = load_or_create_agent_credentials(tmp.path());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->created);
  EXPECT_EQ(mode_of(tmp.path()), 0750u) << "an operator's directory keeps its mode";
}

void expect_one_line(const AppError& e, std::string_view fragment) {
  EXPECT_NE(e.message.find(fragment), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find('\n'), std::string::npos) << e.message;
}

TEST(AgentCredentials, SomeFilesMissingIsAnErrorNamingThem) {
  for (std::string_view removed : {"ca.crt", "agent.crt", "agent.key"}) {
    SCOPED_TRACE(removed);
    TempDir tmp;
    ASSERT_TRUE(load_or_create_agent_credentials(tmp.path()));
    fs::remove(tmp.path() / removed);
    auto c = load_or_create_agent_credentials(tmp.path());
    ASSERT_FALSE(c);
    expect_one_line(c.error(), std::string(removed) + " missing");
    EXPECT_FALSE(fs::exists(tmp.path() / removed)) << "nothing is recreated";
  }
}

TEST(AgentCredentials, ForeignOrGarbledFilesAreErrors) {
  TempDir tmp, other;
  ASSERT_TRUE(load_or_create_agent_credentials(tmp.path()));
  ASSERT_TRUE(load_or_create_agent_credentials(other.path()));
  fs::copy_file(other.path() / "agent.key", tmp.path() / "agent.key",
                fs::copy_options::overwrite_existing);
  auto mismatched = load_or_create_agent_credentials(tmp.path());
  ASSERT_FALSE(mismatched);
  expect_one_line(mismatched.error(), "does not match");

  TempDir garbled;
  ASSERT_TRUE(load_or_create_agent_credentials(garbled.path()));
  std::ofstream(garbled.path() / "ca.crt", std::ios::trunc) << "not a certificate\n";
  auto bad = load_or_create_agent_credentials(garbled.path());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.find('\n'), std::string::npos);
}

TEST(AgentCredentials, UnreadableFileIsAnErrorNamingIt) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every file";
  TempDir tmp;
  ASSERT_TRUE(load_or_create_agent_credentials(tmp.path()));
  ::chmod((tmp.path() / "agent.key").c_str(), 0);
  auto c = load_or_create_agent_credentials(tmp.path());
  ASSERT_FALSE(c);
  expect_one_line(c.error(), "agent.key");
}

TEST(AgentCredentials, AKeyThatCannotBeReadAsAFileIsAnErrorNamingIt) {
  TempDir tmp;
  ASSERT_TRUE(load_or_create_agent_credentials(tmp.path()));
  fs::remove(tmp.path() / "agent.key");
  fs::create_directory(tmp.path() / "agent.key");
  auto c = load_or_create_agent_credentials(tmp.path());
  ASSERT_FALSE(c);
  expect_one_line(c.error(), "agent.key");
}

TEST(AgentCredentials, APathThatIsAFileIsAnError) {
  TempDir tmp;
  std::ofstream(tmp.path() / "file") << "x";
  auto c = load_or_create_agent_credentials(tmp.path() / "file");
  ASSERT_FALSE(c);
  expect_one_line(c.error(), "not a directory");
  auto below = load_or_create_agent_credentials(tmp.path() / "file" / "certs");
  ASSERT_FALSE(below);
  EXPECT_EQ(below.error().message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace smp::agent
