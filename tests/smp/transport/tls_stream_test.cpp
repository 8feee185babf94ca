#include "smp/transport/tls_stream.h"

#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include "loopback.h"
#include "piecewise_relay.h"
#include "smp/transport/stream_transport.h"
#include "support/run_awaitable.h"

namespace smp::transport {
namespace {

using test::kUseTuple;
using test::make_identity;
using test::pause;
using test::Relay;
using test::run_both;
using test::ServerIdentity;
using namespace std::chrono_literals;

Bytes pattern(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 13 + i / 251);
  return b;
}

struct StreamParams {
  bool own_records;  // the server uses its own record layer after the handshake (as smp-server)
  bool tls13;        // the client offers TLS 1.3 (the current generation's client context)
};

// A handshaked client/server pair of TlsStreams, directly or through a Relay, over TLS 1.2 or
// 1.3; the server keeps OpenSSL or uses its own record layer.
class TlsStreamTest : public ::testing::TestWithParam<StreamParams> {
 protected:
  bool own() const { return GetParam().own_records; }
  bool tls13() const { return GetParam().tls13; }
  // Header and tag of a ChaCha20-Poly1305 record, and at TLS 1.3 the inner type.
  std::size_t record_overhead() const { return tls13() ? 22 : 21; }

  void connect(bool through_relay) {
    id_ = make_identity(CertificateAlgorithm::ed25519);
    ASSERT_TRUE(id_.context.has_value());
    auto ctx = shared_client_context(tls13() ? ClientProtocols::current_and_v1
                                             : ClientProtocols::v1_only);
    ASSERT_TRUE(ctx.has_value());
    std::uint16_t port = net_.acceptor.local_endpoint().port();
    if (through_relay) {
      relay_ = std::make_unique<Relay>(net_.io);
      net::co_spawn(net_.io, relay_->run(net_.acceptor.local_endpoint()), net::detached);
      port = relay_->port();
    }
    client_.emplace(net_.io, **ctx);
    auto server_side = [&]() -> net::awaitable<error_code> {
      auto [ec, socket] = co_await net_.acceptor.async_accept(kUseTuple);
      if (ec) co_return ec;
      server_.emplace(std::move(socket), *id_.context);
      std::tie(ec) = co_await server_->async_handshake(ssl::stream_base::server, kUseTuple);
      co_return ec;
    };
    auto client_side = [&, port]() -> net::awaitable<error_code> {
      auto [ec] = co_await client_->next_layer().async_connect(
          Tcp::endpoint(net::ip::make_address("127.0.0.1"), port), kUseTuple);
      if (ec) co_return ec;
      if (!expect_server(client_->native_handle(), "127.0.0.1", id_.key_hash)) {
        co_return make_error_code(errc::tls_failure);
      }
      std::tie(ec) = co_await client_->async_handshake(ssl::stream_base::client, kUseTuple);
      co_return ec;
    };
    auto [s, c] = run_both(net_.io, server_side(), client_side(), 10s);
    ASSERT_TRUE(s && c);
    ASSERT_FALSE(*s) << s->message();
    ASSERT_FALSE(*c) << c->message();
    ASSERT_EQ(SSL_version(client_->native_handle()), tls13() ? TLS1_3_VERSION : TLS1_2_VERSION);
    if (own()) {
      ASSERT_TRUE(server_->use_own_records(TlsRole::server));
      ASSERT_EQ(server_->native_handle(), nullptr);
    }
  }

  // Writes `data` from the client (or the server) while the other side reads `expected` bytes.
  std::pair<error_code, Bytes> transfer(const Bytes& data, std::size_t expected,
                                        bool to_server = true) {
    Bytes got(expected);
    TlsStream& from = to_server ? *client_ : *server_;
    TlsStream& to = to_server ? *server_ : *client_;
    auto writer = [&]() -> net::awaitable<error_code> {
      auto [ec, n] = co_await net::async_write(from, net::buffer(data), kUseTuple);
      co_return ec;
    };
    auto reader = [&]() -> net::awaitable<error_code> {
      auto [ec, n] = co_await net::async_read(to, net::buffer(got), kUseTuple);
      got.resize(n);
      co_return ec;
    };
    auto [w, r] = run_both(net_.io, writer(), reader(), 20s);
    if (!w || !r) return {make_error_code(errc::timeout), {}};
    return {*r, got};
  }

