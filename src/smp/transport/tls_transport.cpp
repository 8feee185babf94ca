// The plain TLS block transport: each block is exactly 16384 bytes of the TLS stream.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "smp/protocol/wire_format.h"
#include "smp/transport/drained_wait.h"
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
    stream_.release_read_record();
    // Between blocks the socket is usually known drained, and the wait needs no epoll_ctl.
    bool exhausted = stream_.input_exhausted();
    if (!exhausted && !stream_.has_buffered_input()) {
      auto [ec] = co_await socket().async_wait(Tcp::socket::wait_read, kUseTuple);
      if (ec) co_return make_error_code(stream_error(ec));
    }
    error_code in_place_ec;
    for (;;) {
      if (exhausted) {
        if (auto ec = co_await wait_readable_after_drain(socket())) {
          co_return make_error_code(stream_error(ec));
        }
      }
      // Usually the whole block is in, as one record: opened where it was received.
      auto record = stream_.try_read_record_in_place(protocol::kBlockSize, in_place_ec);
      if (!record.empty()) co_return open_block(record);
      // Nothing yet (the wake-up was for input already taken) or part of a record: wait on.
      exhausted = !in_place_ec && stream_.input_exhausted();
      if (!exhausted) break;
    }
    auto buf = read_buf_.get();
    // Otherwise read_all accumulates records until the whole block is in (spec §3.4).
    std::pair<error_code, std::size_t> read{in_place_ec, 0};
    if (!in_place_ec) read = co_await stream_.read_all(net::buffer(buf.data(), buf.size()));
    auto [ec, got] = read;
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

  std::span<std::uint8_t> block_room() override {
    return stream_.prepare_write_record(protocol::kBlockSize);
  }
  void release_block_room() override { stream_.release_write_record(); }

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
