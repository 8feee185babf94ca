// Helpers shared by the crypto tests for reading the reference's vectors (algorithm names,
// keys by name). Test-only; not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string_view>

#include "smp/crypto/keys.h"
#include "support/vectors.h"

namespace smp::crypto::test {

// "Ed25519" / "Ed448" / "X25519" / "X448" as the vectors spell them.
inline KeyAlgorithm algorithm_from_vector(std::string_view name) {
  if (name == "Ed25519") return KeyAlgorithm::ed25519;
  if (name == "Ed448") return KeyAlgorithm::ed448;
  if (name == "X25519") return KeyAlgorithm::x25519;
  if (name == "X448") return KeyAlgorithm::x448;
  ADD_FAILURE() << "unknown algorithm in vectors: " << name;
  return KeyAlgorithm::ed25519;
}

inline constexpr KeyAlgorithm kAllAlgorithms[] = {KeyAlgorithm::ed25519, KeyAlgorithm::ed448,
                                                  KeyAlgorithm::x25519, KeyAlgorithm::x448};

// The message/plaintext field of a case: either {"hex": ...} or a hex string.
inline Bytes field_bytes(const boost::json::value& v) { return smp::test::hex(v); }

}  // namespace smp::crypto::test
