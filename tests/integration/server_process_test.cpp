// The smp-server executable as operators run it: init, start, signals, restarts, the store
// log and saved messages across restarts, and the one-line errors of a failed start.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "server_process_fixture.h"
#include "smp/server/server_paths.h"
#include "support/vectors.h"

namespace smp::test {
namespace {

class ServerProcessTest : public ServerProcessFixture {};

TEST_F(ServerProcessTest, InitWritesPrivateKeysAndAFingerprintOfTheCaCertificate) {
  Finished f = run({"init", "-l", "--port", "0"});
  ASSERT_EQ(f.status, 0) << f.err;
  EXPECT_EQ(mode_of(cfg_dir() / "ca.key"), 0600u);
  EXPECT_EQ(mode_of(cfg_dir() / "server.key"), 0600u);
  for (const char* file : {"ca.crt", "server.crt", "fingerprint", "smp-server.ini"}) {
    EXPECT_TRUE(fs::exists(cfg_dir() / file)) << file;
  }
  EXPECT_TRUE(fs::is_directory(log_dir()));
  std::string fingerprint = transport::fingerprint_string(key_hash());
  EXPECT_EQ(read_file(cfg_dir() / "fingerprint"), fingerprint + "\n");
  EXPECT_NE(f.out.find("Fingerprint: " + fingerprint + "\n"), std::string::npos) << f.out;

  Finished again = run({"init"});
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("server is already initialized"), std::string::npos) << again.err;
}

TEST_F(ServerProcessTest, StartsPrintsItsAddressAnswersPingAndStopsOnSigterm) {
  init();
  auto server = start();
  std::string out = server->out();
  std::string fingerprint = transport::fingerprint_string(key_hash());
  EXPECT_NE(out.find(std::string(server::kServerVersionLine) + "\nFingerprint: " + fingerprint + "\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Store log: " + store_log().string() + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("(TLS 1.2)...\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Server address: smp://" + fingerprint + "@127.0.0.1:" +
                     std::to_string(port_) + "\n"),
            std::string::npos)
      << out;

  auto client = connect();
  ASSERT_TRUE(client);
  expect_pong(*client);
  client.reset();
  stop(*server);
}

// Threads of a process named `name` (the io threads name themselves "smp-server").
std::size_t threads_named(pid_t pid, const std::string& name) {
  std::size_t n = 0;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::string comm = read_file(task.path() / "comm");
    if (comm == name + "\n") ++n;
  }
  return n;
}

TEST_F(ServerProcessTest, TransportThreadsSetsTheNumberOfIoThreads) {
  init();
  std::map<int, std::size_t> named;
  for (int threads : {1, 3}) {
    set_ini("threads", std::to_string(threads));
    auto server = start();
    auto client = connect();  // the server answers on any thread count
    ASSERT_TRUE(client);
    expect_pong(*client);
    named[threads] = threads_named(server->pid(), "smp-server");
    client.reset();
    stop(*server);
  }
  // The main thread carries the executable's name too; the difference is the io threads.
  EXPECT_GE(named[1], 1u);
  EXPECT_EQ(named[3], named[1] + 2);
}

// As under systemd with StandardOutput=journal: $JOURNAL_STREAM names the device and inode of
// stdout (here a file made beforehand, so that its inode is known). journald stamps each line
// itself, so the server's log lines carry only their priority prefix (console_log.h).
TEST_F(ServerProcessTest, LogLinesToTheJournalCarryAPriorityAndNoTimestamp) {
  init();
  const fs::path out = log_dir().parent_path() / "journal";
  std::ofstream(out).close();
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  Env journal_env = env();
  journal_env.emplace_back("JOURNAL_STREAM",
                           std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino));
  ChildProcess server(smp_server_binary(), {"start"}, journal_env, out,
                      log_dir().parent_path() / "journal.err");
  ASSERT_TRUE(server.wait_for_line("Server address: smp://")) << server.out() << server.err();
  server.signal(SIGTERM);
  ASSERT_EQ(server.wait(30s), 0) << server.err();

  const std::regex timestamp(R"(.*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d.*)");
  std::vector<std::string> log_lines;
  for (const std::string& line : lines_of(server.out())) {
    EXPECT_FALSE(std::regex_match(line, timestamp)) << line;
    if (line.rfind('<', 0) == 0) log_lines.push_back(line);
  }
  const std::vector<std::string> expected{
      "<6>info store log: 0 lines read, 0 queues restored, 0 services",
      "<6>info SIGTERM: stopping"};
  ASSERT_GE(log_lines.size(), 3u) << server.out();
  EXPECT_EQ(log_lines[0], expected[0]);
  EXPECT_NE(std::find(log_lines.begin(), log_lines.end(), expected[1]), log_lines.end())
      << server.out();
  EXPECT_EQ(log_lines.back(), "<6>info server stopped");
}