  // Writes 16 MB from the client (or the server) to a side that starts reading only after
  // 200 ms, through a 4 KB send buffer: the write must wait for the reader, then complete.
  void expect_write_waits_for_the_reader(bool to_server) {
    TlsStream& from = to_server ? *client_ : *server_;
    TlsStream& to = to_server ? *server_ : *client_;
    from.next_layer().set_option(net::socket_base::send_buffer_size(4096));
    Bytes data = pattern(16 << 20);  // far more than the socket buffers hold
    Bytes got(data.size());
    bool written = false;
    bool written_before_reading = true;
    auto writer = [&]() -> net::awaitable<error_code> {
      auto [ec, n] = co_await net::async_write(from, net::buffer(data), kUseTuple);
      written = true;
      co_return ec;
    };
    auto reader = [&]() -> net::awaitable<error_code> {
      co_await pause(200ms);
      written_before_reading = written;
      auto [ec, n] = co_await net::async_read(to, net::buffer(got), kUseTuple);
      co_return ec;
    };
    auto [w, r] = run_both(net_.io, writer(), reader(), 20s);
    ASSERT_TRUE(w && r);
    EXPECT_FALSE(written_before_reading) << "the write should wait for the reader";
    EXPECT_FALSE(*w) << w->message();
    EXPECT_FALSE(*r) << r->message();
    EXPECT_EQ(got, data);
  }

  test::Loopback net_;
  ServerIdentity id_;
  std::unique_ptr<Relay> relay_;
  std::optional<TlsStream> client_, server_;
};

TEST_P(TlsStreamTest, RecordsArrivingInPiecesAreReassembled) {
  connect(true);
  Bytes data = pattern(40000);  // three records, split into 3- and 1000-byte pieces
  auto [ec, got] = transfer(data, data.size());
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(got, data);
}

TEST_P(TlsStreamTest, PeerClosingMidRecordIsATruncatedStream) {
  connect(true);
  relay_->set_limit(relay_->forwarded() + 5000);  // a third of the next record, then close
  auto [ec, got] = transfer(pattern(16384), 16384);
  EXPECT_EQ(ec, ssl::error::stream_truncated) << ec.message();
  EXPECT_TRUE(got.empty());  // no byte of an unauthenticated record is delivered
  EXPECT_EQ(detail::stream_error(ec), errc::connection_closed);
}

TEST_P(TlsStreamTest, LargeWriteIsSplitIntoRecordsAndArrivesWhole) {
  connect(false);
  Bytes data = pattern(1 << 20);
  auto [ec, got] = transfer(data, data.size());
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(got, data);
}

TEST_P(TlsStreamTest, WriteWaitsWhileThePeerDoesNotReadAndThenCompletes) {
  connect(false);
  // A small send buffer makes OpenSSL meet EAGAIN (WANT_WRITE) part-way through records.
  // (The receive buffer keeps its size: a tiny one on loopback stalls TCP itself.)
  expect_write_waits_for_the_reader(true);
}

TEST_P(TlsStreamTest, ClosingTheSocketCompletesABlockedWrite) {
  connect(false);
  Bytes data = pattern(8 << 20);
  auto writer = [&]() -> net::awaitable<error_code> {
    auto [ec, n] = co_await net::async_write(*client_, net::buffer(data), kUseTuple);
    co_return ec;
  };
  auto closer = [&]() -> net::awaitable<bool> {
    co_await pause(100ms);
    client_->next_layer().close();
    co_return true;
  };
  auto [w, c] = run_both(net_.io, writer(), closer());
  ASSERT_TRUE(w && c);
  EXPECT_EQ(detail::stream_error(*w), errc::connection_closed) << w->message();
}

TEST_P(TlsStreamTest, CloseNotifyReadsAsEndOfStream) {
  connect(false);
  server_->send_close_notify();
  Bytes buf(100);
  auto r = test::run_awaitable(net_.io, [&]() -> net::awaitable<error_code> {
    auto [ec, n] = co_await client_->async_read_some(net::buffer(buf), kUseTuple);
    co_return ec;
  }());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, net::error::eof);
}

