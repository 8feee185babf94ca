#include "smp/transport/connect.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <atomic>
#include <mutex>
#include <thread>

#include "loopback.h"
#include "smp/transport/handshake.h"
#include "support/run_awaitable.h"

namespace smp::transport {
namespace {

using test::accept_one;
using test::Loopback;
using test::make_identity;
using test::run_both;
using test::ServerIdentity;
using test::ssl_of;
using namespace std::chrono_literals;

using TransportResult = Result<std::unique_ptr<BlockTransport>>;

struct Params {
  CertificateAlgorithm algorithm;
  TransportKind kind;
};

class ConnectTest : public ::testing::TestWithParam<Params> {};

TEST_P(ConnectTest, ClientAndServerAgreeOnSessionAndTlsParameters) {
  Loopback net;
  ServerIdentity id = make_identity(GetParam().algorithm);
  ASSERT_TRUE(id.context.has_value());
  auto [server, client] = run_both(
      net.io, accept_one(net.acceptor, id, GetParam().kind),
      connect_tls(net.io.get_executor(), "127.0.0.1", net.port(), id.key_hash, 2s,
                  GetParam().kind));
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(server->has_value()) << server->error().message();
  ASSERT_TRUE(client->has_value()) << client->error().message();
  BlockTransport& s = ***server;
  BlockTransport& c = ***client;

  EXPECT_EQ(s.session_id().size(), 12u);
  EXPECT_TRUE(std::ranges::equal(s.session_id(), c.session_id()));
  EXPECT_EQ(s.smp_version(), 1);
  EXPECT_EQ(c.smp_version(), 1);

  for (BlockTransport* t : {&s, &c}) {
    Tcp::no_delay no_delay;
    dynamic_cast<StreamTransport&>(*t).socket().get_option(no_delay);
    EXPECT_TRUE(no_delay.value());
  }

  // The server keeps only the record keys after the handshake; the client keeps OpenSSL.
  EXPECT_TRUE(dynamic_cast<StreamTransport&>(s).tls().uses_own_records());
  EXPECT_EQ(dynamic_cast<StreamTransport&>(s).tls().native_handle(), nullptr);
  EXPECT_FALSE(dynamic_cast<StreamTransport&>(c).tls().uses_own_records());
  // Blocks still move both ways through the two record layers.
  auto echo = test::run_awaitable(net.io, [&]() -> net::awaitable<bool> {
    if (!co_await c.write_block(as_bytes("ping"))) co_return false;
    auto got = co_await s.read_block_view();
    if (!got || as_chars(*got) != "ping") co_return false;
    if (!co_await s.write_block(as_bytes("pong"))) co_return false;
    auto back = co_await c.read_block_view();
    co_return back && as_chars(*back) == "pong";
  }());
  ASSERT_TRUE(echo.has_value());
  EXPECT_TRUE(*echo);

  SSL* ssl = ssl_of(c);
  ASSERT_NE(ssl, nullptr);
  EXPECT_STREQ(SSL_get_version(ssl), "TLSv1.2");
  EXPECT_STREQ(SSL_get_cipher_name(ssl), "ECDHE-ECDSA-CHACHA20-POLY1305");
  // The server sends [server certificate, CA certificate].
  EXPECT_EQ(sk_X509_num(SSL_get_peer_cert_chain(ssl)), 2);
  // The server picks X25519 from the client's X448-first list; the signature matches the
  // certificate key.
  EVP_PKEY* kx = nullptr;
  ASSERT_EQ(SSL_get_peer_tmp_key(ssl, &kx), 1);
  EXPECT_EQ(EVP_PKEY_get_id(kx), EVP_PKEY_X25519);
  EVP_PKEY_free(kx);
  int sig_nid = 0;
  ASSERT_EQ(SSL_get_peer_signature_type_nid(ssl, &sig_nid), 1);
  EXPECT_EQ(sig_nid, GetParam().algorithm == CertificateAlgorithm::ed448 ? NID_ED448
                                                                          : NID_ED25519);
  // No resumption: neither a session id for reuse nor a ticket.
  EXPECT_EQ(SSL_session_reused(ssl), 0);
  EXPECT_EQ(SSL_SESSION_has_ticket(SSL_get0_session(ssl)), 0);
  // tls-unique is the client's Finished: the server sees it as the peer's.
  unsigned char finished[12];
  ASSERT_EQ(SSL_get_finished(ssl, finished, sizeof finished), 12u);
  EXPECT_TRUE(std::ranges::equal(c.session_id(), finished));
}

INSTANTIATE_TEST_SUITE_P(
    Variants, ConnectTest,
    ::testing::Values(Params{CertificateAlgorithm::ed25519, TransportKind::tls},
                      Params{CertificateAlgorithm::ed448, TransportKind::tls},
                      Params{CertificateAlgorithm::ed448, TransportKind::websocket}),
    [](const ::testing::TestParamInfo<Params>& p) {
      return std::string(p.param.algorithm == CertificateAlgorithm::ed448 ? "Ed448"
                                                                           : "Ed25519") +
             (p.param.kind == TransportKind::tls ? "Tls" : "WebSocket");
    });

TEST(Connect, WrongKeyHashFailsTheTlsHandshake) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  Bytes wrong = id.key_hash;
  wrong[5] ^= 0x20;
  auto [server, client] =
      run_both(net.io, accept_one(net.acceptor, id),
               connect_tls(net.io.get_executor(), "127.0.0.1", net.port(), wrong, 2s));
  ASSERT_TRUE(server && client);
  ASSERT_FALSE(client->has_value());
  EXPECT_EQ(client->error(), errc::tls_failure);
  ASSERT_FALSE(server->has_value());
  EXPECT_EQ(server->error(), errc::tls_failure);
}

// The client passes TLS with the right key hash but names another server in its handshake.
TEST(Connect, ServerRefusesHandshakeWithAnotherKeyHashAsIdentity) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed448);
  auto ctx = make_client_context();
  ASSERT_TRUE(ctx.has_value());
  Bytes wrong = id.key_hash;
  wrong[31] ^= 1;
  auto client_side = [&]() -> net::awaitable<Result<void>> {
    auto t = co_await connect_stream(net.io.get_executor(), *ctx, "127.0.0.1", net.port(),
                                     id.key_hash, TransportKind::tls, 2s, false);
    if (!t) co_return t.error();
    auto v = co_await client_handshake(**t, wrong);
    if (!v) co_return v.error();
    // The server closes silently: the next read sees the end of the stream.
    auto next = co_await (*t)->read_block_view();
    if (next) co_return make_error_code(errc::unexpected_response);
    co_return next.error();
  };
  auto [server, client] =
      run_both(net.io, accept_one(net.acceptor, id), client_side());
  ASSERT_TRUE(server && client);
  ASSERT_FALSE(server->has_value());
  EXPECT_EQ(server->error(), errc::handshake_identity);
  ASSERT_FALSE(client->has_value());
  EXPECT_EQ(client->error(), errc::connection_closed);
}

