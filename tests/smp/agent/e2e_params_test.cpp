#include "smp/agent/e2e_params.h"

#include <vector>

#include <gtest/gtest.h>

#include "smp/agent/ratchet_vectors.h"
#include "smp/crypto/key_string.h"
#include "smp/encoding/query_string.h"
#include "support/vectors.h"

namespace smp::agent {
namespace {

using crypto::KeyAlgorithm;
using smp::test::hex;
using smp::test::str;

E2ERatchetParams vector_params(const boost::json::value& v, const std::string& party) {
  return E2ERatchetParams{kE2eEncryptVersion, test::vector_key(v, party + "_x3dh_1").public_key,
                          test::vector_key(v, party + "_x3dh_2").public_key};
}

E2ERatchetParams random_params() {
  return E2ERatchetParams{kE2eEncryptVersion,
                          crypto::generate_key_pair(KeyAlgorithm::x448).public_key,
                          crypto::generate_key_pair(KeyAlgorithm::x448).public_key};
}

Bytes with_byte(ByteView b, std::size_t i, std::uint8_t value) {
  Bytes out = to_bytes(b);
  out.at(i) = value;
  return out;
}

TEST(E2eParams, BinaryFormMatchesTheReferenceForBothParties) {
  SMP_LOAD_VECTORS(v, "ratchet.json");
  for (std::string party : {"alice", "bob"}) {
    SCOPED_TRACE(party);
    E2ERatchetParams params = vector_params(v, party);
    Bytes expected = hex(v.at("e2e_params").at(party + "_binary"));
    EXPECT_EQ(expected.size(), 140u);
    EXPECT_EQ(to_hex(encode_e2e_params(params)), to_hex(expected));
    auto decoded = decode_e2e_params(expected);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded.value(), params);
  }
}

TEST(E2eParams, UriFormMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "ratchet.json");
  E2ERatchetParams params = vector_params(v, "alice");
  std::string single = str(v.at("e2e_params").at("alice_uri"));
  std::string range = str(v.at("e2e_params").at("alice_uri_version_range_1_3"));
  EXPECT_EQ(str_encode(to_uri(params, kE2eEncryptVRange)), single);
  EXPECT_EQ(str_encode(to_uri(params, enc::VersionRange::of(1, 3))), range);
  EXPECT_EQ(decode_e2e_params_uri(single).value(), to_uri(params, kE2eEncryptVRange));
  EXPECT_EQ(decode_e2e_params_uri(range).value(), to_uri(params, enc::VersionRange::of(1, 3)));
}

TEST(E2eParams, UriRendersWithoutEscapingAndParsesEscapedTextToo) {
  E2ERatchetParamsUri p = to_uri(random_params(), enc::VersionRange::of(1, 2));
  std::string keys = crypto::str_encode(p.key1) + "," + crypto::str_encode(p.key2);
  EXPECT_EQ(str_encode(p), "v=1-2&x3dh=" + keys);
  EXPECT_EQ(decode_e2e_params_uri(str_encode(p)).value(), p);
  EXPECT_EQ(decode_e2e_params_uri(enc::render_query({{"v", "1-2"}, {"x3dh", keys}})).value(), p);
  // Parameters in another order, and unknown ones, are fine.
  EXPECT_EQ(decode_e2e_params_uri("x3dh=" + keys + "&zz=1&v=1-2").value(), p);
}

TEST(E2eParams, UriParserRefusesMalformedText) {
  auto x448 = crypto::str_encode(crypto::generate_key_pair(KeyAlgorithm::x448).public_key);
  auto x25519 = crypto::str_encode(crypto::generate_key_pair(KeyAlgorithm::x25519).public_key);
  for (const std::string& text : std::vector<std::string>{
           "", "v=1",
           "x3dh=" + x448 + "," + x448,                    // no v
           "v=1&x3dh=" + x448,                             // one key
           "v=1&x3dh=" + x448 + "," + x448 + "," + x448,   // three keys
           "v=1&x3dh=" + x448 + ",," + x448,               // empty item
           "v=1&x3dh=," + x448,                            // empty first item
           "v=1&x3dh=" + x448 + "," + x25519,              // wrong algorithm
           "v=1&x3dh=" + x448 + "," + x448.substr(0, 20),  // truncated key
           "v=1&x3dh=" + x448 + "," + x448 + "!",          // bad base64
           "v=2-1&x3dh=" + x448 + "," + x448,              // bad range
           "v=1&x3dh=" + x448 + "," + x448 + " trailing",  // text after the query
       }) {
    auto got = decode_e2e_params_uri(text);
    ASSERT_FALSE(got) << text;
    EXPECT_EQ(got.error(), make_error_code(errc::bad_uri)) << text;
  }
}

