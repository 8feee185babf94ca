// Runs coroutines to completion on an io_context from a plain test body. Not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <utility>

namespace smp::test {

// Spawns `op` on io, runs io until it finishes (at most `limit`), returns its value.
// Fails the test (and returns nullopt) if it did not finish or threw.
template <class T>
std::optional<T> run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<T> op,
                               std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(op), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) out.emplace(std::move(value));
  });
  io.restart();
  io.run_for(limit);
  EXPECT_FALSE(error) << "coroutine threw";
  EXPECT_TRUE(out.has_value()) << "coroutine did not finish in time";
  return out;
}

// Runs two coroutines concurrently (e.g. a server and a client side) until both finish;
// other work on io (a relay, say) runs meanwhile and may outlive them.
template <class A, class B>
std::pair<std::optional<A>, std::optional<B>> run_both(
    boost::asio::io_context& io, boost::asio::awaitable<A> a, boost::asio::awaitable<B> b,
    std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  std::optional<A> out_a;
  std::optional<B> out_b;
  std::exception_ptr error_a, error_b;
  boost::asio::co_spawn(io, std::move(a), [&](std::exception_ptr e, A value) {
    error_a = e;
    if (!e) out_a.emplace(std::move(value));
  });
  boost::asio::co_spawn(io, std::move(b), [&](std::exception_ptr e, B value) {
    error_b = e;
    if (!e) out_b.emplace(std::move(value));
  });
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto finished = [&] { return (out_a || error_a) && (out_b || error_b); };
  while (!finished() && std::chrono::steady_clock::now() < deadline) {
    if (io.run_one_for(std::chrono::milliseconds(100)) == 0 && io.stopped()) break;
  }
  EXPECT_FALSE(error_a) << "first coroutine threw";
  EXPECT_FALSE(error_b) << "second coroutine threw";
  EXPECT_TRUE(out_a.has_value()) << "first coroutine did not finish in time";
  EXPECT_TRUE(out_b.has_value()) << "second coroutine did not finish in time";
  return {std::move(out_a), std::move(out_b)};
}

}  // namespace smp::test
