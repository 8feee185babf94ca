// Private message routing with two of our servers on 127.0.0.1: a proxy (A, the proxy role
// on) and a destination (B). A sender asks A for B's key (PRXY → PKEY), checks it as the
// reference's client does (connectSMPProxiedRelay: the chain against B's key hash, the
// signed key with the leaf's key), then sends through A (PFWD → RFWD → RRES → PRES) as
// Client.hs proxySMPCommand frames it. The checking, sealing and opening are the client
// library's (smp/client/proxied_relay.h); the connection to A is a raw one, so that each
// answer of the proxy is seen as it was sent. The flows follow tests/SMPProxyTests.hs at simplexmq
// 6.5.5; the error cases follow Server.hs processProxiedCmd and Client.hs smpProxyError.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "proxy_test_util.h"
#include "smp/client/proxied_relay.h"
#include "smp/server/server_context.h"
#include "smp/server/prometheus.h"
#include "smp/server/stats_reporter.h"
#include "support/current_test_client.h"
#include "support/test_server.h"

namespace smp::test {
namespace {

namespace proto = smp::protocol;
namespace cmd = smp::protocol::cmd;
namespace msg = smp::protocol::msg;
using namespace std::chrono_literals;
using crypto::KeyAlgorithm;
using client::ProxiedRelay;
using proto::BrokerErrorInfo;
using proto::ProxyErrorInfo;

cmd::Prxy prxy_for(std::uint16_t port, const Bytes& key_hash, std::string_view host = "127.0.0.1") {
  static thread_local std::string port_text;
  static thread_local std::string host_text;
  port_text = std::to_string(port);
  host_text = std::string(host);
  cmd::Prxy p;
  p.server.hosts[0] = as_bytes(host_text);
  p.server.host_count = 1;
  p.server.port = as_bytes(port_text);
  p.server.key_hash = key_hash;
  return p;
}

// The client's check of PKEY (client::check_proxy_key, as connectSMPProxiedRelay).
std::optional<ProxiedRelay> check_pkey(const CurrentReply& r, const Bytes& key_hash) {
  const auto* pkey = r.as<msg::PKey>();
  EXPECT_TRUE(pkey) << r.tag();
  if (!pkey) return std::nullopt;
  auto relay = client::check_proxy_key(
      {to_bytes(pkey->session_id), pkey->versions, to_bytes(pkey->cert_chain_pub_key)}, key_hash);
  EXPECT_TRUE(relay) << relay.error().message();
  if (!relay) return std::nullopt;
  return std::move(*relay);
}

// PFWD of one command for the destination, sealed and opened by the client library
// (client::seal_proxied_command / open_proxied_answer): the destination's answer (its ERR as
// the error), or nullopt with the ERR the proxy answered in *error. `wrong_key` seals for a
// key that is not the destination's.
std::optional<Result<client::Reply>> forward(CurrentTestClient& c, const ProxiedRelay& relay,
                                             ByteView entity, const proto::Command& command,
                                             std::optional<CurrentReply>* error = nullptr,
                                             bool wrong_key = false) {
  ProxiedRelay sealed_for = relay;
  if (wrong_key) sealed_for.dh_key = crypto::generate_key_pair(KeyAlgorithm::x25519).public_key;
  auto sealed = client::seal_proxied_command(sealed_for, nullptr, entity, command);
  EXPECT_TRUE(sealed);
  if (!sealed) return std::nullopt;
  const std::string corr(reinterpret_cast<const char*>(sealed->nonce.data()),
                         sealed->nonce.size());
  auto r = c.request(corr, relay.session_id,
                     cmd::PFwd{.version = relay.version,
                               .key = sealed->public_key,
                               .encrypted = sealed->encrypted});
  EXPECT_TRUE(r);
  if (!r) return std::nullopt;
  EXPECT_EQ(r->entity_id(), relay.session_id);
  const auto* pres = r->as<msg::PRes>();
  if (!pres) {
    if (error) *error = std::move(r);
    else ADD_FAILURE() << "PFWD answered " << r->tag();
    return std::nullopt;
  }
  return client::open_proxied_answer(relay, *sealed, entity, pres->encrypted);
}

bool is_ok(const std::optional<Result<client::Reply>>& answer) {
  return answer && answer->has_value() && std::holds_alternative<client::reply::Ok>(**answer);
}

ProxyErrorInfo::Kind proxy_kind(const CurrentReply& r) {
  EXPECT_EQ(r.err().code, errc::smp_proxy) << r.tag();
  return r.err().proxy_error ? r.err().proxy_error->kind : ProxyErrorInfo::Kind::no_session;
}

BrokerErrorInfo broker_error(const CurrentReply& r) {
  EXPECT_EQ(proxy_kind(r), ProxyErrorInfo::Kind::broker);
  return r.err().proxy_error ? r.err().proxy_error->broker : BrokerErrorInfo{};
}

// The body of the next MSG the recipient receives ("" if none).
std::string next_body(CurrentTestClient& rcv, const CurrentQueue& q) {
  auto delivered = rcv.receive();
  const auto* m = delivered ? delivered->as<msg::Msg>() : nullptr;
  EXPECT_TRUE(m) << (delivered ? delivered->tag() : "nothing");
  if (!m) return "";
  auto opened = open_current_message(q, *m);
  EXPECT_TRUE(opened);
  return opened ? to_string(opened->message.body) : "";
}

// A destination that accepts TCP connections and then says nothing.
class SilentServer {
 public:
  SilentServer() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] {
      while (!stop_) {
        boost::system::error_code ec;
        auto s = acceptor_.accept(ec);
        if (ec) break;
        held_.push_back(std::move(s));
      }
    });
  }
  ~SilentServer() {
    // Unblocks accept() with one last connection.
    stop_ = true;
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket wake(io);
    boost::system::error_code ignored;
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<boost::asio::ip::tcp::socket> held_;  // only the thread touches it
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

constexpr const char* kMicrosocks = "/usr/bin/microsocks";

bool accepts_connections(std::uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

// microsocks on 127.0.0.1:port() for the object's life (no authentication).
class Microsocks {
 public:
  Microsocks() : port_(closed_port()) {
    const std::string port_text = std::to_string(port_);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl(kMicrosocks, kMicrosocks, "-i", "127.0.0.1", "-p", port_text.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 100 && pid_ > 0 && !accepts_connections(port_); ++i) {
      std::this_thread::sleep_for(20ms);
    }
  }
  ~Microsocks() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  Microsocks(const Microsocks&) = delete;
  Microsocks& operator=(const Microsocks&) = delete;

  bool running() const { return pid_ > 0 && accepts_connections(port_); }
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
};

std::function<void(server::ServerConfig&)> proxy_via_socks(std::uint16_t socks_port,
                                                           server::SocksMode mode) {
  return [socks_port, mode](server::ServerConfig& c) {
    c.allow_smp_proxy = true;
    c.proxy_connect_timeout = 3s;
    c.proxy_request_timeout = 1500ms;
    server::SocksProxySetting socks;
    socks.port = socks_port;  // 127.0.0.1, isolation by authentication: the default
    c.proxy_socks = socks;
    c.proxy_socks_mode = mode;
  };
}

// The PRXY counts of a proxy's statistics.
server::ProxyCounts relays_of(TestServer& s) {
  return server::take_snapshot(s.server().context().stats, 0).proxy_relays;
}

class ServerProxyTest : public ::testing::Test {
 protected:
  std::unique_ptr<CurrentTestClient> connect_proxy() {
    return CurrentTestClient::connect(proxy_.port(), proxy_.key_hash());
  }
  std::unique_ptr<CurrentTestClient> connect_destination() {
    return CurrentTestClient::connect(destination_.port(), destination_.key_hash());
  }
  std::optional<ProxiedRelay> open_relay(CurrentTestClient& c, std::string_view corr = "prxy") {
    auto r = c.request(corr, {}, prxy_for(destination_.port(), destination_.key_hash()));
    EXPECT_TRUE(r);
    if (!r) return std::nullopt;
    EXPECT_TRUE(r->entity_id().empty());
    return check_pkey(*r, destination_.key_hash());
  }

  TestServer destination_;
  TestServer proxy_{proxy_role};
};

TEST_F(ServerProxyTest, ASenderSendsThroughTheProxyAndTheRecipientReceives) {
  auto rcv = connect_destination();
  ASSERT_TRUE(rcv);
  CurrentQueue q = create_current_queue(*rcv);
  auto sender = connect_proxy();
  ASSERT_TRUE(sender);
  auto relay = open_relay(*sender);
  ASSERT_TRUE(relay);
  // proxiedSMPRelayVRange (8..17) within what the destination offers (6..18).
  EXPECT_EQ(relay->versions, proto::kProxiedVersions);
  EXPECT_EQ(relay->session_id.size(), 32u);  // tls-unique of TLS 1.3

  EXPECT_EQ(relay->version, proto::kProxiedMaxVersion);
  auto answer = forward(*sender, *relay, q.sid, cmd::Send{.body = as_bytes("hello via A")});
  EXPECT_TRUE(is_ok(answer));
  EXPECT_EQ(next_body(*rcv, q), "hello via A");

  // A second client of the proxy shares the connection to the destination.
  auto second = connect_proxy();
  ASSERT_TRUE(second);
  auto relay2 = open_relay(*second, "prxy2");
  ASSERT_TRUE(relay2);
  EXPECT_EQ(relay2->session_id, relay->session_id);
  EXPECT_EQ(proxy_.server().context().proxy.relay_count(), 1u);
  // The destination's own answers come back inside PRES: a sender id it does not know.
  auto unknown = forward(*second, *relay2, Bytes(24, 7), cmd::Send{.body = as_bytes("x")});
  ASSERT_TRUE(unknown);
  ASSERT_FALSE(unknown->has_value());
  EXPECT_EQ(unknown->error(), errc::smp_auth);

  // The statistics: two PRXY and two PFWD answered (the destination's ERR inside PRES is
  // an answer), two RFWD served by the destination.
  const server::StatsSnapshot a = server::take_snapshot(proxy_.server().context().stats, 0);
  EXPECT_EQ(a.proxy_relays, (server::ProxyCounts{.requests = 2,
                                                 .successes = 2,
                                                 .errors_connect = 0,
                                                 .errors_compat = 0,
                                                 .errors_other = 0}));
  EXPECT_EQ(a.proxy_forwards, (server::ProxyCounts{.requests = 2,
                                                   .successes = 2,
                                                   .errors_connect = 0,
                                                   .errors_compat = 0,
                                                   .errors_other = 0}));
  EXPECT_EQ(server::take_snapshot(destination_.server().context().stats, 0).msgs_forwarded, 2u);
  EXPECT_EQ(a.proxy_relays_own, server::ProxyCounts{});  // no own_server_domains
  EXPECT_EQ(a.proxy_forwards_own, server::ProxyCounts{});
  const std::string metrics = server::format_prometheus_metrics(a);
  EXPECT_NE(metrics.find("simplex_smp_relay_messages_successes{source=\"all\"} 2\n"),
            std::string::npos);
}

TEST_F(ServerProxyTest, ShortLinkDataIsReadThroughTheProxy) {
  auto rcv = connect_destination();
  ASSERT_TRUE(rcv);
  CurrentQueue contact = create_current_queue(*rcv, "new", KeyAlgorithm::ed25519, [](cmd::New& n) {
    n.queue_request = proto::QueueRequest{.mode = proto::QueueMode::contact};
  });
  const Bytes link_id(24, 0x42);
  auto lset = rcv->request("l", contact.rid,
                           cmd::LSet{.link_id = link_id,
                                     .data = {.fixed_data = as_bytes("fixed"),
                                              .user_data = as_bytes("user")}},
                           contact.key());
  ASSERT_TRUE(lset);
  ASSERT_EQ(lset->tag(), "OK");
  auto sender = connect_proxy();
  ASSERT_TRUE(sender);
  auto relay = open_relay(*sender);
  ASSERT_TRUE(relay);
  auto answer = forward(*sender, *relay, link_id, cmd::LGet{});
  ASSERT_TRUE(answer && answer->has_value());
  const auto* lnk = std::get_if<client::QueueLink>(&**answer);
  ASSERT_TRUE(lnk);
  EXPECT_EQ(lnk->sender_id, contact.sid);
  EXPECT_EQ(to_string(lnk->fixed_data), "fixed");
  EXPECT_EQ(to_string(lnk->user_data), "user");
}

TEST_F(ServerProxyTest, AnUnreachableDestinationIsABrokerNetworkError) {
  auto sender = connect_proxy();
  ASSERT_TRUE(sender);
  auto r = sender->request("p", {}, prxy_for(closed_port(), destination_.key_hash()));
  ASSERT_TRUE(r);
  EXPECT_EQ(broker_error(*r).kind, BrokerErrorInfo::Kind::network);
  // The error is kept for a while (persistErrorInterval): the next PRXY gets it at once.
  auto again = sender->request("p2", {}, prxy_for(closed_port(), destination_.key_hash()));
  ASSERT_TRUE(again);
  EXPECT_EQ(broker_error(*again).kind, BrokerErrorInfo::Kind::network);
  // The connection to the proxy goes on.
  EXPECT_EQ(sender->request("ping", {}, cmd::Ping{})->tag(), "PONG");
}

TEST_F(ServerProxyTest, AWrongKeyHashIsRefused) {
  auto sender = connect_proxy();
  ASSERT_TRUE(sender);
  Bytes wrong = destination_.key_hash();
  wrong[0] ^= 0x01;
  auto r = sender->request("p", {}, prxy_for(destination_.port(), wrong));
  ASSERT_TRUE(r);
  EXPECT_EQ(broker_error(*r).kind, BrokerErrorInfo::Kind::network);
  // The right one still works: the failed attempt is kept per address, key hash included.
  EXPECT_TRUE(open_relay(*sender));
}

TEST_F(ServerProxyTest, AnOnionOnlyDestinationIsBrokerHost) {
  auto sender = connect_proxy();
  ASSERT_TRUE(sender);
  auto r = sender->request("p", {}, prxy_for(destination_.port(), destination_.key_hash(),
                                             "abcdefghijklmnop.onion"));
  ASSERT_TRUE(r);
  EXPECT_EQ(broker_error(*r).kind, BrokerErrorInfo::Kind::host);
}

TEST_F(ServerProxyTest, PfwdWithoutASessionIsNoSession) {
  auto sender = connect_proxy();
  ASSERT_TRUE(sender);
  ProxiedRelay nowhere{Bytes(32, 9), proto::kProxiedVersions, proto::kProxiedMaxVersion,
                       crypto::generate_key_pair(KeyAlgorithm::x25519).public_key};
  std::optional<CurrentReply> error;
  EXPECT_FALSE(forward(*sender, nowhere, Bytes(24, 1), cmd::Send{.body = as_bytes("x")}, &error));
  ASSERT_TRUE(error);
  EXPECT_EQ(proxy_kind(*error), ProxyErrorInfo::Kind::no_session);
  const auto forwards = server::take_snapshot(proxy_.server().context().stats, 0).proxy_forwards;
  EXPECT_EQ(forwards.requests, 1u);
  EXPECT_EQ(forwards.errors_connect, 1u);
}

// The destination cannot open the client's transmission: it answers RFWD with ERR CRYPTO,
// which the proxy passes on as PROXY PROTOCOL CRYPTO.
TEST_F(ServerProxyTest, TheDestinationsErrorIsProxyProtocol) {
  auto sender = connect_proxy();
  ASSERT_TRUE(sender);
  auto relay = open_relay(*sender);
  ASSERT_TRUE(relay);
  std::optional<CurrentReply> error;
  EXPECT_FALSE(forward(*sender, *relay, Bytes(24, 1), cmd::Send{.body = as_bytes("x")}, &error,
                       /*wrong_key=*/true));
  ASSERT_TRUE(error);
  ASSERT_EQ(proxy_kind(*error), ProxyErrorInfo::Kind::protocol);
  ASSERT_TRUE(error->err().proxy_error->protocol);
  EXPECT_EQ(error->err().proxy_error->protocol->code, errc::smp_crypto);
}

// A destination that accepts TCP and then says nothing: PRXY to it fails when the connect
// deadline (3 s here) passes, and meanwhile the proxy serves its other clients and destinations, and
// the same client's other commands.
TEST_F(ServerProxyTest, AStalledDestinationStallsNoOne) {
  SilentServer silent;
  auto stalled = connect_proxy();
  ASSERT_TRUE(stalled);
  stalled->send("stall", {}, prxy_for(silent.port(), destination_.key_hash()));
  // Its own connection answers at once.
  auto pong = stalled->request("ping", {}, cmd::Ping{});
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->tag(), "PONG");

  // Another client sends to B through the proxy meanwhile.
  auto rcv = connect_destination();
  ASSERT_TRUE(rcv);
  CurrentQueue q = create_current_queue(*rcv);
  auto other = connect_proxy();
  ASSERT_TRUE(other);
  auto relay = open_relay(*other);
  ASSERT_TRUE(relay);
  auto sent = forward(*other, *relay, q.sid, cmd::Send{.body = as_bytes("not stalled")});
  EXPECT_TRUE(is_ok(sent));
  EXPECT_EQ(next_body(*rcv, q), "not stalled");

  auto r = stalled->receive(10s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->corr_id(), "stall");
  EXPECT_EQ(broker_error(*r).kind, BrokerErrorInfo::Kind::network);
}

// [PROXY] client_concurrency (serverClientConcurrency): a client with that many proxied
// commands waiting is read no further until one completes, as the reference's
// forkProxiedCmd waits for its procThreads; with room left, the same PING is answered at once
// (AStalledDestinationStallsNoOne, concurrency 32).
TEST(ServerProxyConcurrencyTest, AClientAtItsLimitIsReadNoFurtherUntilOneCompletes) {
  SilentServer silent;
  TestServer proxy([](server::ServerConfig& c) {
    proxy_role(c);
    c.proxy_client_concurrency = 1;
    c.proxy_connect_timeout = 1500ms;
  });
  auto c = CurrentTestClient::connect(proxy.port(), proxy.key_hash());
  ASSERT_TRUE(c);
  const Bytes key_hash(32, 5);
  c->send("stall", {}, prxy_for(silent.port(), key_hash));
  c->send("ping", {}, cmd::Ping{});
  const auto sent = std::chrono::steady_clock::now();
  auto first = c->receive(10s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->corr_id(), "stall");  // the PING waited for the PRXY
  EXPECT_EQ(broker_error(*first).kind, BrokerErrorInfo::Kind::network);
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 1s);
  auto second = c->receive();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->corr_id(), "ping");
  EXPECT_EQ(second->tag(), "PONG");
}

