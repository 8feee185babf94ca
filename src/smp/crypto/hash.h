// SHA-256 / SHA-512 (spec §2.3, §7.8), SHA3-384 and the CSPRNG. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "smp/common/bytes.h"

namespace smp::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;
using Sha512Digest = std::array<std::uint8_t, 64>;
using Sha3_384Digest = std::array<std::uint8_t, 48>;

Sha256Digest sha256(ByteView data);
Sha512Digest sha512(ByteView data);
// SHA-512 of a ‖ b, without copying them together.
Sha512Digest sha512(ByteView a, ByteView b);
// SHA3-384 (OpenSSL EVP): the sender id a client may choose for a queue with a short link is
// its first 24 bytes over the NEW command's corrId (Crypto.hs sha3_384).
Sha3_384Digest sha3_384(ByteView data);

// Fills out with cryptographically secure random bytes (libsodium randombytes_buf).
void random_bytes(std::span<std::uint8_t> out);
Bytes random_bytes(std::size_t n);

// Initialises libsodium once; every function in smp::crypto calls it as needed. Safe to call
// from several threads.
void ensure_initialized();

}  // namespace smp::crypto