TEST_P(TlsStreamTest, ReadsAfterOwnCloseFailWithoutTouchingTheDescriptor) {
  connect(false);
  client_->next_layer().close();
  Bytes buf(100);
  auto r = test::run_awaitable(net_.io, [&]() -> net::awaitable<error_code> {
    auto [ec, n] = co_await client_->async_read_some(net::buffer(buf), kUseTuple);
    co_return ec;
  }());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, net::error::bad_descriptor);
}

TEST_P(TlsStreamTest, HandshakeWithAPlainTcpPeerFails) {
  id_ = make_identity(CertificateAlgorithm::ed25519);
  ASSERT_TRUE(id_.context.has_value());
  auto server_side = [&]() -> net::awaitable<error_code> {
    auto [ec, socket] = co_await net_.acceptor.async_accept(kUseTuple);
    if (ec) co_return ec;
    server_.emplace(std::move(socket), *id_.context);
    std::tie(ec) = co_await server_->async_handshake(ssl::stream_base::server, kUseTuple);
    co_return ec;
  };
  Tcp::socket plain(net_.io);
  auto client_side = [&]() -> net::awaitable<error_code> {
    auto [ec] = co_await plain.async_connect(net_.acceptor.local_endpoint(), kUseTuple);
    if (ec) co_return ec;
    std::string junk = "GET / HTTP/1.1\r\n\r\n";
    auto [wec, n] = co_await net::async_write(plain, net::buffer(junk), kUseTuple);
    co_return wec;
  };
  auto [s, c] = run_both(net_.io, server_side(), client_side());
  ASSERT_TRUE(s && c);
  EXPECT_TRUE(*s);  // an error, and no hang
}

TEST_P(TlsStreamTest, LargeServerWriteArrivesWholeAtTheClient) {
  connect(false);
  Bytes data = pattern((1 << 20) + 7);
  auto [ec, got] = transfer(data, data.size(), false);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(got, data);
}

TEST_P(TlsStreamTest, ServerWriteWaitsWhileTheClientDoesNotReadAndThenCompletes) {
  connect(false);
  expect_write_waits_for_the_reader(false);
}

TEST_P(TlsStreamTest, ClientCloseNotifyReadsAsEndOfStreamAfterTheData) {
  connect(false);
  Bytes data = pattern(3000);
  auto [ec, got] = transfer(data, data.size());
  ASSERT_FALSE(ec) << ec.message();
  client_->send_close_notify();
  Bytes buf(100);
  for (int i = 0; i < 2; ++i) {  // and stays at the end
    auto r = test::run_awaitable(net_.io, [&]() -> net::awaitable<error_code> {
      auto [rec, n] = co_await server_->async_read_some(net::buffer(buf), kUseTuple);
      co_return rec;
    }());
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, net::error::eof) << r->message();
  }
}

TEST_P(TlsStreamTest, IdleServerHoldsNoBuffersAfterReadingAndWritingEverything) {
  connect(false);
  Bytes data = pattern(20000);
  auto [ec, got] = transfer(data, data.size());
  ASSERT_FALSE(ec) << ec.message();
  auto [back_ec, back] = transfer(data, data.size(), false);
  ASSERT_FALSE(back_ec) << back_ec.message();
  EXPECT_FALSE(server_->has_buffered_input());
  EXPECT_EQ(server_->held_record_bytes(), 0u);
}

// The server's next record of `size` bytes opened in place, copied out (waits for it to be
// readable; nullopt when try_read_record_in_place offers none).
// Writes `data` from `client` in full (the socket buffers take it: no reader needed).
error_code write_from(TlsStream& client, net::io_context& io, const Bytes& data) {
  auto r = test::run_awaitable(io, [&]() -> net::awaitable<error_code> {
    auto [ec, n] = co_await net::async_write(client, net::buffer(data), kUseTuple);
    co_return ec;
  }());
  return r.value_or(make_error_code(errc::timeout));
}

// Waits (up to 5 s) until `socket` has `n` bytes to read: loopback TCP may pace what a
// completed write sent.
void wait_for_bytes(Tcp::socket& socket, std::size_t n) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (socket.available() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_GE(socket.available(), n);
}

// The server's next record of `size` bytes opened in place, copied out; nullopt when
// try_read_record_in_place offers none.
std::optional<Bytes> read_record_in_place(TlsStream& server, std::size_t size) {
  error_code ec;
  auto record = server.try_read_record_in_place(size, ec);
  EXPECT_FALSE(ec) << ec.message();
  if (record.empty()) return std::nullopt;
  return Bytes(record.begin(), record.end());
}

