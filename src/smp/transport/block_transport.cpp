#include "smp/transport/block_transport.h"

#include "smp/encoding/padding.h"
#include "smp/protocol/wire_format.h"

namespace smp::transport {

net::awaitable<Result<Bytes>> BlockTransport::read_block() {
  auto block = co_await read_block_view();
  if (!block) co_return block.error();
  co_return to_bytes(*block);
}

std::span<std::uint8_t> BlockTransport::write_buffer() {
  if (fallback_write_buffer_.empty()) fallback_write_buffer_.resize(protocol::kBlockSize);
  return fallback_write_buffer_;
}

net::awaitable<Result<void>> BlockTransport::write_prepared_block() {
  auto content = enc::unpad(write_buffer());
  if (!content) co_return make_error_code(errc::transport_large_msg);
  co_return co_await write_block(*content);
}

}  // namespace smp::transport
