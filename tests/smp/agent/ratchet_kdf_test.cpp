#include "smp/agent/ratchet_kdf.h"

#include <gtest/gtest.h>

#include "smp/agent/ratchet_vectors.h"
#include "support/vectors.h"

namespace smp::agent {
namespace {

using smp::test::hex;

TEST(RatchetKdf, RootKdfMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "aead_kdf.json");
  const auto& c = v.at("root_kdf");
  auto keys =
      root_kdf(hex(c.at("root_key")), test::x448_public_der(c.at("dh_peer_public_x509_der")),
               test::x448_private(c.at("dh_private_raw")));
  ASSERT_TRUE(keys);
  EXPECT_EQ(to_hex(keys->root_key.view()), to_hex(hex(c.at("new_root_key"))));
  EXPECT_EQ(to_hex(keys->chain_key.view()), to_hex(hex(c.at("chain_key"))));
  EXPECT_EQ(to_hex(keys->next_header_key.view()), to_hex(hex(c.at("next_header_key"))));
}

TEST(RatchetKdf, ChainKdfMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "aead_kdf.json");
  const auto& c = v.at("chain_kdf");
  auto keys = chain_kdf(hex(c.at("chain_key")));
  ASSERT_TRUE(keys);
  EXPECT_EQ(to_hex(keys->chain_key.view()), to_hex(hex(c.at("next_chain_key"))));
  EXPECT_EQ(to_hex(keys->message_key.view()), to_hex(hex(c.at("message_key"))));
  EXPECT_EQ(to_hex(keys->message_iv.view()), to_hex(hex(c.at("message_iv"))));
  EXPECT_EQ(to_hex(keys->header_iv.view()), to_hex(hex(c.at("header_iv"))));
}

// The digest's own vector (spec §2.9.3): chainKdf of 32 zero bytes.
TEST(RatchetKdf, ChainKdfOfZeroKeyMatchesTheSpecDigest) {
  auto keys = chain_kdf(Bytes(32, 0));
  ASSERT_TRUE(keys);
  EXPECT_EQ(to_hex(keys->chain_key.view()),
            "db6cbccadcf4146e8195fd2336a5de3df3f9b334e6122836a8a24021e2f7dde1");
  EXPECT_EQ(to_hex(keys->message_key.view()),
            "18977307c37538724327461a145d7c1a8b9dc404b652956b9f34a89ce8ef150b");
  EXPECT_EQ(to_hex(keys->message_iv.view()), "7d9b9d7bf5e4d63ace128a61a3e0b017");
  EXPECT_EQ(to_hex(keys->header_iv.view()), "808a46ef48955fca2fcd3ac9935368b9");
}

TEST(RatchetKdf, RootKdfIsTheSameFromBothEndsOfTheDh) {
  auto a = crypto::generate_key_pair(crypto::KeyAlgorithm::x448);
  auto b = crypto::generate_key_pair(crypto::KeyAlgorithm::x448);
  Bytes rk(104, 7);
  auto ab = root_kdf(rk, b.public_key, a.private_key);
  auto ba = root_kdf(rk, a.public_key, b.private_key);
  ASSERT_TRUE(ab && ba);
  EXPECT_EQ(to_hex(ab->root_key.view()), to_hex(ba->root_key.view()));
  EXPECT_EQ(to_hex(ab->chain_key.view()), to_hex(ba->chain_key.view()));
  EXPECT_EQ(to_hex(ab->next_header_key.view()), to_hex(ba->next_header_key.view()));
  EXPECT_EQ(to_hex(ab->root_key.view()).size(), 64u);
}

TEST(RatchetKdf, RootKdfRefusesKeysOfDifferentAlgorithms) {
  auto a = crypto::generate_key_pair(crypto::KeyAlgorithm::x448);
  auto b = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  EXPECT_EQ(root_kdf(Bytes(32, 1), b.public_key, a.private_key).error(),
            make_error_code(errc::wrong_algorithm));
}

}  // namespace
}  // namespace smp::agent
