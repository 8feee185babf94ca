// The `smp` tool end to end: the README's "Try it" walkthrough (create, send, receive,
// delete) and the secured-queue flow, run as a child process against an in-process server
// with a temporary key file, in the current generation (the default offer) and in SMP v1
// (--smp v1, as a v1.0.0 client: the server then serves it as a v1-only server would);
// plus its one-line errors for the usual mistakes, and `send --proxy` through a second
// server.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <vector>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "smp/transport/certificates.h"
#include "support/test_server.h"
#include "tool_process.h"

namespace smp::test {
namespace {

namespace fs = std::filesystem;

class SmpToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.started());
    ASSERT_TRUE(fs::exists(tool_)) << "build the smp tool first: " << tool_;
    dir_ = fs::temp_directory_path() /
           fmt::format("smp-cli-{}-{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    store_ = dir_ / "keys.json";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string address() const { return address_with(server_.key_hash(), server_.port()); }
  static std::string address_with(const Bytes& key_hash, std::uint16_t port) {
    return fmt::format("smp://{}@127.0.0.1:{}", transport::fingerprint_string(key_hash), port);
  }

  ToolRun smp(std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", store_.string()});
    return run_tool(tool_, args);
  }

  TestServer server_;
  fs::path tool_ = tool_path("smp");
  fs::path dir_;
  fs::path store_;
};

TEST_F(SmpToolTest, FourCommandWalkthroughDeliversAMessage) {
  ToolRun create = smp({"--json", "create", "--server", address(), "--name", "alice"});
  ASSERT_EQ(create.status, 0) << create.output;
  auto created = create.json();
  std::string uri(created.at("queue_uri").as_string());
  EXPECT_EQ(uri.rfind(fmt::format("{}/", address()), 0), 0u) << uri;
  EXPECT_EQ(created.at("name").as_string(), "alice");
  // The current generation: the reference's versioned URI of a messaging queue.
  EXPECT_EQ(created.at("smp_version").to_number<std::int64_t>(), 18);
  EXPECT_NE(uri.find("#/?v=1-4&dh="), std::string::npos) << uri;
  EXPECT_NE(uri.find("&q=m&k=s"), std::string::npos) << uri;

  struct stat st {};
  ASSERT_EQ(::stat(store_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ToolRun send = smp({"send", uri, "hello through the server"});
  ASSERT_EQ(send.status, 0) << send.output;

  ToolRun receive =
      smp({"--json", "receive", "--queue", "alice", "--count", "1", "--timeout", "5"});
  ASSERT_EQ(receive.status, 0) << receive.output;
  auto got = receive.json();
  EXPECT_EQ(got.at("body").as_string(), "hello through the server") << receive.output;
  EXPECT_EQ(got.at("name").as_string(), "alice");

  // Acknowledged: nothing more to receive.
  ToolRun again = smp({"--json", "receive", "--queue", "alice", "--timeout", "0.3"});
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_TRUE(again.json().empty()) << again.output;

  ToolRun del = smp({"delete", "--queue", "alice"});
  ASSERT_EQ(del.status, 0) << del.output;
  ToolRun after = smp({"send", uri, "too late"});
  EXPECT_EQ(after.status, 1);
  EXPECT_NE(after.output.find("AUTH"), std::string::npos) << after.output;
  ToolRun gone = smp({"receive", "--queue", "alice"});
  EXPECT_EQ(gone.status, 1);
  EXPECT_NE(gone.output.find("no queue named \"alice\""), std::string::npos) << gone.output;
}

TEST_F(SmpToolTest, SmpV1KeepsTheShortQueueUriAndEveryCommandWorks) {
  ToolRun create =
      smp({"--smp", "v1", "--json", "create", "--server", address(), "--name", "old"});
  ASSERT_EQ(create.status, 0) << create.output;
  auto created = create.json();
  EXPECT_EQ(created.at("smp_version").to_number<std::int64_t>(), 1);
  std::string uri(created.at("queue_uri").as_string());
  // v1.0.0's short form exactly: server/sender id#key, nothing after the key.
  const std::string sender_id(created.at("sender_id").as_string());
  EXPECT_EQ(uri.rfind(fmt::format("{}/{}#MCow", address(), sender_id), 0), 0u) << uri;
  EXPECT_EQ(uri.find('?'), std::string::npos) << uri;

  ToolRun key = smp({"--smp", "v1", "--json", "sender-key", uri});
  ASSERT_EQ(key.status, 0) << key.output;
  std::string sender_key(key.json().at("sender_key").as_string());
  ASSERT_EQ(smp({"--smp", "v1", "secure", "--queue", "old", "--sender-key", sender_key}).status,
            0);
  ASSERT_EQ(smp({"--smp", "v1", "send", uri, "over v1"}).status, 0);
  // A queue made over v1 is read over the current generation as well, and back.
  ASSERT_EQ(smp({"send", uri, "over the current generation"}).status, 0);
  ToolRun receive = smp({"--smp", "v1", "--json", "receive", "--queue", "old", "--count", "1"});
  ASSERT_EQ(receive.status, 0) << receive.output;
  auto got = receive.json();
  EXPECT_EQ(got.at("body").as_string(), "over v1");
  EXPECT_GT(got.at("timestamp").to_number<std::int64_t>(), 0);
  ToolRun current = smp({"--json", "receive", "--queue", "old", "--count", "1"});
  ASSERT_EQ(current.status, 0) << current.output;
  EXPECT_EQ(current.json().at("body").as_string(), "over the current generation");
  EXPECT_GT(current.json().at("timestamp").to_number<std::int64_t>(), 0);
  ToolRun listed = smp({"--json", "list"});
  ASSERT_EQ(listed.status, 0);
  EXPECT_EQ(listed.json().at("queues").as_array().at(0).at("queue_uri").as_string(), uri);
  ASSERT_EQ(smp({"--smp", "v1", "delete", "--queue", "old"}).status, 0);
}

TEST_F(SmpToolTest, AVersionOneSenderTakesTheVersionedUri) {
  ToolRun create = smp({"--json", "create", "--server", address(), "--name", "new"});
  ASSERT_EQ(create.status, 0) << create.output;
  std::string uri(create.json().at("queue_uri").as_string());
  ASSERT_NE(uri.find("?v="), std::string::npos) << uri;
  ToolRun sent = smp({"--smp", "v1", "send", uri, "from a v1 sender"});
  ASSERT_EQ(sent.status, 0) << sent.output;
  ToolRun receive = smp({"--smp", "current", "--json", "receive", "--queue", "new", "--count",
                         "1"});
  ASSERT_EQ(receive.status, 0) << receive.output;
  EXPECT_EQ(receive.json().at("body").as_string(), "from a v1 sender");
  ToolRun listed = smp({"--json", "list"});
  EXPECT_EQ(listed.json().at("queues").as_array().at(0).at("queue_uri").as_string(), uri);
}

TEST_F(SmpToolTest, TextOutputPrintsMessagesInOrder) {
  ASSERT_EQ(smp({"create", "--server", address()}).status, 0);  // named q1
  for (const char* m : {"one", "two", "three"}) ASSERT_EQ(smp({"send", "q1", m}).status, 0);
  ToolRun receive = smp({"receive", "--queue", "q1", "--timeout", "2"});
  ASSERT_EQ(receive.status, 0) << receive.output;
  EXPECT_NE(receive.output.find("one\ntwo\nthree\n"), std::string::npos) << receive.output;
  EXPECT_NE(receive.output.find("3 messages received"), std::string::npos) << receive.output;
}

TEST_F(SmpToolTest, SecuredQueueTakesOnlyTheSendersSignedMessages) {
  ToolRun create = smp({"--json", "create", "--server", address(), "--name", "bob"});
  ASSERT_EQ(create.status, 0) << create.output;
  std::string uri(create.json().at("queue_uri").as_string());

  ToolRun key = smp({"--json", "sender-key", uri});
  ASSERT_EQ(key.status, 0) << key.output;
  std::string sender_key(key.json().at("sender_key").as_string());
  ToolRun secure = smp({"secure", "--queue", "bob", "--sender-key", sender_key});
  ASSERT_EQ(secure.status, 0) << secure.output;

  ToolRun signed_send = smp({"--json", "send", uri, "signed hello"});
  ASSERT_EQ(signed_send.status, 0) << signed_send.output;
  EXPECT_TRUE(signed_send.json().at("signed").as_bool());

  // A sender without the key (another key file) is refused.
  fs::path own = store_;
  store_ = dir_ / "stranger.json";
  ToolRun stranger = smp({"send", uri, "unsigned"});
  EXPECT_EQ(stranger.status, 1);
  EXPECT_NE(stranger.output.find("AUTH"), std::string::npos) << stranger.output;
  store_ = own;

  ToolRun receive = smp({"--json", "receive", "--queue", "bob", "--count", "1"});
  ASSERT_EQ(receive.status, 0) << receive.output;
  EXPECT_EQ(receive.json().at("body").as_string(), "signed hello");
}

TEST_F(SmpToolTest, PingReportsUnreachableServersAndWrongFingerprints) {
  ToolRun ok = smp({"ping", "--server", address()});
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("PONG"), std::string::npos);
  EXPECT_NE(ok.output.find("SMP version 18"), std::string::npos) << ok.output;
  for (const char* generation : {"v1", "current", "auto"}) {
    ToolRun ping = smp({"--smp", generation, "--json", "ping", "--server", address()});
    ASSERT_EQ(ping.status, 0) << ping.output;
    EXPECT_EQ(ping.json().at("smp_version").to_number<std::int64_t>(),
              std::string_view(generation) == "v1" ? 1 : 18);
  }
  EXPECT_NE(smp({"--smp", "v2", "ping", "--server", address()}).status, 0);

  Bytes wrong_hash = server_.key_hash();
  wrong_hash[0] ^= 1;
  std::string wrong = address_with(wrong_hash, server_.port());
  ToolRun mismatch = smp({"ping", "--server", wrong});
  EXPECT_EQ(mismatch.status, 1);
  EXPECT_NE(mismatch.output.find("identity mismatch"), std::string::npos) << mismatch.output;

  std::string closed = address_with(server_.key_hash(), 1);
  ToolRun unreachable = smp({"--json", "ping", "--server", closed});
  EXPECT_EQ(unreachable.status, 1);
  EXPECT_EQ(unreachable.json().at("error").as_string(), "network") << unreachable.output;

  ToolRun bad = smp({"ping", "--server", "not-an-address"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("not a server address"), std::string::npos) << bad.output;
}

TEST_F(SmpToolTest, DamagedKeyFileIsReportedNotOverwritten) {
  {
    std::FILE* f = std::fopen(store_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("{not json", f);
    std::fclose(f);
  }
  ToolRun create = smp({"create", "--server", address()});
  EXPECT_EQ(create.status, 1);
  EXPECT_NE(create.output.find("damaged"), std::string::npos) << create.output;
  EXPECT_EQ(fs::file_size(store_), 9u);
}

TEST_F(SmpToolTest, SelfcheckPasses) {
  ToolRun check = smp({"selfcheck"});
  EXPECT_EQ(check.status, 0) << check.output;
}

// `smp send --proxy`: the message goes through a second server with the proxy role
// (private message routing) and the recipient receives it as usual.
TEST_F(SmpToolTest, SendThroughAProxyDeliversAMessage) {
  TestServer proxy([](server::ServerConfig& c) { c.allow_smp_proxy = true; });
  const std::string proxy_address = address_with(proxy.key_hash(), proxy.port());
  ToolRun create = smp({"--json", "create", "--server", address(), "--name", "alice"});
  ASSERT_EQ(create.status, 0) << create.output;
  std::string uri(create.json().at("queue_uri").as_string());

  ToolRun send = smp({"--json", "send", "--proxy", proxy_address, uri, "hello through a proxy"});
  ASSERT_EQ(send.status, 0) << send.output;
  EXPECT_EQ(send.json().at("proxy").as_string(), fmt::format("127.0.0.1:{}", proxy.port()));
  ToolRun text = smp({"send", uri, "--proxy", proxy_address, "and in text"});
  ASSERT_EQ(text.status, 0) << text.output;
  EXPECT_NE(text.output.find(fmt::format("through 127.0.0.1:{}", proxy.port())), std::string::npos)
      << text.output;

  ToolRun receive =
      smp({"--json", "receive", "--queue", "alice", "--count", "2", "--timeout", "5"});
  ASSERT_EQ(receive.status, 0) << receive.output;
  EXPECT_NE(receive.output.find("hello through a proxy"), std::string::npos) << receive.output;
  EXPECT_EQ(receive.json().at("body").as_string(), "and in text") << receive.output;
}

TEST_F(SmpToolTest, SendThroughAProxyExplainsWhatFailed) {
  TestServer proxy([](server::ServerConfig& c) {
    c.allow_smp_proxy = true;
    c.proxy_connect_timeout = std::chrono::seconds(2);
  });
  const std::string proxy_address = address_with(proxy.key_hash(), proxy.port());
  ToolRun create = smp({"--json", "create", "--server", address(), "--name", "alice"});
  ASSERT_EQ(create.status, 0) << create.output;
  std::string uri(create.json().at("queue_uri").as_string());

  // A server without the proxy role does not forward.
  ToolRun no_role = smp({"send", "--proxy", address(), uri, "x"});
  EXPECT_EQ(no_role.status, 1);
  EXPECT_NE(no_role.output.find("does not forward"), std::string::npos) << no_role.output;
  EXPECT_NE(no_role.output.find("PROXY BASIC_AUTH"), std::string::npos) << no_role.output;
  // SMP v1 has no proxies.
  ToolRun v1 = smp({"--smp", "v1", "send", "--proxy", proxy_address, uri, "x"});
  EXPECT_EQ(v1.status, 1);
  EXPECT_NE(v1.output.find("--proxy needs the current generation"), std::string::npos)
      << v1.output;
  // The queue's server is down: the proxy cannot reach it, and says so.
  server_.stop();
  ToolRun down = smp({"--json", "send", "--proxy", proxy_address, uri, "x"});
  EXPECT_EQ(down.status, 1);
  auto failed = down.json();
  EXPECT_EQ(std::string(failed.at("error").as_string()).rfind("PROXY BROKER NETWORK", 0), 0u)
      << down.output;
  EXPECT_NE(std::string(failed.at("message").as_string()).find("could not reach"),
            std::string::npos)
      << down.output;
}

}  // namespace
}  // namespace smp::test
