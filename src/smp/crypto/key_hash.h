// Server identity key hash (spec §2.3): SHA-256 over the complete DER of the CA ("offline")
// certificate, as transmitted in TLS — not the SPKI, not the leaf. Pure; thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "smp/common/bytes.h"
#include "smp/crypto/hash.h"

namespace smp::crypto {

using KeyHash = std::array<std::uint8_t, 32>;

inline KeyHash key_hash_of_certificate_der(ByteView certificate_der) {
  return sha256(certificate_der);
}

// Constant-time comparison, for checking a presented certificate against an address.
inline bool key_hash_equal(const KeyHash& a, const KeyHash& b) {
  return constant_time_equal(a, b);
}

}  // namespace smp::crypto
