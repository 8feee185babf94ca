// X3DH key agreement of the agent (spec §2.9.2). The party that created the invitation
// ("receiving", keys A1, A2) and the party that joined it ("sending", keys B1, B2) each combine
// their two private keys with the other's E2E parameters:
//   dh1 = DH(A1, b2) = DH(B2, a1);  dh2 = DH(A2, b1) = DH(B1, a2);  dh3 = DH(A2, b2) = DH(B2, a2)
//   dh1 ‖ dh2 ‖ dh3 = sndHK (32) ‖ rcvNextHK (32) ‖ SK (the rest: 104 bytes for X448)
//   AD = raw(B1) ‖ raw(A1)                 -- raw keys, the sending party's first
// Both sides obtain equal RatchetInitParams. Pure functions; thread-safe.
#pragma once

#include "smp/agent/e2e_params.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"

namespace smp::agent {

inline constexpr std::size_t kHeaderKeySize = 32;

// Move-only (it holds secrets).
struct RatchetInitParams {
  Bytes assoc_data;         // AD: public key bytes, not secret
  SecretBytes ratchet_key;  // SK, the initial root key
  SecretBytes snd_hk;       // the sending party's first header key
  SecretBytes rcv_next_hk;  // the sending party's next receiving header key
};

// The joining party: its own keys (b1, b2) and the invitation's parameters (A1, A2).
// errc::wrong_algorithm unless all four keys are X25519 or all X448; errc::crypto_failure for
// a small-order peer key.
Result<RatchetInitParams> x3dh_snd(const crypto::PrivateKey& own1, const crypto::PrivateKey& own2,
                                   const E2ERatchetParams& peer);
// The inviting party: its own keys (a1, a2) and the joining party's parameters (B1, B2).
Result<RatchetInitParams> x3dh_rcv(const crypto::PrivateKey& own1, const crypto::PrivateKey& own2,
                                   const E2ERatchetParams& peer);

}  // namespace smp::agent
