#include "smp/common/heap_tuning.h"

#include <climits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace smp {

bool retain_freed_heap(std::size_t retain_bytes, std::size_t mmap_bytes) {
#if defined(__GLIBC__)
  if (retain_bytes > INT_MAX || mmap_bytes > INT_MAX) return false;
  // Either setting also turns off glibc's dynamic adjustment of the other, so both are set.
  const bool trim = mallopt(M_TRIM_THRESHOLD, static_cast<int>(retain_bytes)) == 1;
  const bool mmap = mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_bytes)) == 1;
  return trim && mmap;
#else
  (void)retain_bytes;
  (void)mmap_bytes;
  return false;
#endif
}

}  // namespace smp
