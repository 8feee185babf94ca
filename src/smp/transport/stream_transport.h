// Block transports over a TLS stream (spec §3.4) and over WebSockets inside TLS (spec §3.6),
// with the hooks that connect/accept use to bring a connection up.
//
// Strand-bound like every BlockTransport. Each object owns its stream; the 16 KB block
// buffers are taken only while a block is read or written (an idle connection waits for
// readability before it takes one), so an idle connection costs its TLS state and little
// else. The write path (padding, checks, the prepared block) is shared here; each kind
// only sends a whole padded block and reads one.
#pragma once

#include <cstdint>
#include <memory>

#include "smp/protocol/wire_format.h"
#include "smp/transport/block_buffer.h"
#include "smp/transport/block_transport.h"
#include "smp/transport/tls.h"
#include "smp/transport/tls_stream.h"

namespace smp::transport {

using protocol::TransportKind;

class StreamTransport : public BlockTransport {
 public:
  virtual TlsStream& tls() = 0;
  virtual const TlsStream& tls() const = 0;
  Tcp::socket& socket() { return tls().next_layer(); }

  // Call once the TLS handshake is done: records tls-unique as the session id (the server
  // takes the peer's Finished, the client its own) and whether ALPN chose the current
  // generation, then, for WebSockets, performs the client request or accepts the server
  // side. The server side then uses its own record layer where it can
  // (TlsStream::use_own_records), so tls().native_handle() may be null.
  // errc::tls_failure without a Finished message; WebSocket upgrade failures:
  // errc::connection_closed / errc::network.
  net::awaitable<Result<void>> start(TlsRole role);
  // After start(): the TLS handshake agreed on ALPN "smp/1" (the current generation).
  bool negotiated_current() const { return negotiated_current_; }

  net::awaitable<Result<void>> write_block(ByteView content) final;
  // Valid from this call until write_prepared_block() completes; then it is released.
  std::span<std::uint8_t> write_buffer() final;
  net::awaitable<Result<void>> write_prepared_block() final;

  void close() noexcept override;
  bool is_open() const override;
  net::any_io_executor get_executor() override;

 protected:
  StreamTransport() = default;
  virtual net::awaitable<Result<void>> upgrade(TlsRole role) = 0;
  // For read_block_view(), once a whole 16384-byte block is in: decrypts it in place (block
  // encryption) and removes the padding. A plain function, not a coroutine of its own: an
  // idle connection's pending read then holds one coroutine frame, as before block
  // encryption. Errors: errc::transport_large_msg.
  Result<ByteView> open_block(std::span<std::uint8_t> block);
  // Sends one whole block as it is. Errors: errc::connection_closed, errc::network.
  virtual net::awaitable<Result<void>> send_block(ByteView block) = 0;
  // Room for a whole block where send_block sends it from, so that it is not copied on the
  // way out; empty for none (the block is then prepared in a buffer of our own). Released
  // once the block is sent or given up.
  virtual std::span<std::uint8_t> block_room() { return {}; }
  virtual void release_block_room() {}

 private:
  BlockBuffer write_buf_;
  std::span<std::uint8_t> block_;  // the block being prepared: block_room() or write_buf_
  bool negotiated_current_ = false;
};

// `stream` must not have done any I/O yet (it is moved into the transport); it may be an
// unconnected stream (the client then connects socket()) or wrap an accepted socket.
std::unique_ptr<StreamTransport> make_stream_transport(TransportKind kind, TlsStream stream);

namespace detail {
// The errc for a failed read or write of the stream: connection_closed for EOF, a missing
// close_notify, a reset or our own close(); network otherwise.
errc stream_error(const error_code& ec);
std::unique_ptr<StreamTransport> make_tls_transport(TlsStream stream);
std::unique_ptr<StreamTransport> make_websocket_transport(TlsStream stream);
}  // namespace detail

}  // namespace smp::transport
