#include "smp/crypto/hash.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstdlib>

namespace smp::crypto {

void ensure_initialized() {
  static const bool initialized = [] {
    if (sodium_init() < 0) std::abort();  // no CSPRNG: nothing safe can run
    return true;
  }();
  (void)initialized;
}

Sha256Digest sha256(ByteView data) {
  Sha256Digest out;
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Sha512Digest sha512(ByteView data) {
  Sha512Digest out;
  crypto_hash_sha512(out.data(), data.data(), data.size());
  return out;
}

Sha512Digest sha512(ByteView a, ByteView b) {
  crypto_hash_sha512_state state;
  crypto_hash_sha512_init(&state);
  crypto_hash_sha512_update(&state, a.data(), a.size());
  crypto_hash_sha512_update(&state, b.data(), b.size());
  Sha512Digest out;
  crypto_hash_sha512_final(&state, out.data());
  return out;
}

Sha3_384Digest sha3_384(ByteView data) {
  Sha3_384Digest out{};
  unsigned int size = 0;
  // EVP_Digest with a built-in algorithm fails only when out of memory.
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha3_384(), nullptr) != 1 ||
      size != out.size()) {
    std::abort();
  }
  return out;
}

void random_bytes(std::span<std::uint8_t> out) {
  ensure_initialized();
  randombytes_buf(out.data(), out.size());
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  random_bytes(out);
  return out;
}

}  // namespace smp::crypto
