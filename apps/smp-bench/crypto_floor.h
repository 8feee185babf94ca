// smp-bench crypto: the crypto every delivered message needs, timed on this machine (thread
// CPU time, median of batches), and the message rate it allows. A delivered message is five
// 16 KB blocks (SEND, OK, MSG, ACK, OK), each sealed and opened as one TLS record
// (ChaCha20-Poly1305); the SEND and the ACK are signed by the clients and verified by the
// server; the server encrypts the body with crypto_box (padded to 16,090 bytes).
// The recipient's crypto_box open is timed and reported but not counted (smp-bench
// throughput does not decrypt bodies). Pure computation; thread-safe.
#pragma once

#include <cstddef>

#include "smp/crypto/keys.h"

namespace smp::bench {

struct CryptoFloor {
  crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::ed25519;
  std::size_t body_size = 0;
  // Microseconds per operation.
  double sign_send_us = 0, verify_send_us = 0;    // over a SEND transmission of body_size
  double sign_ack_us = 0, verify_ack_us = 0;      // over an ACK transmission
  double box_us = 0, box_open_us = 0;             // one full server-encrypted body
  double record_seal_us = 0, record_open_us = 0;  // one 16,384-byte TLS record
  // Microseconds per delivered message.
  double server_us = 0;  // 2 verifications, 1 box, 2 record opens, 3 record seals
  double client_us = 0;  // 2 signatures, 2 record seals, 3 record opens
  double total_us() const { return server_us + client_us; }
  unsigned cores = 1;  // CPUs this process may run on
  // Messages per second the crypto allows: with server and clients sharing `cores` CPUs,
  // and for a server alone on one CPU.
  double machine_limit_msgs_per_s() const { return cores * 1e6 / total_us(); }
  double server_core_limit_msgs_per_s() const { return 1e6 / server_us; }
};

// Takes about 0.1 s per operation kind.
CryptoFloor measure_crypto_floor(crypto::KeyAlgorithm alg, std::size_t body_size);

// The mean of two measurements of the same algorithm and size, operation by operation: a
// floor taken before and after a run follows this machine's speed through it better than
// either alone (a shared machine's CPU time per operation moves by up to 1.8× within minutes).
CryptoFloor average_floor(const CryptoFloor& a, const CryptoFloor& b);

}  // namespace smp::bench
