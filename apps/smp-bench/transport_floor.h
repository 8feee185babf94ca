// smp-bench transport: what this machine's kernel charges a server for the blocks of one
// delivered message when nothing else is done with them — no TLS, no crypto, no parsing —
// timed the way `crypto` times the crypto, as the server thread's CPU time.
//
// A delivered message one at a time is five blocks on two loopback TCP connections (the
// sender's and the recipient's, TCP_NODELAY as the server sets it): SEND in, its OK out,
// MSG out, ACK in, its OK out; each a TLS 1.3 record of one block on the wire (16,406 bytes).
// The stand-in server is one thread that waits in epoll before each block it reads, as an
// event-driven server does when its client sends the next block only after the last answer:
// two waits, two reads and three writes per message. A real server does at least this per
// block (the reference's tGetBlock / tPutBlock, one record each), so its CPU per message one
// at a time cannot fall below crypto + this; packed answers and batched commands share the
// waits and segments, and this floor does not describe them. The client is another thread of
// this process; its CPU is not counted.
#pragma once

#include <cstddef>
#include <string>

#include "smp/common/error.h"

namespace smp::bench {

struct TransportFloor {
  std::size_t messages = 0;   // moved per batch
  std::size_t wire_bytes = 0;  // per block
  // The server thread's CPU time per delivered message, median of batches.
  double server_us = 0;
};

// About 0.1–0.3 s. Errors: errc::network when the loopback connections cannot be made or
// break.
Result<TransportFloor> measure_transport_floor();

// The mean of two measurements, as average_floor does for the crypto.
TransportFloor average_transport_floor(const TransportFloor& a, const TransportFloor& b);

}  // namespace smp::bench
