// Settings of one Agent (the reference's AgentConfig, spec §7.10). A plain copyable value;
// every field has the reference's default except `servers`, which the caller must fill.
#pragma once

#include <chrono>
#include <filesystem>
#include <vector>

#include "smp/agent/agent_store.h"
#include "smp/agent/retry_schedule.h"
#include "smp/client/client_config.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/server_address.h"

namespace smp::agent {

struct AgentConfig {
  // SMP servers for new queues (NEW, JOIN's reply queue); one is chosen at random for each
  // queue. Must not be empty.
  std::vector<protocol::SmpServer> servers;
  // Timeouts and keep-alive of every SMP connection (tcpTimeout 4 s, smpPing 30 s).
  client::ClientConfig smp_client;
  // Algorithm of the recipient and sender keys of new queues (cmdSignAlg). Ed25519, as later
  // reference versions default to: every SEND is signed over its whole 16 KB transmission, and
  // Ed25519 costs a third of Ed448 to sign and a quarter to verify. Ed448 (the v1.0.0
  // reference's choice) is also accepted; servers take either.
  crypto::KeyAlgorithm queue_key_algorithm = crypto::KeyAlgorithm::ed25519;
  // Retries of message delivery and reconnection (reconnectInterval).
  RetryInterval retry_interval;
  // First wait of the fast-start schedule used for HELLO and reconnection; it doubles until it
  // reaches retry_interval.initial. Zero disables the fast start.
  std::chrono::microseconds fast_retry_initial = 25ms;
  // Used by the Agent::create overload that opens the store itself (dbFile).
  std::filesystem::path store_path = "smp-agent.db";
  StoreOptions store_options;
};

}  // namespace smp::agent
