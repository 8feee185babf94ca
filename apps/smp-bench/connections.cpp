#include "connections.h"

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
#include "smp/protocol/wire_format.h"

namespace smp::bench {

namespace {

using Clock = std::chrono::steady_clock;
using client::SmpClient;

class Run {
 public:
  explicit Run(const ConnectionsOptions& o) : o_(o), clients_(o.count) {}

  net::awaitable<Result<ConnectionsResult>> main(net::io_context& io) {
    config_.ping_interval = std::chrono::seconds(0);
    config_.connect_timeout = std::chrono::seconds(30);
    config_.protocols = o_.protocols;
    // One warm-up connection first, so lazily made shared state is not counted.
    auto warm = co_await SmpClient::connect(io.get_executor(), o_.server, config_);
    if (!warm) co_return warm.error();
    if (auto p = co_await (*warm)->ping(); !p) co_return p.error();
    co_await pause(std::chrono::milliseconds(200));
    ConnectionsResult r;
    r.smp_version = (*warm)->params().version;
    r.tls13 = (*warm)->session_id().size() == protocol::kTls13SessionIdSize;
    r.block_encryption = (*warm)->params().block_encryption;

    auto before = sample(o_.server_pid);
    auto start = Clock::now();
    {
      Progress progress([this] { return progress_line(); }, o_.quiet);
      std::size_t workers = std::max<std::size_t>(1, std::min(o_.parallel, o_.count));
      std::atomic<std::size_t> running{workers};
      for (std::size_t i = 0; i < workers; ++i) {
        net::co_spawn(io, worker(io), [&running](std::exception_ptr) { --running; });
      }
      while (running.load() > 0) co_await pause(std::chrono::milliseconds(5));
    }
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    co_await pause(std::chrono::milliseconds(300));  // let the server settle
    auto after = sample(o_.server_pid);

    r.attempted = next_.load() < o_.count ? next_.load() : o_.count;
    r.established = established_.load();
    r.errors = r.attempted - r.established;
    r.per_s = r.seconds > 0 ? static_cast<double>(r.established) / r.seconds : 0;
    r.p50_ms = latencies_.percentile_ms(50);
    r.p90_ms = latencies_.percentile_ms(90);
    r.p99_ms = latencies_.percentile_ms(99);
    if (auto d = server_delta(before, after); d && r.established > 0) {
      auto n = static_cast<double>(r.established);
      r.server_cpu_us_per_handshake = d->cpu_us / n;
      r.server_rss_bytes = d->rss_after;
      r.server_rss_per_connection = d->rss_growth() / n;
    }
    co_await hold(o_.hold_seconds, o_.server_pid);
    for (auto& c : clients_) {
      if (c) c->close();
    }
    (*warm)->close();
    co_return r;
  }

 private:
  net::awaitable<void> worker(net::io_context& io) {
    for (;;) {
      std::size_t i = next_.fetch_add(1);
      if (i >= o_.count) co_return;
      auto t0 = Clock::now();
      auto c = co_await SmpClient::connect(io.get_executor(), o_.server, config_);
      if (!c) {
        spdlog::debug("connection {} failed: {}", i, c.error().message());
        ++failed_;
        continue;
      }
      latencies_.add(Clock::now() - t0);
      if (auto p = co_await (*c)->ping(); !p) {
        spdlog::debug("PING on connection {} failed: {}", i, p.error().message());
        (*c)->close();
        ++failed_;
        continue;
      }
      clients_[i] = std::move(*c);
      ++established_;
    }
  }

  static net::awaitable<void> pause(Clock::duration d) {
    net::steady_timer timer(co_await net::this_coro::executor, d);
    co_await timer.async_wait(net::use_awaitable);
  }

  std::string progress_line() const {
    std::string line = fmt::format("connections: {} of {} established, {} failed",
                                   established_.load(), o_.count, failed_.load());
    if (auto s = sample(o_.server_pid)) line += fmt::format(", server RSS {} KB", s->rss_bytes / 1024);
    return line;
  }

  const ConnectionsOptions& o_;
  client::ClientConfig config_;
  std::vector<std::unique_ptr<SmpClient>> clients_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::uint64_t> established_{0}, failed_{0};
  LatencyRecorder latencies_;
};

// The run's clients live in this coroutine, so they go before the io_context does.
net::awaitable<Result<ConnectionsResult>> run_here(const ConnectionsOptions& options, net::io_context& io) {
  Run run(options);
  co_return co_await run.main(io);
}

}  // namespace

Result<ConnectionsResult> run_connections(const ConnectionsOptions& options) {
  return run_on_io<ConnectionsResult>(1, [&](net::io_context& io) { return run_here(options, io); });
}

}  // namespace smp::bench
