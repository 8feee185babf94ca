// The plain TLS block transport: each block is exactly 16384 bytes of the TLS stream.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <array>

#include "smp/encoding/padding.h"
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
    // async_read accumulates TLS records until the whole block is in (spec §3.4).
    auto [ec, n] = co_await net::async_read(stream_, net::buffer(read_buf_), kUseTuple);
    if (ec) {
      errc e = stream_error(ec);
      // EOF in the middle of a block is a truncated block, not a clean close.
      if (e == errc::connection_closed && n > 0 && n < read_buf_.size()) {
        e = errc::transport_bad_block;
      }
      co_return make_error_code(e);
    }
    auto content = enc::unpad(read_buf_);
    if (!content) co_return make_error_code(errc::transport_large_msg);
    co_return *content;
  }

  net::awaitable<Result<void>> write_block(ByteView content) override {
    if (content.size() > protocol::kMaxBlockContent) {
      co_return make_error_code(errc::transport_large_msg);
    }
    (void)enc::pad_into(content, write_buf_);  // cannot fail: the size was checked
    co_return co_await write_prepared_block();
  }

  std::span<std::uint8_t> write_buffer() override { return write_buf_; }

  net::awaitable<Result<void>> write_prepared_block() override {
    if (!enc::unpad(write_buf_)) co_return make_error_code(errc::transport_large_msg);
    auto [ec, n] = co_await net::async_write(stream_, net::buffer(write_buf_), kUseTuple);
    if (ec) co_return make_error_code(stream_error(ec));
    co_return Result<void>{};
  }

 protected:
  net::awaitable<Result<void>> upgrade(TlsRole) override { co_return Result<void>{}; }

 private:
  TlsStream stream_;
  std::array<std::uint8_t, protocol::kBlockSize> read_buf_;
  std::array<std::uint8_t, protocol::kBlockSize> write_buf_;
};

}  // namespace

std::unique_ptr<StreamTransport> make_tls_transport(TlsStream stream) {
  return std::make_unique<TlsTransport>(std::move(stream));
}

}  // namespace smp::transport::detail