TEST_F(ServerProcessTest, StoreLogDisabledIsSaidInTheBanner) {
  init({"--disable-store-log"});
  auto server = start();
  EXPECT_NE(server->out().find("Store log disabled.\n"), std::string::npos) << server->out();
  stop(*server);
  EXPECT_FALSE(fs::exists(store_log()));
}

TEST_F(ServerProcessTest, SecondServerOnABusyPortExitsWithOneLine) {
  init();
  auto first = start();
  ASSERT_NE(port_, 0);

  // Another installation configured for the same port.
  TempDir other;
  Env other_env{{"SMP_SERVER_CFG_PATH", (other.path() / "etc").string()},
                {"SMP_SERVER_LOG_PATH", (other.path() / "log").string()}};
  ChildProcess init_other(smp_server_binary(),
                          {"init", "--host", "127.0.0.1", "--port", std::to_string(port_)},
                          other_env, other.path() / "out0", other.path() / "err0");
  ASSERT_EQ(init_other.wait(60s), 0) << init_other.err();
  ChildProcess second(smp_server_binary(), {"start"}, other_env, other.path() / "out1",
                      other.path() / "err1");
  auto status = second.wait(20s);
  ASSERT_TRUE(status.has_value()) << "second server did not exit";
  EXPECT_NE(*status, 0);
  auto lines = lines_of(second.err());
  ASSERT_EQ(lines.size(), 1u) << second.err();
  EXPECT_NE(lines[0].find(std::to_string(port_)), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("in use"), std::string::npos) << lines[0];

  // The first one is unaffected.
  auto client = connect();
  ASSERT_TRUE(client);
  expect_pong(*client);
  client.reset();
  stop(*first);
}

TEST_F(ServerProcessTest, SecondServerOnTheSameDirectoriesExitsWithOneLine) {
  init();
  auto first = start();
  std::string line = expect_start_fails();
  EXPECT_NE(line.find("another smp-server is running"), std::string::npos) << line;
  auto client = connect();
  ASSERT_TRUE(client);
  expect_pong(*client);
  client.reset();
  stop(*first);
}

TEST_F(ServerProcessTest, MalformedIniIsOneLineNamingTheFileAndLine) {
  init();
  std::ofstream(ini_file(), std::ios::app) << "this is not a setting\n";
  std::string line = expect_start_fails();
  EXPECT_EQ(line.rfind("Error: " + ini_file().string() + ":", 0), 0u) << line;
  EXPECT_NE(line.find("key: value"), std::string::npos) << line;
}

TEST_F(ServerProcessTest, InvalidValuesAndMissingKeysAreOneLine) {
  init();
  std::string ini = read_file(ini_file());
  set_ini("port", "52x3");
  EXPECT_NE(expect_start_fails().find("`port` must be a port number"), std::string::npos);
  std::ofstream(ini_file(), std::ios::trunc) << ini;
  set_ini("enable", "yes");
  EXPECT_NE(expect_start_fails().find("`on` or `off`"), std::string::npos);
  std::ofstream(ini_file(), std::ios::trunc) << "[STORE_LOG]\nenable: on\n";
  EXPECT_NE(expect_start_fails().find("missing key `port`"), std::string::npos);
}

TEST_F(ServerProcessTest, NotInitializedIsTheReferenceError) {
  Finished f = run({"start"});
  EXPECT_EQ(f.status, 1);
  EXPECT_EQ(f.err, "Error: server is not initialized (" + ini_file().string() +
                       " does not exist).\nRun `smp-server init`.\n");
}

TEST_F(ServerProcessTest, WrongFingerprintIsTheReferenceError) {
  init();
  std::ofstream(cfg_dir() / "fingerprint", std::ios::trunc)
      << transport::fingerprint_string(Bytes(32, 7)) << "\n";
  EXPECT_EQ(expect_start_fails(), "Stored fingerprint is invalid.");
}

