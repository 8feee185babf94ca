// The current generation end to end over real TLS on 127.0.0.1: ALPN "smp/1", TLS 1.3 (or
// 1.2), the current handshake and block encryption, next to SMP v1 on the same context.
#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include "loopback.h"
#include "piecewise_relay.h"
#include "smp/crypto/dh.h"
#include "smp/transport/block_encryption.h"
#include "smp/transport/connect.h"
#include "smp/transport/current_handshake.h"
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

ConnectOptions current(ClientHandshakeOptions h = {}) {
  return ConnectOptions{ClientProtocols::current_and_v1, h};
}

struct Pair {
  std::unique_ptr<BlockTransport> server, client;
};

// One connection through accept_connection and connect_tls with `options`.
std::optional<Pair> connect_pair(Loopback& net, ServerIdentity& id, ConnectOptions options,
                                 TransportKind kind = TransportKind::tls) {
  auto [s, c] = run_both(
      net.io, accept_one(net.acceptor, id, kind),
      connect_tls(net.io.get_executor(), "127.0.0.1", net.port(), id.key_hash, 2s, kind, options));
  if (!s || !c) return std::nullopt;
  EXPECT_TRUE(s->has_value()) << s->error().message();
  EXPECT_TRUE(c->has_value()) << c->error().message();
  if (!s->has_value() || !c->has_value()) return std::nullopt;
  return Pair{std::move(**s), std::move(**c)};
}

// Blocks of `content` each way; true when both arrive intact.
bool exchange(net::io_context& io, BlockTransport& a, BlockTransport& b, ByteView content) {
  auto r = test::run_awaitable(io, [&]() -> net::awaitable<bool> {
    if (!co_await a.write_block(content)) co_return false;
    auto got = co_await b.read_block_view();
    if (!got || !std::ranges::equal(*got, content)) co_return false;
    if (!co_await b.write_block(content)) co_return false;
    auto back = co_await a.read_block_view();
    co_return back&& std::ranges::equal(*back, content);
  }());
  return r.value_or(false);
}

struct KindParam {
  CertificateAlgorithm algorithm;
  TransportKind kind;
};

class CurrentConnect : public ::testing::TestWithParam<KindParam> {};

TEST_P(CurrentConnect, AgreesVersion18WithBlockEncryptionOverTls13) {
  Loopback net;
  ServerIdentity id = make_identity(GetParam().algorithm);
  auto pair = connect_pair(net, id, current(), GetParam().kind);
  ASSERT_TRUE(pair);
  BlockTransport& s = *pair->server;
  BlockTransport& c = *pair->client;

  EXPECT_STREQ(SSL_get_version(ssl_of(c)), "TLSv1.3");
  EXPECT_STREQ(SSL_get_cipher_name(ssl_of(c)), "TLS_CHACHA20_POLY1305_SHA256");
  for (BlockTransport* t : {&s, &c}) {
    const SessionParams& p = t->params();
    EXPECT_TRUE(p.current);
    EXPECT_EQ(p.version, 18);
    EXPECT_EQ(t->smp_version(), 18);
    EXPECT_EQ(p.server_versions, enc::VersionRange::of(6, 18));
    EXPECT_TRUE(p.implied_session_id);
    EXPECT_TRUE(p.service_signature);
    EXPECT_TRUE(p.block_encryption);
    EXPECT_FALSE(p.client_is_proxy);
    ASSERT_TRUE(p.session_secret.has_value());
    EXPECT_EQ(t->max_block_content(), 16366u);
    EXPECT_EQ(t->write_buffer().size(), 16368u);
  }
  EXPECT_EQ(s.session_id().size(), 32u);
  EXPECT_TRUE(std::ranges::equal(s.session_id(), c.session_id()));
  // Both ends hold the same session secret: DH of the client's key and the server's.
  EXPECT_TRUE(
      std::ranges::equal(s.params().session_secret->view(), c.params().session_secret->view()));
  ASSERT_TRUE(s.params().server_dh_key.has_value());
  ASSERT_TRUE(c.params().server_dh_public.has_value());
  EXPECT_EQ(s.params().server_dh_key->public_key(), *c.params().server_dh_public);
  EXPECT_FALSE(c.params().server_cert_key.empty());

  // Encrypted blocks go both ways, up to the smaller limit; one byte more is refused.
  EXPECT_TRUE(exchange(net.io, c, s, as_bytes("ping")));
  Bytes largest(16366, 0x42);
  EXPECT_TRUE(exchange(net.io, c, s, largest));
  auto too_large = test::run_awaitable(net.io, c.write_block(Bytes(16367, 1)));
  ASSERT_TRUE(too_large.has_value());
  EXPECT_EQ(too_large->error(), errc::transport_large_msg);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, CurrentConnect,
    ::testing::Values(KindParam{CertificateAlgorithm::ed25519, TransportKind::tls},
                      KindParam{CertificateAlgorithm::ed448, TransportKind::tls},
                      KindParam{CertificateAlgorithm::ed25519, TransportKind::websocket}),
    [](const ::testing::TestParamInfo<KindParam>& p) {
      return std::string(p.param.algorithm == CertificateAlgorithm::ed448 ? "Ed448" : "Ed25519") +
             (p.param.kind == TransportKind::tls ? "Tls" : "WebSocket");
    });

