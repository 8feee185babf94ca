// smp-bench queues: Q queues made with NEW over C connections (P commands in flight), each
// left subscribed on the connection that made it and held open so the server's memory can be
// read. Reports the creation rate and NEW latency, and with the server's pid its CPU per NEW
// and RSS growth per queue. The queues stay on the server (and in its store log).
// Runs its own io_context; call from one thread at a time.
#pragma once

#include <cstdint>
#include <optional>

#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/server_address.h"
#include "smp/transport/tls.h"

namespace smp::bench {

struct QueuesOptions {
  protocol::SmpServer server;
  std::size_t count = 1000;
  std::size_t conns = 1;
  std::size_t parallel = 32;  // NEW commands in flight
  crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::ed25519;
  double hold_seconds = 0;
  std::optional<int> server_pid;
  bool quiet = false;
  // What the clients offer (with a server that selects ALPN "smp/1": SMP 6..18).
  transport::ClientProtocols protocols = transport::ClientProtocols::current_and_v1;
};

struct QueuesResult {
  std::uint64_t attempted = 0;
  std::uint64_t created = 0;
  std::uint64_t errors = 0;
  double seconds = 0;
  double per_s = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0;  // NEW → IDS
  std::uint16_t smp_version = 0;              // what the first connection agreed
  std::optional<double> server_cpu_us_per_queue;
  std::optional<std::uint64_t> server_rss_bytes;
  std::optional<double> server_rss_per_queue;  // growth / created, queues subscribed
};

// Errors: those of connecting; failed NEWs are counted in `errors`.
Result<QueuesResult> run_queues(const QueuesOptions& options);

}  // namespace smp::bench
