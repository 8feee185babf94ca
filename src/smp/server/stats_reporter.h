// Server statistics for operators: a snapshot of ServerStats (plus the live queue count), the
// one-line summary logged every [STATS] log_interval_seconds, and the coroutine that logs it.
// Counts only: no queue ids, keys or bodies.
//
// StatsSnapshot is a copyable value; the functions are pure and thread-safe; the coroutine
// runs on whatever executor it is spawned on and reads the stats through `source`.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "smp/server/server_stats.h"

namespace smp::server {

// The counts of one ProxyRequestStats.
struct ProxyCounts {
  std::uint64_t requests = 0;
  std::uint64_t successes = 0;
  std::uint64_t errors_connect = 0;
  std::uint64_t errors_compat = 0;
  std::uint64_t errors_other = 0;

  friend bool operator==(const ProxyCounts&, const ProxyCounts&) = default;
};

struct StatsSnapshot {
  std::uint64_t queues_created = 0;
  std::uint64_t queues_secured = 0;
  std::uint64_t queues_deleted = 0;
  std::uint64_t msgs_sent = 0;
  std::uint64_t msgs_delivered = 0;
  std::uint64_t msgs_expired = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t handshakes_failed = 0;
  std::int64_t connections_current = 0;
  std::uint64_t queues = 0;  // queues in the store now
  ProxyCounts proxy_relays;        // PRXY served as a proxy
  ProxyCounts proxy_relays_own;    // of them, to the operator's own servers
  ProxyCounts proxy_forwards;      // PFWD served as a proxy
  ProxyCounts proxy_forwards_own;  // of them, to the operator's own servers
  std::uint64_t msgs_forwarded = 0;  // RFWD from proxies answered, as a destination

  friend bool operator==(const StatsSnapshot&, const StatsSnapshot&) = default;
};

// Reads every counter (relaxed; fields need not be mutually consistent).
StatsSnapshot take_snapshot(const ServerStats& stats, std::size_t queues);

// "stats: queues 10 (created 12, secured 9, deleted 2); messages sent 5, delivered 4,
//  expired 0; connections 2 open, 7 total, 1 failed handshakes; proxy sessions 3 (ok 2,
//  errors: connect 1, compat 0, other 0), forwards 5 (ok 5, errors: connect 0, compat 0,
//  other 0); forwarded messages received 4"
// (the counts of requests to the operator's own servers are on the Prometheus endpoint and
// the control port's `stats`, not in this line)
std::string format_stats_line(const StatsSnapshot& s);

// Logs format_stats_line(source()) at info every `interval`, until the coroutine is
// cancelled or its io_context stops. REQUIRES: interval > 0.
boost::asio::awaitable<void> log_stats_periodically(std::chrono::seconds interval,
                                                    std::function<StatsSnapshot()> source);

}  // namespace smp::server
