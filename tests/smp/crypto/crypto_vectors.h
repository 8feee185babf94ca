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

// The reference's CryptoError names as the vectors spell them.
inline errc errc_from_vector(std::string_view name) {
  if (name == "CBDecryptError") return errc::cb_decrypt;
  if (name == "CryptoLargeMsgError") return errc::crypto_large_msg;
  if (name == "AESDecryptError") return errc::aes_decrypt;
  ADD_FAILURE() << "unknown error name in vectors: " << name;
  return errc::ok;
}

// Compares a Result<Bytes>-like outcome with a vector's {"ok": true, "value": hex-or-{hex}}
// or {"ok": false, "error": name}.
template <class R>
void expect_outcome(const boost::json::value& expected, const R& got) {
  if (expected.at("ok").as_bool()) {
    ASSERT_TRUE(got) << "expected success, got " << got.error().message();
    EXPECT_EQ(to_hex(*got), to_hex(smp::test::hex(expected.at("value"))));
  } else {
    ASSERT_FALSE(got) << "expected " << expected.at("error").as_string();
    EXPECT_EQ(got.error(),
              make_error_code(errc_from_vector(expected.at("error").as_string())));
  }
}

}  // namespace smp::crypto::test
