// smp-bench throughput: C recipient and C sender connections over Q secured queues; every
// queue's sender sends its share of N messages of S bytes one after another (signed with its
// sender key; with a window, only while fewer than W are not yet ACKed), every MSG is
// acknowledged, and the send→MSG latency of each is recorded.
// With a proxy, the sender connections go to the proxy instead, each with one proxied relay
// to the server (private message routing), and SEND travels as PFWD → RFWD.
// Runs its own io_context threads; call from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/server_address.h"
#include "smp/transport/tls.h"

namespace smp::bench {

struct ThroughputOptions {
  protocol::SmpServer server;
  std::size_t queues = 10;
  std::size_t conns = 1;  // sender connections; as many recipient connections
  std::uint64_t messages = 10000;
  std::size_t size = 256;  // body bytes, at most 16088
  crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::ed25519;
  std::size_t threads = 1;  // io_context threads on the client side
  // Messages a queue has sent and not yet seen ACKed; 0: no limit (the sender runs ahead up
  // to the server's queue quota). 1 with one queue is one message in flight at a time: SEND,
  // OK, MSG, ACK and OK each in a block of its own.
  std::size_t window = 0;
  std::optional<int> server_pid;
  // What the clients offer (with a server that selects ALPN "smp/1": SMP 6..18).
  transport::ClientProtocols protocols = transport::ClientProtocols::current_and_v1;
  // Senders go through this server (its proxy role) to `server`; needs SMP 8+.
  std::optional<protocol::SmpServer> proxy;
  std::optional<int> proxy_pid;  // the proxy's process, for its CPU per forwarded message
  // The run ends when nothing was delivered for this long (lost messages count as errors).
  std::chrono::milliseconds stall_timeout{10000};
};

struct ThroughputResult {
  std::uint64_t sent = 0;       // SENDs answered OK
  std::uint64_t delivered = 0;  // MSGs received
  std::uint64_t errors = 0;     // failed SENDs/ACKs and messages never delivered
  double seconds = 0;           // first SEND to last MSG
  double msgs_per_s = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0;
  std::uint16_t smp_version = 0;  // what the first recipient connection agreed
  std::optional<double> server_cpu_us_per_msg;
  std::optional<std::uint64_t> server_rss_bytes;
  std::optional<double> proxy_cpu_us_per_msg;  // with a proxy and its pid
};

// Errors: those of connecting and of setting the queues up (NEW, KEY); failures during the
// measured phase are counted in `errors` instead.
Result<ThroughputResult> run_throughput(const ThroughputOptions& options);

}  // namespace smp::bench
