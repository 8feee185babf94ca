#include "smp/common/wake_signal.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <vector>

namespace smp {
namespace {

namespace net = boost::asio;

// A coroutine that parks `rounds` times and records each resumption.
net::awaitable<void> park(WakeSignal& signal, std::vector<int>& log, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    co_await signal.wait();
    log.push_back(i);
  }
}

TEST(WakeSignal, NotifyResumesTheParkedWaiterThroughTheExecutorNotInline) {
  net::io_context io;
  WakeSignal signal(io.get_executor());
  std::vector<int> log;
  bool finished = false;
  net::co_spawn(io, park(signal, log, 2), [&](std::exception_ptr e) { finished = !e; });
  io.poll();
  EXPECT_TRUE(signal.waiting());
  EXPECT_TRUE(log.empty());

  signal.notify();
  EXPECT_FALSE(signal.waiting());
  EXPECT_TRUE(log.empty()) << "resumed inside notify()";
  io.poll();
  EXPECT_EQ(log, std::vector<int>{0});
  EXPECT_TRUE(signal.waiting());  // parked again for the second round

  signal.notify();
  io.poll();
  EXPECT_EQ(log, (std::vector<int>{0, 1}));
  EXPECT_FALSE(signal.waiting());
  EXPECT_TRUE(finished);
}

// notify_here() from a handler on the executor runs the waiter before it returns; from
// outside the executor's thread it posts, as notify() does.
TEST(WakeSignal, NotifyHereOnTheExecutorResumesTheWaiterInsideTheCall) {
  net::io_context io;
  WakeSignal signal(io.get_executor());
  std::vector<int> log;
  net::co_spawn(io, park(signal, log, 2), [](std::exception_ptr) {});
  io.poll();
  ASSERT_TRUE(signal.waiting());

  signal.notify_here();  // this thread is not running the io_context: posted
  EXPECT_TRUE(log.empty());
  io.poll();
  EXPECT_EQ(log, std::vector<int>{0});

  bool seen_inside = false;
  net::post(io, [&] {
    signal.notify_here();
    seen_inside = log.size() == 2;  // the waiter ran up to its end before this line
  });
  io.poll();
  EXPECT_TRUE(seen_inside);
  EXPECT_EQ(log, (std::vector<int>{0, 1}));
}

TEST(WakeSignal, NotifyWithNobodyWaitingIsNotRemembered) {
  net::io_context io;
  WakeSignal signal(io.get_executor());
  signal.notify();  // nobody waits: nothing happens, nothing is latched
  std::vector<int> log;
  net::co_spawn(io, park(signal, log, 1), [](std::exception_ptr) {});
  io.poll();
  EXPECT_TRUE(log.empty());
  EXPECT_TRUE(signal.waiting());
  // Two notifications in a row resume the waiter once.
  signal.notify();
  signal.notify();
  io.poll();
  EXPECT_EQ(log, std::vector<int>{0});
}

TEST(WakeSignal, AWaiterParkedWhenTheSignalGoesIsDestroyedNotResumed) {
  std::vector<int> log;
  bool completed = false;
  {
    net::io_context io;
    auto signal = std::make_unique<WakeSignal>(io.get_executor());
    net::co_spawn(io, park(*signal, log, 1), [&](std::exception_ptr) { completed = true; });
    io.poll();
    ASSERT_TRUE(signal->waiting());
    signal.reset();  // the coroutine's frame goes with it
    io.poll();
  }
  EXPECT_TRUE(log.empty());
  EXPECT_FALSE(completed);
}

}  // namespace
}  // namespace smp
