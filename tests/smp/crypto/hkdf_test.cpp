#include "smp/crypto/hkdf.h"

#include <gtest/gtest.h>

#include "smp/crypto/crypto_vectors.h"
#include "smp/crypto/dh.h"
#include "smp/crypto/hash.h"
#include "support/vectors.h"

namespace smp::crypto {
namespace {

using smp::test::hex;

TEST(Hkdf, EverySha512VectorMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "aead_kdf.json");
  const auto& cases = v.at("hkdf_sha512").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(smp::test::str(c.at("name")));
    Bytes salt = hex(c.at("salt"));
    Bytes ikm = hex(c.at("ikm"));
    std::string info = smp::test::str(c.at("info"));
    auto okm = hkdf_sha512(salt, ikm, as_bytes(info), 96);
    ASSERT_TRUE(okm);
    EXPECT_EQ(to_hex(okm.value().view()), to_hex(hex(c.at("okm_96"))));
    auto parts = hkdf3(salt, ikm, as_bytes(info));
    ASSERT_TRUE(parts);
    EXPECT_EQ(to_hex(parts.value().first.view()), to_hex(hex(c.at("part1"))));
    EXPECT_EQ(to_hex(parts.value().second.view()), to_hex(hex(c.at("part2"))));
    EXPECT_EQ(to_hex(parts.value().third.view()), to_hex(hex(c.at("part3"))));
  }
}

// The ratchet's root KDF: hkdf3(root key, raw X448 DH output, "SimpleXRootRatchet").
TEST(Hkdf, RootKdfVectorMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "aead_kdf.json");
  const auto& c = v.at("root_kdf");
  auto priv = PrivateKey::from_raw(KeyAlgorithm::x448, hex(c.at("dh_private_raw")));
  auto peer = decode_public_key_der(hex(c.at("dh_peer_public_x509_der")), kDhX448);
  ASSERT_TRUE(priv && peer);
  auto dh_out = dh(peer.value(), priv.value());
  ASSERT_TRUE(dh_out);
  EXPECT_EQ(to_hex(dh_out.value().view()), to_hex(hex(c.at("dh_output"))));
  auto keys = hkdf3(hex(c.at("root_key")), dh_out.value().view(), as_bytes(kRootRatchetInfo));
  ASSERT_TRUE(keys);
  EXPECT_EQ(to_hex(keys.value().first.view()), to_hex(hex(c.at("new_root_key"))));
  EXPECT_EQ(to_hex(keys.value().second.view()), to_hex(hex(c.at("chain_key"))));
  EXPECT_EQ(to_hex(keys.value().third.view()), to_hex(hex(c.at("next_header_key"))));
}

// The ratchet's chain KDF: hkdf3("", chain key, "SimpleXChainRatchet"), third part = two IVs.
TEST(Hkdf, ChainKdfVectorMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "aead_kdf.json");
  const auto& c = v.at("chain_kdf");
  auto keys = hkdf3({}, hex(c.at("chain_key")), as_bytes(kChainRatchetInfo));
  ASSERT_TRUE(keys);
  EXPECT_EQ(to_hex(keys.value().first.view()), to_hex(hex(c.at("next_chain_key"))));
  EXPECT_EQ(to_hex(keys.value().second.view()), to_hex(hex(c.at("message_key"))));
  EXPECT_EQ(to_hex(keys.value().third.view().first(16)), to_hex(hex(c.at("message_iv"))));
  EXPECT_EQ(to_hex(keys.value().third.view().subspan(16)), to_hex(hex(c.at("header_iv"))));
}

TEST(Hkdf, EmptySaltEqualsZeroSaltOfHashLength) {
  Bytes ikm(32, 9);
  auto a = hkdf_sha512({}, ikm, as_bytes("info"), 64);
  auto b = hkdf_sha512(Bytes(64, 0), ikm, as_bytes("info"), 64);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(to_hex(a.value().view()), to_hex(b.value().view()));
}

TEST(Hkdf, RefusesImpossibleLengths) {
  EXPECT_FALSE(hkdf_sha512({}, Bytes(32, 1), {}, 0));
  EXPECT_FALSE(hkdf_sha512({}, Bytes(32, 1), {}, 255 * 64 + 1));
  EXPECT_TRUE(hkdf_sha512({}, Bytes(32, 1), {}, 255 * 64));
}

TEST(Hkdf, AcceptsEmptyKeyMaterialAndInfo) {
  auto a = hkdf_sha512({}, {}, {}, 32);
  ASSERT_TRUE(a);
  EXPECT_EQ(a.value().size(), 32u);
  auto b = hkdf_sha512({}, {}, as_bytes("i"), 32);
  ASSERT_TRUE(b);
  EXPECT_NE(to_hex(a.value().view()), to_hex(b.value().view()));
}

// hash.h is exercised here because aead_kdf.json carries its vectors.
TEST(Hash, EveryHashVectorMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "aead_kdf.json");
  const auto& cases = v.at("hashes").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    Bytes in = hex(c.at("input"));
    EXPECT_EQ(to_hex(sha256(in)), to_hex(hex(c.at("sha256"))));
    EXPECT_EQ(to_hex(sha512(in)), to_hex(hex(c.at("sha512"))));
  }
}

}  // namespace
}  // namespace smp::crypto