TEST(CurrentConnectTls13, SessionIdIsTheClientsFinishedOf32Bytes) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto pair = connect_pair(net, id, current());
  ASSERT_TRUE(pair);
  SSL* client = ssl_of(*pair->client);
  ASSERT_NE(client, nullptr);
  std::array<std::uint8_t, 64> own{}, peer{};
  std::size_t own_n = SSL_get_finished(client, own.data(), own.size());
  std::size_t peer_n = SSL_get_peer_finished(client, peer.data(), peer.size());
  ASSERT_EQ(own_n, 32u);
  ASSERT_EQ(peer_n, 32u);
  // The server's session id is its peer's Finished (hs-tls getPeerFinished on the server),
  // the client's its own Finished (getFinished): the same 32 bytes, the client's Finished,
  // not the server's.
  EXPECT_TRUE(std::ranges::equal(pair->server->session_id(), ByteView(own.data(), 32)));
  EXPECT_TRUE(std::ranges::equal(pair->client->session_id(), ByteView(own.data(), 32)));
  EXPECT_FALSE(std::ranges::equal(pair->server->session_id(), ByteView(peer.data(), 32)));
}

TEST(CurrentConnectTls13, NoSniAndNoSessionTicketsAndX25519) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed448);
  auto pair = connect_pair(net, id, current());
  ASSERT_TRUE(pair);
  SSL* client = ssl_of(*pair->client);
  EXPECT_EQ(SSL_get_servername(client, TLSEXT_NAMETYPE_host_name), nullptr);
  EXPECT_EQ(SSL_SESSION_has_ticket(SSL_get0_session(client)), 0);
  EVP_PKEY* kx = nullptr;
  ASSERT_EQ(SSL_get_peer_tmp_key(client, &kx), 1);
  EXPECT_EQ(EVP_PKEY_get_id(kx), EVP_PKEY_X25519);
  EVP_PKEY_free(kx);
  // The server keeps no OpenSSL state: its own TLS 1.3 record layer carries the blocks.
  auto& server = dynamic_cast<StreamTransport&>(*pair->server);
  EXPECT_TRUE(server.tls().uses_own_records());
  EXPECT_TRUE(exchange(net.io, *pair->client, *pair->server, as_bytes("over own records")));
}

