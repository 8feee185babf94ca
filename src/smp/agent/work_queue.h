// An unbounded FIFO between producers on a strand and one consumer coroutine on the same
// strand (the agent's command and server-event queues). pop() waits for an item and returns
// nullopt once the queue is closed. Strand-bound; the queue must outlive its consumer.
#pragma once

#include <deque>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace smp::agent {

namespace net = boost::asio;

template <class T>
class WorkQueue {
 public:
  explicit WorkQueue(const net::any_io_executor& ex)
      : signal_(ex, net::steady_timer::time_point::max()) {}

  void push(T item) {
    if (closed_) return;
    items_.push_back(std::move(item));
    signal_.cancel_one();
  }

  void close() {
    closed_ = true;
    items_.clear();
    signal_.cancel();
  }

  bool closed() const { return closed_; }

  net::awaitable<std::optional<T>> pop() {
    while (!closed_ && items_.empty()) {
      co_await signal_.async_wait(net::as_tuple(net::use_awaitable));
    }
    if (closed_) co_return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    co_return item;
  }

 private:
  net::steady_timer signal_;  // parked at time_point::max(); push() wakes the consumer
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace smp::agent
