// BlockBuffer: one kBlockSize byte buffer taken (pooled_buffer.h) only while a block is
// being read or written, so an idle connection holds none. Not thread-safe (one per
// connection side, used on its strand); owns its memory.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "smp/protocol/wire_format.h"
#include "smp/transport/pooled_buffer.h"

namespace smp::transport {

class BlockBuffer {
 public:
  // The buffer, allocated (uninitialised) on first use after a release.
  std::span<std::uint8_t> get() {
    if (!data_) data_ = take_pooled_buffer();
    return {data_.get(), protocol::kBlockSize};
  }
  bool held() const { return data_ != nullptr; }
  void release() { data_.reset(); }

 private:
  static_assert(kPooledBufferSize >= protocol::kBlockSize);
  PooledBuffer data_;
};

}  // namespace smp::transport
