// An in-memory BlockTransport for tests of code that speaks blocks (handshakes, server and
// client sessions): blocks to be read are queued up front, written blocks are recorded
// padded exactly as they would go on the wire. Reading past the queue is
// errc::connection_closed. Not thread-safe; single executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <deque>
#include <vector>

#include "smp/encoding/padding.h"
#include "smp/protocol/wire_format.h"
#include "smp/transport/block_transport.h"

namespace smp::test {

class FakeBlockTransport final : public transport::BlockTransport {
 public:
  FakeBlockTransport(boost::asio::any_io_executor ex, ByteView session_id) : ex_(std::move(ex)) {
    set_session_id(session_id);
  }

  // Queues a whole 16384-byte block as it would arrive.
  void push_padded(Bytes block) { inbound_.push_back(std::move(block)); }
  // Queues content, padded like a real sender would.
  void push_content(ByteView content) {
    push_padded(enc::pad(content, protocol::kBlockSize).value());
  }

  const std::vector<Bytes>& written() const { return written_; }
  bool closed() const { return closed_; }

  boost::asio::awaitable<Result<ByteView>> read_block_view() override {
    if (closed_ || inbound_.empty()) co_return make_error_code(errc::connection_closed);
    current_ = std::move(inbound_.front());
    inbound_.pop_front();
    auto content = enc::unpad(current_);
    if (!content) co_return make_error_code(errc::transport_large_msg);
    co_return *content;
  }

  boost::asio::awaitable<Result<void>> write_block(ByteView content) override {
    if (closed_) co_return make_error_code(errc::connection_closed);
    if (content.size() > protocol::kMaxBlockContent) {
      co_return make_error_code(errc::transport_large_msg);
    }
    written_.push_back(enc::pad(content, protocol::kBlockSize).value());
    co_return Result<void>{};
  }

  void close() noexcept override { closed_ = true; }
  bool is_open() const override { return !closed_; }
  boost::asio::any_io_executor get_executor() override { return ex_; }

 private:
  boost::asio::any_io_executor ex_;
  std::deque<Bytes> inbound_;
  Bytes current_;
  std::vector<Bytes> written_;
  bool closed_ = false;
};

}  // namespace smp::test