TEST(CurrentConnectTls13, KeyUpdatesAndCloseNotifyUnderBlockEncryption) {
  // The server's own TLS 1.3 records under the current handshake: KeyUpdates from the client
  // (with and without update_requested) keep encrypted blocks flowing both ways, and the
  // client's close_notify is the end of the server's stream.
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto pair = connect_pair(net, id, current());
  ASSERT_TRUE(pair);
  ASSERT_TRUE(pair->server->params().block_encryption);
  ASSERT_TRUE(dynamic_cast<StreamTransport&>(*pair->server).tls().uses_own_records());
  SSL* client = ssl_of(*pair->client);
  Bytes block(16000, 0x5c);
  for (int type : {SSL_KEY_UPDATE_REQUESTED, SSL_KEY_UPDATE_NOT_REQUESTED,
                   SSL_KEY_UPDATE_REQUESTED}) {
    SCOPED_TRACE(type);
    ASSERT_EQ(SSL_key_update(client, type), 1);
    EXPECT_TRUE(exchange(net.io, *pair->client, *pair->server, block));
    EXPECT_TRUE(exchange(net.io, *pair->client, *pair->server, as_bytes("after")));
  }
  dynamic_cast<StreamTransport&>(*pair->client).tls().send_close_notify();
  auto end = test::run_awaitable(net.io, pair->server->read_block_view());
  ASSERT_TRUE(end.has_value());
  ASSERT_FALSE(end->has_value());
  EXPECT_EQ(end->error(), errc::connection_closed);
}

// A connection through a Relay that forwards the client's bytes in 3- and 1000-byte pieces.
struct RelayedPair {
  std::unique_ptr<test::Relay> relay;
  std::unique_ptr<BlockTransport> server, client;
};

std::optional<RelayedPair> connect_relayed(Loopback& net, ServerIdentity& id) {
  RelayedPair p;
  p.relay = std::make_unique<test::Relay>(net.io);
  boost::asio::co_spawn(net.io, p.relay->run(net.acceptor.local_endpoint()), boost::asio::detached);
  auto [s, c] = test::run_both(
      net.io, accept_one(net.acceptor, id, TransportKind::tls, 10s),
      connect_tls(net.io.get_executor(), "127.0.0.1", std::to_string(p.relay->port()), id.key_hash,
                  10s, TransportKind::tls, current()));
  if (!s || !c || !s->has_value() || !c->has_value()) return std::nullopt;
  p.server = std::move(**s);
  p.client = std::move(**c);
  return p;
}

// The next block `t` reads, copied out of its buffer.
boost::asio::awaitable<Result<Bytes>> read_copy(BlockTransport& t) {
  auto got = co_await t.read_block_view();
  if (!got) co_return got.error();
  co_return to_bytes(*got);
}

TEST(CurrentConnectTls13, BlocksArrivingInPiecesAreReadWhole) {
  // The server's reader waits for more after each piece (its socket drained each time) and
  // opens the block once its record is whole: header, body and tag all arrive split.
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto pair = connect_relayed(net, id);
  ASSERT_TRUE(pair);
  ASSERT_TRUE(pair->server->params().block_encryption);
  ASSERT_TRUE(dynamic_cast<StreamTransport&>(*pair->server).tls().uses_own_records());
  for (std::size_t size : {std::size_t{16000}, std::size_t{5}, std::size_t{16000}}) {
    SCOPED_TRACE(size);
    Bytes block(size);
    for (std::size_t i = 0; i < size; ++i) block[i] = static_cast<std::uint8_t>(i * 7 + size);
    const std::size_t forwarded = pair->relay->forwarded();
    auto [w, r] =
        test::run_both(net.io, pair->client->write_block(block), read_copy(*pair->server));
    ASSERT_TRUE(w && r);
    ASSERT_TRUE(w->has_value()) << w->error().message();
    ASSERT_TRUE(r->has_value()) << r->error().message();
    EXPECT_EQ(**r, block);
    // A whole block's record went through, so in about 33 pieces.
    EXPECT_GT(pair->relay->forwarded() - forwarded, protocol::kBlockSize);
  }
  // And the other way, where nothing is split.
  const Bytes back = to_bytes(as_bytes("back"));
  auto [w, r] = test::run_both(net.io, pair->server->write_block(back), read_copy(*pair->client));
  ASSERT_TRUE(w && r && w->has_value() && r->has_value());
  EXPECT_EQ(**r, back);
}

