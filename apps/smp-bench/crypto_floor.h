// smp-bench crypto: the crypto every delivered message needs, timed on this machine (thread
// CPU time, median of batches), and the message rate it allows. A delivered message is
// SEND → OK, MSG, ACK → OK: five 16 KB blocks, each one TLS record (ChaCha20-Poly1305),
// sealed by one side and opened by the other. The SEND and the ACK are authorized by the
// clients and checked by the server; the server encrypts the body for the recipient.
//
// The two generations differ in what each of these costs:
//   v1       TLS 1.2 records; Ed25519/Ed448 signatures over the transmission; the body padded
//            to 16,090 bytes and crypto_boxed (Server.hs encryptMsg at v1.0.0).
//   current  (SMP 18, ALPN smp/1) TLS 1.3 records (one more byte per block, the inner type);
//            signatures over short(session id) ‖ transmission, or with X25519 queue keys a
//            crypto_box authenticator (an X25519 DH with the connection's key, SHA-512 of the
//            authorized bytes, a crypto_box of the digest: Crypto.hs cbAuthenticate/cbVerify);
//            the body with its timestamp and flags padded to 16,106 bytes; and every block
//            also sealed whole with XSalsa20-Poly1305 under one step of an HKDF-SHA512 chain
//            per block and direction (block encryption, v11+: Transport.hs tPutBlock).
//
// Five blocks is one transmission per block, as SMP v1 must send them. At the current
// generation the server also packs queued answers together, and an ACK is answered by the
// next MSG when the queue holds one, so under load fewer blocks can carry a message than the
// floor counts. The recipient's crypto_box open is timed and reported but not counted
// (smp-bench throughput does not decrypt bodies). Pure computation; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "smp/crypto/keys.h"

namespace smp::bench {

enum class FloorGeneration { v1, current };

std::string_view generation_name(FloorGeneration g);

struct CryptoFloor {
  FloorGeneration generation = FloorGeneration::current;
  crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::ed25519;
  std::size_t body_size = 0;
  // Microseconds per operation. With X25519 keys "sign" makes a crypto_box authenticator and
  // "verify" checks one.
  double sign_send_us = 0, verify_send_us = 0;    // over a SEND transmission of body_size
  double sign_ack_us = 0, verify_ack_us = 0;      // over an ACK transmission
  double box_us = 0, box_open_us = 0;             // one full server-encrypted body
  double block_seal_us = 0, block_open_us = 0;    // block encryption of one block; 0 at v1
  double record_seal_us = 0, record_open_us = 0;  // one TLS record of a 16,384-byte block
  // Microseconds per delivered message.
  // Server: 2 verifications, 1 box, 2 blocks opened and 3 sealed (records, and at the
  // current generation block encryption). Clients: 2 signatures, 2 blocks sealed, 3 opened.
  double server_us = 0;
  double client_us = 0;
  double total_us() const { return server_us + client_us; }
  unsigned cores = 1;  // CPUs this process may run on
  // Messages per second the crypto allows: with server and clients sharing `cores` CPUs,
  // and for a server alone on one CPU.
  double machine_limit_msgs_per_s() const { return cores * 1e6 / total_us(); }
  double server_core_limit_msgs_per_s() const { return 1e6 / server_us; }
};

// Takes about 0.1 s per operation kind. REQUIRES: alg is Ed25519 or Ed448, or X25519 with the
// current generation (v1 has no authenticators).
CryptoFloor measure_crypto_floor(FloorGeneration generation, crypto::KeyAlgorithm alg,
                                 std::size_t body_size);

// The mean of two measurements of the same generation, algorithm and size, operation by
// operation: a floor taken before and after a run follows this machine's speed through it
// better than either alone (a shared machine's CPU time per operation moves by up to 1.8×
// within minutes).
CryptoFloor average_floor(const CryptoFloor& a, const CryptoFloor& b);

}  // namespace smp::bench
