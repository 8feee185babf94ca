// A scriptable SMP server for client tests: real TLS and SMP handshake (transport layer),
// then a test-supplied coroutine does whatever the test needs with the connection — answer
// wrongly, stay silent, close mid-command. `tcp_only` accepts sockets and never speaks, for
// connect timeouts. Runs on its own thread; the script runs there. Not thread-safe otherwise.
#pragma once


#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include "smp/protocol/server_address.h"
#include "smp/protocol/transmission.h"
#include "smp/transport/certificates.h"
#include "smp/transport/connect.h"
#include "smp/transport/tls.h"

namespace smp::test {

namespace net = boost::asio;

class FakeSmpServer {
 public:
  using Script = std::function<net::awaitable<void>(transport::BlockTransport&)>;
  enum class Mode { smp, tcp_only };

  explicit FakeSmpServer(Script script, Mode mode = Mode::smp)
      : script_(std::move(script)), mode_(mode), acceptor_(io_) {
    const auto& certs = certificates();
    key_hash_ = to_bytes(transport::key_hash_of_certificate_pem(certs.ca_cert_pem).value());
    auto credentials = transport::server_credentials(certs);
    auto ctx = transport::make_server_context(credentials);
    EXPECT_TRUE(ctx);
    ctx_.emplace(std::move(*ctx));
    identity_.emplace(transport::server_handshake_identity(credentials).value());
    net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(io_, accept_loop(), net::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeSmpServer() {
    io_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  const Bytes& key_hash() const { return key_hash_; }
  protocol::SmpServer address() const {
    return protocol::SmpServer{"127.0.0.1", std::to_string(port_), key_hash_};
  }

  // Sends one broker transmission on `t`.
  static net::awaitable<void> answer(transport::BlockTransport& t, ByteView corr_id,
                                     ByteView queue_id, const protocol::BrokerMessage& m) {
    auto content = protocol::encode_broker_transmission({t.session_id(), corr_id, queue_id}, m);
    EXPECT_TRUE(content);
    if (content) (void)co_await t.write_block(*content);
  }

 private:
  static const transport::CertificateSet& certificates() {
    static const transport::CertificateSet set = [] {
      transport::CertificateOptions options;
      options.algorithm = transport::CertificateAlgorithm::ed25519;
      options.server_name = "127.0.0.1";
      return transport::generate_certificates(options).value();
    }();
    return set;
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      if (mode_ == Mode::tcp_only) {
        silent_.push_back(std::move(socket));
        continue;
      }
      net::co_spawn(io_, serve(std::move(socket)), net::detached);
    }
  }

  net::awaitable<void> serve(net::ip::tcp::socket socket) {
    auto t = co_await transport::accept_connection(std::move(socket), *ctx_, *identity_,
                                                   transport::TransportKind::tls,
                                                   std::chrono::seconds(5));
    if (!t) co_return;
    co_await script_(**t);
    (*t)->close();
  }

  Script script_;
  Mode mode_;
  net::io_context io_;
  net::ip::tcp::acceptor acceptor_;
  std::optional<transport::ssl::context> ctx_;
  std::optional<transport::ServerHandshakeIdentity> identity_;
  Bytes key_hash_;
  std::uint16_t port_ = 0;
  std::vector<net::ip::tcp::socket> silent_;
  std::thread thread_;
};

}  // namespace smp::test
