// smp-bench connections: K idle connections, each through TCP, TLS and the SMP handshake and
// one PING (so each has read and written a block, as a used connection has), opened P at a
// time; then held open so the server's memory can be read. Reports the handshake rate and
// latency, and with the server's pid its CPU per handshake and RSS growth per connection.
// Runs its own io_context; call from one thread at a time.
#pragma once

#include <cstdint>
#include <optional>

#include "smp/common/error.h"
#include "smp/protocol/server_address.h"
#include "smp/transport/tls.h"

namespace smp::bench {

struct ConnectionsOptions {
  protocol::SmpServer server;
  std::size_t count = 100;
  std::size_t parallel = 16;  // handshakes in flight
  double hold_seconds = 0;
  std::optional<int> server_pid;
  bool quiet = false;  // no progress lines
  // v1_only: TLS 1.2 and the SMP v1 handshake; current_and_v1: ALPN "smp/1", TLS 1.3 and the
  // current handshake (with a server that selects it), the PING then inside an encrypted block.
  transport::ClientProtocols protocols = transport::ClientProtocols::current_and_v1;
};

struct ConnectionsResult {
  std::uint64_t attempted = 0;
  std::uint64_t established = 0;  // handshaked and answered the PING
  std::uint64_t errors = 0;
  // What the warm-up connection agreed (every connection offers the same).
  std::uint16_t smp_version = 0;
  bool tls13 = false;
  bool block_encryption = false;
  double seconds = 0;
  double per_s = 0;                     // established per second
  double p50_ms = 0, p90_ms = 0, p99_ms = 0;  // connect + TLS + SMP handshake
  std::optional<double> server_cpu_us_per_handshake;  // includes the one PING
  std::optional<std::uint64_t> server_rss_bytes;      // with every connection open
  std::optional<double> server_rss_per_connection;    // RSS growth / established
};

Result<ConnectionsResult> run_connections(const ConnectionsOptions& options);

}  // namespace smp::bench