TEST(CurrentConnectTls13, APeerGoneInTheMiddleOfABlockEndsTheRead) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto pair = connect_relayed(net, id);
  ASSERT_TRUE(pair);
  pair->relay->set_limit(pair->relay->forwarded() + 5000);  // a third of the block's record
  auto [w, r] =
      test::run_both(net.io, pair->client->write_block(Bytes(16000, 1)), read_copy(*pair->server));
  ASSERT_TRUE(r.has_value()) << "the read must end, not wait for the rest";
  ASSERT_FALSE(r->has_value());
  // The end of the stream (no close_notify): the session ends on it like on any other error.
  EXPECT_EQ(r->error(), errc::connection_closed) << r->error().message();
}

TEST(CurrentConnectTls13, AClientCappedAtTenHasNoBlockEncryption) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto pair = connect_pair(net, id, current({enc::VersionRange::of(6, 10), false}));
  ASSERT_TRUE(pair);
  for (BlockTransport* t : {pair->server.get(), pair->client.get()}) {
    EXPECT_EQ(t->params().version, 10);
    EXPECT_TRUE(t->params().implied_session_id);
    EXPECT_FALSE(t->params().service_signature);
    EXPECT_FALSE(t->params().block_encryption);
    EXPECT_TRUE(t->params().session_secret.has_value());  // the key exchange still happened
    EXPECT_EQ(t->max_block_content(), 16382u);
  }
  EXPECT_EQ(pair->server->params().server_versions, enc::VersionRange::of(6, 10));
  EXPECT_TRUE(exchange(net.io, *pair->client, *pair->server, Bytes(16382, 7)));
}

TEST(CurrentConnectTls13, AVersion6ClientSendsNoKey) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto pair = connect_pair(net, id, current({enc::VersionRange::single(6), false}));
  ASSERT_TRUE(pair);
  EXPECT_EQ(pair->server->params().version, 6);
  EXPECT_FALSE(pair->server->params().implied_session_id);
  EXPECT_FALSE(pair->server->params().session_secret.has_value());
  EXPECT_TRUE(pair->server->params().server_dh_key.has_value());
  EXPECT_TRUE(exchange(net.io, *pair->client, *pair->server, as_bytes("v6")));
}

TEST(CurrentConnectTls13, AProxyClientHasNoBlockEncryption) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto pair = connect_pair(net, id, current({current_server_versions(), true}));
  ASSERT_TRUE(pair);
  EXPECT_TRUE(pair->server->params().client_is_proxy);
  EXPECT_TRUE(pair->client->params().client_is_proxy);
  for (BlockTransport* t : {pair->server.get(), pair->client.get()}) {
    EXPECT_EQ(t->params().version, 18);  // the server is v14+: no cap
    EXPECT_FALSE(t->params().block_encryption);
    EXPECT_TRUE(t->params().session_secret.has_value());  // for the proxy's own encryption
  }
  EXPECT_TRUE(exchange(net.io, *pair->client, *pair->server, as_bytes("proxied")));
}

TEST(CurrentConnectTls13, ARangeThatDoesNotMeetFailsAtTheClient) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto [s, c] =
      run_both(net.io, accept_one(net.acceptor, id),
               connect_tls(net.io.get_executor(), "127.0.0.1", net.port(), id.key_hash, 2s,
                           TransportKind::tls, current({enc::VersionRange::of(19, 20), false})));
  ASSERT_TRUE(s && c);
  ASSERT_FALSE(c->has_value());
  EXPECT_EQ(c->error(), errc::handshake_version);
  ASSERT_FALSE(s->has_value());
  EXPECT_EQ(s->error(), errc::connection_closed);
}

