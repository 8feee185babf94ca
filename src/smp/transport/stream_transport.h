// Block transports over a TLS stream (spec §3.4) and over WebSockets inside TLS (spec §3.6),
// with the hooks that connect/accept use to bring a connection up.
//
// Strand-bound like every BlockTransport. Each object owns its stream and two fixed 16 KB
// buffers (one for reads, one for writes), so no block costs a heap allocation.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cstdint>
#include <memory>

#include "smp/transport/block_transport.h"
#include "smp/transport/tls.h"

namespace smp::transport {

using Tcp = net::ip::tcp;
using TlsStream = ssl::stream<Tcp::socket>;

// Which framing a connection uses above TLS. Clients pick WebSockets for port 80 (spec §3.6).
enum class TransportKind : std::uint8_t { tls, websocket };

class StreamTransport : public BlockTransport {
 public:
  virtual TlsStream& tls() = 0;
  virtual const TlsStream& tls() const = 0;
  Tcp::socket& socket() { return tls().next_layer(); }

  // Call once the TLS handshake is done: records tls-unique as the session id (the server
  // takes the peer's Finished, the client its own), then, for WebSockets, performs the
  // client request or accepts the server side. errc::tls_failure without a Finished message;
  // WebSocket upgrade failures: errc::connection_closed / errc::network.
  net::awaitable<Result<void>> start(TlsRole role);

  void close() noexcept override;
  bool is_open() const override;
  net::any_io_executor get_executor() override;

 protected:
  StreamTransport() = default;
  virtual net::awaitable<Result<void>> upgrade(TlsRole role) = 0;
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
