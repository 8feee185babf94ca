// WakeSignal: where one coroutine parks until other code on the same executor has work for it
// (a session's writer until an answer is queued, its reader until there is room again).
//
// Guarantees: at most one waiter; notify() resumes it through a post to the executor (never
// inside the caller; notify_here() inside it when it runs there), and does nothing when nobody
// waits — the waiter re-checks its
// condition in a loop, as with a condition variable. Unlike a timer parked at time_point::max()
// and cancelled, parking touches no timer queue: with no other timer on a thread, each park of
// such a timer re-armed the reactor's timerfd, one system call per message on a quiet server.
// Not thread-safe: every call on the executor. A waiter still parked when the signal is
// destroyed is destroyed with it, never resumed; owners notify() before they go (close()).
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <utility>

namespace smp {

class WakeSignal {
 public:
  explicit WakeSignal(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  WakeSignal(const WakeSignal&) = delete;
  WakeSignal& operator=(const WakeSignal&) = delete;

  // Completes after the next notify(). REQUIRES: !waiting().
  boost::asio::awaitable<void> wait() {
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
        [this](auto handler) { waiter_.emplace(std::move(handler)); }, boost::asio::use_awaitable);
  }

  bool waiting() const { return waiter_.has_value(); }

  void notify() {
    if (auto waiter = take()) boost::asio::post(executor_, std::move(*waiter));
  }

  // As notify(), but when the caller runs on the executor the waiter runs inside this call,
  // up to its next suspension (no post, no scheduler round). For the end of a unit of work,
  // where the caller's own state is consistent; never from inside the waiter itself.
  void notify_here() {
    if (auto waiter = take()) boost::asio::dispatch(executor_, std::move(*waiter));
  }

 private:
  using Waiter = boost::asio::any_completion_handler<void()>;

  std::optional<Waiter> take() { return std::exchange(waiter_, std::nullopt); }

  boost::asio::any_io_executor executor_;
  std::optional<Waiter> waiter_;
};

}  // namespace smp
