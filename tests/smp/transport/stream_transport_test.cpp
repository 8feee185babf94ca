#include "smp/transport/stream_transport.h"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "loopback.h"
#include "smp/transport/connect.h"
#include "smp/encoding/padding.h"
#include "smp/protocol/wire_format.h"
#include "support/run_awaitable.h"

namespace smp::transport {
namespace {

using test::accept_one;
using test::Loopback;
using test::make_identity;
using test::run_both;
using test::ServerIdentity;
using namespace std::chrono_literals;

// A connected client/server pair of transports over loopback TLS.
class StreamTransportTest : public ::testing::TestWithParam<TransportKind> {
 protected:
  void SetUp() override {
    id_ = make_identity(CertificateAlgorithm::ed25519);
    ASSERT_TRUE(id_.context.has_value());
    auto [s, c] = run_both(net_.io, accept_one(net_.acceptor, id_, kind()),
                           connect_tls(net_.io.get_executor(), "127.0.0.1", net_.port(),
                                       id_.key_hash, 2s, kind()));
    ASSERT_TRUE(s && c);
    ASSERT_TRUE(s->has_value()) << s->error().message();
    ASSERT_TRUE(c->has_value()) << c->error().message();
    server_ = std::move(**s);
    client_ = std::move(**c);
  }

  TransportKind kind() const { return GetParam(); }

  // Sends `content` one way and returns what the other side read.
  Result<Bytes> send(BlockTransport& from, BlockTransport& to, ByteView content) {
    auto [sent, got] = run_both(net_.io, from.write_block(content), to.read_block());
    if (!sent || !got) return make_error_code(errc::timeout);
    if (!*sent) return sent->error();
    return *got;
  }

  Loopback net_;
  ServerIdentity id_;
  std::unique_ptr<BlockTransport> server_;
  std::unique_ptr<BlockTransport> client_;
};

Bytes pattern(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return b;
}

TEST_P(StreamTransportTest, BlocksRoundTripUpToMaximumContent) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1000},
                        protocol::kMaxBlockContent}) {
    SCOPED_TRACE(n);
    Bytes content = pattern(n);
    auto up = send(*client_, *server_, content);
    ASSERT_TRUE(up.has_value()) << up.error().message();
    EXPECT_EQ(*up, content);
    auto down = send(*server_, *client_, content);
    ASSERT_TRUE(down.has_value()) << down.error().message();
    EXPECT_EQ(*down, content);
  }
}

TEST_P(StreamTransportTest, OversizedContentIsRefusedAndNothingIsSent) {
  Bytes too_big(protocol::kMaxBlockContent + 1, 'x');
  auto refused = test::run_awaitable(net_.io, client_->write_block(too_big));
  ASSERT_TRUE(refused.has_value());
  ASSERT_FALSE(refused->has_value());
  EXPECT_EQ(refused->error(), errc::transport_large_msg);
  // The next block the server sees is the next one written.
  auto next = send(*client_, *server_, as_bytes("after"));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(to_string(*next), "after");
}

TEST_P(StreamTransportTest, ReadBlockViewPointsAtContent) {
  auto [sent, got] = run_both(net_.io, client_->write_block(as_bytes("first")),
                              server_->read_block_view());
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ(as_chars(**got), "first");
}

TEST_P(StreamTransportTest, PeerCloseEndsReadsWithConnectionClosed) {
  client_->close();
  EXPECT_FALSE(client_->is_open());
  client_->close();  // idempotent
  auto r = test::run_awaitable(net_.io, server_->read_block_view());
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->has_value());
  EXPECT_EQ(r->error(), errc::connection_closed);
}

TEST_P(StreamTransportTest, OwnCloseCompletesPendingRead) {
  auto closer = [&]() -> net::awaitable<Result<void>> {
    net::steady_timer t(net_.io, 20ms);
    co_await t.async_wait(test::kUseTuple);
    server_->close();
    co_return Result<void>{};
  };
  auto [read, closed] = run_both(net_.io, server_->read_block_view(), closer());
  ASSERT_TRUE(read.has_value());
  ASSERT_FALSE(read->has_value());
  EXPECT_EQ(read->error(), errc::connection_closed);
  auto write = test::run_awaitable(net_.io, server_->write_block(as_bytes("x")));
  ASSERT_TRUE(write.has_value());
  ASSERT_FALSE(write->has_value());
  EXPECT_EQ(write->error(), errc::connection_closed);
}