// The client side by hand: TLS with the current generation's context, then `script` on the
// raw transport (the server's first block already read, and returned too).
using ClientScript =
    std::function<net::awaitable<Result<void>>(StreamTransport&, const CurrentServerHandshake&)>;

Result<void> run_raw_client(Loopback& net, ServerIdentity& id,
                            Result<std::unique_ptr<BlockTransport>>& server, ClientScript script) {
  auto ctx = shared_client_context(ClientProtocols::current_and_v1);
  EXPECT_TRUE(ctx.has_value());
  auto client_side = [&]() -> net::awaitable<Result<void>> {
    auto t = co_await connect_stream(net.io.get_executor(), **ctx, "127.0.0.1", net.port(),
                                     id.key_hash, TransportKind::tls, 2s, false);
    if (!t) co_return t.error();
    EXPECT_TRUE((*t)->negotiated_current());
    auto block = co_await (*t)->read_block_view();
    if (!block) co_return block.error();
    auto hello = parse_current_server_handshake(*block);
    if (!hello) co_return hello.error();
    co_return co_await script(**t, *hello);
  };
  auto [s, c] = run_both(net.io, accept_one(net.acceptor, id), client_side());
  if (s) server = std::move(*s);
  return c ? std::move(*c) : Result<void>(make_error_code(errc::timeout));
}

// Sends `hello` and returns what follows: the next block read, or its error. (By value: the
// coroutine outlives the caller's temporaries.)
net::awaitable<Result<void>> send_then_expect_close(StreamTransport& t,
                                                    CurrentClientHandshake hello) {
  auto encoded = encode_current_client_handshake(hello);
  if (!encoded) co_return encoded.error();
  if (auto sent = co_await t.write_block(*encoded); !sent) co_return sent.error();
  auto next = co_await t.read_block_view();
  if (next) co_return make_error_code(errc::unexpected_response);  // the server said something
  co_return next.error();
}

TEST(CurrentConnectTls13, AVersionOutsideTheServersRangeIsClosedWithoutAWord) {
  for (std::uint16_t version : std::initializer_list<std::uint16_t>{5, 19}) {
    SCOPED_TRACE(version);
    Loopback net;
    ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
    Result<std::unique_ptr<BlockTransport>> server = make_error_code(errc::timeout);
    auto client =
        run_raw_client(net, id, server, [&](StreamTransport& t, const CurrentServerHandshake& h) {
          EXPECT_EQ(h.versions, enc::VersionRange::of(6, 18));
          return send_then_expect_close(
              t, {version, id.key_hash,
                  crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key, false,
                  std::nullopt});
        });
    ASSERT_FALSE(server.has_value());
    EXPECT_EQ(server.error(), errc::handshake_version);
    ASSERT_FALSE(client.has_value());
    EXPECT_EQ(client.error(), errc::connection_closed);  // no error block, just the close
  }
}

TEST(CurrentConnectTls13, AnotherKeyHashInTheHandshakeIsIdentityAndClosed) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  Result<std::unique_ptr<BlockTransport>> server = make_error_code(errc::timeout);
  Bytes wrong = id.key_hash;
  wrong[0] ^= 1;
  auto client =
      run_raw_client(net, id, server, [&](StreamTransport& t, const CurrentServerHandshake&) {
        return send_then_expect_close(t, {18, wrong, std::nullopt, false, std::nullopt});
      });
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error(), errc::handshake_identity);
  EXPECT_EQ(client.error(), errc::connection_closed);
}

