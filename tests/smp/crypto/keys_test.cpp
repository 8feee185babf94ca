#include "smp/crypto/keys.h"

#include <gtest/gtest.h>

#include "smp/encoding/base64.h"
#include "smp/crypto/key_string.h"
#include "smp/crypto/crypto_vectors.h"
#include "smp/encoding/binary.h"
#include "support/vectors.h"

namespace smp::crypto {
namespace {

using smp::test::hex;
using test::algorithm_from_vector;
using test::kAllAlgorithms;

error_code err(errc e) { return make_error_code(e); }

TEST(Keys, SizesFollowTheSpec) {
  EXPECT_EQ(public_key_size(KeyAlgorithm::ed25519), 32u);
  EXPECT_EQ(public_key_size(KeyAlgorithm::ed448), 57u);
  EXPECT_EQ(public_key_size(KeyAlgorithm::x25519), 32u);
  EXPECT_EQ(public_key_size(KeyAlgorithm::x448), 56u);
  EXPECT_EQ(private_key_size(KeyAlgorithm::ed448), 57u);
  EXPECT_EQ(private_key_size(KeyAlgorithm::x448), 56u);
  EXPECT_EQ(algorithm_name(KeyAlgorithm::x448), "x448");
}

// Every key of keys.json: raw → public key, both DER forms and the binary form, both ways.
TEST(Keys, EveryVectorKeyEncodesAndDecodesExactly) {
  SMP_LOAD_VECTORS(v, "keys.json");
  const auto& keys = v.at("keys").as_array();
  ASSERT_FALSE(keys.empty());
  for (const auto& c : keys) {
    SCOPED_TRACE(smp::test::str(c.at("name")));
    KeyAlgorithm alg = algorithm_from_vector(c.at("algorithm").as_string());
    Bytes priv_raw = hex(c.at("private_raw"));
    Bytes pub_raw = hex(c.at("public_raw"));
    Bytes pkcs8 = hex(c.at("private_pkcs8_der"));
    Bytes spki = hex(c.at("public_x509_der"));
    Bytes smp_encoded = hex(c.at("public_smp_encoded"));

    auto priv = PrivateKey::from_raw(alg, priv_raw);
    ASSERT_TRUE(priv);
    EXPECT_EQ(priv.value().algorithm(), alg);
    EXPECT_EQ(to_hex(priv.value().raw()), to_hex(priv_raw));
    EXPECT_EQ(to_hex(priv.value().public_key().raw()), to_hex(pub_raw));

    EXPECT_EQ(to_hex(encode_private_key_der(priv.value()).view()), to_hex(pkcs8));
    auto priv2 = decode_private_key_der(pkcs8);
    ASSERT_TRUE(priv2);
    EXPECT_EQ(priv2.value().algorithm(), alg);
    EXPECT_EQ(to_hex(priv2.value().raw()), to_hex(priv_raw));
    EXPECT_EQ(priv2.value().public_key(), priv.value().public_key());

    EXPECT_EQ(to_hex(encode_public_key_der(priv.value().public_key())), to_hex(spki));
    auto pub = decode_public_key_der(spki);
    ASSERT_TRUE(pub);
    EXPECT_EQ(pub.value(), priv.value().public_key());

    enc::Writer w;
    write_public_key(w, pub.value());
    EXPECT_EQ(to_hex(w.bytes()), to_hex(smp_encoded));
    enc::Reader r(smp_encoded);
    auto read = read_public_key(r, {alg});
    r.expect_end();
    ASSERT_TRUE(r.ok()) << errc_name(r.error());
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(*read, pub.value());

    // Text forms: base64url (padded) of the DER, and standard base64 where the vector has it.
    EXPECT_EQ(enc::b64url_encode(spki), smp::test::str(c.at("public_str_encoded")));
    EXPECT_EQ(enc::b64_encode(spki), smp::test::str(c.at("public_base64_std")));
    auto pkcs8_text = smp::test::str(c.at("private_pkcs8_der_base64url"));
    auto pkcs8_back = enc::b64url_decode(pkcs8_text);
    ASSERT_TRUE(pkcs8_back);
    EXPECT_EQ(to_hex(pkcs8_back.value()), to_hex(hex(c.at("private_pkcs8_der"))));
    auto pub_back = crypto::decode_public_key_str(smp::test::str(c.at("public_str_encoded")), {alg});
    ASSERT_TRUE(pub_back);
    EXPECT_EQ(pub_back.value(), pub.value());
  }
}

TEST(Keys, DecoderRejectsAlgorithmOutsideAllowedSet) {
  SMP_LOAD_VECTORS(v, "keys.json");
  for (const auto& c : v.at("keys").as_array()) {
    SCOPED_TRACE(smp::test::str(c.at("name")));
    KeyAlgorithm alg = algorithm_from_vector(c.at("algorithm").as_string());
    Bytes spki = hex(c.at("public_x509_der"));
    Bytes pkcs8 = hex(c.at("private_pkcs8_der"));
    for (KeyAlgorithm other : kAllAlgorithms) {
      if (other == alg) continue;
      EXPECT_EQ(decode_public_key_der(spki, {other}).error(), err(errc::wrong_algorithm));
      EXPECT_EQ(decode_private_key_der(pkcs8, {other}).error(), err(errc::wrong_algorithm));
    }
    EXPECT_TRUE(decode_public_key_der(spki, {alg}));
    EXPECT_TRUE(decode_private_key_der(pkcs8, {alg}));
  }
}

// The DER half of keys.json public_key_str_decode[] (decoding a text key as X25519).
// Every public_key_str_decode[] case (even the valid key) fails in the reference's whole-text
// strDecode with "ParsingPartial"; the text parser used in URIs (strP) base64url-decodes first
// and then applies exactly these DER checks (tests/smp/encoding/key_string_test.cpp covers
// the text cases).
TEST(Keys, X25519DecoderAcceptsOnlyX25519Der) {
  SMP_LOAD_VECTORS(v, "keys.json");
  for (const auto& c : v.at("keys").as_array()) {
    KeyAlgorithm alg = algorithm_from_vector(c.at("algorithm").as_string());
    Bytes spki = hex(c.at("public_x509_der"));
    auto k = decode_public_key_der(spki, kDhX25519);
    if (alg == KeyAlgorithm::x25519) {
      EXPECT_TRUE(k);
    } else {
      EXPECT_EQ(k.error(), err(errc::wrong_algorithm));
    }
    EXPECT_EQ(decode_public_key_der(ByteView(spki).first(15), kDhX25519).error(),
              err(errc::bad_der));
  }
}

// Every truncation, a trailing byte, a changed OID and every single-byte change of the DER
// header must be refused: the decoder accepts one exact encoding per algorithm.
TEST(Keys, DecoderRejectsMalformedDer) {
  SMP_LOAD_VECTORS(v, "keys.json");
  for (const auto& c : v.at("keys").as_array()) {
    SCOPED_TRACE(smp::test::str(c.at("name")));
    for (const char* field : {"public_x509_der", "private_pkcs8_der"}) {
      SCOPED_TRACE(field);
      const bool is_public = std::string_view(field) == "public_x509_der";
      auto decode = [&](ByteView der) {
        return is_public ? decode_public_key_der(der).error() : decode_private_key_der(der).error();
      };
      Bytes der = hex(c.at(field));
      for (std::size_t n = 0; n < der.size(); ++n) {
        EXPECT_EQ(decode(ByteView(der).first(n)), err(errc::bad_der)) << "length " << n;
      }
      Bytes trailing = der;
      trailing.push_back(0x00);
      EXPECT_EQ(decode(trailing), err(errc::bad_der));
      Bytes twice = der;
      append(twice, der);
      EXPECT_EQ(decode(twice), err(errc::bad_der));

      // 1.3.101.114 is not one of the four key OIDs.
      Bytes wrong_oid = der;
      std::size_t oid_last = is_public ? 8 : 11;
      ASSERT_EQ(wrong_oid[oid_last - 2], 0x2b);
      wrong_oid[oid_last] = 0x72;
      EXPECT_EQ(decode(wrong_oid), err(errc::bad_der));

      std::size_t header = is_public ? 12 : 16;
      for (std::size_t i = 0; i < header; ++i) {
        Bytes changed = der;
        changed[i] ^= 0x01;
        EXPECT_EQ(decode(changed), err(errc::bad_der)) << "byte " << i;
      }
    }
  }
}

TEST(Keys, FromRawRejectsWrongSize) {
  for (KeyAlgorithm alg : kAllAlgorithms) {
    SCOPED_TRACE(algorithm_name(alg));
    std::size_t n = public_key_size(alg);
    for (std::size_t len : {std::size_t{0}, n - 1, n + 1}) {
      Bytes raw(len, 0x42);
      EXPECT_EQ(PublicKey::from_raw(alg, raw).error(), err(errc::bad_key_size));
      EXPECT_EQ(PrivateKey::from_raw(alg, raw).error(), err(errc::bad_key_size));
    }
  }
}

TEST(Keys, DerIntoABufferIsTheAllocatedDer) {
  for (KeyAlgorithm alg : kAllAlgorithms) {
    SCOPED_TRACE(algorithm_name(alg));
    KeyPair kp = generate_key_pair(alg);
    std::array<std::uint8_t, kMaxPublicKeyDerSize> buf;
    buf.fill(0xAA);
    std::size_t n = encode_public_key_der_to(kp.public_key, buf);
    EXPECT_EQ(to_hex(ByteView(buf.data(), n)), to_hex(encode_public_key_der(kp.public_key)));
  }
}

TEST(Keys, GeneratedKeysRoundTripThroughDer) {
  for (KeyAlgorithm alg : kAllAlgorithms) {
    SCOPED_TRACE(algorithm_name(alg));
    KeyPair kp = generate_key_pair(alg);
    EXPECT_EQ(kp.public_key.algorithm(), alg);
    EXPECT_EQ(kp.private_key.public_key(), kp.public_key);
    EXPECT_EQ(kp.private_key.raw().size(), private_key_size(alg));

    auto pub = decode_public_key_der(encode_public_key_der(kp.public_key), {alg});
    ASSERT_TRUE(pub);
    EXPECT_EQ(pub.value(), kp.public_key);
    auto priv = decode_private_key_der(encode_private_key_der(kp.private_key).view(), {alg});
    ASSERT_TRUE(priv);
    EXPECT_EQ(to_hex(priv.value().raw()), to_hex(kp.private_key.raw()));
    EXPECT_EQ(priv.value().public_key(), kp.public_key);

    PrivateKey copy = kp.private_key.clone();
    EXPECT_EQ(to_hex(copy.raw()), to_hex(kp.private_key.raw()));
    EXPECT_EQ(copy.public_key(), kp.public_key);

    KeyPair other = generate_key_pair(alg);
    EXPECT_FALSE(other.public_key == kp.public_key);
  }
}

TEST(Keys, PublicKeysOfDifferentAlgorithmsAreNotEqual) {
  Bytes raw(32, 0x07);
  auto ed = PublicKey::from_raw(KeyAlgorithm::ed25519, raw);
  auto x = PublicKey::from_raw(KeyAlgorithm::x25519, raw);
  ASSERT_TRUE(ed && x);
  EXPECT_FALSE(ed.value() == x.value());
  EXPECT_TRUE(ed.value() == PublicKey::from_raw(KeyAlgorithm::ed25519, raw).value());
}

TEST(Keys, ReadPublicKeyReportsErrorsOnTheReader) {
  KeyPair ed = generate_key_pair(KeyAlgorithm::ed25519);
  enc::Writer w;
  write_public_key(w, ed.public_key);
  Bytes wire = w.bytes();
  ASSERT_EQ(wire.size(), 45u);
  ASSERT_EQ(wire[0], 44);

  {  // Length prefix beyond the end of input.
    enc::Reader r(ByteView(wire).first(30));
    EXPECT_FALSE(read_public_key(r, kSignatureAlgorithms).has_value());
    EXPECT_EQ(r.error(), errc::truncated);
  }
  {  // Algorithm not allowed here.
    enc::Reader r(wire);
    EXPECT_FALSE(read_public_key(r, kDhX25519).has_value());
    EXPECT_EQ(r.error(), errc::wrong_algorithm);
  }
  {  // A length prefix that cuts the DER short.
    Bytes shorter = wire;
    shorter[0] = 43;
    enc::Reader r(shorter);
    EXPECT_FALSE(read_public_key(r, kSignatureAlgorithms).has_value());
    EXPECT_EQ(r.error(), errc::bad_der);
  }
  {  // Empty input.
    enc::Reader r(ByteView{});
    EXPECT_FALSE(read_public_key(r, kSignatureAlgorithms).has_value());
    EXPECT_EQ(r.error(), errc::truncated);
  }
  {  // Followed by more fields: reads exactly one key.
    Bytes more = wire;
    more.push_back('x');
    enc::Reader r(more);
    auto k = read_public_key(r, kSignatureAlgorithms);
    ASSERT_TRUE(k.has_value());
    EXPECT_EQ(*k, ed.public_key);
    EXPECT_EQ(r.ch(), 'x');
    r.expect_end();
    EXPECT_TRUE(r.ok());
  }
}

}  // namespace
}  // namespace smp::crypto
