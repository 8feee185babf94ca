// smp-bench agent: two in-process Agents (spec §7), each with its own SQLite store in a
// temporary directory, connected N times through one SMP server; the first sends to the
// second over every connection, the second ACKs every MSG. Measures the handshake (JOIN →
// CON on both sides), messages per second, send → MSG latency and the store's size per idle
// connection. Runs its own io_context threads; call from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/server_address.h"

namespace smp::bench {

struct AgentBenchOptions {
  protocol::SmpServer server;
  std::size_t connections = 1;
  std::uint64_t messages = 1000;  // in total, shared out over the connections
  std::size_t size = 100;         // body bytes, at most the agent's maximum (15811)
  crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::ed25519;  // queue keys
  // Every message of a connection submitted at once; otherwise at most `window` per
  // connection wait for their MSG.
  bool burst = false;
  std::size_t window = 16;
  std::size_t handshakes = 4;      // connections being made at once
  std::size_t threads = 2;         // io_context threads shared by both agents
  std::size_t store_cache = 1024;  // StoreOptions::cache_capacity of both stores
  std::optional<int> server_pid;
  bool progress = true;  // a progress line on stderr every second
  // The run ends when nothing was delivered for this long (lost messages count as errors).
  std::chrono::milliseconds stall_timeout{20000};
};

struct AgentBenchResult {
  std::uint64_t sent = 0;       // SENT notifications
  std::uint64_t delivered = 0;  // MSGs at the receiving agent, in order with integrity OK
  std::uint64_t errors = 0;     // ERR / MERR, out-of-order or damaged MSGs, messages lost
  double seconds = 0;           // first SEND to the last MSG
  double msgs_per_s = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0;        // SEND submitted → MSG at the peer
  double join_con_p50_ms = 0, join_con_max_ms = 0;  // JOIN submitted → CON on both sides
  double handshake_seconds = 0;                     // making every connection
  double sqlite_bytes_per_conn = 0;  // database + WAL growth per connection per agent
  std::optional<double> server_cpu_us_per_msg;
  double agents_cpu_us_per_msg = 0;  // this process (both agents) while messages flow
  // fsyncs of both stores' WALs (SharedAgentStore::syncs) while messages flow, per message.
  double wal_syncs_per_msg = 0;
};

// Errors: a store that cannot be made, or a connection that cannot be made (the handshake
// failing or stalling); failures while messages flow are counted in `errors` instead.
Result<AgentBenchResult> run_agent_bench(const AgentBenchOptions& options);

}  // namespace smp::bench
