#include "smp/transport/pooled_buffer.h"

#include <array>

#if defined(SMP_POOL_ASAN)
#include <sanitizer/asan_interface.h>
#define SMP_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define SMP_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define SMP_POISON(p, n) ((void)(p), (void)(n))
#define SMP_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace smp::transport {
namespace {

// Trivially destructible, so still readable while the thread's destructors run; Reaper
// frees what is kept when the thread ends and marks the cache closed for later give-backs.
struct Kept {
  std::array<std::uint8_t*, kKeptPerThread> buffers;
  std::size_t count;
  bool closed;
};
thread_local Kept kept{};

struct Reaper {
  bool armed = false;
  ~Reaper() {
    kept.closed = true;
    while (kept.count > 0) {
      std::uint8_t* p = kept.buffers[--kept.count];
      SMP_UNPOISON(p, kPooledBufferSize);
      delete[] p;
    }
  }
};
thread_local Reaper reaper;

}  // namespace

void GiveBackBuffer::operator()(std::uint8_t* p) const noexcept {
  if (p == nullptr) return;
  if (kept.closed || kept.count == kKeptPerThread) {
    delete[] p;
    return;
  }
  reaper.armed = true;  // constructed with this thread's first kept buffer, to free it at exit
  SMP_POISON(p, kPooledBufferSize);
  kept.buffers[kept.count++] = p;
}

PooledBuffer take_pooled_buffer() {
  if (kept.count > 0) {
    std::uint8_t* p = kept.buffers[--kept.count];
    SMP_UNPOISON(p, kPooledBufferSize);
    return PooledBuffer(p);
  }
  return PooledBuffer(new std::uint8_t[kPooledBufferSize]);
}

std::size_t pooled_buffers_kept() { return kept.count; }

}  // namespace smp::transport
