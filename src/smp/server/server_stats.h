// ServerStats: monotonic counters and one gauge kept by the server, read by the stats logger
// and the Prometheus exporter.
//
// Thread-safe: every field is an atomic updated with relaxed ordering (they are independent
// counters; readers need no consistency between fields). Owned by Server, read via stats().
#pragma once

#include <atomic>
#include <cstdint>

namespace smp::server {

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
};

// Adds one to a counter (relaxed).
template <class T>
inline void bump(std::atomic<T>& counter, T by = 1) {
  counter.fetch_add(by, std::memory_order_relaxed);
}

}  // namespace smp::server
