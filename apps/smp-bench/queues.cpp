#include "queues.h"

#include <atomic>
#include <memory>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "bench_support.h"
#include "latency_recorder.h"
#include "smp/client/smp_client.h"

namespace smp::bench {

namespace {

using Clock = std::chrono::steady_clock;
using client::SmpClient;

class Run {
 public:
  explicit Run(const QueuesOptions& o) : o_(o) {}

  net::awaitable<Result<QueuesResult>> main(net::io_context& io) {
    client::ClientConfig config;
    config.ping_interval = std::chrono::seconds(0);
    config.command_timeout = std::chrono::seconds(60);
    config.protocols = o_.protocols;
    for (std::size_t i = 0; i < std::max<std::size_t>(o_.conns, 1); ++i) {
      auto c = co_await SmpClient::connect(io.get_executor(), o_.server, config);
      if (!c) co_return c.error();
      clients_.push_back(std::move(*c));
    }
    if (auto p = co_await clients_.front()->ping(); !p) co_return p.error();
    net::steady_timer timer(io);
    timer.expires_after(std::chrono::milliseconds(200));
    co_await timer.async_wait(net::use_awaitable);

    auto before = sample(o_.server_pid);
    auto start = Clock::now();
    {
      Progress progress([this] { return progress_line(); }, o_.quiet);
      std::size_t workers = std::max<std::size_t>(1, std::min(o_.parallel, o_.count));
      std::atomic<std::size_t> running{workers};
      for (std::size_t i = 0; i < workers; ++i) {
        net::co_spawn(io, worker(), [&running](std::exception_ptr) { --running; });
      }
      while (running.load() > 0) {
        timer.expires_after(std::chrono::milliseconds(5));
        co_await timer.async_wait(net::use_awaitable);
      }
    }
    QueuesResult r;
    r.smp_version = clients_.front()->smp_version();
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    timer.expires_after(std::chrono::milliseconds(300));
    co_await timer.async_wait(net::use_awaitable);
    auto after = sample(o_.server_pid);

    r.created = created_.load();
    r.errors = failed_.load();
    r.attempted = r.created + r.errors;
    r.per_s = r.seconds > 0 ? static_cast<double>(r.created) / r.seconds : 0;
    r.p50_ms = latencies_.percentile_ms(50);
    r.p90_ms = latencies_.percentile_ms(90);
    r.p99_ms = latencies_.percentile_ms(99);
    if (auto d = server_delta(before, after); d && r.created > 0) {
      auto n = static_cast<double>(r.created);
      r.server_cpu_us_per_queue = d->cpu_us / n;
      r.server_rss_bytes = d->rss_after;
      r.server_rss_per_queue = d->rss_growth() / n;
    }
    co_await hold(o_.hold_seconds, o_.server_pid);
    for (auto& c : clients_) c->close();
    co_return r;
  }

 private:
  net::awaitable<void> worker() {
    for (;;) {
      std::size_t i = next_.fetch_add(1);
      if (i >= o_.count) co_return;
      auto t0 = Clock::now();
      auto made = co_await clients_[i % clients_.size()]->create_queue(o_.alg);
      if (!made) {
        spdlog::debug("NEW {} failed: {}", i, made.error().message());
        ++failed_;
        continue;
      }
      latencies_.add(Clock::now() - t0);
      ++created_;
    }
  }

  std::string progress_line() const {
    std::string line = fmt::format("queues: {} of {} created, {} failed", created_.load(),
                                   o_.count, failed_.load());
    if (auto s = sample(o_.server_pid)) line += fmt::format(", server RSS {} KB", s->rss_bytes / 1024);
    return line;
  }

  const QueuesOptions& o_;
  std::vector<std::unique_ptr<SmpClient>> clients_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::uint64_t> created_{0}, failed_{0};
  LatencyRecorder latencies_;
};

// The run's clients live in this coroutine, so they go before the io_context does.
net::awaitable<Result<QueuesResult>> run_here(const QueuesOptions& options, net::io_context& io) {
  Run run(options);
  co_return co_await run.main(io);
}

}  // namespace

Result<QueuesResult> run_queues(const QueuesOptions& options) {
  return run_on_io<QueuesResult>(1, [&](net::io_context& io) { return run_here(options, io); });
}

}  // namespace smp::bench
