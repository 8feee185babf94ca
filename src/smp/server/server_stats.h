// ServerStats: monotonic counters and one gauge kept by the server, read by the stats logger
// and the Prometheus exporter; among them the proxy role's requests by outcome.
//
// Thread-safe: every field is an atomic updated with relaxed ordering (they are independent
// counters; readers need no consistency between fields). Owned by Server, read via stats().
#pragma once

#include <atomic>
#include <cstdint>

namespace smp::server {

// How a proxied request ended, as the reference's proxy statistics count it (ProxyStats in
// Server/Stats.hs at simplexmq 6.5.5): answered (for PFWD, an ERR from the destination passed
// back counts too), or failed to connect (network, timeout), for an incompatible
// destination (version, no server key), or otherwise.
enum class ProxyOutcome : std::uint8_t { success, connect_error, compat_error, other_error };

// One kind of proxied request: every request, and each by its outcome.
struct ProxyRequestStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> successes{0};
  std::atomic<std::uint64_t> errors_connect{0};
  std::atomic<std::uint64_t> errors_compat{0};
  std::atomic<std::uint64_t> errors_other{0};
};

struct ServerStats {
  std::atomic<std::uint64_t> queues_created{0};
  std::atomic<std::uint64_t> queues_secured{0};
  std::atomic<std::uint64_t> queues_deleted{0};
  std::atomic<std::uint64_t> msgs_sent{0};       // SEND accepted (OK)
  std::atomic<std::uint64_t> msgs_delivered{0};  // MSG written to a recipient
  std::atomic<std::uint64_t> msgs_expired{0};
  std::atomic<std::uint64_t> msgs_forwarded{0};  // RFWD from a proxy answered (pMsgFwdsRecv)
  std::atomic<std::uint64_t> connections_total{0};   // handshakes completed
  std::atomic<std::uint64_t> handshakes_failed{0};   // TLS/SMP handshake failed or timed out
  std::atomic<std::int64_t> connections_current{0};  // established sessions now open
  // This server as a proxy: PRXY (the reference's pRelays) and PFWD (pMsgFwds); the *_own
  // ones count again the requests to the operator's own servers ([PROXY] own_server_domains:
  // pRelaysOwn, pMsgFwdsOwn).
  ProxyRequestStats proxy_relays;
  ProxyRequestStats proxy_relays_own;
  ProxyRequestStats proxy_forwards;
  ProxyRequestStats proxy_forwards_own;
};

// Adds one to a counter (relaxed).
template <class T>
inline void bump(std::atomic<T>& counter, T by = 1) {
  counter.fetch_add(by, std::memory_order_relaxed);
}

// Counts one request and its outcome (relaxed).
inline void count_proxy_request(ProxyRequestStats& stats, ProxyOutcome outcome) {
  bump(stats.requests);
  switch (outcome) {
    case ProxyOutcome::success: bump(stats.successes); break;
    case ProxyOutcome::connect_error: bump(stats.errors_connect); break;
    case ProxyOutcome::compat_error: bump(stats.errors_compat); break;
    case ProxyOutcome::other_error: bump(stats.errors_other); break;
  }
}

// Counts one request in `all`, and in `own` too when its destination is one of the
// operator's own servers (mkIncProxyStats).
inline void count_proxy_request(ProxyRequestStats& all, ProxyRequestStats& own,
                                bool own_destination, ProxyOutcome outcome) {
  count_proxy_request(all, outcome);
  if (own_destination) count_proxy_request(own, outcome);
}

}  // namespace smp::server
