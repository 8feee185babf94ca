// Test helpers for real TLS over 127.0.0.1: a server identity generated in memory, a listener
// on an ephemeral port, and coroutines for one accept and one connect. Not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "smp/transport/certificates.h"
#include "smp/transport/connect.h"
#include "smp/transport/tls.h"

namespace smp::test {

using namespace std::chrono_literals;
using transport::BlockTransport;
using transport::StreamTransport;
using transport::Tcp;
using transport::TransportKind;

// Certificates, the server context built from them, the CA key hash clients pin and what
// the server's handshakes need.
struct ServerIdentity {
  transport::CertificateSet certificates;
  std::optional<transport::ssl::context> context;
  Bytes key_hash;
  std::optional<transport::ServerHandshakeIdentity> handshake;
};

inline ServerIdentity make_identity(transport::CertificateAlgorithm alg,
                                    std::string server_name = "127.0.0.1") {
  ServerIdentity id;
  auto set = transport::generate_certificates({.algorithm = alg, .server_name = server_name});
  EXPECT_TRUE(set.has_value());
  if (!set) return id;
  id.certificates = std::move(*set);
  auto credentials = transport::server_credentials(id.certificates);
  auto ctx = transport::make_server_context(credentials);
  EXPECT_TRUE(ctx.has_value());
  if (ctx) id.context.emplace(std::move(*ctx));
  auto handshake = transport::server_handshake_identity(credentials);
  EXPECT_TRUE(handshake.has_value());
  if (handshake) id.handshake.emplace(std::move(*handshake));
  auto hash = transport::key_hash_of_certificate_pem(id.certificates.ca_cert_pem);
  EXPECT_TRUE(hash.has_value());
  if (hash) id.key_hash = to_bytes(*hash);
  return id;
}

class Loopback {
 public:
  boost::asio::io_context io;
  Tcp::acceptor acceptor{io, Tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)};

  std::string port() const { return std::to_string(acceptor.local_endpoint().port()); }
};

inline constexpr auto kUseTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

// Accepts one TCP connection and runs the server side (TLS, WebSocket, SMP handshake).
inline boost::asio::awaitable<Result<std::unique_ptr<BlockTransport>>> accept_one(
    Tcp::acceptor& acceptor, ServerIdentity& id, TransportKind kind = TransportKind::tls,
    transport::Duration timeout = 2s) {
  auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
  if (ec) co_return make_error_code(errc::network);
  co_return co_await transport::accept_connection(std::move(socket), *id.context, *id.handshake,
                                                  kind, timeout);
}

// The TLS session of a transport made by connect/accept.
inline SSL* ssl_of(BlockTransport& t) {
  auto* s = dynamic_cast<StreamTransport*>(&t);
  EXPECT_NE(s, nullptr);
  return s ? s->tls().native_handle() : nullptr;
}

}  // namespace smp::test
