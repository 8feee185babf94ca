// The agent's TLS client port (AgentServer, AgentSession) over real TLS on 127.0.0.1, with a
// fake agent behind it: the welcome line, commands reaching the agent and its events coming
// back byte-exact, the reference's ERR CMD answers to malformed input, pipelining, several
// clients, backpressure and stalled handshakes.

#include "smp/agent/agent_server.h"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include "smp/agent/agent_credentials.h"
#include "support/agent_test_client.h"
#include "support/temp_dir.h"

namespace smp::test {
namespace {

namespace net = boost::asio;
using namespace agent;

struct Submitted {
  std::string corr_id;
  ConnId conn_id;
  AgentCommand command;
};

// Records what it is given and answers each command with what `answer` returns (OK by
// default), through the sink, from within submit(). Thread-safe.
class FakeAgent final : public AgentApi {
 public:
  using Answer = std::function<std::vector<AgentEvent>(const Submitted&)>;
  FakeAgent(AgentEventSink sink, Answer answer)
      : sink_(std::move(sink)), answer_(std::move(answer)) {}

  void submit(std::string corr_id, ConnId conn_id, AgentCommand command) override {
    Submitted s{std::move(corr_id), std::move(conn_id), std::move(command)};
    std::vector<AgentEvent> events =
        answer_ ? answer_(s) : std::vector<AgentEvent>{{s.corr_id, s.conn_id, cmd::Ok{}}};
    {
      std::lock_guard lock(mu_);
      submitted_.push_back(s);
    }
    for (auto& e : events) sink_(std::move(e));
  }

  // An asynchronous notification (or anything) from the agent, from the calling thread.
  void emit(AgentEvent e) { sink_(std::move(e)); }
  AgentEventSink sink() const { return sink_; }

  std::vector<Submitted> submitted() const {
    std::lock_guard lock(mu_);
    return submitted_;
  }

 private:
  const AgentEventSink sink_;
  const Answer answer_;
  mutable std::mutex mu_;
  std::vector<Submitted> submitted_;
};

class AgentServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto credentials = load_or_create_agent_credentials(dir_.path() / "certs");
    ASSERT_TRUE(credentials) << credentials.error().message;
    key_hash_ = credentials->key_hash;
    credentials_ = std::move(credentials->tls);
  }

  void TearDown() override { stop_server(); }

  void start_server(AgentServerConfig config = {}) {
    config.host = "127.0.0.1";
    config.port = 0;
    server_.emplace(io_, config, std::move(credentials_), [this](AgentEventSink sink) {
      auto agent = std::make_shared<FakeAgent>(std::move(sink), answer_);
      std::lock_guard lock(mu_);
      agents_.push_back(agent);
      cv_.notify_all();
      return agent;
    });
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().message;
    port_ = server_->port();
    ASSERT_NE(port_, 0);
    thread_ = std::thread([this] { io_.run(); });
  }

  void stop_server() {
    if (!server_) return;
    server_->stop();
    EXPECT_TRUE(server_->wait_stopped(5s));
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  std::unique_ptr<AgentTestClient> connect() { return AgentTestClient::connect(port_, key_hash_); }

  // The agent made for the n-th connection (0-based), waiting for it to exist.
  std::shared_ptr<FakeAgent> agent(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 5s, [&] { return agents_.size() > n; });
    return agents_.size() > n ? agents_[n].lock() : nullptr;
  }
  std::weak_ptr<FakeAgent> weak_agent(std::size_t n) {
    std::unique_lock lock(mu_);
    return agents_.size() > n ? agents_[n] : std::weak_ptr<FakeAgent>();
  }

  // Waits until the server has `n` sessions.
  bool sessions_become(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (server_->session_count() != n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  TempDir dir_;
  Bytes key_hash_;
  transport::ServerCredentials credentials_;
  FakeAgent::Answer answer_;  // set before start_server()
  net::io_context io_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{io_.get_executor()};
  std::optional<AgentServer> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::weak_ptr<FakeAgent>> agents_;
};

std::string info_transmission(std::string_view conn_id, const std::string& body) {
  return "\r\n" + std::string(conn_id) + "\r\nINFO " + std::to_string(body.size()) + "\n" + body +
         "\r\n";
}

// Reads exactly as many bytes as `expected` has and compares them.
void expect_bytes(AgentTestClient& c, const std::string& expected) {
  EXPECT_EQ(c.read_bytes(expected.size()), std::optional<std::string>(expected));
}

std::string patterned(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + 7) % 256);
  return s;
}

