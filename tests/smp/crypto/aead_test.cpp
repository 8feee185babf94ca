#include "smp/crypto/aead.h"

#include <gtest/gtest.h>

#include "smp/crypto/crypto_vectors.h"
#include "smp/crypto/openssl_handles.h"
#include "smp/encoding/padding.h"
#include "support/vectors.h"

namespace smp::crypto {
namespace {

using smp::test::hex;
using test::errc_from_vector;
using test::expect_outcome;

TEST(Aead, EveryEncryptVectorMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "aead_kdf.json");
  const auto& cases = v.at("aead_encrypt").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(smp::test::str(c.at("name")));
    Bytes key = hex(c.at("key"));
    Bytes iv = hex(c.at("iv"));
    Bytes ad = hex(c.at("associated_data"));
    Bytes msg = hex(c.at("message"));
    auto padded_len = static_cast<std::size_t>(c.at("padded_len").as_int64());
    const auto& expected = c.at("result");

    auto r = encrypt_aead(key, iv, padded_len, ad, msg);
    if (!expected.at("ok").as_bool()) {
      EXPECT_EQ(r.error(), make_error_code(errc_from_vector(expected.at("error").as_string())));
      continue;
    }
    ASSERT_TRUE(r);
    const auto& value = expected.at("value");
    EXPECT_EQ(to_hex(r.value().tag), to_hex(hex(value.at("auth_tag"))));
    EXPECT_EQ(to_hex(r.value().ciphertext), to_hex(hex(value.at("ciphertext"))));
    EXPECT_EQ(r.value().ciphertext.size(), padded_len);

    Bytes into(padded_len, 0xee);
    auto tag = encrypt_aead_into(key, iv, ad, msg, into);
    ASSERT_TRUE(tag);
    EXPECT_EQ(tag.value(), r.value().tag);
    EXPECT_EQ(into, r.value().ciphertext);

    expect_outcome(c.at("decrypted"),
                   decrypt_aead(key, iv, ad, r.value().ciphertext, r.value().tag));
  }
}

TEST(Aead, EveryDecryptVectorMatchesTheReference) {
  SMP_LOAD_VECTORS(v, "aead_kdf.json");
  const auto& cases = v.at("aead_decrypt").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(smp::test::str(c.at("name")));
    expect_outcome(c.at("decrypted"),
                   decrypt_aead(hex(c.at("key")), hex(c.at("iv")), hex(c.at("associated_data")),
                                hex(c.at("ciphertext")), hex(c.at("auth_tag"))));
  }
}

class AeadTamper : public ::testing::Test {
 protected:
  Bytes key_ = Bytes(32, 0x01);
  Bytes iv_ = Bytes(16, 0x02);
  Bytes ad_ = to_bytes(std::string_view("associated"));
  Bytes msg_ = to_bytes(std::string_view("message body"));
  AeadCiphertext ct_ = encrypt_aead(key_, iv_, 64, ad_, msg_).value();
  const error_code aes_error_ = make_error_code(errc::aes_decrypt);
};

TEST_F(AeadTamper, RoundTrips) {
  auto back = decrypt_aead(key_, iv_, ad_, ct_.ciphertext, ct_.tag);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), msg_);
}

TEST_F(AeadTamper, RejectsWrongTag) {
  for (std::size_t i = 0; i < ct_.tag.size(); ++i) {
    AuthTag bad = ct_.tag;
    bad[i] ^= 0x40;
    EXPECT_EQ(decrypt_aead(key_, iv_, ad_, ct_.ciphertext, bad).error(), aes_error_);
  }
  EXPECT_EQ(decrypt_aead(key_, iv_, ad_, ct_.ciphertext, ByteView(ct_.tag).first(15)).error(),
            aes_error_);
  EXPECT_EQ(decrypt_aead(key_, iv_, ad_, ct_.ciphertext, ByteView{}).error(), aes_error_);
}

