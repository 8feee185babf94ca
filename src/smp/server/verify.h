// Authorization of client transmissions (spec §4.5, the reference's verifyTransmission /
// verifyCmdAuthorization, both generations), with its timing mitigation: when there is no key
// to check against, or the key's algorithm does not match the authorization's, the
// authorization is still checked once against a fixed dummy key of the authorization's kind,
// so that a missing queue answers AUTH in the same time as a wrong signature.
//
// What is checked: a signature (Ed25519 / Ed448) over the authorized bytes — the signed part,
// preceded from SMP v7 by short(session id), which is implied rather than sent — or (SMP v7+,
// X25519 queue keys) an 80-byte crypto_box authenticator over the SHA-512 of those bytes,
// made with the connection's X25519 key from the handshake (`server_dh_key`) and
// cbNonce(corrId). Without `server_dh_key` (SMP v1, or a client that sent no key) an
// authenticator never verifies.
//
// Pure functions; thread-safe.
#pragma once

#include <span>

#include "smp/crypto/keys.h"
#include "smp/protocol/transmission.h"

namespace smp::server {

// True if `rc` is authorized with `key`. An algorithm mismatch costs a dummy check and is
// false.
bool verify_signature(const protocol::ReceivedCommand& rc, const crypto::PublicKey& key,
                      const crypto::PrivateKey* server_dh_key = nullptr);

// True if `rc` is authorized with any of `keys` (a queue's recipient keys), each checked.
bool verify_any_key(const protocol::ReceivedCommand& rc, std::span<const crypto::PublicKey> keys,
                    const crypto::PrivateKey* server_dh_key = nullptr);

// For a transmission whose queue (or key) does not exist: a dummy check if it is authorized;
// always false.
bool reject_with_dummy_verification(const protocol::ReceivedCommand& rc,
                                    const crypto::PrivateKey* server_dh_key = nullptr);

// SEND and (v1) NSUB: no key → valid only if unauthorized; a key → verify_signature.
bool verify_optional_key(const protocol::ReceivedCommand& rc, const crypto::PublicKey* key,
                         const crypto::PrivateKey* server_dh_key = nullptr);

}  // namespace smp::server
