#include "smp/crypto/cbox.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "smp/crypto/crypto_vectors.h"
#include "smp/crypto/dh.h"
#include "smp/encoding/padding.h"
#include "support/vectors.h"

namespace smp::crypto {
namespace {

using smp::test::hex;
using test::expect_outcome;

CbNonce nonce_of(const boost::json::value& v) {
  Bytes n = hex(v);
  EXPECT_EQ(n.size(), kCbNonceSize);
  return cb_nonce(n);
}

// One cb_encrypt case: ciphertext through both the one-shot and the precomputed-key forms,
// then decryption back to the message.
void check_encrypt_case(const boost::json::value& c) {
  SCOPED_TRACE(smp::test::str(c.at("name")));
  Bytes secret = hex(c.at("dh_secret"));
  CbNonce nonce = nonce_of(c.at("nonce"));
  Bytes msg = hex(c.at("message"));
  auto padded_len = static_cast<std::size_t>(c.at("padded_len").as_int64());
  const auto& expected = c.at("ciphertext");

  auto ct = cb_encrypt(secret, nonce, msg, padded_len);
  expect_outcome(expected, ct);
  auto key = CbKey::from_dh_secret(secret);
  ASSERT_TRUE(key);
  expect_outcome(expected, key.value().encrypt(nonce, msg, padded_len));
  if (!expected.at("ok").as_bool()) return;

  ASSERT_EQ(ct.value().size(), padded_len + kCbTagSize);
  Bytes into(padded_len + kCbTagSize, 0xee);
  ASSERT_TRUE(key.value().encrypt_into(nonce, msg, into));
  EXPECT_EQ(into, ct.value());

  // "decrypted" is the reference's Either around the cbDecrypt result.
  const auto& decrypted = c.at("decrypted");
  ASSERT_TRUE(decrypted.at("ok").as_bool());
  expect_outcome(decrypted.at("value"), cb_decrypt(secret, nonce, ct.value()));
  expect_outcome(decrypted.at("value"), key.value().decrypt(nonce, ct.value()));
}

TEST(CryptoBox, EveryEncryptVectorMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "cbox.json");
  const auto& cases = v.at("cb_encrypt").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) check_encrypt_case(c);
}

TEST(CryptoBox, ServerToRecipientAndE2eVectorsMatchTheReference) {
  SMP_LOAD_VECTORS(v, "cbox.json");
  for (const char* name : {"server_to_recipient", "e2e_confirmation", "e2e_message"}) {
    SCOPED_TRACE(name);
    check_encrypt_case(v.at(name));
  }
  EXPECT_EQ(v.at("server_to_recipient").at("padded_len").as_int64(), 16090);
  EXPECT_EQ(v.at("e2e_confirmation").at("padded_len").as_int64(), 15936);
  EXPECT_EQ(v.at("e2e_message").at("padded_len").as_int64(), 16032);
}

TEST(CryptoBox, EveryDecryptVectorMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "cbox.json");
  const auto& cases = v.at("cb_decrypt").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(smp::test::str(c.at("name")));
    Bytes secret = hex(c.at("dh_secret"));
    CbNonce nonce = nonce_of(c.at("nonce"));
    Bytes packet = hex(c.at("packet"));
    expect_outcome(c.at("decrypted"), cb_decrypt(secret, nonce, packet));
    expect_outcome(c.at("decrypted"), CbKey::from_dh_secret(secret).value().decrypt(nonce, packet));
  }
}

TEST(CryptoBox, EveryNonceVectorMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "cbox.json");
  const auto& cases = v.at("cbnonce").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    CbNonce n = cb_nonce(hex(c.at("input")));
    EXPECT_EQ(to_hex(n), to_hex(hex(c.at("nonce"))));
  }
}

