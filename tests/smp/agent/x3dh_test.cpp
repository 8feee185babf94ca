#include "smp/agent/x3dh.h"

#include <gtest/gtest.h>

#include "smp/agent/ratchet_vectors.h"
#include "smp/crypto/dh.h"
#include "support/vectors.h"

namespace smp::agent {
namespace {

using crypto::KeyAlgorithm;
using smp::test::hex;

void expect_params(const boost::json::value& expected, const RatchetInitParams& got) {
  EXPECT_EQ(to_hex(got.assoc_data), to_hex(hex(expected.at("associated_data"))));
  EXPECT_EQ(to_hex(got.ratchet_key.view()), to_hex(hex(expected.at("ratchet_key"))));
  EXPECT_EQ(to_hex(got.snd_hk.view()), to_hex(hex(expected.at("snd_header_key"))));
  EXPECT_EQ(to_hex(got.rcv_next_hk.view()), to_hex(hex(expected.at("rcv_next_header_key"))));
}

struct VectorKeys {
  crypto::KeyPair alice1, alice2, bob1, bob2;
  E2ERatchetParams alice_params() const {
    return {kE2eEncryptVersion, alice1.public_key, alice2.public_key};
  }
  E2ERatchetParams bob_params() const {
    return {kE2eEncryptVersion, bob1.public_key, bob2.public_key};
  }
};

VectorKeys vector_keys(const boost::json::value& v) {
  return VectorKeys{test::vector_key(v, "alice_x3dh_1"), test::vector_key(v, "alice_x3dh_2"),
                    test::vector_key(v, "bob_x3dh_1"), test::vector_key(v, "bob_x3dh_2")};
}

TEST(X3dh, IntermediateSecretsMatchTheReferenceFromBothSides) {
  SMP_LOAD_VECTORS(v, "ratchet.json");
  VectorKeys k = vector_keys(v);
  const auto& x = v.at("x3dh");
  // dh1 = DH(A1, b2) = DH(B2, a1)
  EXPECT_EQ(to_hex(crypto::dh(k.alice1.public_key, k.bob2.private_key).value().view()),
            to_hex(hex(x.at("dh1"))));
  EXPECT_EQ(to_hex(crypto::dh(k.bob2.public_key, k.alice1.private_key).value().view()),
            to_hex(hex(x.at("dh1"))));
  // dh2 = DH(A2, b1) = DH(B1, a2)
  EXPECT_EQ(to_hex(crypto::dh(k.alice2.public_key, k.bob1.private_key).value().view()),
            to_hex(hex(x.at("dh2"))));
  EXPECT_EQ(to_hex(crypto::dh(k.bob1.public_key, k.alice2.private_key).value().view()),
            to_hex(hex(x.at("dh2"))));
  // dh3 = DH(A2, b2) = DH(B2, a2)
  EXPECT_EQ(to_hex(crypto::dh(k.alice2.public_key, k.bob2.private_key).value().view()),
            to_hex(hex(x.at("dh3"))));
  EXPECT_EQ(to_hex(crypto::dh(k.bob2.public_key, k.alice2.private_key).value().view()),
            to_hex(hex(x.at("dh3"))));
}

TEST(X3dh, BothSidesDeriveTheReferenceInitParams) {
  SMP_LOAD_VECTORS(v, "ratchet.json");
  VectorKeys k = vector_keys(v);
  const auto& x = v.at("x3dh");
  auto bob = x3dh_snd(k.bob1.private_key, k.bob2.private_key, k.alice_params());
  auto alice = x3dh_rcv(k.alice1.private_key, k.alice2.private_key, k.bob_params());
  ASSERT_TRUE(bob && alice);
  {
    SCOPED_TRACE("bob (joining, sending)");
    expect_params(x.at("bob_init_params"), bob.value());
  }
  {
    SCOPED_TRACE("alice (inviting, receiving)");
    expect_params(x.at("alice_init_params"), alice.value());
  }
}

TEST(X3dh, SplitsTheMaterialAs32And32AndTheRest) {
  SMP_LOAD_VECTORS(v, "ratchet.json");
  VectorKeys k = vector_keys(v);
  const auto& x = v.at("x3dh");
  Bytes material = hex(x.at("dh1"));
  append(material, hex(x.at("dh2")));
  append(material, hex(x.at("dh3")));
  ASSERT_EQ(material.size(), 168u);
  auto p = x3dh_snd(k.bob1.private_key, k.bob2.private_key, k.alice_params()).value();
  EXPECT_EQ(to_hex(p.snd_hk.view()), to_hex(ByteView(material).first(32)));
  EXPECT_EQ(to_hex(p.rcv_next_hk.view()), to_hex(ByteView(material).subspan(32, 32)));
  EXPECT_EQ(to_hex(p.ratchet_key.view()), to_hex(ByteView(material).subspan(64)));
  // AD: raw 56-byte keys, the joining party's first key first.
  Bytes ad = to_bytes(k.bob1.public_key.raw());
  append(ad, k.alice1.public_key.raw());
  EXPECT_EQ(to_hex(p.assoc_data), to_hex(ad));
}

TEST(X3dh, FreshKeysAgreeForX448AndX25519) {
  for (KeyAlgorithm alg : {KeyAlgorithm::x448, KeyAlgorithm::x25519}) {
    E2EParamsKeys a = generate_e2e_params(kE2eEncryptVersion, random_key_generator(alg));
    E2EParamsKeys b = generate_e2e_params(kE2eEncryptVersion, random_key_generator(alg));
    auto snd_r = x3dh_snd(b.private_key1, b.private_key2, a.params);
    auto rcv_r = x3dh_rcv(a.private_key1, a.private_key2, b.params);
    ASSERT_TRUE(snd_r && rcv_r);
    const RatchetInitParams& snd = snd_r.value();
    const RatchetInitParams& rcv = rcv_r.value();
    EXPECT_EQ(snd.assoc_data, rcv.assoc_data);
    EXPECT_EQ(to_hex(snd.ratchet_key.view()), to_hex(rcv.ratchet_key.view()));
    EXPECT_EQ(to_hex(snd.snd_hk.view()), to_hex(rcv.snd_hk.view()));
    EXPECT_EQ(to_hex(snd.rcv_next_hk.view()), to_hex(rcv.rcv_next_hk.view()));
    EXPECT_EQ(to_hex(snd.ratchet_key.view()).size(), alg == KeyAlgorithm::x448 ? 208u : 64u);
  }
}

TEST(X3dh, RefusesMixedAlgorithms) {
  E2EParamsKeys a =
      generate_e2e_params(kE2eEncryptVersion, random_key_generator(KeyAlgorithm::x448));
  E2EParamsKeys b =
      generate_e2e_params(kE2eEncryptVersion, random_key_generator(KeyAlgorithm::x25519));
  EXPECT_EQ(x3dh_snd(b.private_key1, b.private_key2, a.params).error(),
            make_error_code(errc::wrong_algorithm));
  EXPECT_EQ(x3dh_rcv(a.private_key1, a.private_key2, b.params).error(),
            make_error_code(errc::wrong_algorithm));
}

TEST(X3dh, RefusesASmallOrderPeerKey) {
  E2EParamsKeys own = generate_e2e_params(kE2eEncryptVersion, random_key_generator());
  E2EParamsKeys peer = generate_e2e_params(kE2eEncryptVersion, random_key_generator());
  Bytes zero(56, 0);
  peer.params.key2 = crypto::PublicKey::from_raw(KeyAlgorithm::x448, zero).value();
  EXPECT_EQ(x3dh_snd(own.private_key1, own.private_key2, peer.params).error(),
            make_error_code(errc::crypto_failure));
}

}  // namespace
}  // namespace smp::agent