TEST_F(ServerProcessTest, MissingOrForeignServerKeyIsOneLine) {
  init();
  fs::rename(cfg_dir() / "server.key", dir_.path() / "server.key");
  std::string line = expect_start_fails();
  EXPECT_NE(line.find((cfg_dir() / "server.key").string()), std::string::npos) << line;

  TempDir other;
  ChildProcess init_other(smp_server_binary(), {"init"},
                          {{"SMP_SERVER_CFG_PATH", (other.path() / "etc").string()},
                           {"SMP_SERVER_LOG_PATH", (other.path() / "log").string()}},
                          other.path() / "out", other.path() / "err");
  ASSERT_EQ(init_other.wait(60s), 0);
  fs::copy_file(other.path() / "etc" / "server.key", cfg_dir() / "server.key");
  EXPECT_NE(expect_start_fails().find("does not match"), std::string::npos);
}

TEST_F(ServerProcessTest, DeleteRemovesConfigurationAndLogs) {
  init();
  Finished f = run({"delete"});
  EXPECT_EQ(f.status, 0);
  EXPECT_EQ(f.out, "Deleted configuration and log files\n");
  EXPECT_FALSE(fs::exists(cfg_dir()));
  EXPECT_FALSE(fs::exists(log_dir()));
}

TEST_F(ServerProcessTest, ThousandQueuesSurviveKill9) {
  init();
  auto server = start();
  std::vector<RecipientQueue> queues;
  {
    auto client = connect();
    ASSERT_TRUE(client);
    for (int i = 0; i < 1000; ++i) {
      queues.push_back(create_queue(*client, numbered("n", i)));
      ASSERT_EQ(queues.back().rid.size(), 24u) << "NEW " << i;
    }
  }
  server->signal(SIGKILL);
  ASSERT_EQ(server->wait(10s), 128 + SIGKILL);

  server = start();
  EXPECT_NE(server->out().find("1000 queues restored"), std::string::npos) << server->out();
  auto client = connect();
  ASSERT_TRUE(client);
  for (std::size_t i = 0; i < queues.size(); ++i) {
    auto corr = numbered("s", static_cast<int>(i));
    expect_ok(client->request(corr, queues[i].rid, cmd::Sub{}, queues[i].key()), corr,
              queues[i].rid);
    if (HasFailure()) break;
  }
  client.reset();
  stop(*server);
  // Compacted at start: one CREATE per queue.
  EXPECT_EQ(lines_of(read_file(store_log())).size(), 1000u);
}

TEST_F(ServerProcessTest, UndeliveredMessagesAreRestoredAfterSigterm) {
  init();
  auto server = start();
  std::optional<RecipientQueue> created;
  {
    auto recipient = connect();
    auto sender = connect();
    ASSERT_TRUE(recipient && sender);
    created.emplace(create_queue(*recipient));
    const RecipientQueue& q = *created;
    // The queue's creator is subscribed: drop that connection before sending, so the
    // messages stay undelivered.
    recipient.reset();
    for (int i = 1; i <= 3; ++i) {
      auto corr = numbered("m", i);
      expect_ok(sender->request(corr, q.sid, cmd::Send{bytes_of(numbered("hello ", i))}), corr,
                q.sid);
    }
  }
  stop(*server);
  const RecipientQueue& q = *created;
  EXPECT_EQ(lines_of(read_file(messages_file())).size(), 3u);
  EXPECT_NE(server->out().find("saved 3 undelivered messages"), std::string::npos)
      << server->out();

  server = start();
  EXPECT_NE(server->out().find("restored 3 undelivered messages"), std::string::npos)
      << server->out();
  EXPECT_FALSE(fs::exists(messages_file()));
  auto recipient = connect();
  ASSERT_TRUE(recipient);
  expect_msg(recipient->request("sub", q.rid, cmd::Sub{}, q.key()), q, "sub", "hello 1");
  expect_msg(recipient->request("a1", q.rid, cmd::Ack{}, q.key()), q, "a1", "hello 2");
  expect_msg(recipient->request("a2", q.rid, cmd::Ack{}, q.key()), q, "a2", "hello 3");
  expect_ok(recipient->request("a3", q.rid, cmd::Ack{}, q.key()), "a3", q.rid);
  recipient.reset();
  stop(*server);
}

TEST_F(ServerProcessTest, StoreLogWithATornLastLineStartsCleanly) {
  init();
  auto server = start();
  std::vector<RecipientQueue> queues;
  {
    auto client = connect();
    ASSERT_TRUE(client);
    for (int i = 0; i < 3; ++i) queues.push_back(create_queue(*client, numbered("n", i)));
  }
  server->signal(SIGKILL);
  server->wait(10s);
  // A crash in the middle of a write leaves part of a line.
  std::ofstream(store_log(), std::ios::app) << "CREATE rid=AAECAwQFBgcICQoLDA0ODxAREhMUFRYX rk=MCow";

  server = start();
  EXPECT_NE(server->out().find("3 queues restored"), std::string::npos) << server->out();
  EXPECT_NE(server->out().find("1 lines skipped"), std::string::npos) << server->out();
  auto client = connect();
  ASSERT_TRUE(client);
  for (const auto& q : queues) expect_ok(client->request("s", q.rid, cmd::Sub{}, q.key()), "s", q.rid);
  client.reset();
  stop(*server);
  EXPECT_EQ(lines_of(read_file(store_log())).size(), 3u);
}