TEST_F(AeadTamper, RejectsWrongAssociatedData) {
  Bytes ad = ad_;
  ad.back() ^= 1;
  EXPECT_EQ(decrypt_aead(key_, iv_, ad, ct_.ciphertext, ct_.tag).error(), aes_error_);
  EXPECT_EQ(decrypt_aead(key_, iv_, ByteView{}, ct_.ciphertext, ct_.tag).error(), aes_error_);
}

TEST_F(AeadTamper, RejectsAlteredOrTruncatedCiphertextAndOtherKeyOrIv) {
  for (std::size_t i = 0; i < ct_.ciphertext.size(); ++i) {
    Bytes bad = ct_.ciphertext;
    bad[i] ^= 0x01;
    EXPECT_EQ(decrypt_aead(key_, iv_, ad_, bad, ct_.tag).error(), aes_error_) << "byte " << i;
  }
  for (std::size_t n : {0u, 1u, 2u, 63u}) {
    EXPECT_EQ(decrypt_aead(key_, iv_, ad_, ByteView(ct_.ciphertext).first(n), ct_.tag).error(),
              aes_error_);
  }
  Bytes other_key = key_;
  other_key[0] ^= 1;
  EXPECT_EQ(decrypt_aead(other_key, iv_, ad_, ct_.ciphertext, ct_.tag).error(), aes_error_);
  Bytes other_iv = iv_;
  other_iv[15] ^= 1;  // the last 4 bytes matter: the IV is not cut to 12 bytes
  EXPECT_EQ(decrypt_aead(key_, other_iv, ad_, ct_.ciphertext, ct_.tag).error(), aes_error_);
}

TEST_F(AeadTamper, RefusesWrongKeyAndIvSizes) {
  const auto size_error = make_error_code(errc::bad_key_size);
  EXPECT_EQ(encrypt_aead(Bytes(16, 1), iv_, 64, ad_, msg_).error(), size_error);
  EXPECT_EQ(encrypt_aead(key_, Bytes(12, 2), 64, ad_, msg_).error(), size_error);
  EXPECT_EQ(decrypt_aead(Bytes(31, 1), iv_, ad_, ct_.ciphertext, ct_.tag).error(), size_error);
  EXPECT_EQ(decrypt_aead(key_, Bytes(12, 2), ad_, ct_.ciphertext, ct_.tag).error(), size_error);
}

// GCM with a 16-byte IV straight from OpenSSL, on a plaintext that need not be padded.
AuthTag raw_gcm_encrypt(ByteView key, ByteView iv, ByteView plain, Bytes& out) {
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  AuthTag tag{};
  out.assign(plain.size(), 0);
  int len = 0;
  EXPECT_EQ(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr), 1);
  EXPECT_EQ(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 16, nullptr), 1);
  EXPECT_EQ(EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()), 1);
  if (!plain.empty()) {
    EXPECT_EQ(EVP_EncryptUpdate(ctx.get(), out.data(), &len, plain.data(),
                                static_cast<int>(plain.size())),
              1);
  }
  std::uint8_t fin[16];
  EXPECT_EQ(EVP_EncryptFinal_ex(ctx.get(), fin, &len), 1);
  EXPECT_EQ(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag.data()), 1);
  return tag;
}

TEST(Aead, MatchesOpenSslWithSixteenByteIv) {
  Bytes key(32, 5), iv(16, 6), ct;
  auto padded = enc::pad(as_bytes("text"), 40).value();
  AuthTag tag = raw_gcm_encrypt(key, iv, padded, ct);
  auto ours = encrypt_aead(key, iv, 40, {}, as_bytes("text"));
  ASSERT_TRUE(ours);
  EXPECT_EQ(ours.value().ciphertext, ct);
  EXPECT_EQ(ours.value().tag, tag);
}

