// Library-internal access to a PrivateKey's backend form, for sign.cpp and dh.cpp only.
// Not part of the public API. Thread-safe (read-only views of immutable keys).
#pragma once

#include "smp/crypto/keys.h"

namespace smp::crypto::detail {

struct PrivateKeyAccess {
  // Ed25519: the 64-byte libsodium secret key; others: the raw key.
  static ByteView secret(const PrivateKey& k) { return k.secret_.view(); }
  // Ed448 / X448: the loaded OpenSSL key; nullptr for the 25519 algorithms.
  static EVP_PKEY* pkey(const PrivateKey& k) { return k.pkey_.get(); }
};

// OpenSSL's EVP_PKEY type id for an algorithm.
int evp_pkey_type(KeyAlgorithm alg);

// A new OpenSSL key holding a public key (for Ed448 verification and X448 DH).
EvpPkeyPtr new_evp_public_key(const PublicKey& key);

}  // namespace smp::crypto::detail
