#include "smp/crypto/key_hash.h"

#include <gtest/gtest.h>

#include "support/vectors.h"

namespace smp::crypto {
namespace {

using smp::test::hex;

TEST(KeyHash, EveryCertificateVectorHashesToItsKeyHash) {
  SMP_LOAD_VECTORS(v, "keys.json");
  const auto& cases = v.at("certificates").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(smp::test::str(c.at("note")));
    KeyHash h = key_hash_of_certificate_der(hex(c.at("certificate_der")));
    EXPECT_EQ(to_hex(h), to_hex(hex(c.at("key_hash"))));
    // TODO(encoding branch): key_hash_str is b64url(key_hash); check it with
    // smp::enc::b64url_encode once merged.
  }
}

TEST(KeyHash, ComparesInConstantTimeAndDetectsAnyDifference) {
  KeyHash a = key_hash_of_certificate_der(as_bytes("certificate"));
  KeyHash b = a;
  EXPECT_TRUE(key_hash_equal(a, b));
  b[31] ^= 1;
  EXPECT_FALSE(key_hash_equal(a, b));
  EXPECT_FALSE(key_hash_equal(a, key_hash_of_certificate_der(as_bytes("certificatf"))));
}

}  // namespace
}  // namespace smp::crypto
