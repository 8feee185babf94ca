// The WebSocket block transport (spec §3.6): TLS first, then an HTTP/1.1 upgrade; each block
// is one binary message of exactly 16384 bytes.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "smp/protocol/wire_format.h"
#include "smp/transport/stream_transport.h"

namespace smp::transport::detail {

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

errc websocket_error(const error_code& ec) {
  if (ec == websocket::error::closed) return errc::connection_closed;
  // A message longer than a block: the reference reads it (up to 64 KB) and then fails
  // with TEBadBlock; we stop at the block size with the same outcome.
  if (ec == websocket::error::message_too_big || ec == websocket::error::buffer_overflow) {
    return errc::transport_bad_block;
  }
  return stream_error(ec);
}

class WebSocketTransport final : public StreamTransport {
 public:
  explicit WebSocketTransport(TlsStream stream) : ws_(std::move(stream)) {
    ws_.binary(true);
    ws_.auto_fragment(false);  // one frame per block, as the reference's sender
    ws_.read_message_max(protocol::kWebSocketMessageMax);
  }

  TlsStream& tls() override { return ws_.next_layer(); }
  const TlsStream& tls() const override { return ws_.next_layer(); }

  net::awaitable<Result<ByteView>> read_block_view() override {
    // Beast may already hold the next frame's bytes, so no waiting for readability here;
    // the buffer is only allocated when the payload arrives, and given back meanwhile.
    read_buf_.clear();
    read_buf_.shrink_to_fit();
    auto [ec, n] = co_await ws_.async_read(read_buf_, kUseTuple);
    if (ec) co_return make_error_code(websocket_error(ec));
    if (read_buf_.size() != protocol::kBlockSize) {
      co_return make_error_code(errc::transport_bad_block);
    }
    auto data = read_buf_.data();
    co_return open_block(
        std::span<std::uint8_t>(static_cast<std::uint8_t*>(data.data()), data.size()));
  }

 protected:
  net::awaitable<Result<void>> upgrade(TlsRole role) override {
    error_code ec;
    if (role == TlsRole::client) {
      // The reference client sends an empty Host header and asks for "/".
      std::tie(ec) = co_await ws_.async_handshake("", "/", kUseTuple);
    } else {
      std::tie(ec) = co_await ws_.async_accept(kUseTuple);  // any request is accepted
    }
    if (ec) co_return make_error_code(stream_error(ec));
    co_return Result<void>{};
  }

  net::awaitable<Result<void>> send_block(ByteView block) override {
    auto [ec, n] = co_await ws_.async_write(net::buffer(block.data(), block.size()), kUseTuple);
    if (ec) co_return make_error_code(websocket_error(ec));
    co_return Result<void>{};
  }

 private:
  websocket::stream<TlsStream> ws_;
  beast::flat_buffer read_buf_{protocol::kBlockSize};  // at most one block
};

}  // namespace

std::unique_ptr<StreamTransport> make_websocket_transport(TlsStream stream) {
  return std::make_unique<WebSocketTransport>(std::move(stream));
}

}  // namespace smp::transport::detail