TEST_P(StreamTransportTest, ReadAndWriteMayBeOutstandingTogether) {
  // The server's reader is parked while its writer sends, as in a session; the client echoes.
  auto writer_and_echo = [&]() -> net::awaitable<Result<void>> {
    auto sent = co_await server_->write_block(as_bytes("ping"));
    if (!sent) co_return sent;
    auto got = co_await client_->read_block();
    if (!got) co_return got.error();
    co_return co_await client_->write_block(*got);
  };
  auto [read, echoed] = run_both(net_.io, server_->read_block(), writer_and_echo());
  ASSERT_TRUE(read && echoed);
  ASSERT_TRUE(echoed->has_value()) << echoed->error().message();
  ASSERT_TRUE(read->has_value()) << read->error().message();
  EXPECT_EQ(to_string(**read), "ping");
}

INSTANTIATE_TEST_SUITE_P(Kinds, StreamTransportTest,
                         ::testing::Values(TransportKind::tls, TransportKind::websocket),
                         [](const ::testing::TestParamInfo<TransportKind>& p) {
                           return std::string(p.param == TransportKind::tls ? "Tls"
                                                                            : "WebSocket");
                         });

// Raw TLS writes from a client that skips the block layer.
class RawTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    id_ = make_identity(CertificateAlgorithm::ed448);
    auto ctx = make_client_context();
    ASSERT_TRUE(ctx.has_value());
    client_ctx_.emplace(std::move(*ctx));
    auto [s, c] = run_both(
        net_.io, accept_stream_one(),
        connect_stream(net_.io.get_executor(), *client_ctx_, "127.0.0.1", net_.port(),
                       id_.key_hash, TransportKind::tls, 2s, false));
    ASSERT_TRUE(s && c);
    ASSERT_TRUE(s->has_value());
    ASSERT_TRUE(c->has_value());
    server_ = std::move(**s);
    client_ = std::move(**c);
  }

  net::awaitable<Result<std::unique_ptr<StreamTransport>>> accept_stream_one() {
    auto [ec, socket] = co_await net_.acceptor.async_accept(test::kUseTuple);
    if (ec) co_return make_error_code(errc::network);
    co_return co_await accept_stream(std::move(socket), *id_.context, TransportKind::tls, 2s);
  }

  net::awaitable<Result<void>> write_raw(Bytes bytes, bool then_close) {
    auto [ec, n] = co_await net::async_write(client_->tls(), net::buffer(bytes), test::kUseTuple);
    if (ec) co_return make_error_code(errc::network);
    if (then_close) client_->close();
    co_return Result<void>{};
  }

  Loopback net_;
  ServerIdentity id_;
  std::optional<ssl::context> client_ctx_;
  std::unique_ptr<StreamTransport> server_;
  std::unique_ptr<StreamTransport> client_;
};

TEST_F(RawTlsTest, LengthBeyondBlockIsLargeMsgAndStreamStaysInSync) {
  Bytes bad(protocol::kBlockSize, '#');
  bad[0] = 0x3f;
  bad[1] = 0xff;  // 16383 > 16382
  Bytes good = enc::pad(as_bytes("ok"), protocol::kBlockSize).value();
  Bytes both = bad;
  append(both, good);
  auto [w, first] = run_both(net_.io, write_raw(both, false), server_->read_block_view());
  ASSERT_TRUE(first.has_value());
  ASSERT_FALSE(first->has_value());
  EXPECT_EQ(first->error(), errc::transport_large_msg);
  auto second = test::run_awaitable(net_.io, server_->read_block());
  ASSERT_TRUE(second.has_value() && second->has_value());
  EXPECT_EQ(to_string(**second), "ok");
}

TEST_F(RawTlsTest, BlockArrivingInPiecesIsReassembled) {
  Bytes block = enc::pad(pattern(5000), protocol::kBlockSize).value();
  auto pieces = [&]() -> net::awaitable<Result<void>> {
    for (std::size_t off = 0; off < block.size(); off += 3000) {
      std::size_t n = std::min<std::size_t>(3000, block.size() - off);
      auto [ec, written] = co_await net::async_write(
          client_->tls(), net::buffer(block.data() + off, n), test::kUseTuple);
      if (ec) co_return make_error_code(errc::network);
    }
    co_return Result<void>{};
  };
  auto [w, got] = run_both(net_.io, pieces(), server_->read_block());
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ(**got, pattern(5000));
}

TEST_F(RawTlsTest, TruncatedBlockIsBadBlock) {
  auto [w, got] = run_both(net_.io, write_raw(Bytes(100, '#'), true), server_->read_block_view());
  ASSERT_TRUE(got.has_value());
  ASSERT_FALSE(got->has_value());
  EXPECT_EQ(got->error(), errc::transport_bad_block);
}