TEST(E2eParams, BinaryDecoderRefusesMalformedInput) {
  Bytes good = encode_e2e_params(random_params());
  ASSERT_EQ(good.size(), 140u);
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto got = decode_e2e_params(ByteView(good).first(n));
    ASSERT_FALSE(got) << n;
    EXPECT_EQ(got.error(), make_error_code(errc::truncated)) << n;
  }
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(decode_e2e_params(trailing).error(), make_error_code(errc::trailing_bytes));

  // The first key's length prefix beyond the end, then a flipped bit in its DER header.
  EXPECT_FALSE(decode_e2e_params(with_byte(good, 2, 0xff)));
  EXPECT_EQ(
      decode_e2e_params(with_byte(good, 4, static_cast<std::uint8_t>(good.at(4) ^ 1))).error(),
      make_error_code(errc::bad_der));

  enc::Writer w;
  w.u16(1);
  crypto::write_public_key(w, crypto::generate_key_pair(KeyAlgorithm::x25519).public_key);
  crypto::write_public_key(w, crypto::generate_key_pair(KeyAlgorithm::x448).public_key);
  EXPECT_EQ(decode_e2e_params(w.bytes()).error(), make_error_code(errc::wrong_algorithm));
}

TEST(E2eParams, KeepsAnyVersionNumberInTheBinaryForm) {
  E2ERatchetParams p = random_params();
  p.version = 0xfffe;
  Bytes b = encode_e2e_params(p);
  EXPECT_EQ(to_hex(b).substr(0, 4), "fffe");
  EXPECT_EQ(decode_e2e_params(b).value(), p);
}

TEST(E2eParams, CompatibleParamsPickTheHighestSharedVersion) {
  E2ERatchetParams p = random_params();
  auto got = compatible_params(to_uri(p, enc::VersionRange::of(1, 3)), enc::VersionRange::of(1, 2));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->key1, p.key1);
  EXPECT_EQ(got->key2, p.key2);
  EXPECT_EQ(compatible_params(to_uri(p, kE2eEncryptVRange), kE2eEncryptVRange)->version, 1);
  EXPECT_FALSE(compatible_params(to_uri(p, enc::VersionRange::of(2, 3)), kE2eEncryptVRange));
}

TEST(E2eParams, GenerateTakesTwoKeysFromTheGeneratorInOrder) {
  test::QueuedKeys keys;
  crypto::KeyPair a = crypto::generate_key_pair(KeyAlgorithm::x448);
  crypto::KeyPair b = crypto::generate_key_pair(KeyAlgorithm::x448);
  crypto::PublicKey a_pub = a.public_key;
  crypto::PublicKey b_pub = b.public_key;
  keys.push(std::move(a));
  keys.push(std::move(b));
  E2EParamsKeys got = generate_e2e_params(kE2eEncryptVersion, keys.generator());
  EXPECT_EQ(keys.taken(), 2u);
  EXPECT_EQ(got.params, (E2ERatchetParams{kE2eEncryptVersion, a_pub, b_pub}));
  EXPECT_EQ(got.private_key1.public_key(), a_pub);
  EXPECT_EQ(got.private_key2.public_key(), b_pub);

  E2EParamsKeys fresh = generate_e2e_params(kE2eEncryptVersion, random_key_generator());
  EXPECT_EQ(fresh.params.key1.algorithm(), KeyAlgorithm::x448);
  EXPECT_NE(fresh.params.key1, fresh.params.key2);
}

}  // namespace
}  // namespace smp::agent
