#include "smp/transport/pooled_buffer.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace smp::transport {
namespace {

// Starts a test with nothing kept on this thread (earlier tests may have left some).
void drain() {
  while (pooled_buffers_kept() > 0) delete[] take_pooled_buffer().release();
}

TEST(PooledBuffer, GivenBackBufferIsTheNextOneTaken) {
  drain();
  PooledBuffer a = take_pooled_buffer();
  std::uint8_t* where = a.get();
  where[0] = 1;
  where[kPooledBufferSize - 1] = 2;  // the whole size is usable
  a.reset();
  EXPECT_EQ(pooled_buffers_kept(), 1u);
  PooledBuffer b = take_pooled_buffer();
  EXPECT_EQ(b.get(), where);
  EXPECT_EQ(pooled_buffers_kept(), 0u);
}

TEST(PooledBuffer, KeepsAtMostItsLimitPerThread) {
  drain();
  std::vector<PooledBuffer> taken;
  for (std::size_t i = 0; i < kKeptPerThread + 3; ++i) taken.push_back(take_pooled_buffer());
  EXPECT_EQ(pooled_buffers_kept(), 0u);
  taken.clear();
  EXPECT_EQ(pooled_buffers_kept(), kKeptPerThread);
}

TEST(PooledBuffer, BufferGivenBackOnAnotherThreadIsKeptThere) {
  drain();
  PooledBuffer a = take_pooled_buffer();
  std::uint8_t* where = a.get();
  std::size_t kept_there = 0, kept_there_at_end = 0;
  bool reused_there = false;
  std::thread other([&] {
    a.reset();
    kept_there = pooled_buffers_kept();
    {
      PooledBuffer again = take_pooled_buffer();
      reused_there = again.get() == where;
    }
    kept_there_at_end = pooled_buffers_kept();
  });  // the thread ends with one buffer kept, freed at its exit (LeakSanitizer checks)
  other.join();
  EXPECT_EQ(kept_there, 1u);
  EXPECT_TRUE(reused_there);
  EXPECT_EQ(kept_there_at_end, 1u);
  EXPECT_EQ(pooled_buffers_kept(), 0u);
}

// A kept buffer is poisoned: reading one after giving it back is still reported.
TEST(PooledBufferDeathTest, UseAfterGiveBackIsReportedUnderAddressSanitizer) {
  if (!kKeptBuffersPoisoned) GTEST_SKIP() << "not built with AddressSanitizer";
  drain();
  EXPECT_DEATH(
      {
        PooledBuffer a = take_pooled_buffer();
        std::uint8_t* p = a.get();
        a.reset();
        volatile std::uint8_t x = p[10];
        (void)x;
      },
      "AddressSanitizer: use-after-poison");
}

}  // namespace
}  // namespace smp::transport