TEST(Connect, HostNameMismatchFails) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519, "smp.example.com");
  auto [server, client] =
      run_both(net.io, accept_one(net.acceptor, id),
               connect_tls(net.io.get_executor(), "127.0.0.1", net.port(), id.key_hash, 2s));
  ASSERT_TRUE(server && client);
  ASSERT_FALSE(client->has_value());
  EXPECT_EQ(client->error(), errc::tls_failure);
  EXPECT_FALSE(server->has_value());
}

TEST(Connect, ServerSendingOnlyItsOwnCertificateIsRejected) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  // The same server without its CA certificate in the chain.
  ASSERT_EQ(SSL_CTX_clear_chain_certs(id.context->native_handle()), 1);
  auto [server, client] =
      run_both(net.io, accept_one(net.acceptor, id),
               connect_tls(net.io.get_executor(), "127.0.0.1", net.port(), id.key_hash, 2s));
  ASSERT_TRUE(server && client);
  ASSERT_FALSE(client->has_value());
  EXPECT_EQ(client->error(), errc::tls_failure);
  EXPECT_FALSE(server->has_value());
}

// A listener that accepts TCP connections and never says anything.
net::awaitable<Result<void>> silent_server(Tcp::acceptor& acceptor, Duration hold) {
  auto [ec, socket] = co_await acceptor.async_accept(test::kUseTuple);
  if (ec) co_return make_error_code(errc::network);
  net::steady_timer timer(socket.get_executor(), hold);
  co_await timer.async_wait(test::kUseTuple);
  co_return Result<void>{};
}

