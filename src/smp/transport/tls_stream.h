// TlsStream: TLS on a TCP socket with OpenSSL driven directly — the SSL object does
// non-blocking send/recv through a small BIO of ours, and each operation waits with
// socket.async_wait when OpenSSL wants to read or write. No intermediate buffers, and
// SSL_MODE_RELEASE_BUFFERS: an idle connection holds no record buffers. After the handshake
// use_own_records() may replace OpenSSL with TlsRecords (the server does).
// Models AsyncReadStream/AsyncWriteStream (async_read, Beast's websocket::stream). Strand-
// bound: calls on the socket's executor, at most one read and one write side operation at
// a time; async_write_some sends at most one record of the first non-empty buffer.
// Owns the socket and the SSL (the ssl::context must outlive it); movable.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <cstddef>
#include <memory>
#include <span>
#include <utility>

#include "smp/common/error.h"
#include "smp/transport/tls.h"

namespace smp::transport {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using Tcp = net::ip::tcp;

namespace detail {

// The socket, the SSL and what the BIO saw; heap-held so the stream can move.
struct TlsState;

enum class TlsOp : std::uint8_t { handshake, read, write };
enum class TlsStep : std::uint8_t { done, want_read, want_write };

// One attempt of `op` (SSL_do_handshake / SSL_read_ex / SSL_write_ex). On done, `ec` and
// `n` hold the outcome: eof after the peer's close_notify, ssl::error::stream_truncated
// after a TCP close without one, bad_descriptor once the socket is closed.
TlsStep tls_step(TlsState& s, TlsOp op, void* data, std::size_t size, std::size_t& n,
                 error_code& ec);
Tcp::socket& tls_socket(TlsState& s);

// The composed operation: one tls_step, then waits and retries until done. Completes with
// void(error_code, std::size_t), or void(error_code) for the handshake (Sized false).
template <class Executor, bool Sized>
struct TlsIoOp {
  TlsState* state;
  TlsOp op;
  void* data;
  std::size_t size;
  Executor executor;
  bool waited = false;  // an asynchronous wait has run: completing now is not inline
  bool done = false;
  error_code result{};
  std::size_t transferred = 0;

  template <class Self>
  void operator()(Self& self, error_code wait_ec = {}) {
    if (done) return complete(self, result, transferred);
    if (wait_ec) return finish(self, wait_ec, 0);
    std::size_t n = 0;
    error_code ec;
    switch (tls_step(*state, op, data, size, n, ec)) {
      case TlsStep::want_read:
        waited = true;
        return tls_socket(*state).async_wait(Tcp::socket::wait_read, std::move(self));
      case TlsStep::want_write:
        waited = true;
        return tls_socket(*state).async_wait(Tcp::socket::wait_write, std::move(self));
      case TlsStep::done:
        return finish(self, ec, n);
    }
  }

  template <class Self>
  static void complete(Self& self, error_code ec, std::size_t n) {
    if constexpr (Sized) {
      self.complete(ec, n);
    } else {
      self.complete(ec);
    }
  }

  template <class Self>
  void finish(Self& self, error_code ec, std::size_t n) {
    if (waited) return complete(self, ec, n);
    // Never complete inside the initiating call: post, then complete.
    done = true;
    result = ec;
    transferred = n;
    net::post(executor, std::move(self));
  }
};

// The first non-empty buffer of a sequence (an empty one if there is none).
template <class Buffer, class Buffers>
Buffer first_buffer(const Buffers& buffers) {
  for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
       ++it) {
    Buffer b(*it);
    if (b.size() > 0) return b;
  }
  return {};
}

}  // namespace detail

class TlsStream {
 public:
  using executor_type = Tcp::socket::executor_type;
  using next_layer_type = Tcp::socket;
  using lowest_layer_type = Tcp::socket::lowest_layer_type;

  // An unconnected socket (connect next_layer() first), or an accepted one.
  TlsStream(const executor_type& executor, ssl::context& ctx);
  TlsStream(net::io_context& io, ssl::context& ctx) : TlsStream(io.get_executor(), ctx) {}
  TlsStream(Tcp::socket socket, ssl::context& ctx);
  TlsStream(TlsStream&&) noexcept;
  TlsStream& operator=(TlsStream&&) noexcept;
  ~TlsStream();

  executor_type get_executor();
  Tcp::socket& next_layer();
  const Tcp::socket& next_layer() const;
  lowest_layer_type& lowest_layer() { return next_layer().lowest_layer(); }
  // Null once use_own_records() has freed it.
  SSL* native_handle() const;

