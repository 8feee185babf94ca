#include "smp/transport/stream_transport.h"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include "smp/encoding/padding.h"
#include "smp/transport/block_encryption.h"

namespace smp::transport {

net::awaitable<Result<void>> StreamTransport::start(TlsRole role) {
  SSL* ssl = tls().native_handle();
  auto id = tls_unique(ssl, role);
  if (!id) co_return id.error();
  set_session_id(*id);
  negotiated_current_ = transport::negotiated_current(ssl);
  // A server holds many idle connections: it keeps TLS's keys, not OpenSSL's SSL object.
  if (role == TlsRole::server) (void)tls().use_own_records(role);
  co_return co_await upgrade(role);
}

Result<ByteView> StreamTransport::open_block(std::span<std::uint8_t> block) {
  std::span<std::uint8_t> padded = block;
  if (BlockEncryption* encryption = block_encryption()) {
    auto opened = encryption->open(block);
    if (!opened) return opened.error();
    padded = *opened;
  }
  auto content = enc::unpad(padded);
  if (!content) return make_error_code(errc::transport_large_msg);
  return *content;
}

net::awaitable<Result<void>> StreamTransport::write_block(ByteView content) {
  if (content.size() > max_block_content()) co_return make_error_code(errc::transport_large_msg);
  (void)enc::pad_into(content, write_buffer());  // cannot fail: the size was checked
  co_return co_await write_prepared_block();
}

// With block encryption the caller's part starts after the tag's room at the front.
std::span<std::uint8_t> StreamTransport::write_buffer() {
  if (block_.empty()) {
    block_ = block_room();
    if (block_.size() != protocol::kBlockSize) block_ = write_buf_.get();
  }
  return block_.last(max_block_content() + 2);
}

net::awaitable<Result<void>> StreamTransport::write_prepared_block() {
  auto content = write_buffer();
  auto block = block_;
  Result<void> sent;
  if (!enc::unpad(content)) {
    sent = make_error_code(errc::transport_large_msg);
  } else if (BlockEncryption* encryption = block_encryption()) {
    sent = encryption->seal(block);
  }
  if (sent) sent = co_await send_block(block);
  block_ = {};
  write_buf_.release();
  release_block_room();
  co_return sent;
}

void StreamTransport::close() noexcept {
  auto& s = socket();
  if (!s.is_open()) return;
  error_code ignored;
  s.shutdown(Tcp::socket::shutdown_both, ignored);
  s.close(ignored);
}

bool StreamTransport::is_open() const { return tls().next_layer().is_open(); }

net::any_io_executor StreamTransport::get_executor() { return socket().get_executor(); }

std::unique_ptr<StreamTransport> make_stream_transport(TransportKind kind, TlsStream stream) {
  return kind == TransportKind::websocket ? detail::make_websocket_transport(std::move(stream))
                                          : detail::make_tls_transport(std::move(stream));
}

namespace detail {

errc stream_error(const error_code& ec) {
  if (ec == net::error::eof || ec == ssl::error::stream_truncated ||
      ec == net::error::operation_aborted || ec == net::error::bad_descriptor ||
      ec == net::error::connection_reset || ec == net::error::broken_pipe ||
      ec == net::error::not_connected) {
    return errc::connection_closed;
  }
  return errc::network;
}

}  // namespace detail
}  // namespace smp::transport
