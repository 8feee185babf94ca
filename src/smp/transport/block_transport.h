// BlockTransport: one established connection carrying fixed 16384-byte SMP blocks (spec §3.4),
// the seam between the server/client and TLS or WebSockets (and test fakes).
//
// Strand-bound: every call must come from the connection's executor (get_executor()). One
// read and one write may be outstanding at the same time (a reader and a writer coroutine),
// never two reads or two writes. close() may be called at any time on that executor; pending
// operations then complete with errc::connection_closed. After any read or write error other
// than errc::transport_large_msg the connection is unusable: close it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <span>

#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::transport {

namespace net = boost::asio;

class BlockTransport {
 public:
  BlockTransport(const BlockTransport&) = delete;
  BlockTransport& operator=(const BlockTransport&) = delete;
  virtual ~BlockTransport() = default;

  // The content of the next block (its padding removed). The view points into a buffer the
  // connection owns and stays valid until the next read starts or the transport is destroyed.
  // Errors: errc::connection_closed (EOF, closed), errc::transport_large_msg (the length word
  // exceeds the block: the stream stays in sync, the caller may go on), errc::transport_bad_block
  // (truncated block, or a WebSocket message that is not 16384 bytes), errc::network.
  virtual net::awaitable<Result<ByteView>> read_block_view() = 0;
  // As read_block_view, copied out.
  net::awaitable<Result<Bytes>> read_block();

  // Pads content to one block and sends it. Content over 16382 bytes is
  // errc::transport_large_msg and nothing is sent. Other errors: errc::connection_closed,
  // errc::network. `content` need only live until the call starts (it is copied at once).
  virtual net::awaitable<Result<void>> write_block(ByteView content) = 0;

  // Zero-copy sending for writers that build whole blocks in place (the server's session
  // writer): the connection's own kBlockSize write buffer, to be filled with a padded block
  // (u16 length ‖ content ‖ fill) and then sent as it is by write_prepared_block(). The
  // buffer is valid from this call until write_prepared_block() completes (the TLS and
  // WebSocket transports then release it, so idle connections hold none); fill it only
  // while no write is outstanding. The defaults copy through write_block(); the TLS and
  // WebSocket transports send the buffer itself.
  virtual std::span<std::uint8_t> write_buffer();
  // Errors as write_block; errc::transport_large_msg if the length word exceeds the block.
  virtual net::awaitable<Result<void>> write_prepared_block();

  // Closes the connection at once (no TLS close_notify); idempotent.
  virtual void close() noexcept = 0;
  virtual bool is_open() const = 0;
  virtual net::any_io_executor get_executor() = 0;

  // tls-unique of the connection (12 bytes), set once TLS is up (spec §3.3).
  ByteView session_id() const { return session_id_; }
  // The SMP version agreed in the handshake; 0 before it.
  std::uint16_t smp_version() const { return smp_version_; }
  void set_smp_version(std::uint16_t version) { smp_version_ = version; }

 protected:
  BlockTransport() = default;
  void set_session_id(ByteView id) { session_id_.assign(id.begin(), id.end()); }

 private:
  Bytes session_id_;
  std::uint16_t smp_version_ = 0;
  Bytes fallback_write_buffer_;  // only for transports without their own write buffer
};

}  // namespace smp::transport