TEST_F(AgentServerTest, GreetsWithTheReferenceWelcomeLineAfterTheHandshake) {
  start_server();
  auto c = AgentTestClient::try_connect(port_, key_hash_);
  ASSERT_TRUE(c) << c.error().message();
  expect_bytes(**c, "Welcome to SMP agent v1.0.0\r\n");
  EXPECT_TRUE((*c)->nothing_within(100ms));
}

TEST_F(AgentServerTest, RejectsAClientPinningAnotherKeyHash) {
  start_server();
  Bytes wrong = key_hash_;
  wrong[0] ^= 1;
  auto c = AgentTestClient::try_connect(port_, wrong, 2s);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), errc::tls_failure);
}

TEST_F(AgentServerTest, CommandReachesTheAgentAndItsAnswerComesBackByteExact) {
  start_server();
  auto c = connect();
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send_raw("1\r\nbob\r\nNEW INV\r\n"));
  expect_bytes(*c, "1\r\nbob\r\nOK\r\n");
  auto seen = agent(0)->submitted();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].corr_id, "1");
  EXPECT_EQ(seen[0].conn_id, "bob");
  EXPECT_EQ(seen[0].command, AgentCommand(cmd::New{ConnectionMode::invitation}));
}

TEST_F(AgentServerTest, LfOnlyLinesAreAccepted) {
  start_server();
  auto c = connect();
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send_raw("7\nalice\nSUB\n"));
  expect_transmission(c->receive(), "7", "alice", cmd::Ok{});
  EXPECT_EQ(agent(0)->submitted().at(0).command, AgentCommand(cmd::Sub{}));
}

TEST_F(AgentServerTest, SizeFormBodiesOfZeroOneAndLargestSizeTravelExactlyBothWays) {
  // The agent answers SEND with MID 1 followed by an INFO notification carrying the body back.
  answer_ = [](const Submitted& s) {
    std::vector<AgentEvent> out{{s.corr_id, s.conn_id, cmd::Mid{1}}};
    if (const auto* send = std::get_if<cmd::Send>(&s.command)) {
      out.push_back({"", s.conn_id, cmd::Info{send->body}});
    }
    return out;
  };
  start_server();
  auto c = connect();
  ASSERT_TRUE(c);
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{15811}}) {
    SCOPED_TRACE(size);
    const std::string body = patterned(size);
    ASSERT_TRUE(c->send_raw("s\r\nconn\r\nSEND " + std::to_string(size) + "\n" + body + "\r\n"));
    expect_bytes(*c, "s\r\nconn\r\nMID 1\r\n");
    const std::string expected = info_transmission("conn", body);
    expect_bytes(*c, expected);
  }
  auto seen = agent(0)->submitted();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].command, AgentCommand(cmd::Send{Bytes{}}));
  EXPECT_EQ(seen[1].command, AgentCommand(cmd::Send{to_bytes(as_bytes(patterned(1)))}));
  EXPECT_EQ(seen[2].command, AgentCommand(cmd::Send{to_bytes(as_bytes(patterned(15811)))}));
}

TEST_F(AgentServerTest, StringFormBodyIsTheRestOfTheLine) {
  start_server();
  auto c = connect();
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send_raw("2\r\nbob\r\nSEND :hello there\r\n3\r\nbob\r\nLET abc :bob's info\r\n"));
  expect_transmission(c->receive(), "2", "bob", cmd::Ok{});
  expect_transmission(c->receive(), "3", "bob", cmd::Ok{});
  auto seen = agent(0)->submitted();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].command, AgentCommand(cmd::Send{to_bytes(as_bytes("hello there"))}));
  EXPECT_EQ(seen[1].command,
            AgentCommand(cmd::Let{"abc", to_bytes(as_bytes(std::string_view("bob's info")))}));
}

