#include "smp/crypto/sign.h"

#include <gtest/gtest.h>

#include "smp/encoding/base64.h"
#include "smp/crypto/crypto_vectors.h"
#include "smp/encoding/binary.h"
#include "support/vectors.h"

namespace smp::crypto {
namespace {

using smp::test::hex;
using test::algorithm_from_vector;

// Signing is deterministic, so every signature must equal the reference's byte for byte.
TEST(Sign, EveryValidVectorSignsIdenticallyAndVerifies) {
  SMP_LOAD_VECTORS(v, "sign.json");
  const auto& cases = v.at("valid").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(smp::test::str(c.at("name")));
    KeyAlgorithm alg = algorithm_from_vector(c.at("algorithm").as_string());
    auto priv = PrivateKey::from_raw(alg, hex(c.at("private_raw")));
    ASSERT_TRUE(priv);
    auto pub = decode_public_key_der(hex(c.at("public_x509_der")), kSignatureAlgorithms);
    ASSERT_TRUE(pub);
    EXPECT_EQ(pub.value(), priv.value().public_key());
    Bytes message = hex(c.at("message"));
    Bytes expected = hex(c.at("signature"));

    Bytes sig = sign(priv.value(), message);
    EXPECT_EQ(sig.size(), signature_size(alg));
    EXPECT_EQ(to_hex(sig), to_hex(expected));
    EXPECT_EQ(verify(pub.value(), expected, message), c.at("verifies").as_bool());

    enc::Writer w;
    w.short_bytes(sig);
    EXPECT_EQ(to_hex(w.bytes()), to_hex(hex(c.at("signature_wire"))));
    auto sig_alg = signature_algorithm(expected.size());
    ASSERT_TRUE(sig_alg);
    EXPECT_EQ(sig_alg.value(), alg);

    Bytes tampered = message;
    tampered.push_back(0);
    EXPECT_FALSE(verify(pub.value(), expected, tampered));
    EXPECT_EQ(enc::b64_encode(expected), smp::test::str(c.at("signature_base64_std")));
  }
}

TEST(Sign, NoInvalidVectorVerifies) {
  SMP_LOAD_VECTORS(v, "sign.json");
  const auto& cases = v.at("invalid").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(smp::test::str(c.at("name")));
    auto pub = decode_public_key_der(hex(c.at("public_x509_der")), kSignatureAlgorithms);
    ASSERT_TRUE(pub);
    EXPECT_EQ(verify(pub.value(), hex(c.at("signature")), hex(c.at("message"))),
              c.at("verifies").as_bool());
    EXPECT_FALSE(c.at("verifies").as_bool());
  }
}

// signature_sizes[] records the reference's decodeSignature for a non-optional signature;
// in a transmission an empty signature means "none" (the Maybe instance), which is what
// signature_algorithm(0) reports.
TEST(Sign, SignatureAlgorithmFollowsEverySizeVector) {
  SMP_LOAD_VECTORS(v, "sign.json");
  const auto& cases = v.at("signature_sizes").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    auto len = static_cast<std::size_t>(c.at("signature_len").as_int64());
    SCOPED_TRACE(len);
    auto r = signature_algorithm(len);
    const auto& decoded = c.at("decodeSignature");
    if (len == 0) {
      EXPECT_FALSE(decoded.at("ok").as_bool());
      ASSERT_TRUE(r);
      EXPECT_FALSE(r.value().has_value());
      continue;
    }
    EXPECT_EQ(decoded.at("ok").as_bool(), c.at("valid_size").as_bool());
    if (decoded.at("ok").as_bool()) {
      ASSERT_TRUE(r);
      ASSERT_TRUE(r.value().has_value());
      EXPECT_EQ(*r.value(), algorithm_from_vector(decoded.at("value").as_string()));
    } else {
      EXPECT_EQ(r.error(), make_error_code(errc::bad_signature_size));
    }
  }
}

TEST(Sign, RejectsSignatureOfWrongLength) {
  for (KeyAlgorithm alg : {KeyAlgorithm::ed25519, KeyAlgorithm::ed448}) {
    SCOPED_TRACE(algorithm_name(alg));
    KeyPair kp = generate_key_pair(alg);
    Bytes msg = to_bytes(std::string_view("message"));
    Bytes sig = sign(kp.private_key, msg);
    ASSERT_TRUE(verify(kp.public_key, sig, msg));
    Bytes longer = sig;
    longer.push_back(0);
    EXPECT_FALSE(verify(kp.public_key, longer, msg));
    EXPECT_FALSE(verify(kp.public_key, ByteView(sig).first(sig.size() - 1), msg));
    EXPECT_FALSE(verify(kp.public_key, ByteView{}, msg));
    EXPECT_FALSE(verify(kp.public_key, Bytes(kMaxSignatureSize + 1, 0), msg));
  }
}

TEST(Sign, RoundTripsAndDetectsEveryFlippedSignatureByte) {
  for (KeyAlgorithm alg : {KeyAlgorithm::ed25519, KeyAlgorithm::ed448}) {
    SCOPED_TRACE(algorithm_name(alg));
    KeyPair kp = generate_key_pair(alg);
    KeyPair other = generate_key_pair(alg);
    Bytes msg = to_bytes(std::string_view("a message of some length to sign"));
    Bytes sig = sign(kp.private_key, msg);
    EXPECT_EQ(sig, sign(kp.private_key, msg));
    EXPECT_TRUE(verify(kp.public_key, sig, msg));
    EXPECT_FALSE(verify(other.public_key, sig, msg));
    for (std::size_t i = 0; i < sig.size(); ++i) {
      Bytes bad = sig;
      bad[i] ^= 0x80;
      EXPECT_FALSE(verify(kp.public_key, bad, msg)) << "byte " << i;
    }
  }
}

TEST(Sign, DhKeysNeitherSignNorVerify) {
  for (KeyAlgorithm alg : {KeyAlgorithm::x25519, KeyAlgorithm::x448}) {
    KeyPair kp = generate_key_pair(alg);
    EXPECT_TRUE(sign(kp.private_key, as_bytes("m")).empty());
    EXPECT_FALSE(verify(kp.public_key, Bytes(64, 0), as_bytes("m")));
    EXPECT_FALSE(verify(kp.public_key, Bytes(114, 0), as_bytes("m")));
    EXPECT_EQ(signature_size(alg), 0u);
  }
}

}  // namespace
}  // namespace smp::crypto