TEST_P(TlsStreamTest, WholeRecordsAreReadInPlaceAndOthersAsUsual) {
  connect(false);
  Bytes first = pattern(16384), second = pattern(16384), tail = pattern(100);
  second[0] ^= 0xff;
  Bytes all = first;
  all.insert(all.end(), second.begin(), second.end());
  all.insert(all.end(), tail.begin(), tail.end());
  error_code written = write_from(*client_, net_.io, all);  // records of 16384, 16384, 100
  ASSERT_FALSE(written) << written.message();
  wait_for_bytes(server_->next_layer(), all.size() + 3 * record_overhead());
  auto got = read_record_in_place(*server_, 16384);
  if (!own()) {
    EXPECT_FALSE(got.has_value());  // OpenSSL's records are only read the usual way
    auto [ec, rest] = transfer({}, all.size());
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(rest, all);
    return;
  }
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, first);
  got = read_record_in_place(*server_, 16384);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, second);
  // A record of another size is not taken, and reads as usual.
  EXPECT_FALSE(read_record_in_place(*server_, 16384).has_value());
  auto [ec, rest] = transfer({}, tail.size());
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(rest, tail);
  server_->release_read_record();
  EXPECT_FALSE(server_->has_buffered_input());
  EXPECT_EQ(server_->held_record_bytes(), 0u);
}

TEST_P(TlsStreamTest, RecordReturnedInPlaceIsHeldUntilReleased) {
  connect(false);
  Bytes block = pattern(16384);
  ASSERT_FALSE(write_from(*client_, net_.io, block));
  wait_for_bytes(server_->next_layer(), block.size() + record_overhead());
  auto got = read_record_in_place(*server_, block.size());
  if (!own()) GTEST_SKIP() << "OpenSSL's records are only read the usual way";
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(server_->has_buffered_input());  // what was returned is no longer input
  EXPECT_GT(server_->held_record_bytes(), 0u);
  server_->release_read_record();
  EXPECT_EQ(server_->held_record_bytes(), 0u);
}

TEST_P(TlsStreamTest, RecordPreparedInPlaceIsSentAsWritten) {
  connect(false);
  Bytes block = pattern(16384);
  auto room = server_->prepare_write_record(block.size());
  if (!own()) {
    EXPECT_TRUE(room.empty());
    return;
  }
  ASSERT_EQ(room.size(), block.size());
  EXPECT_GT(server_->held_record_bytes(), 0u);
  std::copy(block.begin(), block.end(), room.begin());
  Bytes got(block.size());
  auto writer = [&]() -> net::awaitable<error_code> {
    auto [ec, n] = co_await server_->write_all(net::buffer(room.data(), room.size()));
    co_return ec;
  };
  auto reader = [&]() -> net::awaitable<error_code> {
    auto [ec, n] = co_await net::async_read(*client_, net::buffer(got), kUseTuple);
    co_return ec;
  };
  auto [w, r] = run_both(net_.io, writer(), reader());
  ASSERT_TRUE(w && r);
  EXPECT_FALSE(*w) << w->message();
  EXPECT_FALSE(*r) << r->message();
  EXPECT_EQ(got, block);
  EXPECT_EQ(server_->held_record_bytes(), 0u);
  // Room not written is given back on release; other writes go as usual meanwhile.
  room = server_->prepare_write_record(100);
  ASSERT_EQ(room.size(), 100u);
  auto [back_ec, back] = transfer(pattern(3000), 3000, false);
  ASSERT_FALSE(back_ec) << back_ec.message();
  EXPECT_EQ(back, pattern(3000));
  server_->release_write_record();
  EXPECT_EQ(server_->held_record_bytes(), 0u);
}

TEST_P(TlsStreamTest, ServerHoldsNoBuffersOnceThePeerHasGone) {
  connect(true);
  relay_->set_limit(relay_->forwarded() + 5000);  // part of a record, then the TCP close
  auto [ec, got] = transfer(pattern(16384), 16384);
  EXPECT_EQ(ec, ssl::error::stream_truncated) << ec.message();
  EXPECT_EQ(server_->held_record_bytes(), 0u);
}