  // Once the handshake is done and before any other I/O or operation is pending: protects
  // the following records with TlsRecords (the same bytes on the wire; TLS 1.2, or TLS 1.3
  // on a server context that captures traffic secrets) and frees OpenSSL's SSL object,
  // about 12 KB a connection. Then close_notify reads as eof, a TCP close without it as
  // stream_truncated; a TLS 1.3 KeyUpdate moves the read keys on (and, when the peer asks,
  // our KeyUpdate goes out before the next record we write); any other alert, any other
  // handshake record (renegotiation) or a record that fails to authenticate fails the
  // stream with errc::tls_failure (sticky). False, changing nothing, when the connection
  // does not qualify (TlsRecords::from_handshake).
  bool use_own_records(TlsRole role);
  bool uses_own_records() const;
  // Bytes of record buffers the own record layer holds now: none while it waits for the
  // peer or after the stream has ended. 0 with OpenSSL (whose buffers are its own).
  std::size_t held_record_bytes() const;

  // True when OpenSSL holds bytes not yet returned by a read (a record, or part of one).
  bool has_buffered_input() const;

  // Own records only: the last recv took all the socket held (it came back short, or with
  // EAGAIN) and nothing buffered makes a record, so that more can only come from the socket:
  // wait_readable_after_drain may wait for it.
  bool input_exhausted() const;

  // Completes with the handshake's outcome: void(error_code).
  template <class Token>
  auto async_handshake(ssl::stream_base::handshake_type type, Token&& token) {
    prepare_handshake(type);
    return net::async_compose<Token, void(error_code)>(
        io_op<false>(detail::TlsOp::handshake, nullptr, 0), token, next_layer());
  }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    auto b = detail::first_buffer<net::mutable_buffer>(buffers);
    return net::async_compose<Token, void(error_code, std::size_t)>(
        io_op<true>(detail::TlsOp::read, b.data(), b.size()), token, next_layer());
  }

  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    auto b = detail::first_buffer<net::const_buffer>(buffers);
    // OpenSSL only reads from it: the const_cast is for the shared operation type.
    return net::async_compose<Token, void(error_code, std::size_t)>(
        io_op<true>(detail::TlsOp::write, const_cast<void*>(b.data()), b.size()), token,
        next_layer());
  }

  // One non-blocking attempt of async_read_some / async_write_some on one buffer, for a
  // caller that need not suspend when the socket is ready: true when it completed, with `n`
  // and `ec` as the asynchronous operation would give them; false when the socket is not
  // ready and nothing was transferred (then call the asynchronous operation with the same
  // buffer: a write may have started a record, which it then finishes).
  bool try_read_some(net::mutable_buffer buffer, std::size_t& n, error_code& ec);
  bool try_write_some(net::const_buffer buffer, std::size_t& n, error_code& ec);

  // The whole buffer, as net::async_read / net::async_write on this stream give it — (error,
  // bytes transferred) — but what the socket allows at once is taken with try_read_some /
  // try_write_some, without suspending: no posted completion, no scheduler round per record.
  net::awaitable<std::pair<error_code, std::size_t>> read_all(net::mutable_buffer buffer);
  net::awaitable<std::pair<error_code, std::size_t>> write_all(net::const_buffer buffer);

  // In place, for the own record layer (empty spans and no-ops otherwise), so that a block
  // that is one record is neither copied in nor out of the record buffers:
  // try_read_record_in_place takes what the socket has (never waits) and, when the next
  // record is application data of exactly `size` bytes none of which was read yet, opens it
  // and returns its plaintext, valid until the next read or release_read_record(); otherwise
  // it consumes nothing (read as usual), with `ec` set if the stream failed or ended.
  std::span<std::uint8_t> try_read_record_in_place(std::size_t size, error_code& ec);
  void release_read_record();
  // Room for the next record's `size` bytes of plaintext (at most one record's) where it will
  // be sealed and sent from: a write of exactly that span seals it there. Empty while a
  // record is still being sent. Held until that write or release_write_record().
  std::span<std::uint8_t> prepare_write_record(std::size_t size);
  void release_write_record();

  // Sends close_notify if the socket takes it at once (never waits); for WebSocket closes.
  void send_close_notify() noexcept;

 private:
  void prepare_handshake(ssl::stream_base::handshake_type type);
  template <bool Sized>
  detail::TlsIoOp<executor_type, Sized> io_op(detail::TlsOp op, void* data, std::size_t size) {
    return {state_.get(), op, data, size, get_executor()};
  }

  std::unique_ptr<detail::TlsState> state_;
};

// Beast's WebSocket close: close_notify when possible, then the TCP teardown.
void teardown(boost::beast::role_type role, TlsStream& stream, error_code& ec);

template <class Handler>
void async_teardown(boost::beast::role_type role, TlsStream& stream, Handler&& handler) {
  stream.send_close_notify();
  boost::beast::websocket::async_teardown(role, stream.next_layer(),
                                          std::forward<Handler>(handler));
}

}  // namespace smp::transport
