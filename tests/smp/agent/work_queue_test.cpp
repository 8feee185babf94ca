#include "smp/agent/work_queue.h"

#include <gtest/gtest.h>

#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace smp::agent {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueueTest, PopsInOrderAndEndsWhenClosed) {
  net::io_context io;
  WorkQueue<int> q(io.get_executor());
  std::vector<int> got;
  bool ended = false;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        for (;;) {
          auto v = co_await q.pop();
          if (!v) break;
          got.push_back(*v);
        }
        ended = true;
      },
      net::detached);
  q.push(1);
  q.push(2);
  io.run_for(50ms);
  q.push(3);
  io.restart();
  io.run_for(50ms);
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(ended);
  q.close();
  q.push(4);  // dropped
  io.restart();
  io.run_for(50ms);
  EXPECT_TRUE(ended);
  EXPECT_EQ(got.size(), 3u);
  EXPECT_TRUE(q.closed());
}

}  // namespace
}  // namespace smp::agent
