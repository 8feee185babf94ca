// Helpers for the client tests that drive SmpClient on a test-owned io_context: run an
// awaitable until it completes (then stop, even though the client's own loops keep the
// io_context busy), or run until a condition holds. Not thread-safe; the test thread only.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include "smp/common/error.h"

namespace smp::test {

namespace net = boost::asio;

// The value of `op`, or nullopt (and a test failure) when it throws or takes over `limit`.
// Works for results Asio's co_spawn could not hold itself (not default-constructible).
template <class T>
std::optional<T> await_done(net::io_context& io, net::awaitable<T> op,
                            std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto wrapped = [](net::awaitable<T> inner) -> net::awaitable<std::optional<T>> {
    co_return co_await std::move(inner);
  };
  std::optional<T> out;
  bool done = false;
  net::co_spawn(io, wrapped(std::move(op)), [&](std::exception_ptr e, std::optional<T> value) {
    done = true;
    EXPECT_FALSE(e) << "coroutine threw";
    if (!e) out = std::move(value);
    io.stop();
  });
  io.restart();
  io.run_for(limit);
  EXPECT_TRUE(done) << "coroutine did not finish in time";
  return out;
}

// Runs io until `condition()` holds or `limit` passes; returns the condition.
inline bool run_until(net::io_context& io, const std::function<bool()>& condition,
                      std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  io.restart();
  while (!condition() && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(50));
  }
  return condition();
}

}  // namespace smp::test
