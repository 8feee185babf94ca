#include "bench_support.h"

#include <sys/resource.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <fmt/format.h>

namespace smp::bench {

std::uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

Progress::Progress(std::function<std::string()> line, bool quiet) : line_(std::move(line)) {
  if (quiet) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) {
      fmt::print(stderr, "{}\n", line_());
    }
  });
}

Progress::~Progress() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void JsonLine::key(std::string_view k) {
  if (!body_.empty()) body_.push_back(',');
  body_ += fmt::format("\"{}\":", k);
}

JsonLine& JsonLine::add(std::string_view k, std::string_view value) {
  key(k);
  body_ += fmt::format("\"{}\"", value);  // our own keys and mode names: nothing to escape
  return *this;
}

JsonLine& JsonLine::add(std::string_view k, std::uint64_t value) {
  key(k);
  body_ += fmt::format("{}", value);
  return *this;
}

JsonLine& JsonLine::add_bool(std::string_view k, bool value) {
  key(k);
  body_ += value ? "true" : "false";
  return *this;
}

JsonLine& JsonLine::add_null(std::string_view k) {
  key(k);
  body_ += "null";
  return *this;
}

JsonLine& JsonLine::add(std::string_view k, double value) {
  key(k);
  body_ += std::isfinite(value) ? fmt::format("{:.3f}", value) : std::string("null");
  return *this;
}

std::optional<ServerDelta> server_delta(const std::optional<ProcessSample>& before,
                                        const std::optional<ProcessSample>& after) {
  if (!before || !after) return std::nullopt;
  return ServerDelta{static_cast<double>((after->cpu - before->cpu).count()), before->rss_bytes,
                     after->rss_bytes};
}

net::awaitable<void> hold(double seconds, const std::optional<int>& server_pid) {
  if (seconds <= 0) co_return;
  net::steady_timer timer(co_await net::this_coro::executor);
  auto end = std::chrono::steady_clock::now() +
             std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
  while (std::chrono::steady_clock::now() < end) {
    timer.expires_at(std::min(end, std::chrono::steady_clock::now() + std::chrono::seconds(5)));
    co_await timer.async_wait(net::use_awaitable);
    if (auto s = sample(server_pid)) {
      fmt::print(stderr, "holding: server RSS {} KB\n", s->rss_bytes / 1024);
    }
  }
}

}  // namespace smp::bench
