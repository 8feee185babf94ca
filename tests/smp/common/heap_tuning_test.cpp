// retain_freed_heap: freed memory at the top of the heap stays with the process, so the next
// message's buffers do not fault their pages in again.
#include "smp/common/heap_tuning.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace smp {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kOwnAllocator = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kOwnAllocator = true;
#else
constexpr bool kOwnAllocator = false;
#endif
#else
constexpr bool kOwnAllocator = false;
#endif

#if defined(__GLIBC__)
// Allocates 4 MB in 16 KB blocks (as message buffers), frees them newest first and returns how
// much of the heap the allocator gave back to the kernel.
std::size_t heap_returned_after_burst() {
  std::vector<void*> blocks;
  for (int i = 0; i < 256; ++i) {
    void* p = std::malloc(16384);
    if (p == nullptr) break;
    std::memset(p, 0x5a, 16384);
    blocks.push_back(p);
  }
  const std::size_t grown = mallinfo2().arena;
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) std::free(*it);
  const std::size_t after = mallinfo2().arena;
  return grown > after ? grown - after : 0;
}
#endif

TEST(HeapTuning, FreedTopOfHeapIsKeptOnlyUpToTheRetainedSize) {
#if defined(__GLIBC__)
  if (kOwnAllocator) GTEST_SKIP() << "the sanitizer's allocator ignores mallopt";
  // A small retained size: most of the 4 MB goes back to the kernel.
  ASSERT_TRUE(retain_freed_heap(64 * 1024, 1 << 20));
  EXPECT_GT(heap_returned_after_burst(), std::size_t{1} << 20);
  // The size the programs use: nothing goes back.
  ASSERT_TRUE(retain_freed_heap());
  EXPECT_EQ(heap_returned_after_burst(), 0U);
#else
  GTEST_SKIP() << "not glibc";
#endif
}

TEST(HeapTuning, RefusesSizesTheAllocatorCannotTake) {
  EXPECT_FALSE(retain_freed_heap(std::size_t{1} << 40, 1 << 20));
  EXPECT_FALSE(retain_freed_heap(8 << 20, std::size_t{1} << 40));
}

}  // namespace
}  // namespace smp
