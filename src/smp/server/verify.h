// Signature verification of client transmissions (spec §4.5, the reference's
// verifyTransmission), with its timing mitigation: when there is no key to check against, or
// the key's algorithm does not match the signature's, the signature is still verified once
// against a fixed dummy key of the signature's algorithm, so that a missing queue answers
// AUTH in the same time as a wrong signature.
//
// Pure functions; thread-safe.
#pragma once

#include "smp/crypto/keys.h"
#include "smp/protocol/transmission.h"

namespace smp::server {

// True if `rc` is signed and its signature verifies with `key` over its signed part. An
// algorithm mismatch costs a dummy verification and is false.
bool verify_signature(const protocol::ReceivedCommand& rc, const crypto::PublicKey& key);

// For a transmission whose queue (or key) does not exist: a dummy verification if it is
// signed; always false.
bool reject_with_dummy_verification(const protocol::ReceivedCommand& rc);

// SEND and NSUB (verifyMaybe): no key → valid only if unsigned; a key → verify_signature.
bool verify_optional_key(const protocol::ReceivedCommand& rc, const crypto::PublicKey* key);

}  // namespace smp::server