TEST_F(AgentServerTest, MalformedInputIsAnsweredWithTheReferenceErrorsAndTheSessionGoesOn) {
  start_server();
  auto c = connect();
  ASSERT_TRUE(c);
  struct Case {
    std::string input;
    std::string expected;
  };
  const std::vector<Case> cases{
      {"1\r\nc\r\nFOO\r\n", "1\r\nc\r\nERR CMD SYNTAX\r\n"},            // unknown tag
      {"2\r\nc\r\nSEND 5\nhelloXX\r\n", "2\r\nc\r\nERR CMD SIZE\r\n"},  // bad size
      {"3\r\nc\r\nSEND x5\r\n", "3\r\nc\r\nERR CMD SYNTAX\r\n"},        // not a number
      {"4\r\n\r\nSUB\r\n", "4\r\n\r\nERR CMD NO_CONN\r\n"},             // missing connId
      {"5\r\nc\r\nOK\r\n", "5\r\nc\r\nERR CMD PROHIBITED\r\n"},         // agent's response
      {"6\r\nc\r\nMID 3\r\n", "6\r\nc\r\nERR CMD PROHIBITED\r\n"},      // agent's response
      {"7\r\n\r\nSEND 5\nhello\r\n", "7\r\n\r\nERR CMD NO_CONN\r\n"},   // body skipped
      {"8\r\nc\r\nNEW FOO\r\n", "8\r\nc\r\nERR CMD SYNTAX\r\n"},        // bad argument
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.input);
    ASSERT_TRUE(c->send_raw(k.input));
    expect_bytes(*c, k.expected);
    // Still usable: the next command reaches the agent.
    ASSERT_TRUE(c->send_raw("ok\r\nc\r\nSUB\r\n"));
    expect_bytes(*c, "ok\r\nc\r\nOK\r\n");
  }
  for (const Submitted& s : agent(0)->submitted()) {
    EXPECT_EQ(s.corr_id, "ok") << "a malformed command reached the agent";
  }
  EXPECT_EQ(agent(0)->submitted().size(), cases.size());
}

TEST_F(AgentServerTest, ManyPipelinedCommandsInOneWriteAreAnsweredInOrder) {
  start_server();
  auto c = connect();
  ASSERT_TRUE(c);
  constexpr int kCommands = 500;
  std::string burst;
  for (int i = 0; i < kCommands; ++i)
    burst += std::to_string(i) + "\r\nc" + std::to_string(i) + "\r\nSUB\r\n";
  ASSERT_TRUE(c->send_raw(burst));
  for (int i = 0; i < kCommands; ++i) {
    auto t = c->receive();
    expect_transmission(t, std::to_string(i), "c" + std::to_string(i), cmd::Ok{});
    if (!t) break;
  }
  auto seen = agent(0)->submitted();
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kCommands));
  for (int i = 0; i < kCommands; ++i)
    EXPECT_EQ(seen[static_cast<std::size_t>(i)].corr_id, std::to_string(i));
}

TEST_F(AgentServerTest, EachClientHasItsOwnAgentAndHearsOnlyItsEvents) {
  start_server();
  constexpr std::size_t kClients = 6;
  std::vector<std::unique_ptr<AgentTestClient>> clients;
  for (std::size_t i = 0; i < kClients; ++i) {
    clients.push_back(connect());
    ASSERT_TRUE(clients.back());
    ASSERT_TRUE(agent(i));  // made when the client connected
  }
  ASSERT_TRUE(sessions_become(kClients));
  for (std::size_t i = 0; i < kClients; ++i) {
    clients[i]->send("c" + std::to_string(i), "conn", cmd::Sub{});
  }
  for (std::size_t i = 0; i < kClients; ++i) {
    expect_transmission(clients[i]->receive(), "c" + std::to_string(i), "conn", cmd::Ok{});
  }
  // A notification from agent i reaches client i alone.
  std::vector<std::shared_ptr<FakeAgent>> agents;
  for (std::size_t i = 0; i < kClients; ++i) {
    agents.push_back(agent(i));
    ASSERT_EQ(agents[i]->submitted().size(), 1u) << "agent " << i;
  }
  // Which client belongs to which agent: the one whose SUB it saw.
  for (std::size_t i = 0; i < kClients; ++i) {
    const std::string corr = agents[i]->submitted()[0].corr_id;
    const std::size_t client = static_cast<std::size_t>(std::stoi(corr.substr(1)));
    agents[i]->emit({"", "conn", cmd::Con{}});
    expect_transmission(clients[client]->receive(), "", "conn", cmd::Con{});
    for (std::size_t j = 0; j < kClients; ++j) {
      if (j != client) {
        EXPECT_TRUE(clients[j]->nothing_within(20ms)) << "client " << j;
      }
    }
  }
}

