// Prometheus metrics for the server ([STATS] prometheus_port): the text exposition format of
// a StatsSnapshot, and a small HTTP endpoint (Boost.Beast) answering GET /metrics with it.
// Counts only: no queue ids, keys or bodies.
//
// format_prometheus_metrics is pure and thread-safe. PrometheusExporter is strand-bound: make,
// use and destroy it on its executor's thread (the app runs it on its one signal thread). It
// owns the listening socket; connections it accepted live on until answered or timed out.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "smp/common/app_error.h"
#include "smp/server/stats_reporter.h"

namespace smp::server {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// One HELP/TYPE block per counter (smp_*_total) and gauge (smp_connections_current, smp_queues);
// the proxy role's counters under the reference's names (simplex_smp_relay_sessions_*,
// simplex_smp_relay_messages_*, labelled source="all", errors by type connect / compat /
// other; simplex_smp_relay_messages_received).
std::string format_prometheus_metrics(const StatsSnapshot& s);

namespace detail {
struct PrometheusState;
}

class PrometheusExporter {
 public:
  // Listens on host:port (host "" = all interfaces; port 0 = any free port) and serves
  // GET /metrics with format_prometheus_metrics(source()); other paths get 404, other methods
  // 405. The error names the address and the reason, e.g. "address already in use".
  static AppResult<std::unique_ptr<PrometheusExporter>> listen(
      boost::asio::any_io_executor executor, const std::string& host, std::uint16_t port,
      std::function<StatsSnapshot()> source);

  PrometheusExporter(const PrometheusExporter&) = delete;
  PrometheusExporter& operator=(const PrometheusExporter&) = delete;
  ~PrometheusExporter();  // closes the listening socket

  // The port actually bound.
  std::uint16_t port() const { return port_; }
  // Stops accepting; idempotent.
  void close();

 private:
  PrometheusExporter(std::shared_ptr<detail::PrometheusState> state, std::uint16_t port);
  std::shared_ptr<detail::PrometheusState> state_;
  std::uint16_t port_;
};

}  // namespace smp::server
