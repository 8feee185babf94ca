#include "smp/server/random_ids.h"

#include <sodium.h>

#include "smp/crypto/hash.h"

namespace smp::server {

namespace {

// A ChaCha20 key from the CSPRNG and a counter used as the nonce: every call takes a fresh
// keystream, so no output is ever repeated or derivable from another.
struct IdGenerator {
  IdGenerator() { crypto::random_bytes(key); }
  ~IdGenerator() { sodium_memzero(key.data(), key.size()); }
  std::array<std::uint8_t, crypto_stream_chacha20_KEYBYTES> key;
  std::uint64_t counter = 0;
};

}  // namespace

void fill_random_id(std::span<std::uint8_t> out) {
  thread_local IdGenerator gen;
  std::array<std::uint8_t, crypto_stream_chacha20_NONCEBYTES> nonce{};
  static_assert(sizeof(gen.counter) == crypto_stream_chacha20_NONCEBYTES);
  std::uint64_t n = gen.counter++;
  for (std::size_t i = 0; i < nonce.size(); ++i) {
    nonce[i] = static_cast<std::uint8_t>(n >> (8 * i));
  }
  crypto_stream_chacha20(out.data(), out.size(), nonce.data(), gen.key.data());
}

}  // namespace smp::server
