// Ed25519 / Ed448 signatures (spec §2.2): pure EdDSA (RFC 8032), empty context, deterministic.
//
// Ed25519 runs on libsodium, Ed448 on OpenSSL. On the wire a signature is its raw bytes and
// the algorithm is inferred from the length. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"

namespace smp::crypto {

inline constexpr std::size_t kEd25519SignatureSize = 64;
inline constexpr std::size_t kEd448SignatureSize = 114;
inline constexpr std::size_t kMaxSignatureSize = kEd448SignatureSize;

// 64 for Ed25519, 114 for Ed448, 0 for the DH algorithms (they cannot sign).
constexpr std::size_t signature_size(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::ed25519:
      return kEd25519SignatureSize;
    case KeyAlgorithm::ed448:
      return kEd448SignatureSize;
    default:
      return 0;
  }
}

// REQUIRES: key is an Ed25519 or Ed448 key (else returns empty bytes).
// The signature is signature_size(key.algorithm()) bytes.
Bytes sign(const PrivateKey& key, ByteView message);

// True only if `signature` is a valid signature of `message` by `key`: false for a DH key,
// a signature of the other algorithm's size, or any mismatch.
bool verify(const PublicKey& key, ByteView signature, ByteView message);

// The algorithm a signature of this length belongs to: 0 → nullopt (no signature, as in an
// SMP transmission), 64 → Ed25519, 114 → Ed448, anything else → errc::bad_signature_size.
Result<std::optional<KeyAlgorithm>> signature_algorithm(std::size_t signature_length);

}  // namespace smp::crypto