// pad/unpad live in smp/encoding; cbox.json carries their vectors with the box itself.
TEST(CryptoBox, EveryPaddingVectorMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "cbox.json");
  ASSERT_FALSE(v.at("pad").as_array().empty());
  for (const auto& c : v.at("pad").as_array()) {
    auto padded_len = static_cast<std::size_t>(c.at("padded_len").as_int64());
    expect_outcome(c.at("padded"), enc::pad(hex(c.at("message")), padded_len));
  }
  ASSERT_FALSE(v.at("unpad").as_array().empty());
  for (const auto& c : v.at("unpad").as_array()) {
    Bytes in = hex(c.at("input"));
    expect_outcome(c.at("unpadded"), enc::unpad(in));
  }
}

TEST(CryptoBox, MatchesLibsodiumCryptoBoxForKeyPairs) {
  KeyPair a = generate_key_pair(KeyAlgorithm::x25519);
  KeyPair b = generate_key_pair(KeyAlgorithm::x25519);
  CbNonce nonce = random_cb_nonce();
  Bytes msg = to_bytes(std::string_view("a message"));
  auto key = CbKey::from_keys(b.public_key, a.private_key);
  ASSERT_TRUE(key);
  auto ct = key.value().encrypt(nonce, msg, 100);
  ASSERT_TRUE(ct);

  // Plain crypto_box_easy with the two key pairs gives the same bytes.
  auto padded = enc::pad(msg, 100);
  ASSERT_TRUE(padded);
  Bytes expected(padded.value().size() + crypto_box_MACBYTES);
  ASSERT_EQ(crypto_box_easy(expected.data(), padded.value().data(), padded.value().size(),
                            nonce.data(), b.public_key.raw().data(), a.private_key.raw().data()),
            0);
  EXPECT_EQ(ct.value(), expected);

  auto back = CbKey::from_keys(a.public_key, b.private_key).value().decrypt(nonce, ct.value());
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), msg);
}

// Both encrypt forms against libsodium's crypto_box_easy_afternm over enc::pad, for every
// message length of small padded lengths and for a 16 KB body.
TEST(CryptoBox, EveryMessageAndPaddedLengthMatchesLibsodiumOverPad) {
  Bytes secret(32, 0x33);
  CbNonce nonce = cb_nonce(as_bytes("sweep"));
  auto key = CbKey::from_dh_secret(secret).value();
  std::array<std::uint8_t, 32> k{};
  static constexpr std::uint8_t kZero[16] = {};
  crypto_core_hsalsa20(k.data(), kZero, secret.data(), nullptr);
  auto check = [&](std::size_t padded_len, std::size_t msg_len) {
    SCOPED_TRACE(std::to_string(padded_len) + "/" + std::to_string(msg_len));
    Bytes msg(msg_len, 0x5a);
    auto padded = enc::pad(msg, padded_len).value();
    Bytes expected(padded_len + kCbTagSize);
    crypto_box_easy_afternm(expected.data(), padded.data(), padded.size(), nonce.data(), k.data());
    auto ct = key.encrypt(nonce, msg, padded_len);
    ASSERT_TRUE(ct);
    EXPECT_EQ(ct.value(), expected);
    Bytes into(padded_len + kCbTagSize);
    ASSERT_TRUE(key.encrypt_into(nonce, msg, into));
    EXPECT_EQ(into, expected);
    EXPECT_EQ(key.decrypt(nonce, expected).value(), msg);
  };
  for (std::size_t padded_len = 2; padded_len <= 40; ++padded_len) {
    for (std::size_t msg_len = 0; msg_len + 2 <= padded_len; ++msg_len) check(padded_len, msg_len);
  }
  check(16090, 16000);
  check(16090, 16088);
  EXPECT_EQ(key.encrypt(nonce, Bytes(16089), 16090).error(),
            make_error_code(errc::crypto_large_msg));
}

