#include "smp/transport/block_transport.h"

namespace smp::transport {

net::awaitable<Result<Bytes>> BlockTransport::read_block() {
  auto block = co_await read_block_view();
  if (!block) co_return block.error();
  co_return to_bytes(*block);
}

}  // namespace smp::transport
