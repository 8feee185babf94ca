// smp-bench storelog: writes a store log like the one a server accumulates, without a server
// (which would take 20 minutes for 1M queues at 900 NEW/s): N CREATE lines with fresh random
// ids, DH secrets and keys of the chosen algorithm, SECURE lines for some earlier queues and
// DELETE lines for others, each line formatted by the server's own store-log writer, so line
// lengths and encodings are exactly the server's. Deterministic for a given seed.
// A plain function; thread-safe (it shares nothing).
#pragma once

#include <cstdint>
#include <filesystem>

#include "smp/common/error.h"
#include "smp/crypto/keys.h"

namespace smp::bench {

struct StoreLogGenOptions {
  std::size_t count = 1000;  // CREATE lines
  std::filesystem::path out;
  crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::ed25519;  // recipient and sender keys
  unsigned secure_percent = 10;  // SECUREs per 100 CREATEs (for earlier, unsecured queues)
  unsigned delete_percent = 2;   // DELETEs per 100 CREATEs (for earlier, live queues)
  std::uint64_t seed = 1;
};

struct StoreLogGenResult {
  std::uint64_t creates = 0, secures = 0, deletes = 0;
  std::uint64_t live_queues = 0;  // creates - deletes
  std::uint64_t bytes = 0;
};

// errc::io_error if the file cannot be written.
Result<StoreLogGenResult> generate_store_log(const StoreLogGenOptions& o);

}  // namespace smp::bench