// pad(msg) encrypted by OpenSSL in one piece: the oracle for our piecewise encryption.
AeadCiphertext oracle_encrypt(ByteView key, ByteView iv, ByteView ad, ByteView msg,
                              std::size_t padded_len) {
  AeadCiphertext r;
  auto padded = enc::pad(msg, padded_len).value();
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  r.ciphertext.resize(padded_len);
  EXPECT_EQ(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr), 1);
  EXPECT_EQ(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 16, nullptr), 1);
  EXPECT_EQ(EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()), 1);
  EXPECT_EQ(EVP_EncryptUpdate(ctx.get(), nullptr, &len, ad.data(), static_cast<int>(ad.size())),
            1);
  EXPECT_EQ(EVP_EncryptUpdate(ctx.get(), r.ciphertext.data(), &len, padded.data(),
                              static_cast<int>(padded.size())),
            1);
  std::uint8_t fin[16];
  EXPECT_EQ(EVP_EncryptFinal_ex(ctx.get(), fin, &len), 1);
  EXPECT_EQ(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, r.tag.data()), 1);
  return r;
}

void check_against_oracle(std::size_t padded_len, std::size_t msg_len) {
  SCOPED_TRACE(std::to_string(padded_len) + "/" + std::to_string(msg_len));
  Bytes key(32, 7), iv(16, 8), ad = to_bytes(std::string_view("ad"));
  Bytes msg(msg_len);
  for (std::size_t i = 0; i < msg_len; ++i) msg[i] = static_cast<std::uint8_t>(i * 7 + 1);
  AeadCiphertext expected = oracle_encrypt(key, iv, ad, msg, padded_len);

  auto ours = encrypt_aead(key, iv, padded_len, ad, msg);
  ASSERT_TRUE(ours);
  EXPECT_EQ(ours.value().ciphertext, expected.ciphertext);
  EXPECT_EQ(ours.value().tag, expected.tag);

  Bytes into(padded_len, 0xee);
  auto tag = encrypt_aead_into(key, iv, ad, msg, into);
  ASSERT_TRUE(tag);
  EXPECT_EQ(into, expected.ciphertext);
  EXPECT_EQ(tag.value(), expected.tag);

  auto back = decrypt_aead(key, iv, ad, expected.ciphertext, expected.tag);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), msg);
}

// Every way pad(msg) splits into the first block, whole message blocks and the tail: short
// and long messages, padded lengths below, at and above one AES block, and 16 KB bodies.
TEST(Aead, EveryMessageAndPaddedLengthMatchesOpenSslOverPad) {
  for (std::size_t padded_len = 2; padded_len <= 50; ++padded_len) {
    for (std::size_t msg_len = 0; msg_len + 2 <= padded_len; ++msg_len) {
      check_against_oracle(padded_len, msg_len);
    }
  }
  for (std::size_t msg_len : {0u, 13u, 14u, 15u, 30u, 31u, 16000u, 16381u, 16382u}) {
    check_against_oracle(16384, msg_len);
  }
}

// Authentic ciphertexts whose plaintext is not a valid pad() output fail in unpad, after the
// tag check, with the reference's CryptoLargeMsgError.
TEST(Aead, AuthenticBadPaddingIsLargeMsgError) {
  Bytes key(32, 3), iv(16, 4);
  for (const Bytes& plain : {Bytes{}, Bytes{0x00}, Bytes{0x00, 0x09, 'a', 'b'}}) {
    Bytes ct;
    AuthTag tag = raw_gcm_encrypt(key, iv, plain, ct);
    EXPECT_EQ(decrypt_aead(key, iv, {}, ct, tag).error(), make_error_code(errc::crypto_large_msg));
  }
  Bytes ct;
  AuthTag tag = raw_gcm_encrypt(key, iv, Bytes{0x00, 0x02, 'a', 'b'}, ct);
  auto back = decrypt_aead(key, iv, {}, ct, tag);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), (Bytes{'a', 'b'}));
}

}  // namespace
}  // namespace smp::crypto
