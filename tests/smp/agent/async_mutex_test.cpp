#include "smp/agent/async_mutex.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>


namespace smp::agent {
namespace {

using namespace std::chrono_literals;

// A holder that keeps the lock across an await; others must wait and come in FIFO order.
net::awaitable<void> hold(AsyncMutex& m, std::vector<std::string>& log, std::string name,
                          std::chrono::milliseconds pause) {
  auto guard = co_await m.lock();
  log.push_back(name + "+");
  net::steady_timer t(co_await net::this_coro::executor, pause);
  co_await t.async_wait(net::use_awaitable);
  log.push_back(name + "-");
}

TEST(AsyncMutexTest, HoldersDoNotOverlapAndWaitersComeInOrder) {
  net::io_context io;
  AsyncMutex m;
  std::vector<std::string> log;
  for (std::string name : {"a", "b", "c"}) {
    net::co_spawn(io, hold(m, log, name, 5ms), net::detached);
  }
  io.run_for(2s);
  EXPECT_EQ(log, (std::vector<std::string>{"a+", "a-", "b+", "b-", "c+", "c-"}));
}

TEST(AsyncMutexTest, ReleasedGuardLetsTheNextIn) {
  net::io_context io;
  AsyncMutex m;
  std::vector<std::string> log;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        auto g = co_await m.lock();
        g.release();
        g.release();  // idempotent
        auto again = co_await m.lock();  // free again: no wait
        log.push_back("relocked");
      },
      net::detached);
  io.run_for(1s);
  EXPECT_EQ(log, std::vector<std::string>{"relocked"});
}

}  // namespace
}  // namespace smp::agent