TEST_F(AgentServerTest, ClientThatStopsReadingIsDisconnectedWhenItsQueueOverflows) {
  // Each SUB makes the agent say 200 INFOs of 15 KB: 3 MB, over the 256 KB limit.
  answer_ = [](const Submitted& s) {
    std::vector<AgentEvent> out;
    for (int i = 0; i < 200; ++i) {
      out.push_back({"", s.conn_id, cmd::Info{Bytes(15000, std::uint8_t{'x'})}});
    }
    return out;
  };
  AgentServerConfig config;
  config.session.read_pause_bytes = 64 * 1024;
  config.session.max_queued_bytes = 256 * 1024;
  config.session.send_timeout = 60s;
  start_server(config);
  auto c = connect();
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send_raw("1\r\nc\r\nSUB\r\n"));  // and never read
  EXPECT_TRUE(sessions_become(0));
  EXPECT_TRUE(weak_agent(0).expired()) << "the session still holds its agent";
  EXPECT_TRUE(c->wait_closed(5s));
}

TEST_F(AgentServerTest, ClientThatStopsReadingIsDisconnectedWhenAWriteStalls) {
  answer_ = [](const Submitted& s) {
    std::vector<AgentEvent> out;
    for (int i = 0; i < 600; ++i) {
      out.push_back({"", s.conn_id, cmd::Info{Bytes(15000, std::uint8_t{'x'})}});
    }
    return out;
  };
  AgentServerConfig config;
  config.session.max_queued_bytes = 64 * 1024 * 1024;  // never reached: the write stalls
  config.session.send_timeout = 300ms;
  start_server(config);
  auto c = connect();
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send_raw("1\r\nc\r\nSUB\r\n"));
  EXPECT_TRUE(sessions_become(0, 10s));
  EXPECT_TRUE(c->wait_closed(10s));
}

TEST_F(AgentServerTest, SlowReaderIsNotDisconnected) {
  answer_ = [](const Submitted& s) {
    std::vector<AgentEvent> out{{s.corr_id, s.conn_id, cmd::Ok{}}};
    for (int i = 0; i < 40; ++i)
      out.push_back({"", s.conn_id, cmd::Info{Bytes(15000, std::uint8_t{'y'})}});
    return out;
  };
  AgentServerConfig config;
  config.session.read_pause_bytes = 64 * 1024;
  config.session.max_queued_bytes = 1024 * 1024;
  start_server(config);
  auto c = connect();
  ASSERT_TRUE(c);
  c->send("1", "c", cmd::Sub{});
  expect_transmission(c->receive(), "1", "c", cmd::Ok{});
  for (int i = 0; i < 40; ++i) {
    auto t = c->receive();
    ASSERT_TRUE(t) << i;
    std::this_thread::sleep_for(2ms);
  }
  expect_transmission(c->request("2", "c", cmd::Off{}), "2", "c", cmd::Ok{});
}

TEST_F(AgentServerTest, StalledHandshakeDoesNotDelayOthersAndTimesOut) {
  AgentServerConfig config;
  config.handshake_timeout = 500ms;
  start_server(config);
  net::io_context raw_io;
  net::ip::tcp::socket stalled(raw_io);
  boost::system::error_code ec;
  stalled.connect({net::ip::make_address("127.0.0.1"), port_}, ec);
  ASSERT_FALSE(ec) << ec.message();
  // Half a record header, then silence.
  net::write(stalled, net::buffer(std::string("\x16\x03", 2)), ec);

  auto started = std::chrono::steady_clock::now();
  auto c = connect();
  ASSERT_TRUE(c);
  expect_transmission(c->request("1", "c", cmd::Sub{}), "1", "c", cmd::Ok{});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 400ms);

  // The server gives up on the stalled one: it reads EOF.
  std::array<char, 64> buf{};
  stalled.read_some(net::buffer(buf), ec);
  EXPECT_TRUE(ec) << "the stalled connection was not closed";
  EXPECT_EQ(server_->session_count(), 1u);
}

TEST_F(AgentServerTest, ClientsBeyondTheLimitAreRefusedUntilOneLeaves) {
  AgentServerConfig config;
  config.max_clients = 2;
  start_server(config);
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(a && b);
  auto refused = AgentTestClient::try_connect(port_, key_hash_, 2s);
  EXPECT_FALSE(refused);
  expect_transmission(a->request("1", "c", cmd::Sub{}), "1", "c", cmd::Ok{});
  a.reset();
  ASSERT_TRUE(sessions_become(1));
  // The slot is free once the session is gone.
  std::unique_ptr<AgentTestClient> c;
  for (int i = 0; i < 50 && !c; ++i) {
    auto attempt = AgentTestClient::try_connect(port_, key_hash_, 2s);
    if (attempt) {
      c = std::move(*attempt);
    } else {
      std::this_thread::sleep_for(20ms);
    }
  }
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->read_line().has_value());
}

