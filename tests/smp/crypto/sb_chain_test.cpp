#include "smp/crypto/sb_chain.h"

#include <gtest/gtest.h>

#include "support/vectors.h"

namespace smp::crypto {
namespace {

using smp::test::hex;

// Hex text to bytes (a literal is ambiguous between hex's two overloads).
Bytes unhex(std::string_view h) { return smp::test::hex(h); }

// Known answers derived from the reference's definitions in Crypto.hs at 6.5.5.0:
//   sbcInit salt secret = splitAt 32 (hkdf salt secret "SimpleXSbChainInit" 64)
//   sbcHkdf ck = (ck', sk, nonce) = splitAt 32/32/24 (hkdf "" ck "SimpleXSbChain" 88)
// with hkdf = HKDF-SHA512 (RFC 5869). The expected values were computed with Python's hmac
// module and checked against `openssl kdf ... HKDF` for sbcInit. Inputs: the salt is a 32-byte
// session id 00 01 .. 1f (a TLS 1.3 tls-unique), the secret the X25519 DH output of cbox.json
// dh_x25519[0].
const Bytes kSalt = unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const Bytes kSecret = unhex("780fdde5c9a28ca0722bdc42933d3d1a9bdb989aff219cd48839105a79b2267c");

TEST(SbChain, InitSplitsHkdfOutputIntoTwoChainKeys) {
  auto keys = sbc_init(kSalt, kSecret);
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(to_hex(keys->first.view()),
            "7c0fff14610fe083c5f52b9bde2051fabe62973fea33d7e52e9a9b4d5217251c");
  EXPECT_EQ(to_hex(keys->second.view()),
            "d6335c72335feadc57a2842d66f64d7608a2ffe08106f2c055379f068a73cec5");
}

TEST(SbChain, TwelveByteSessionIdIsTheSaltAsIs) {
  auto keys = sbc_init(ByteView(kSalt).first(12), kSecret);
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(to_hex(keys->first.view()),
            "5cbf3738b02a9ddf61bb247801d136e7fd21fcb3a30b91e651990cb05739e24c");
  EXPECT_EQ(to_hex(keys->second.view()),
            "a34e803aee675aa369e859e7c8d6462f218cf8a3f4f7081c3414dbdafda19cdd");
}

TEST(SbChain, EachStepYieldsKeyNonceAndTheNextChainKey) {
  auto keys = sbc_init(kSalt, kSecret);
  ASSERT_TRUE(keys.has_value());
  SbChainKey& chain = keys->first;

  auto first = chain.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(to_hex(first->key.view()),
            "7d0c3c381ffe19ad28aa3e8a7af42c22864cbe81d97b5c9faacaa91236546a73");
  EXPECT_EQ(to_hex(first->nonce), "1b3e3f5ed4e9f085e2fa2af2a07d1edade6f34465d94476f");
  EXPECT_EQ(to_hex(chain.view()),
            "bc670d006f65b4a51f93502df739bd0d3b578ff8d0969eba82c69d0c1260882d");

  auto second = chain.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(to_hex(second->key.view()),
            "d466d6e67b129d274dde004c5e4b728d45c7758f0b04a433ec881f1f1028756e");
  EXPECT_EQ(to_hex(second->nonce), "7dd972cfda0d59c1b338bf6fda081d8d0efefa74ff2d0107");
  EXPECT_EQ(to_hex(chain.view()),
            "df345ce146da2cc30fbf1245ee1f549f7a48ac126e346b914df919f6c86e34e4");
}

TEST(SbChain, ChainKeyOfTheWrongSizeIsRefused) {
  EXPECT_EQ(SbChainKey::from_bytes(Bytes(31)).error(), errc::bad_key_size);
  EXPECT_TRUE(SbChainKey::from_bytes(Bytes(32)).has_value());
}

// sbEncrypt (the block cipher keyed by a chain step) is the reference's sbEncrypt_, the same
// function cbEncrypt is: the key plays the DH secret's part, and cbox.json's cb_encrypt
// vectors pin it down. Here: sealing in place is exactly CbKey::encrypt of the padded bytes.
TEST(SbChain, SealInPlaceMatchesEncryptAndOpensBack) {
  auto keys = sbc_init(kSalt, kSecret);
  ASSERT_TRUE(keys.has_value());
  auto step = keys->first.next();
  ASSERT_TRUE(step.has_value());
  auto key = CbKey::from_dh_secret(step->key.view());
  ASSERT_TRUE(key.has_value());
  Bytes message = to_bytes(std::string_view("a block of content"));
  auto expected = key->encrypt(step->nonce, message, 100);
  ASSERT_TRUE(expected.has_value());

  Bytes packet(kCbTagSize);
  packet.push_back(0);
  packet.push_back(static_cast<std::uint8_t>(message.size()));
  packet.insert(packet.end(), message.begin(), message.end());
  packet.resize(kCbTagSize + 100, '#');
  key->seal_in_place(step->nonce, packet);
  EXPECT_EQ(packet, *expected);

  auto opened = key->open_in_place(step->nonce, packet);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->size(), 100u);
  EXPECT_EQ(to_bytes(opened->subspan(2, message.size())), message);

  Bytes tampered = *expected;
  tampered[kCbTagSize + 7] ^= 1;
  Bytes before = tampered;
  EXPECT_EQ(key->open_in_place(step->nonce, tampered).error(), errc::cb_decrypt);
  EXPECT_EQ(tampered, before);  // nothing decrypted from a packet that does not authenticate
}

}  // namespace
}  // namespace smp::crypto