TEST(CurrentConnectTls13, AWrongKeyHashFailsTlsWithTheCurrentChainRules) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  Bytes wrong = id.key_hash;
  wrong[9] ^= 4;
  auto [s, c] = run_both(net.io, accept_one(net.acceptor, id),
                         connect_tls(net.io.get_executor(), "127.0.0.1", net.port(), wrong, 2s,
                                     TransportKind::tls, current()));
  ASSERT_TRUE(s && c);
  ASSERT_FALSE(c->has_value());
  EXPECT_EQ(c->error(), errc::tls_failure);
  EXPECT_FALSE(s->has_value());
}

TEST(CurrentConnectTls13, TheHostNameIsNotCheckedForTheCurrentGeneration) {
  // checkFQHN = False: a certificate for another name is fine; v1 keeps its name check.
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519, "smp.example.com");
  auto pair = connect_pair(net, id, current());
  ASSERT_TRUE(pair);
  EXPECT_TRUE(pair->client->params().current);
}

TEST(CurrentConnectTls13, AClientServiceIsRefusedWithBadAuth) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  Result<std::unique_ptr<BlockTransport>> server = make_error_code(errc::timeout);
  auto client = run_raw_client(
      net, id, server,
      [&](StreamTransport& t, const CurrentServerHandshake& h) -> net::awaitable<Result<void>> {
        EXPECT_TRUE(h.cert_key.has_value());
        // A service that presents the server's own chain: this server asked for no client
        // certificate, so any chain differs from the (empty) TLS one.
        CurrentClientHandshake hello{
            18, id.key_hash, crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key,
            false, ClientService{ServiceRole::messaging, *h.cert_key}};
        auto encoded = encode_current_client_handshake(hello);
        if (!encoded) co_return encoded.error();
        if (auto sent = co_await t.write_block(*encoded); !sent) co_return sent.error();
        auto answer = co_await t.read_block_view();
        if (!answer) co_return answer.error();
        auto response = parse_server_handshake_response(*answer);
        if (!response) co_return response.error();
        EXPECT_FALSE(response->service_id.has_value());
        EXPECT_EQ(response->error, errc::handshake_bad_auth);
        auto after = co_await t.read_block_view();
        EXPECT_FALSE(after.has_value());  // then the server closes
        co_return make_error_code(response->error);
      });
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error(), errc::handshake_bad_auth);
  EXPECT_EQ(client.error(), errc::handshake_bad_auth);
}

// A server that signs its per-connection key with a key that is not its TLS key.
net::awaitable<Result<void>> impostor_server(Tcp::acceptor& acceptor, ServerIdentity& id) {
  auto [ec, socket] = co_await acceptor.async_accept(test::kUseTuple);
  if (ec) co_return make_error_code(errc::network);
  auto t = co_await accept_stream(std::move(socket), *id.context, TransportKind::tls, 2s);
  if (!t) co_return t.error();
  auto other = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto signed_key = sign_public_key(other.private_key, dh.public_key);
  if (!signed_key) co_return signed_key.error();
  CurrentServerHandshake hello{current_server_versions(), to_bytes((*t)->session_id()),
                               CertChainPubKey{id.handshake->chain, *signed_key}};
  auto encoded = encode_current_server_handshake(hello);
  if (!encoded) co_return encoded.error();
  if (auto sent = co_await (*t)->write_block(*encoded); !sent) co_return sent.error();
  auto reply = co_await (*t)->read_block_view();  // the client closes instead
  if (reply) co_return make_error_code(errc::unexpected_response);
  co_return reply.error();
}

TEST(CurrentConnectTls13, AServerKeySignedByAnotherKeyIsBadAuth) {
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto [s, c] = run_both(net.io, impostor_server(net.acceptor, id),
                         connect_tls(net.io.get_executor(), "127.0.0.1", net.port(), id.key_hash,
                                     2s, TransportKind::tls, current()));
  ASSERT_TRUE(s && c);
  ASSERT_FALSE(c->has_value());
  EXPECT_EQ(c->error(), errc::handshake_bad_auth);
  EXPECT_EQ(s->error(), errc::connection_closed);
}

