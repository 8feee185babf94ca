// smp-bench scaling: a load generator cheap enough that the server, not the generator, runs
// out of CPU first, for comparing a server on 1 and on 2 threads. Per pair of connections (one
// sender, one recipient) it creates its queues with NEW and KEY, then builds each queue's
// signed SEND block and signed ACK block once (a fixed corrId per kind: the server only echoes
// it) and replays them: the sender keeps at most `window` messages sent but not yet delivered,
// the recipient answers every MSG with its queue's ACK. Of what arrives only the transmission
// header and the command tag are read; nothing is decrypted or verified above TLS.
// Reports the server's CPU and the generator's own CPU per delivered message. It speaks SMP
// v1 only: the current generation's ACK names each message, so its ACK block cannot be
// replayed (and block encryption makes every block different).
// Runs its own io_context threads (each pair on a strand); call from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/server_address.h"

namespace smp::bench {

struct ScalingOptions {
  protocol::SmpServer server;
  std::size_t pairs = 4;    // sender + recipient connection pairs
  std::size_t queues = 64;  // over all pairs (at least one per pair)
  std::uint64_t messages = 20000;
  std::size_t size = 256;   // body bytes, at most 16088
  crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::ed25519;
  std::size_t window = 64;  // per pair: messages sent and not yet delivered
  std::size_t threads = 1;  // io_context threads of the generator
  std::optional<int> server_pid;
  // The run ends when nothing was delivered for this long (lost messages count as errors).
  std::chrono::milliseconds stall_timeout{10000};
};

struct ScalingResult {
  std::uint64_t sent = 0;       // SENDs answered OK
  std::uint64_t delivered = 0;  // MSGs received (each ACKed)
  std::uint64_t errors = 0;     // ERR answers, unexpected blocks, messages never delivered
  double seconds = 0;           // first SEND to last MSG
  double msgs_per_s = 0;
  // This process's user + system CPU over the measured phase, per delivered message, and
  // divided by the phase's wall time.
  double generator_cpu_us_per_msg = 0;
  double generator_cores_busy = 0;
  // The same for the server, when its pid was given.
  std::optional<double> server_cpu_us_per_msg;
  std::optional<double> server_cores_busy;
};

// Errors: those of connecting and of setting the queues up (NEW, KEY); failures during the
// measured phase are counted in `errors` instead.
Result<ScalingResult> run_scaling(const ScalingOptions& options);

}  // namespace smp::bench