// Bytes written to the client's socket directly, bypassing its TLS; the server's next read.
error_code server_read_after_raw(TlsStream& client, TlsStream& server, net::io_context& io,
                                 const Bytes& raw) {
  error_code ignored;
  net::write(client.next_layer(), net::buffer(raw), ignored);
  Bytes buf(100);
  auto r = test::run_awaitable(io, [&]() -> net::awaitable<error_code> {
    auto [ec, n] = co_await server.async_read_some(net::buffer(buf), kUseTuple);
    co_return ec;
  }());
  return r.value_or(make_error_code(errc::timeout));
}

TEST_P(TlsStreamTest, ForgedRecordFailsTheReadAndTheFailureSticks) {
  connect(false);
  Bytes forged = {23, 3, 3, 0, 32};
  Bytes body = pattern(32);
  forged.insert(forged.end(), body.begin(), body.end());
  error_code ec = server_read_after_raw(*client_, *server_, net_.io, forged);
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, make_error_code(errc::timeout));
  if (!own()) return;  // OpenSSL's own errors are its business
  EXPECT_EQ(ec, make_error_code(errc::tls_failure)) << ec.message();
  EXPECT_EQ(detail::stream_error(ec), errc::network);
  // A genuine record after it is not read: the stream stays failed.
  auto [again, got] = transfer(pattern(10), 10);
  EXPECT_EQ(again, make_error_code(errc::tls_failure)) << again.message();
}

TEST_P(TlsStreamTest, OversizedOrWrongVersionRecordHeaderFailsWithoutWaitingForTheBody) {
  if (!own()) GTEST_SKIP() << "OpenSSL may wait for the body first";
  for (Bytes header : {Bytes{23, 3, 3, 0x48, 0x00}, Bytes{23, 3, 1, 0, 40}, Bytes{23, 3, 3, 0, 3}}) {
    connect(false);
    error_code ec = server_read_after_raw(*client_, *server_, net_.io, header);
    EXPECT_EQ(ec, make_error_code(errc::tls_failure)) << ec.message();
  }
}

TEST_P(TlsStreamTest, RenegotiationAttemptFailsTheOwnRecordLayer) {
  if (!own()) GTEST_SKIP() << "OpenSSL refuses renegotiation with a warning alert";
  if (tls13()) GTEST_SKIP() << "TLS 1.3 has no renegotiation";
  connect(false);
  SSL* client = client_->native_handle();
  SSL_clear_options(client, SSL_OP_NO_RENEGOTIATION);
  ASSERT_EQ(SSL_renegotiate(client), 1);
  // One step of the client's handshake sends its ClientHello, encrypted, and wants a reply.
  EXPECT_EQ(SSL_get_error(client, SSL_do_handshake(client)), SSL_ERROR_WANT_READ);
  Bytes buf(100);
  auto r = test::run_awaitable(net_.io, [&]() -> net::awaitable<error_code> {
    auto [ec, n] = co_await server_->async_read_some(net::buffer(buf), kUseTuple);
    co_return ec;
  }());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, make_error_code(errc::tls_failure)) << r->message();
}

TEST_P(TlsStreamTest, RecordTamperedInTransitFailsTheStream) {
  connect(true);
  relay_->set_flip(relay_->forwarded() + 100);  // inside the next record's ciphertext
  auto [ec, got] = transfer(pattern(1000), 1000);
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, make_error_code(errc::timeout));
  if (own()) {
    EXPECT_EQ(ec, make_error_code(errc::tls_failure)) << ec.message();
  }
}

// Counts the KeyUpdate messages an OpenSSL endpoint receives (its message callback).
struct KeyUpdatesSeen {
  int received = 0;
  static void callback(int write_p, int, int content_type, const void* buf, std::size_t len,
                       SSL*, void* arg) {
    const auto* b = static_cast<const std::uint8_t*>(buf);
    if (write_p == 0 && content_type == SSL3_RT_HANDSHAKE && len > 0 && b[0] == 24) {
      ++static_cast<KeyUpdatesSeen*>(arg)->received;
    }
  }
};

