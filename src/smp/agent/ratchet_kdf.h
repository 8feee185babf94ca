// The double ratchet's KDFs (spec §2.9.3), on HKDF-SHA512 with 96 bytes of output:
//   root_kdf(RK, theirs, ours) = hkdf3(salt = RK, ikm = DH(theirs, ours), "SimpleXRootRatchet")
//                              → (RK', CK, NHK)
//   chain_kdf(CK)              = hkdf3(salt = "", ikm = CK, "SimpleXChainRatchet")
//                              → (CK', MK, message IV ‖ header IV)
// Pure functions; thread-safe. Every output is a secret and owned by the caller.
#pragma once

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"

namespace smp::agent {

inline constexpr std::size_t kRatchetKeySize = 32;  // root (after the first step), chain, message
inline constexpr std::size_t kRatchetIvSize = 16;

// Move-only.
struct RootKdfKeys {
  SecretBytes root_key;
  SecretBytes chain_key;
  SecretBytes next_header_key;
};

// Move-only.
struct ChainKdfKeys {
  SecretBytes chain_key;
  SecretBytes message_key;
  SecretBytes message_iv;  // 16 bytes
  SecretBytes header_iv;   // 16 bytes
};

// errc::wrong_algorithm / crypto_failure from the DH (crypto/dh.h).
Result<RootKdfKeys> root_kdf(ByteView root_key, const crypto::PublicKey& theirs,
                             const crypto::PrivateKey& ours);
// errc::crypto_failure only if the backend fails.
Result<ChainKdfKeys> chain_kdf(ByteView chain_key);

}  // namespace smp::agent
