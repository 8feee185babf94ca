// PooledBuffer: a kPooledBufferSize-byte buffer for the blocks and TLS records that each
// read and write takes and gives back within one step. Each thread keeps up to
// kKeptPerThread buffers given back on it for its next requests, so a busy connection's
// steady state allocates nothing while an idle one still holds none (its buffers are given
// back before it waits). Kept buffers are poisoned under AddressSanitizer, so a use after
// give-back is still reported. Contents are uninitialised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "smp/transport/tls_records.h"

#if defined(__SANITIZE_ADDRESS__)  // GCC
#define SMP_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)  // Clang
#define SMP_POOL_ASAN 1
#endif
#endif

namespace smp::transport {

// Room for a block (16384 bytes) and for any record, TLS 1.2 or 1.3.
inline constexpr std::size_t kPooledBufferSize = kMaxTls13RecordSize;
inline constexpr std::size_t kKeptPerThread = 4;
#if defined(SMP_POOL_ASAN)
inline constexpr bool kKeptBuffersPoisoned = true;
#else
inline constexpr bool kKeptBuffersPoisoned = false;
#endif

struct GiveBackBuffer {
  void operator()(std::uint8_t* p) const noexcept;
};
using PooledBuffer = std::unique_ptr<std::uint8_t[], GiveBackBuffer>;

// One buffer: a kept one of this thread's if it has any, else from the heap.
PooledBuffer take_pooled_buffer();

// How many buffers this thread keeps now.
std::size_t pooled_buffers_kept();

}  // namespace smp::transport