std::vector<std::string> sorted_lines(const std::string& text) {
  auto lines = lines_of(text);
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_F(ServerProcessTest, ReferenceStoreLogsLoadAtStart) {
  fs::path vectors = fs::path(vectors_dir()) / "storelog";
  if (!fs::exists(vectors / "before-compaction.log")) {
    GTEST_SKIP() << "vectors not found: " << vectors.string();
  }
  init();
  std::string expected = read_file(vectors / "after-compaction.log");
  for (const char* name : {"before-compaction.log", "after-compaction.log"}) {
    SCOPED_TRACE(name);
    fs::copy_file(vectors / name, store_log(), fs::copy_options::overwrite_existing);
    auto server = start();
    EXPECT_NE(server->out().find("2 queues restored"), std::string::npos) << server->out();
    EXPECT_EQ(server->out().find("skipped"), std::string::npos) << server->out();
    auto client = connect();
    ASSERT_TRUE(client);
    expect_pong(*client);
    client.reset();
    stop(*server);
    EXPECT_EQ(sorted_lines(read_file(store_log())), sorted_lines(expected));
  }
}

TEST_F(ServerProcessTest, PrometheusEndpointServesTheCounters) {
  init();
  set_ini("prometheus_port", "0");
  auto server = start();
  auto metrics_port = server->wait_for_line("Prometheus metrics on port ");
  ASSERT_TRUE(metrics_port) << server->out();
  {
    auto client = connect();
    ASSERT_TRUE(client);
    create_queue(*client);
  }
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"),
                  static_cast<std::uint16_t>(std::stoi(*metrics_port))});
  http::request<http::empty_body> request(http::verb::get, "/metrics", 11);
  request.set(http::field::host, "localhost");
  request.keep_alive(false);
  http::write(socket, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_NE(response.body().find("\nsmp_queues_created_total 1\n"), std::string::npos)
      << response.body();
  EXPECT_NE(response.body().find("\nsmp_queues 1\n"), std::string::npos) << response.body();
  stop(*server);
}

bool port_is_free(std::uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  acceptor.open(boost::asio::ip::tcp::v4(), ec);
  if (!ec) acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

// `make run`: the default server on 127.0.0.1:5223, initialised on first use and kept after.
TEST(DefaultServerScript, InitialisesOnceAndServesOnTheDefaultPort) {
  if (!port_is_free(5223)) GTEST_SKIP() << "port 5223 is in use";
  TempDir var;
  fs::path script = fs::path(SMP_SOURCE_DIR) / "scripts" / "start-default-server.sh";
  std::string build_dir = fs::path(SMP_BIN_DIR).parent_path().string();
  Env env{{"SMP_VAR_DIR", var.path().string()}};
  std::string fingerprint;
  for (int run = 0; run < 2; ++run) {
    SCOPED_TRACE(run);
    ChildProcess server("/bin/bash", {script.string(), build_dir}, env,
                        var.path() / numbered("out", run), var.path() / numbered("err", run));
    auto address = server.wait_for_line("Server address: smp://");
    ASSERT_TRUE(address) << server.out() << server.err();
    EXPECT_NE(address->find("@127.0.0.1"), std::string::npos) << *address;
    if (run == 0) fingerprint = *address;
    EXPECT_EQ(*address, fingerprint) << "the identity changed between runs";
    EXPECT_EQ(server.out().find("Server initialized") != std::string::npos, run == 0);
    ASSERT_TRUE(server.wait_for_line("Listening on port 5223 (TLS 1.2)..."));
    EXPECT_TRUE(fs::exists(var.path() / "etc" / "smp-server.ini"));
    EXPECT_TRUE(fs::exists(var.path() / "log" / "smp-server-store.log"));

    auto hash = transport::key_hash_of_certificate_file(var.path() / "etc" / "ca.crt");
    ASSERT_TRUE(hash);
    auto client = TestClient::connect(5223, Bytes(hash->begin(), hash->end()));
    ASSERT_TRUE(client);
    expect_pong(*client);
    client.reset();
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait(30s), 0) << server.err();
  }
}

}  // namespace
}  // namespace smp::test
