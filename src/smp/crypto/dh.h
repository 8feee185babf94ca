// Diffie-Hellman (spec §2.5): the raw X25519 (32-byte) or X448 (56-byte) shared secret, with
// no hashing. X25519 runs on libsodium, X448 on OpenSSL. Pure function; thread-safe.
#pragma once

#include <cstddef>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"

namespace smp::crypto {

inline constexpr std::size_t kX25519SecretSize = 32;
inline constexpr std::size_t kX448SecretSize = 56;

// errc::wrong_algorithm unless both keys are X25519 or both are X448. errc::crypto_failure
// when the peer's key is of small order (the shared secret would be all zeros); the
// reference would carry on with that known secret, we refuse it.
Result<SecretBytes> dh(const PublicKey& theirs, const PrivateKey& ours);

}  // namespace smp::crypto
