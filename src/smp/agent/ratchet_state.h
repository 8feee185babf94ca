// The state of one party's double ratchet with header encryption (spec §2.9.4), and its two
// initialisations: the joining party starts with a sending chain (init_snd_ratchet), the
// inviting party with neither chain (init_rcv_ratchet).
//
// Ratchet is move-only: it owns its DH private key and every chain and header key, all wiped
// when destroyed; clone() makes an independent copy. Not thread-safe; one connection's ratchet
// is used by one operation at a time (the agent loads it, runs one operation, stores it).
#pragma once

#include <cstdint>
#include <optional>

#include "smp/agent/x3dh.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/version.h"

namespace smp::agent {

struct SndRatchet {
  crypto::PublicKey dh_rr;  // the peer's current ratchet key
  SecretBytes ck_s;         // sending chain key
  SecretBytes hk_s;         // sending header key
};

struct RcvRatchet {
  SecretBytes ck_r;  // receiving chain key
  SecretBytes hk_r;  // receiving header key
};

struct Ratchet {
  // Sent in each message: the minimum in the encrypted header's envelope, the maximum inside it.
  enc::VersionRange version;
  Bytes ad;                  // associated data from X3DH, the same on both sides
  crypto::PrivateKey dh_rs;  // our current ratchet key
  SecretBytes rk;            // root key (the X3DH SK until the first DH step)
  std::optional<SndRatchet> snd;
  std::optional<RcvRatchet> rcv;
  std::uint32_t ns = 0;  // messages sent in the current sending chain
  std::uint32_t nr = 0;  // messages received in the current receiving chain
  std::uint32_t pn = 0;  // messages in the previous sending chain
  SecretBytes nhk_s;     // next sending header key
  SecretBytes nhk_r;     // next receiving header key

  Ratchet clone() const;
};

// Every field equal; key material is compared in constant time.
bool operator==(const Ratchet& a, const Ratchet& b);

// The joining party (RatchetInitAliceHE): peer_key is the SECOND key of the invitation's E2E
// parameters, own_key a FRESH key pair (not one of the X3DH keys). (RK, CKs, NHKs) =
// root_kdf(SK, peer_key, own_key); HKs = sndHK; NHKr = rcvNextHK. errc from root_kdf.
Result<Ratchet> init_snd_ratchet(const crypto::PublicKey& peer_key, crypto::PrivateKey own_key,
                                 const RatchetInitParams& params);

// The inviting party (RatchetInitBobHE): own_key is the private key of the SECOND key of its
// invitation; RK = SK; NHKs = rcvNextHK; NHKr = sndHK; no chains yet.
Ratchet init_rcv_ratchet(crypto::PrivateKey own_key, const RatchetInitParams& params);

}  // namespace smp::agent
