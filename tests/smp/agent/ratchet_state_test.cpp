#include "smp/agent/ratchet_state.h"

#include <gtest/gtest.h>

#include "smp/agent/ratchet_vectors.h"
#include "support/vectors.h"

namespace smp::agent {
namespace {

TEST(RatchetState, InitialStatesMatchTheReferenceFieldByField) {
  SMP_LOAD_VECTORS(v, "ratchet.json");
  test::VectorParties p = test::vector_parties(v);
  {
    SCOPED_TRACE("bob");
    test::expect_state(v.at("initial_state_bob"), p.bob);
  }
  {
    SCOPED_TRACE("alice");
    test::expect_state(v.at("initial_state_alice"), p.alice);
  }
}

TEST(RatchetState, SenderUsesTheInvitationsSecondKeyAndSndHeaderKey) {
  SMP_LOAD_VECTORS(v, "ratchet.json");
  test::VectorParties p = test::vector_parties(v);
  ASSERT_TRUE(p.bob.snd);
  EXPECT_EQ(p.bob.snd->dh_rr, test::vector_key(v, "alice_x3dh_2").public_key);
  EXPECT_EQ(p.bob.snd->dh_rr, p.alice.dh_rs.public_key());
  // The sender's first header key is what the receiver expects as its next one, and the
  // other way round.
  EXPECT_TRUE(constant_time_equal(p.bob.snd->hk_s.view(), p.alice.nhk_r.view()));
  EXPECT_TRUE(constant_time_equal(p.bob.nhk_r.view(), p.alice.nhk_s.view()));
  EXPECT_FALSE(p.alice.snd);
  EXPECT_FALSE(p.alice.rcv);
  EXPECT_EQ(p.alice.rk.view().size(), 104u);
  EXPECT_EQ(p.bob.rk.view().size(), 32u);
}

TEST(RatchetState, CloneIsEqualAndIndependent) {
  SMP_LOAD_VECTORS(v, "ratchet.json");
  test::VectorParties p = test::vector_parties(v);
  Ratchet copy = p.bob.clone();
  EXPECT_TRUE(copy == p.bob);
  copy.ns = 5;
  EXPECT_FALSE(copy == p.bob);
  Ratchet other = p.bob.clone();
  other.snd->ck_s = SecretBytes(Bytes(32, 0));
  EXPECT_FALSE(other == p.bob);
  Ratchet no_chain = p.bob.clone();
  no_chain.snd.reset();
  EXPECT_FALSE(no_chain == p.bob);
  EXPECT_FALSE(p.alice == p.bob);
  test::expect_state(v.at("initial_state_bob"), p.bob.clone());
}

TEST(RatchetState, SenderInitRefusesAPeerKeyOfAnotherAlgorithm) {
  auto own = crypto::generate_key_pair(crypto::KeyAlgorithm::x448);
  auto peer = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  RatchetInitParams params{Bytes(112, 1), SecretBytes(Bytes(104, 2)), SecretBytes(Bytes(32, 3)),
                           SecretBytes(Bytes(32, 4))};
  EXPECT_EQ(init_snd_ratchet(peer.public_key, std::move(own.private_key), params).error(),
            make_error_code(errc::wrong_algorithm));
}

}  // namespace
}  // namespace smp::agent
