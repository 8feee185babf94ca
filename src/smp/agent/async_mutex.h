// A mutex for coroutines that all run on one strand (the agent lock of spec §7.1: commands,
// received messages, reconnection and delivery follow-ups take it in turn, each possibly
// awaiting SMP calls while holding it). Waiters are served in FIFO order.
// Strand-bound: every call must run on the strand the waiters run on. lock() returns a guard
// that unlocks when destroyed; the mutex must outlive every guard and waiter.
#pragma once

#include <chrono>
#include <deque>
#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace smp::agent {

namespace net = boost::asio;

class AsyncMutex {
 public:
  class Guard {
   public:
    Guard() = default;
    explicit Guard(AsyncMutex* m) : m_(m) {}
    Guard(Guard&& o) noexcept : m_(o.m_) { o.m_ = nullptr; }
    Guard& operator=(Guard&& o) noexcept {
      if (this != &o) {
        release();
        m_ = o.m_;
        o.m_ = nullptr;
      }
      return *this;
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() { release(); }
    void release() {
      if (m_ != nullptr) m_->unlock();
      m_ = nullptr;
    }

   private:
    AsyncMutex* m_ = nullptr;
  };

  AsyncMutex() = default;
  AsyncMutex(const AsyncMutex&) = delete;
  AsyncMutex& operator=(const AsyncMutex&) = delete;

  net::awaitable<Guard> lock() {
    if (!locked_) {
      locked_ = true;
      co_return Guard(this);
    }
    auto timer = std::make_shared<net::steady_timer>(co_await net::this_coro::executor,
                                                     net::steady_timer::time_point::max());
    waiters_.push_back(timer);
    // unlock() hands the mutex over by cancelling the first waiter's timer.
    co_await timer->async_wait(net::as_tuple(net::use_awaitable));
    co_return Guard(this);
  }

 private:
  void unlock() {
    if (waiters_.empty()) {
      locked_ = false;
      return;
    }
    auto next = std::move(waiters_.front());
    waiters_.pop_front();
    next->cancel();
  }

  bool locked_ = false;
  std::deque<std::shared_ptr<net::steady_timer>> waiters_;
};

}  // namespace smp::agent
