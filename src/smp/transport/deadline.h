// with_deadline: runs an awaitable under a time limit, the watchdog pattern of Asio's
// cpp20 timeout example. When the time is up, `on_expiry` runs (it must make the operation
// finish, e.g. by closing its socket) and the result is errc::timeout.
//
// Strand-bound: the operation, the watchdog and on_expiry all run on the calling
// coroutine's executor, which must be the executor of whatever on_expiry touches.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <variant>

#include "smp/common/error.h"

namespace smp::transport {

namespace net = boost::asio;

namespace detail {
// Waits on the timer; on expiry calls on_expiry and returns true. Cancelled (the operation
// finished first, or the caller is being cancelled) it returns false without throwing: an
// exception per call would cost more than the whole wait.
net::awaitable<bool> watchdog(net::steady_timer& timer, std::function<void()> on_expiry);
void log_cancelled(const std::exception& e);
}  // namespace detail

// The operation's own result if it finishes first; errc::timeout if the deadline passes
// first. If the calling coroutine is cancelled, errc::connection_closed.
template <class T>
net::awaitable<Result<T>> with_deadline(net::awaitable<Result<T>> op,
                                        std::chrono::steady_clock::duration timeout,
                                        std::function<void()> on_expiry) {
  using namespace net::experimental::awaitable_operators;
  net::steady_timer timer(co_await net::this_coro::executor, timeout);
  std::variant<Result<T>, bool> outcome{false};
  try {
    outcome = co_await (std::move(op) || detail::watchdog(timer, std::move(on_expiry)));
  } catch (const std::exception& e) {
    detail::log_cancelled(e);
    co_return make_error_code(errc::connection_closed);
  }
  if (outcome.index() == 1) {
    // The watchdog finished first: its timer expired, or both were cancelled from outside.
    co_return make_error_code(std::get<1>(outcome) ? errc::timeout : errc::connection_closed);
  }
  co_return std::move(std::get<0>(outcome));
}

}  // namespace smp::transport