TEST_F(AgentServerTest, EventsAfterTheClientLeftAreDropped) {
  start_server();
  auto c = connect();
  ASSERT_TRUE(c);
  AgentEventSink sink = agent(0)->sink();
  c.reset();
  ASSERT_TRUE(sessions_become(0));
  sink(AgentEvent{"", "c", cmd::Con{}});  // the session is gone: nothing happens
  EXPECT_TRUE(weak_agent(0).expired());
}

TEST_F(AgentServerTest, StopClosesEveryClientAndReleasesTheAgents) {
  start_server();
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(sessions_become(2));
  server_->stop();
  EXPECT_TRUE(server_->wait_stopped(5s));
  EXPECT_TRUE(a->wait_closed(5s));
  EXPECT_TRUE(b->wait_closed(5s));
  EXPECT_EQ(server_->session_count(), 0u);
  EXPECT_TRUE(weak_agent(0).expired());
  EXPECT_TRUE(weak_agent(1).expired());
  // No new connections.
  auto late = AgentTestClient::try_connect(port_, key_hash_, 1s);
  EXPECT_FALSE(late);
}

TEST_F(AgentServerTest, StopWritesWhatTheAgentAlreadyGaveBeforeClosing) {
  start_server();
  auto c = connect();
  ASSERT_TRUE(c);
  ASSERT_TRUE(sessions_become(1));
  // More than one write's worth, all given just before the stop: none may be lost.
  constexpr int kEvents = 40;
  const Bytes body = to_bytes(as_bytes(patterned(15000)));
  for (int i = 0; i < kEvents; ++i) {
    agent(0)->emit(AgentEvent{"", "conn" + std::to_string(i), cmd::Info{body}});
  }
  server_->stop();
  for (int i = 0; i < kEvents; ++i) {
    auto t = c->receive(5s);
    ASSERT_TRUE(t) << "event " << i << " was lost";
    EXPECT_EQ(t->conn_id, "conn" + std::to_string(i));
    ASSERT_TRUE(t->ok());
    EXPECT_EQ(t->command(), AgentCommand(cmd::Info{body}));
  }
  EXPECT_TRUE(c->wait_closed(5s));
  EXPECT_TRUE(server_->wait_stopped(5s));
  EXPECT_TRUE(weak_agent(0).expired());
}

TEST_F(AgentServerTest, StopClosesAClientThatDoesNotReadWithinTheDrainTime) {
  AgentServerConfig config;
  config.session.max_queued_bytes = 64 * 1024 * 1024;  // never reached
  start_server(config);
  auto c = connect();  // and never read from below
  ASSERT_TRUE(c);
  ASSERT_TRUE(sessions_become(1));
  const Bytes body = to_bytes(as_bytes(patterned(15000)));
  for (int i = 0; i < 600; ++i) agent(0)->emit(AgentEvent{"", "conn", cmd::Info{body}});
  const auto started = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_TRUE(server_->wait_stopped(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(AgentServerTest, SecondServerOnABusyPortFailsWithOneLine) {
  start_server();
  net::io_context other_io;
  auto credentials = load_or_create_agent_credentials(dir_.path() / "certs");
  ASSERT_TRUE(credentials);
  AgentServerConfig config;
  config.port = port_;
  AgentServer second(other_io, config, std::move(credentials->tls), nullptr);
  auto started = second.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("cannot listen on 127.0.0.1:"), std::string::npos)
      << started.error().message;
  EXPECT_EQ(started.error().message.find('\n'), std::string::npos);
}

TEST_F(AgentServerTest, FactoryReturningNoAgentClosesTheConnection) {
  net::io_context io;
  auto credentials = load_or_create_agent_credentials(dir_.path() / "certs");
  ASSERT_TRUE(credentials);
  AgentServerConfig config;
  config.port = 0;
  AgentServer server(io, config, std::move(credentials->tls),
                     [](AgentEventSink) { return std::shared_ptr<AgentApi>(); });
  ASSERT_TRUE(server.start());
  std::thread t([&] { io.run(); });
  {
    auto c = AgentTestClient::try_connect(server.port(), key_hash_);
    EXPECT_TRUE(c);
    if (c) {
      EXPECT_TRUE((*c)->wait_closed(5s));
    }
  }
  server.stop();
  EXPECT_TRUE(server.wait_stopped(5s));
  io.stop();
  t.join();
}

}  // namespace
}  // namespace smp::test