TEST(ServerProxyVersionsTest, AVersionCappedDestination) {
  TestServer proxy(proxy_role);
  auto sender = CurrentTestClient::connect(proxy.port(), proxy.key_hash());
  ASSERT_TRUE(sender);

  TestServer old7([](server::ServerConfig& c) { c.current_versions = enc::VersionRange::of(6, 7); });
  auto r7 = sender->request("7", {}, prxy_for(old7.port(), old7.key_hash()));
  ASSERT_TRUE(r7);
  const BrokerErrorInfo e = broker_error(*r7);
  EXPECT_EQ(e.kind, BrokerErrorInfo::Kind::transport);
  EXPECT_EQ(e.transport.kind, proto::TransportErrorInfo::Kind::version);

  TestServer old12([](server::ServerConfig& c) { c.current_versions = enc::VersionRange::of(6, 12); });
  auto rcv = CurrentTestClient::connect(old12.port(), old12.key_hash());
  ASSERT_TRUE(rcv);
  CurrentQueue q = create_current_queue(*rcv);
  auto r12 = sender->request("12", {}, prxy_for(old12.port(), old12.key_hash()));
  ASSERT_TRUE(r12);
  auto relay = check_pkey(*r12, old12.key_hash());
  ASSERT_TRUE(relay);
  EXPECT_EQ(relay->versions, enc::VersionRange::of(8, 10));
  EXPECT_EQ(relay->version, 10);
  auto sent = forward(*sender, *relay, q.sid, cmd::Send{.body = as_bytes("to v10")});
  EXPECT_TRUE(is_ok(sent));
  EXPECT_EQ(next_body(*rcv, q), "to v10");
}

