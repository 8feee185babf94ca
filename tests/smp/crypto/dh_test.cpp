#include "smp/crypto/dh.h"

#include <gtest/gtest.h>

#include "smp/crypto/crypto_vectors.h"
#include "support/vectors.h"

namespace smp::crypto {
namespace {

using smp::test::hex;

void check_dh_vectors(const boost::json::array& cases, KeyAlgorithm alg) {
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    auto priv = PrivateKey::from_raw(alg, hex(c.at("private_a")));
    ASSERT_TRUE(priv);
    auto pub = decode_public_key_der(hex(c.at("public_b_x509_der")), {alg});
    ASSERT_TRUE(pub);
    if (c.as_object().contains("public_b_raw")) {
      EXPECT_EQ(to_hex(pub.value().raw()), to_hex(hex(c.at("public_b_raw"))));
    }
    auto secret = dh(pub.value(), priv.value());
    ASSERT_TRUE(secret);
    EXPECT_EQ(to_hex(secret.value().view()), to_hex(hex(c.at("shared_secret"))));
  }
}

TEST(Dh, EveryX25519VectorGivesTheReferenceSecret) {
  SMP_LOAD_VECTORS(v, "cbox.json");
  check_dh_vectors(v.at("dh_x25519").as_array(), KeyAlgorithm::x25519);
}

TEST(Dh, EveryX448VectorGivesTheReferenceSecret) {
  SMP_LOAD_VECTORS(v, "cbox.json");
  check_dh_vectors(v.at("dh_x448").as_array(), KeyAlgorithm::x448);
}

TEST(Dh, BothSidesAgree) {
  for (KeyAlgorithm alg : {KeyAlgorithm::x25519, KeyAlgorithm::x448}) {
    SCOPED_TRACE(algorithm_name(alg));
    KeyPair a = generate_key_pair(alg);
    KeyPair b = generate_key_pair(alg);
    auto ab = dh(b.public_key, a.private_key);
    auto ba = dh(a.public_key, b.private_key);
    ASSERT_TRUE(ab && ba);
    EXPECT_EQ(ab.value().size(), alg == KeyAlgorithm::x25519 ? kX25519SecretSize : kX448SecretSize);
    EXPECT_TRUE(constant_time_equal(ab.value().view(), ba.value().view()));
  }
}

TEST(Dh, RefusesMismatchedOrSignatureKeys) {
  KeyPair x25519 = generate_key_pair(KeyAlgorithm::x25519);
  KeyPair x448 = generate_key_pair(KeyAlgorithm::x448);
  KeyPair ed25519 = generate_key_pair(KeyAlgorithm::ed25519);
  KeyPair ed448 = generate_key_pair(KeyAlgorithm::ed448);
  auto wrong = make_error_code(errc::wrong_algorithm);
  EXPECT_EQ(dh(x448.public_key, x25519.private_key).error(), wrong);
  EXPECT_EQ(dh(x25519.public_key, x448.private_key).error(), wrong);
  EXPECT_EQ(dh(ed25519.public_key, ed25519.private_key).error(), wrong);
  EXPECT_EQ(dh(ed448.public_key, ed448.private_key).error(), wrong);
  EXPECT_EQ(dh(ed25519.public_key, x25519.private_key).error(), wrong);
}

TEST(Dh, RefusesSmallOrderPeerKeys) {
  KeyPair x25519 = generate_key_pair(KeyAlgorithm::x25519);
  KeyPair x448 = generate_key_pair(KeyAlgorithm::x448);
  Bytes zero25519(32, 0), zero448(56, 0);
  EXPECT_FALSE(dh(PublicKey::from_raw(KeyAlgorithm::x25519, zero25519).value(),
                  x25519.private_key));
  EXPECT_FALSE(dh(PublicKey::from_raw(KeyAlgorithm::x448, zero448).value(), x448.private_key));
}

}  // namespace
}  // namespace smp::crypto
