// The plain TLS block transport: each block is exactly 16384 bytes of the TLS stream.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "smp/protocol/wire_format.h"
#include "smp/transport/stream_transport.h"

namespace smp::transport::detail {

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

class TlsTransport final : public StreamTransport {
 public:
  explicit TlsTransport(TlsStream stream) : stream_(std::move(stream)) {}

  TlsStream& tls() override { return stream_; }
  const TlsStream& tls() const override { return stream_; }

  net::awaitable<Result<ByteView>> read_block_view() override {
    // The previous block's buffer goes back while the connection waits for the next one.
    read_buf_.release();
    if (!stream_.has_buffered_input()) {
      auto [ec] = co_await socket().async_wait(Tcp::socket::wait_read, kUseTuple);
      if (ec) co_return make_error_code(stream_error(ec));
    }
    auto buf = read_buf_.get();
    // Usually the whole block is in (one record) and read without suspending; read_all
    // accumulates records until the whole block is in otherwise (spec §3.4).
    auto [ec, got] = co_await stream_.read_all(net::buffer(buf.data(), buf.size()));
    if (ec) {
      read_buf_.release();  // the connection is done with
      errc e = stream_error(ec);
      // EOF in the middle of a block is a truncated block, not a clean close.
      if (e == errc::connection_closed && got > 0 && got < buf.size()) {
        e = errc::transport_bad_block;
      }
      co_return make_error_code(e);
    }
    co_return open_block(buf);
  }

 protected:
  net::awaitable<Result<void>> upgrade(TlsRole) override { co_return Result<void>{}; }

  net::awaitable<Result<void>> send_block(ByteView block) override {
    auto [ec, n] = co_await stream_.write_all(net::buffer(block.data(), block.size()));
    if (ec) co_return make_error_code(stream_error(ec));
    co_return Result<void>{};
  }

 private:
  TlsStream stream_;
  BlockBuffer read_buf_;
};

}  // namespace

std::unique_ptr<StreamTransport> make_tls_transport(TlsStream stream) {
  return std::make_unique<TlsTransport>(std::move(stream));
}

}  // namespace smp::transport::detail