TEST(CurrentConnectTls13, AV1ClientAndACurrentClientOnOneContext) {
  // No ALPN, TLS 1.2: SMP v1 exactly as before (12-byte session id, version 1).
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto v1 = connect_pair(net, id, ConnectOptions{});
  ASSERT_TRUE(v1);
  EXPECT_STREQ(SSL_get_version(ssl_of(*v1->client)), "TLSv1.2");
  for (BlockTransport* t : {v1->server.get(), v1->client.get()}) {
    EXPECT_FALSE(t->params().current);
    EXPECT_EQ(t->smp_version(), 1);
    EXPECT_EQ(t->params().version, 1);
    EXPECT_EQ(t->session_id().size(), 12u);
    EXPECT_EQ(t->max_block_content(), 16382u);
    EXPECT_EQ(t->write_buffer().size(), 16384u);
  }
  auto now = connect_pair(net, id, current());
  ASSERT_TRUE(now);
  EXPECT_TRUE(now->server->params().current);
  EXPECT_TRUE(exchange(net.io, *v1->client, *v1->server, as_bytes("v1")));
  EXPECT_TRUE(exchange(net.io, *now->client, *now->server, as_bytes("current")));
}

TEST(CurrentConnectTls13, ACurrentClientLimitedToTls12GetsTheCurrentHandshakeOverIt) {
  // ALPN decides the handshake, not the TLS version: smp/1 over TLS 1.2 is SMP 18 with a
  // 12-byte session id (the sbcInit salt) and the server's own TLS 1.2 records.
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto ctx = make_client_context(ClientProtocols::current_and_v1);
  ASSERT_TRUE(ctx.has_value());
  ASSERT_EQ(SSL_CTX_set_max_proto_version(ctx->native_handle(), TLS1_2_VERSION), 1);
  auto [s, c] = run_both(net.io, accept_one(net.acceptor, id),
                         connect_stream(net.io.get_executor(), *ctx, "127.0.0.1", net.port(),
                                        id.key_hash, TransportKind::tls, 2s, true));
  ASSERT_TRUE(s && c);
  ASSERT_TRUE(s->has_value()) << s->error().message();
  ASSERT_TRUE(c->has_value()) << c->error().message();
  BlockTransport& server = *s->value();
  BlockTransport& client = *c->value();
  EXPECT_STREQ(SSL_get_version(ssl_of(client)), "TLSv1.2");
  EXPECT_TRUE(dynamic_cast<StreamTransport&>(server).tls().uses_own_records());
  for (BlockTransport* t : {&server, &client}) {
    EXPECT_TRUE(t->params().current);
    EXPECT_EQ(t->params().version, 18);
    EXPECT_TRUE(t->params().block_encryption);
    EXPECT_EQ(t->session_id().size(), 12u);
  }
  EXPECT_TRUE(std::ranges::equal(server.session_id(), client.session_id()));
  EXPECT_TRUE(exchange(net.io, client, server, Bytes(16366, 0x33)));
}

TEST(CurrentConnectTls13, AServerWithoutAlpnGivesTheCurrentClientSmpV1) {
  // A v1.0.0 server ignores ALPN and speaks TLS 1.2: here a server context with neither.
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  SSL_CTX* native = id.context->native_handle();
  SSL_CTX_set_alpn_select_cb(native, nullptr, nullptr);
  ASSERT_EQ(SSL_CTX_set_max_proto_version(native, TLS1_2_VERSION), 1);
  auto pair = connect_pair(net, id, current());
  ASSERT_TRUE(pair);
  EXPECT_STREQ(SSL_get_version(ssl_of(*pair->client)), "TLSv1.2");
  EXPECT_FALSE(pair->client->params().current);
  EXPECT_EQ(pair->client->smp_version(), 1);
  EXPECT_TRUE(exchange(net.io, *pair->client, *pair->server, as_bytes("fallback")));
}

}  // namespace
}  // namespace smp::transport