TEST(Connect, ConnectTimesOutWhenServerNeverAnswers) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto start = std::chrono::steady_clock::now();
  auto [server, client] =
      run_both(net.io, silent_server(net.acceptor, 600ms),
               [&]() -> net::awaitable<TransportResult> {
                 auto r = co_await connect_tls(net.io.get_executor(), "127.0.0.1", net.port(),
                                               id.key_hash, 300ms);
                 auto elapsed = std::chrono::steady_clock::now() - start;
                 EXPECT_GE(elapsed, 300ms);
                 EXPECT_LT(elapsed, 800ms);
                 co_return r;
               }());
  ASSERT_TRUE(client.has_value());
  ASSERT_FALSE(client->has_value());
  EXPECT_EQ(client->error(), errc::timeout);
}

TEST(Connect, AcceptTimesOutWhenClientNeverStartsTls) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  Tcp::socket idle(net.io);
  auto client_side = [&]() -> net::awaitable<Result<void>> {
    auto [ec] = co_await idle.async_connect(net.acceptor.local_endpoint(), test::kUseTuple);
    if (ec) co_return make_error_code(errc::network);
    co_return Result<void>{};
  };
  auto start = std::chrono::steady_clock::now();
  auto [server, client] = run_both(
      net.io, accept_one(net.acceptor, id, TransportKind::tls, 200ms),
      client_side());
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(server.has_value());
  ASSERT_FALSE(server->has_value());
  EXPECT_EQ(server->error(), errc::timeout);
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 1s);
}

TEST(Connect, RefusedConnectionIsNetworkError) {
  Loopback net;
  std::string port = net.port();
  net.acceptor.close();
  auto r = test::run_awaitable(
      net.io, connect_tls(net.io.get_executor(), "127.0.0.1", port, Bytes(32, 0), 2s));
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->has_value());
  EXPECT_EQ(r->error(), errc::network);
}

// The shape a multi-threaded server and client use: every connection on its own strand.
TEST(Connect, HandshakesRunOnStrandsOfAMultiThreadedContext) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  constexpr int kConnections = 4;
  std::atomic<int> servers_ok{0}, clients_ok{0};
  std::vector<std::unique_ptr<BlockTransport>> keep;
  std::mutex keep_mutex;
  auto server_loop = [&]() -> net::awaitable<void> {
    for (int i = 0; i < kConnections; ++i) {
      auto [ec, socket] =
          co_await net.acceptor.async_accept(net::make_strand(net.io), test::kUseTuple);
      if (ec) co_return;
      net::co_spawn(
          socket.get_executor(),
          accept_connection(std::move(socket), *id.context, *id.handshake, TransportKind::tls, 2s),
          [&](std::exception_ptr e, TransportResult r) {
            if (!e && r) {
              ++servers_ok;
              std::lock_guard lock(keep_mutex);
              keep.push_back(std::move(*r));
            }
          });
    }
  };
  net::co_spawn(net.io, server_loop(), net::detached);
  for (int i = 0; i < kConnections; ++i) {
    net::co_spawn(net.io,
                  connect_tls(net::make_strand(net.io), "127.0.0.1", net.port(), id.key_hash, 2s),
                  [&](std::exception_ptr e, TransportResult r) {
                    if (!e && r && (*r)->session_id().size() == 12) {
                      ++clients_ok;
                      std::lock_guard lock(keep_mutex);
                      keep.push_back(std::move(*r));
                    }
                  });
  }
  std::thread second([&] { net.io.run_for(3s); });
  net.io.run_for(3s);
  second.join();
  EXPECT_EQ(servers_ok.load(), kConnections);
  EXPECT_EQ(clients_ok.load(), kConnections);
}

TEST(Connect, PortEightyMeansWebSockets) {
  EXPECT_EQ(transport_kind_for_port("80"), TransportKind::websocket);
  EXPECT_EQ(transport_kind_for_port("5223"), TransportKind::tls);
  EXPECT_EQ(transport_kind_for_port(""), TransportKind::tls);
}

}  // namespace
}  // namespace smp::transport
