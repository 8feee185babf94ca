#include "smp/server/stats_reporter.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

namespace smp::server {

namespace net = boost::asio;

namespace {

ProxyCounts counts_of(const ProxyRequestStats& stats) {
  auto get = [](const auto& counter) { return counter.load(std::memory_order_relaxed); };
  return ProxyCounts{.requests = get(stats.requests),
                     .successes = get(stats.successes),
                     .errors_connect = get(stats.errors_connect),
                     .errors_compat = get(stats.errors_compat),
                     .errors_other = get(stats.errors_other)};
}

std::string counts_text(const ProxyCounts& c) {
  return fmt::format("{} (ok {}, errors: connect {}, compat {}, other {})", c.requests,
                     c.successes, c.errors_connect, c.errors_compat, c.errors_other);
}

}  // namespace

StatsSnapshot take_snapshot(const ServerStats& stats, std::size_t queues) {
  auto get = [](const auto& counter) { return counter.load(std::memory_order_relaxed); };
  StatsSnapshot s;
  s.queues_created = get(stats.queues_created);
  s.queues_secured = get(stats.queues_secured);
  s.queues_deleted = get(stats.queues_deleted);
  s.msgs_sent = get(stats.msgs_sent);
  s.msgs_delivered = get(stats.msgs_delivered);
  s.msgs_expired = get(stats.msgs_expired);
  s.connections_total = get(stats.connections_total);
  s.handshakes_failed = get(stats.handshakes_failed);
  s.connections_current = get(stats.connections_current);
  s.queues = queues;
  s.proxy_relays = counts_of(stats.proxy_relays);
  s.proxy_relays_own = counts_of(stats.proxy_relays_own);
  s.proxy_forwards = counts_of(stats.proxy_forwards);
  s.proxy_forwards_own = counts_of(stats.proxy_forwards_own);
  s.msgs_forwarded = get(stats.msgs_forwarded);
  return s;
}

std::string format_stats_line(const StatsSnapshot& s) {
  return fmt::format(
      "stats: queues {} (created {}, secured {}, deleted {}); messages sent {}, delivered {}, "
      "expired {}; connections {} open, {} total, {} failed handshakes; proxy sessions {}, "
      "forwards {}; forwarded messages received {}",
      s.queues, s.queues_created, s.queues_secured, s.queues_deleted, s.msgs_sent,
      s.msgs_delivered, s.msgs_expired, s.connections_current, s.connections_total,
      s.handshakes_failed, counts_text(s.proxy_relays), counts_text(s.proxy_forwards),
      s.msgs_forwarded);
}

net::awaitable<void> log_stats_periodically(std::chrono::seconds interval,
                                            std::function<StatsSnapshot()> source) {
  net::steady_timer timer(co_await net::this_coro::executor);
  auto next = std::chrono::steady_clock::now();
  for (;;) {
    next += interval;
    timer.expires_at(next);
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (ec) co_return;
    spdlog::info("{}", format_stats_line(source()));
  }
}

}  // namespace smp::server