TEST(CryptoBox, RejectsTamperedShortAndMisaddressedPackets) {
  Bytes secret(32, 0x11);
  CbNonce nonce = cb_nonce(as_bytes("nonce"));
  Bytes msg = to_bytes(std::string_view("hello"));
  auto ct = cb_encrypt(secret, nonce, msg, 64);
  ASSERT_TRUE(ct);
  const auto cb_error = make_error_code(errc::cb_decrypt);
  for (std::size_t n = 0; n < kCbTagSize; ++n) {
    EXPECT_EQ(cb_decrypt(secret, nonce, ByteView(ct.value()).first(n)).error(), cb_error);
  }
  for (std::size_t i = 0; i < ct.value().size(); ++i) {
    Bytes bad = ct.value();
    bad[i] ^= 0x01;
    EXPECT_EQ(cb_decrypt(secret, nonce, bad).error(), cb_error) << "byte " << i;
  }
  EXPECT_EQ(cb_decrypt(secret, nonce, ByteView(ct.value()).first(ct.value().size() - 1)).error(),
            cb_error);
  Bytes other_secret(32, 0x12);
  EXPECT_EQ(cb_decrypt(other_secret, nonce, ct.value()).error(), cb_error);
  EXPECT_EQ(cb_decrypt(secret, cb_nonce(as_bytes("other")), ct.value()).error(), cb_error);
}

TEST(CryptoBox, AuthenticBadPaddingIsLargeMsgError) {
  // A correctly authenticated plaintext whose length word exceeds its size.
  Bytes secret(32, 0x21);
  CbNonce nonce = random_cb_nonce();
  auto key = CbKey::from_dh_secret(secret).value();
  Bytes plain = {0x00, 0x09, 'a', 'b'};
  Bytes packet(plain.size() + crypto_box_MACBYTES);
  auto beforenm = [&] {
    std::array<std::uint8_t, 32> k{};
    static constexpr std::uint8_t kZero[16] = {};
    crypto_core_hsalsa20(k.data(), kZero, secret.data(), nullptr);
    return k;
  }();
  crypto_box_easy_afternm(packet.data(), plain.data(), plain.size(), nonce.data(), beforenm.data());
  EXPECT_EQ(key.decrypt(nonce, packet).error(), make_error_code(errc::crypto_large_msg));
  // A tag over an empty ciphertext authenticates, then unpad fails.
  Bytes empty_packet(crypto_box_MACBYTES);
  crypto_box_easy_afternm(empty_packet.data(), nullptr, 0, nonce.data(), beforenm.data());
  EXPECT_EQ(key.decrypt(nonce, empty_packet).error(), make_error_code(errc::crypto_large_msg));
}

TEST(CryptoBox, RefusesWrongSecretSizesAndSmallOutput) {
  CbNonce nonce{};
  Bytes msg = {1, 2, 3};
  for (std::size_t n : {0u, 31u, 33u, 56u}) {
    Bytes secret(n, 1);
    EXPECT_EQ(cb_encrypt(secret, nonce, msg, 16).error(), make_error_code(errc::bad_key_size));
    EXPECT_EQ(cb_decrypt(secret, nonce, Bytes(40)).error(), make_error_code(errc::bad_key_size));
  }
  auto key = CbKey::from_dh_secret(Bytes(32, 1)).value();
  Bytes small(kCbTagSize + 4);
  EXPECT_EQ(key.encrypt_into(nonce, msg, small).error(), make_error_code(errc::crypto_large_msg));
  Bytes tiny(3);
  EXPECT_EQ(key.encrypt_into(nonce, msg, tiny).error(), make_error_code(errc::crypto_large_msg));
  KeyPair x448 = generate_key_pair(KeyAlgorithm::x448);
  EXPECT_EQ(CbKey::from_keys(x448.public_key, x448.private_key).error(),
            make_error_code(errc::wrong_algorithm));
}

TEST(CryptoBox, RandomNoncesDiffer) { EXPECT_NE(random_cb_nonce(), random_cb_nonce()); }

}  // namespace
}  // namespace smp::crypto
