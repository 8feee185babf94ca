// What every smp-bench mode shares: running one coroutine on an io_context with T threads,
// raising the open-file limit, a progress line on stderr while a run goes on, the last-line
// JSON object, and sampling the server process.
//
// run_on_io blocks the calling thread; Progress runs its own thread and stops in its
// destructor; JsonLine and the helpers are plain values, not thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <spdlog/spdlog.h>

#include "proc_stats.h"
#include "smp/common/error.h"

namespace smp::bench {

namespace net = boost::asio;

// Runs make(io)'s awaitable on `io`, served by `threads` threads, and returns its result;
// errc::io_error if it threw. The threads are joined before it returns.
template <class T, class Make>
Result<T> run_on_io(net::io_context& io, std::size_t threads, Make make) {
  auto work = net::make_work_guard(io);
  std::vector<std::thread> pool;
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) {
    pool.emplace_back([&io] { io.run(); });
  }
  auto wrapped = [&]() -> net::awaitable<std::optional<Result<T>>> {
    co_return co_await make(io);
  };
  auto future = net::co_spawn(io, wrapped(), net::use_future);
  std::optional<Result<T>> result;
  try {
    result = future.get();
  } catch (const std::exception& e) {
    spdlog::error("benchmark failed: {}", e.what());
  }
  work.reset();
  io.stop();
  for (auto& t : pool) t.join();
  if (!result) return make_error_code(errc::io_error);
  return std::move(*result);
}

// The same on an io_context of its own.
template <class T, class Make>
Result<T> run_on_io(std::size_t threads, Make make) {
  net::io_context io;
  return run_on_io<T>(io, threads, std::move(make));
}

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force.
std::uint64_t raise_open_file_limit();

// Prints line() to stderr once a second until destroyed (and never when quiet).
class Progress {
 public:
  Progress(std::function<std::string()> line, bool quiet);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

 private:
  std::function<std::string()> line_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// One JSON object on one line, fields in the order they are added.
class JsonLine {
 public:
  JsonLine& add(std::string_view key, std::string_view value);
  JsonLine& add(std::string_view key, std::uint64_t value);
  JsonLine& add(std::string_view key, double value);
  // Not an add() overload: a string literal would convert to bool before string_view.
  JsonLine& add_bool(std::string_view key, bool value);
  JsonLine& add_null(std::string_view key);
  template <class T>
  JsonLine& add(std::string_view key, const std::optional<T>& value) {
    if (value) add(key, *value);
    return *this;
  }
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void key(std::string_view k);
  std::string body_;
};

// The server's CPU time spent and its RSS between two samples.
struct ServerDelta {
  double cpu_us = 0;
  std::uint64_t rss_before = 0, rss_after = 0;
  double rss_growth() const {
    return static_cast<double>(rss_after) - static_cast<double>(rss_before);
  }
};
std::optional<ServerDelta> server_delta(const std::optional<ProcessSample>& before,
                                        const std::optional<ProcessSample>& after);
inline std::optional<ProcessSample> sample(const std::optional<int>& pid) {
  return pid ? sample_process(*pid) : std::nullopt;
}

// Sleeps `seconds` in the calling coroutine, printing the server's RSS every 5 s when known.
net::awaitable<void> hold(double seconds, const std::optional<int>& server_pid);

}  // namespace smp::bench