TEST_P(TlsStreamTest, KeyUpdateFromTheClientKeepsTheConnectionWorking) {
  if (!tls13()) GTEST_SKIP() << "TLS 1.3 only";
  connect(false);
  SSL* client = client_->native_handle();
  KeyUpdatesSeen seen;
  SSL_set_msg_callback(client, KeyUpdatesSeen::callback);
  SSL_set_msg_callback_arg(client, &seen);
  Bytes data = pattern(40000);
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    // Rounds 0 and 2 ask for the server's KeyUpdate too; round 1 does not.
    const int type = round == 1 ? SSL_KEY_UPDATE_NOT_REQUESTED : SSL_KEY_UPDATE_REQUESTED;
    ASSERT_EQ(SSL_key_update(client, type), 1);
    auto [ec, got] = transfer(data, data.size());  // the KeyUpdate goes before this data
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(got, data);
    auto [back_ec, back] = transfer(data, data.size(), false);
    ASSERT_FALSE(back_ec) << back_ec.message();
    EXPECT_EQ(back, data);
  }
  // The server answered each request with its own KeyUpdate before its data.
  EXPECT_EQ(seen.received, 2);
  SSL_set_msg_callback(client, nullptr);
}

// try_read_some: false with nothing to read (nothing taken, no error), then the record.
TEST_P(TlsStreamTest, TryReadSomeIsFalseUntilDataArrivesThenReturnsIt) {
  connect(false);
  Bytes buf(4096);
  std::size_t n = 99;
  error_code ec;
  EXPECT_FALSE(server_->try_read_some(net::buffer(buf), n, ec));
  EXPECT_EQ(n, 0u);
  EXPECT_FALSE(ec) << ec.message();

  Bytes data = pattern(1000);
  auto writer = [&]() -> net::awaitable<error_code> {
    auto [e, m] = co_await net::async_write(*client_, net::buffer(data), kUseTuple);
    co_return e;
  };
  auto nothing = []() -> net::awaitable<bool> { co_return true; };
  auto [w, done] = run_both(net_.io, writer(), nothing());
  ASSERT_TRUE(w && done);
  ASSERT_FALSE(*w) << w->message();
  Bytes got;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (got.size() < data.size() && std::chrono::steady_clock::now() < deadline) {
    if (server_->try_read_some(net::buffer(buf), n, ec)) {
      ASSERT_FALSE(ec) << ec.message();
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    } else {
      std::this_thread::sleep_for(1ms);  // the record is still on its way over loopback
    }
  }
  EXPECT_EQ(got, data);
}

// try_write_some sends while the socket takes records; once it is false (the peer does not
// read), the asynchronous write of the same remaining bytes finishes what was started, and
// the peer reads every byte in order.
TEST_P(TlsStreamTest, TryWriteSomeUntilTheSocketIsFullThenAsyncWriteFinishes) {
  connect(false);
  server_->next_layer().set_option(net::socket_base::send_buffer_size(4096));
  Bytes data = pattern(32 << 20);
  std::size_t sent = 0;
  bool filled = false;
  while (sent < data.size()) {
    std::size_t n = 0;
    error_code ec;
    if (!server_->try_write_some(net::buffer(data.data() + sent, data.size() - sent), n, ec)) {
      filled = true;
      break;
    }
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_GT(n, 0u);
    sent += n;
  }
  ASSERT_TRUE(filled) << "32 MB should not fit in the socket buffers";
  ASSERT_GT(sent, 0u);
  Bytes got(data.size());
  auto writer = [&]() -> net::awaitable<error_code> {
    auto [ec, n] = co_await net::async_write(
        *server_, net::buffer(data.data() + sent, data.size() - sent), kUseTuple);
    co_return ec;
  };
  auto reader = [&]() -> net::awaitable<error_code> {
    auto [ec, n] = co_await net::async_read(*client_, net::buffer(got), kUseTuple);
    co_return ec;
  };
  auto [w, r] = run_both(net_.io, writer(), reader(), 30s);
  ASSERT_TRUE(w && r);
  EXPECT_FALSE(*w) << w->message();
  EXPECT_FALSE(*r) << r->message();
  EXPECT_TRUE(got == data) << "the bytes arrived changed or out of order";
}

INSTANTIATE_TEST_SUITE_P(ServerRecords, TlsStreamTest,
                         ::testing::Values(StreamParams{true, false}, StreamParams{false, false},
                                           StreamParams{true, true}, StreamParams{false, true}),
                         [](const ::testing::TestParamInfo<StreamParams>& p) {
                           return std::string(p.param.own_records ? "Own" : "OpenSsl") +
                                  (p.param.tls13 ? "Tls13" : "Tls12");
                         });

}  // namespace
}  // namespace smp::transport
