#include "smp/transport/deadline.h"

#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include "support/run_awaitable.h"

namespace smp::transport {
namespace {

using namespace std::chrono_literals;

// Sleeps on `timer` (which on_expiry may cancel) and returns 42 or the cancellation.
net::awaitable<Result<int>> slow(net::steady_timer& timer) {
  auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
  if (ec) co_return make_error_code(errc::connection_closed);
  co_return 42;
}

TEST(Deadline, ResultOfOperationThatFinishesFirst) {
  net::io_context io;
  net::steady_timer work(io, 10ms);
  bool expired = false;
  auto r = test::run_awaitable(io, with_deadline(slow(work), 1s, [&] { expired = true; }));
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, 42);
  EXPECT_FALSE(expired);
}

TEST(Deadline, TimeoutRunsExpiryAndReportsTimeout) {
  net::io_context io;
  net::steady_timer work(io, 10s);
  bool expired = false;
  auto start = std::chrono::steady_clock::now();
  auto r = test::run_awaitable(io, with_deadline(slow(work), 50ms, [&] {
                                 expired = true;
                                 work.cancel();  // what closing a socket does to its I/O
                               }));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->has_value());
  EXPECT_EQ(r->error(), errc::timeout);
  EXPECT_TRUE(expired);
  EXPECT_GE(elapsed, 50ms);
  EXPECT_LT(elapsed, 1s);
}

TEST(Deadline, CancelledFromOutsideIsConnectionClosedWithoutExpiry) {
  net::io_context io;
  net::steady_timer work(io, 10s);
  bool expired = false;
  bool threw = false;
  std::optional<Result<int>> out;
  net::cancellation_signal cancel;
  net::co_spawn(
      io,
      with_deadline(slow(work), 5s,
                    [&] {
                      expired = true;
                      work.cancel();
                    }),
      net::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, Result<int> r) {
        threw = e != nullptr;
        if (!e) out = std::move(r);
      }));
  net::steady_timer later(io, 20ms);
  later.async_wait(
      [&](boost::system::error_code) { cancel.emit(net::cancellation_type::terminal); });
  auto start = std::chrono::steady_clock::now();
  io.run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_FALSE(threw);
  ASSERT_TRUE(out.has_value());
  ASSERT_FALSE(out->has_value());
  EXPECT_EQ(out->error(), errc::connection_closed);
  EXPECT_FALSE(expired);
}

TEST(Deadline, VoidResultsWork) {
  net::io_context io;
  auto quick = []() -> net::awaitable<Result<void>> { co_return Result<void>{}; };
  auto r = test::run_awaitable(io, with_deadline(quick(), 1s, [] {}));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->has_value());
}

}  // namespace
}  // namespace smp::transport
