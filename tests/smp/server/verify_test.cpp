#include "smp/server/verify.h"

#include <gtest/gtest.h>

#include "smp/protocol/transmission.h"

namespace smp::server {
namespace {

namespace proto = protocol;

const Bytes kSession(12, 0x11);

// A SUB for queue "q" signed by `key` (unsigned when null), as the server receives it.
struct Signed {
  Bytes content;
  proto::ReceivedCommand rc;
};
Signed received_sub(const crypto::PrivateKey* key) {
  Signed s;
  proto::TransmissionIds ids{kSession, as_bytes("1"), as_bytes("queue-id")};
  s.content = proto::encode_command_transmission(ids, proto::cmd::Sub{}, key).value();
  s.rc = proto::receive_command(s.content, kSession);
  return s;
}

TEST(VerifyTest, AcceptsOnlyTheSigningKey) {
  auto k = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto other = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto s = received_sub(&k.private_key);
  ASSERT_TRUE(s.rc.message);
  EXPECT_TRUE(verify_signature(s.rc, k.public_key));
  EXPECT_FALSE(verify_signature(s.rc, other.public_key));
}

TEST(VerifyTest, Ed448SignaturesVerify) {
  auto k = crypto::generate_key_pair(crypto::KeyAlgorithm::ed448);
  auto s = received_sub(&k.private_key);
  EXPECT_TRUE(verify_signature(s.rc, k.public_key));
}

TEST(VerifyTest, AlgorithmMismatchIsRejected) {
  auto k448 = crypto::generate_key_pair(crypto::KeyAlgorithm::ed448);
  auto k25519 = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto s = received_sub(&k448.private_key);
  EXPECT_FALSE(verify_signature(s.rc, k25519.public_key));
}

TEST(VerifyTest, MissingQueueIsRejectedSignedOrNot) {
  auto k = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto s = received_sub(&k.private_key);
  EXPECT_FALSE(reject_with_dummy_verification(s.rc));
  auto u = received_sub(nullptr);
  EXPECT_FALSE(reject_with_dummy_verification(u.rc));
}

TEST(VerifyTest, OptionalKeyRequiresUnsignedWhenAbsent) {
  auto k = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto s = received_sub(&k.private_key);
  auto u = received_sub(nullptr);
  EXPECT_TRUE(verify_optional_key(u.rc, nullptr));
  EXPECT_FALSE(verify_optional_key(s.rc, nullptr));
  EXPECT_TRUE(verify_optional_key(s.rc, &k.public_key));
  EXPECT_FALSE(verify_optional_key(u.rc, &k.public_key));
}

}  // namespace
}  // namespace smp::server