// A WebSocket client made directly with Beast, sending messages of any size.
TEST(WebSocketTransport, MessageOfAnotherLengthIsBadBlock) {
  namespace websocket = boost::beast::websocket;
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  auto client_ctx = make_client_context();
  ASSERT_TRUE(client_ctx.has_value());
  websocket::stream<TlsStream> ws(net.io, *client_ctx);

  auto server_side = [&]() -> net::awaitable<Result<ByteView>> {
    auto [ec, socket] = co_await net.acceptor.async_accept(test::kUseTuple);
    if (ec) co_return make_error_code(errc::network);
    auto t = co_await accept_stream(std::move(socket), *id.context, TransportKind::websocket, 2s);
    if (!t) co_return t.error();
    auto r = co_await (*t)->read_block_view();
    if (r) co_return make_error_code(errc::unexpected_response);
    co_return r.error();
  };
  auto client_side = [&]() -> net::awaitable<Result<void>> {
    auto [ec] = co_await ws.next_layer().next_layer().async_connect(
        net.acceptor.local_endpoint(), test::kUseTuple);
    if (ec) co_return make_error_code(errc::network);
    if (auto r = expect_server(ws.next_layer().native_handle(), "127.0.0.1", id.key_hash); !r) {
      co_return r;
    }
    std::tie(ec) = co_await ws.next_layer().async_handshake(ssl::stream_base::client,
                                                            test::kUseTuple);
    if (ec) co_return make_error_code(errc::tls_failure);
    std::tie(ec) = co_await ws.async_handshake("", "/", test::kUseTuple);
    if (ec) co_return make_error_code(errc::network);
    ws.binary(true);
    Bytes short_message(100, 'x');
    auto [wec, n] = co_await ws.async_write(net::buffer(short_message), test::kUseTuple);
    if (wec) co_return make_error_code(errc::network);
    co_return Result<void>{};
  };
  auto [s, c] = run_both(net.io, server_side(), client_side());
  ASSERT_TRUE(s && c);
  ASSERT_TRUE(c->has_value()) << c->error().message();
  ASSERT_FALSE(s->has_value());
  EXPECT_EQ(s->error(), errc::transport_bad_block);
}

// What our client sends for the upgrade, seen by a plain Beast server (spec §3.6).
TEST(WebSocketTransport, ClientRequestsRootWithEmptyHostAndNoCompression) {
  namespace http = boost::beast::http;
  namespace websocket = boost::beast::websocket;
  Loopback net;
  ServerIdentity id = make_identity(CertificateAlgorithm::ed25519);
  http::request<http::string_body> request;

  auto server_side = [&]() -> net::awaitable<Result<void>> {
    auto [ec, socket] = co_await net.acceptor.async_accept(test::kUseTuple);
    if (ec) co_return make_error_code(errc::network);
    websocket::stream<TlsStream> ws(std::move(socket), *id.context);
    std::tie(ec) = co_await ws.next_layer().async_handshake(ssl::stream_base::server,
                                                            test::kUseTuple);
    if (ec) co_return make_error_code(errc::tls_failure);
    boost::beast::flat_buffer buffer;
    auto [rec, n] = co_await http::async_read(ws.next_layer(), buffer, request, test::kUseTuple);
    if (rec) co_return make_error_code(errc::network);
    std::tie(ec) = co_await ws.async_accept(request, test::kUseTuple);
    if (ec) co_return make_error_code(errc::network);
    co_return Result<void>{};
  };
  auto client_side = [&]() -> net::awaitable<Result<void>> {
    auto ctx = shared_client_context();
    if (!ctx) co_return ctx.error();
    auto t = co_await connect_stream(net.io.get_executor(), **ctx, "127.0.0.1", net.port(),
                                     id.key_hash, TransportKind::websocket, 2s, false);
    if (!t) co_return t.error();
    co_return Result<void>{};
  };
  auto [s, c] = run_both(net.io, server_side(), client_side());
  ASSERT_TRUE(s && c);
  ASSERT_TRUE(s->has_value()) << s->error().message();
  ASSERT_TRUE(c->has_value()) << c->error().message();
  EXPECT_EQ(request.target(), "/");
  ASSERT_EQ(request.count(http::field::host), 1u);
  EXPECT_EQ(request[http::field::host], "");
  EXPECT_EQ(request.count(http::field::sec_websocket_extensions), 0u);
  EXPECT_EQ(request.count(http::field::sec_websocket_protocol), 0u);
}

}  // namespace
}  // namespace smp::transport