TEST(ServerProxyPasswordTest, OnlyClientsWithThePasswordMayUseTheProxy) {
  TestServer destination;
  TestServer proxy([](server::ServerConfig& c) {
    proxy_role(c);
    c.new_queue_basic_auth = std::string("s3cret");
  });
  auto sender = CurrentTestClient::connect(proxy.port(), proxy.key_hash());
  ASSERT_TRUE(sender);
  cmd::Prxy p = prxy_for(destination.port(), destination.key_hash());
  auto none = sender->request("1", {}, p);
  ASSERT_TRUE(none);
  EXPECT_EQ(proxy_kind(*none), ProxyErrorInfo::Kind::basic_auth);
  p.basic_auth = as_bytes("wrong");
  auto wrong = sender->request("2", {}, p);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(proxy_kind(*wrong), ProxyErrorInfo::Kind::basic_auth);
  p.basic_auth = as_bytes("s3cret");
  auto right = sender->request("3", {}, p);
  ASSERT_TRUE(right);
  EXPECT_TRUE(check_pkey(*right, destination.key_hash()));
}

// Waits until the proxy's pool holds no relay (its connections closed when idle).
bool pool_empties(TestServer& proxy, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (proxy.server().context().proxy.relay_count() != 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST(ServerProxyIdleTest, AnIdleConnectionToADestinationIsClosed) {
  TestServer destination;
  TestServer proxy([](server::ServerConfig& c) {
    proxy_role(c);
    c.proxy_idle_timeout = 300ms;
  });
  auto sender = CurrentTestClient::connect(proxy.port(), proxy.key_hash());
  ASSERT_TRUE(sender);
  auto r = sender->request("1", {}, prxy_for(destination.port(), destination.key_hash()));
  ASSERT_TRUE(r);
  auto relay = check_pkey(*r, destination.key_hash());
  ASSERT_TRUE(relay);
  EXPECT_EQ(proxy.server().context().proxy.relay_count(), 1u);
  EXPECT_TRUE(pool_empties(proxy, 5s));
  std::optional<CurrentReply> error;
  EXPECT_FALSE(forward(*sender, *relay, Bytes(24, 1), cmd::Send{.body = as_bytes("x")}, &error));
  ASSERT_TRUE(error);
  EXPECT_EQ(proxy_kind(*error), ProxyErrorInfo::Kind::no_session);
}

// A failed destination's error is kept for proxy_error_ttl; once expired it leaves the pool
// when another destination is asked for, even if nobody asks for it again.
TEST(ServerProxyIdleTest, ExpiredFailuresLeaveThePool) {
  TestServer proxy([](server::ServerConfig& c) {
    proxy_role(c);
    c.proxy_error_ttl = 200ms;
  });
  auto sender = CurrentTestClient::connect(proxy.port(), proxy.key_hash());
  ASSERT_TRUE(sender);
  const Bytes key_hash(32, 3);
  auto first = sender->request("1", {}, prxy_for(closed_port(), key_hash));
  ASSERT_TRUE(first);
  EXPECT_EQ(broker_error(*first).kind, BrokerErrorInfo::Kind::network);
  EXPECT_EQ(proxy.server().context().proxy.relay_count(), 1u);
  std::this_thread::sleep_for(300ms);
  auto second = sender->request("2", {}, prxy_for(closed_port(), key_hash));
  ASSERT_TRUE(second);
  EXPECT_EQ(broker_error(*second).kind, BrokerErrorInfo::Kind::network);
  EXPECT_EQ(proxy.server().context().proxy.relay_count(), 1u);  // only the second one
}

// [PROXY] max_destinations: a PRXY for one destination more than the limit is PROXY BROKER
// NETWORK at once (no connection is opened); the destinations already held are still served,
// and once one closes (idle) the next destination gets its place.
TEST(ServerProxyLimitsTest, NoMoreDestinationsThanTheLimit) {
  TestServer first, second;
  TestServer proxy([](server::ServerConfig& c) {
    proxy_role(c);
    c.proxy_max_destinations = 1;
    c.proxy_idle_timeout = 1s;
  });
  auto sender = CurrentTestClient::connect(proxy.port(), proxy.key_hash());
  ASSERT_TRUE(sender);
  auto a = sender->request("1", {}, prxy_for(first.port(), first.key_hash()));
  ASSERT_TRUE(a);
  EXPECT_TRUE(check_pkey(*a, first.key_hash()));
  auto refused = sender->request("2", {}, prxy_for(second.port(), second.key_hash()));
  ASSERT_TRUE(refused);
  EXPECT_EQ(broker_error(*refused).kind, BrokerErrorInfo::Kind::network);
  EXPECT_EQ(proxy.server().context().proxy.relay_count(), 1u);
  EXPECT_EQ(server::take_snapshot(second.server().context().stats, 0).connections_total, 0u);
  auto again = sender->request("3", {}, prxy_for(first.port(), first.key_hash()));
  ASSERT_TRUE(again);
  EXPECT_TRUE(check_pkey(*again, first.key_hash()));  // the one held is still served
  EXPECT_EQ(relays_of(proxy), (server::ProxyCounts{.requests = 3,
                                                   .successes = 2,
                                                   .errors_connect = 1,
                                                   .errors_compat = 0,
                                                   .errors_other = 0}));
  // The first destination's connection closes when idle; the second then gets its place.
  EXPECT_TRUE(pool_empties(proxy, 10s));
  auto b = sender->request("4", {}, prxy_for(second.port(), second.key_hash()));
  ASSERT_TRUE(b);
  EXPECT_TRUE(check_pkey(*b, second.key_hash()));
}

// [PROXY] own_server_domains: PRXY and PFWD to a destination whose first host is one of the
// operator's domains are counted in the "own" statistics too (mkIncProxyStats); the same
// server named by another host is not.
TEST(ServerProxyOwnTest, RequestsToOwnServersAreCountedAgain) {
  TestServer destination;
  TestServer proxy([](server::ServerConfig& c) {
    proxy_role(c);
    c.proxy_own_server_domains = {"example.com", "127.0.0.1"};
  });
  auto rcv = CurrentTestClient::connect(destination.port(), destination.key_hash());
  ASSERT_TRUE(rcv);
  auto sender = CurrentTestClient::connect(proxy.port(), proxy.key_hash());
  ASSERT_TRUE(sender);
  for (const char* host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    CurrentQueue q = create_current_queue(*rcv, host);  // a queue each: no ACK needed
    auto r = sender->request(host, {}, prxy_for(destination.port(), destination.key_hash(), host));
    ASSERT_TRUE(r);
    auto relay = check_pkey(*r, destination.key_hash());
    ASSERT_TRUE(relay);
    EXPECT_TRUE(is_ok(forward(*sender, *relay, q.sid, cmd::Send{.body = as_bytes(host)})));
    EXPECT_EQ(next_body(*rcv, q), host);
  }
  const server::StatsSnapshot s = server::take_snapshot(proxy.server().context().stats, 0);
  const server::ProxyCounts two{.requests = 2, .successes = 2, .errors_connect = 0,
                                .errors_compat = 0, .errors_other = 0};
  const server::ProxyCounts one{.requests = 1, .successes = 1, .errors_connect = 0,
                                .errors_compat = 0, .errors_other = 0};
  EXPECT_EQ(s.proxy_relays, two);
  EXPECT_EQ(s.proxy_relays_own, one);
  EXPECT_EQ(s.proxy_forwards, two);
  EXPECT_EQ(s.proxy_forwards_own, one);
  EXPECT_NE(server::format_prometheus_metrics(s).find(
                "simplex_smp_relay_messages_successes{source=\"own\"} 1\n"),
            std::string::npos);
}

// [PROXY] required_host_mode = on with host_mode = onion and a SOCKS proxy: an address
// without an .onion host is PROXY BROKER HOST, and no connection is tried.
TEST(ServerProxyHostModeTest, ARequiredOnionHostThatIsMissingIsBrokerHost) {
  TestServer destination;
  TestServer proxy([](server::ServerConfig& c) {
    proxy_via_socks(closed_port(), server::SocksMode::onion)(c);
    c.proxy_host_mode = server::HostMode::onion;
    c.proxy_required_host_mode = true;
  });
  auto sender = CurrentTestClient::connect(proxy.port(), proxy.key_hash());
  ASSERT_TRUE(sender);
  auto r = sender->request("1", {}, prxy_for(destination.port(), destination.key_hash()));
  ASSERT_TRUE(r);
  EXPECT_EQ(broker_error(*r).kind, BrokerErrorInfo::Kind::host);
  EXPECT_EQ(proxy.server().context().proxy.relay_count(), 0u);
}

TEST(ServerProxyOffTest, WithoutTheProxyRolePrxyIsBasicAuth) {
  TestServer server;
  auto c = CurrentTestClient::connect(server.port(), server.key_hash());
  ASSERT_TRUE(c);
  auto r = c->request("1", {}, prxy_for(server.port(), server.key_hash()));
  ASSERT_TRUE(r);
  EXPECT_EQ(proxy_kind(*r), ProxyErrorInfo::Kind::basic_auth);
}

// [PROXY] socks_proxy / socks_mode with a real SOCKS5 server (microsocks) between the proxy
// and the destination. That the connection really goes through SOCKS shows in the failures:
// in mode `always` with nothing listening on the SOCKS port, PRXY to a destination that is up
// fails with PROXY BROKER NETWORK; with microsocks there, the same PRXY gets PKEY and the
// message is delivered.
TEST(ServerProxySocksTest, ModeAlwaysWithNoSocksProxyListeningIsBrokerNetwork) {
  TestServer destination;
  TestServer proxy(proxy_via_socks(closed_port(), server::SocksMode::always));
  auto sender = CurrentTestClient::connect(proxy.port(), proxy.key_hash());
  ASSERT_TRUE(sender);
  // The destination is up and reachable directly, but the proxy must go through SOCKS.
  auto r = sender->request("p", {}, prxy_for(destination.port(), destination.key_hash(),
                                             "127.0.0.1"));
  ASSERT_TRUE(r);
  EXPECT_EQ(broker_error(*r).kind, BrokerErrorInfo::Kind::network);
  EXPECT_EQ(relays_of(proxy), (server::ProxyCounts{.requests = 1,
                                                   .successes = 0,
                                                   .errors_connect = 1,
                                                   .errors_compat = 0,
                                                   .errors_other = 0}));
}

TEST(ServerProxySocksTest, ModeOnionConnectsToPublicHostsDirectly) {
  TestServer destination;
  TestServer proxy(proxy_via_socks(closed_port(), server::SocksMode::onion));
  auto sender = CurrentTestClient::connect(proxy.port(), proxy.key_hash());
  ASSERT_TRUE(sender);
  auto r = sender->request("p", {}, prxy_for(destination.port(), destination.key_hash(),
                                             "127.0.0.1"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->tag(), "PKEY");
  // An onion-only destination is no longer BROKER HOST: it goes to the SOCKS proxy, which
  // is not there.
  auto onion = sender->request("o", {}, prxy_for(destination.port(), destination.key_hash(),
                                                 "abcdefghijklmnop.onion"));
  ASSERT_TRUE(onion);
  EXPECT_EQ(broker_error(*onion).kind, BrokerErrorInfo::Kind::network);
  EXPECT_EQ(relays_of(proxy).successes, 1u);
  EXPECT_EQ(relays_of(proxy).errors_connect, 1u);
}

TEST(ServerProxySocksTest, ThroughMicrosocksTheMessageIsDelivered) {
  if (!std::filesystem::exists(kMicrosocks)) GTEST_SKIP() << "microsocks is not installed";
  Microsocks socks;
  ASSERT_TRUE(socks.running());
  TestServer destination;
  TestServer proxy(proxy_via_socks(socks.port(), server::SocksMode::always));

  auto rcv = CurrentTestClient::connect(destination.port(), destination.key_hash());
  ASSERT_TRUE(rcv);
  CurrentQueue q = create_current_queue(*rcv);
  auto sender = CurrentTestClient::connect(proxy.port(), proxy.key_hash());
  ASSERT_TRUE(sender);
  auto r = sender->request("p", {}, prxy_for(destination.port(), destination.key_hash(),
                                             "127.0.0.1"));
  ASSERT_TRUE(r);
  auto relay = check_pkey(*r, destination.key_hash());
  ASSERT_TRUE(relay);
  EXPECT_TRUE(is_ok(forward(*sender, *relay, q.sid, cmd::Send{.body = as_bytes("via socks")})));
  EXPECT_EQ(next_body(*rcv, q), "via socks");

  const server::StatsSnapshot a = server::take_snapshot(proxy.server().context().stats, 0);
  EXPECT_EQ(a.proxy_relays.requests, 1u);
  EXPECT_EQ(a.proxy_relays.successes, 1u);
  EXPECT_EQ(a.proxy_forwards.requests, 1u);
  EXPECT_EQ(a.proxy_forwards.successes, 1u);
  EXPECT_EQ(server::take_snapshot(destination.server().context().stats, 0).msgs_forwarded, 1u);
}

}  // namespace
}  // namespace smp::test
