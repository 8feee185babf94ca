#include "smp/agent/client_envelope.h"

#include <gtest/gtest.h>

#include "smp/agent/envelope_format.h"

namespace smp::agent {
namespace {

using crypto::KeyAlgorithm;

error_code err(errc e) { return make_error_code(e); }

crypto::PublicKey fresh(KeyAlgorithm alg) { return crypto::generate_key_pair(alg).public_key; }

class ClientEnvelopeTest : public ::testing::Test {
 protected:
  crypto::KeyPair recipient_ = crypto::generate_key_pair(KeyAlgorithm::x25519);
  crypto::KeyPair sender_ = crypto::generate_key_pair(KeyAlgorithm::x25519);
  crypto::CbKey sender_box_ =
      crypto::CbKey::from_keys(recipient_.public_key, sender_.private_key).value();
  crypto::CbKey recipient_box_ =
      crypto::CbKey::from_keys(sender_.public_key, recipient_.private_key).value();
  crypto::CbNonce nonce_ = crypto::cb_nonce(as_bytes("fixed nonce for the tests"));
};

TEST_F(ClientEnvelopeTest, ConfirmationSealsAndOpensWithThePubHeaderKey) {
  ClientMessage message{PrivHeader{fresh(KeyAlgorithm::ed448)}, to_bytes("agent envelope")};
  PubHeader header{kSmpClientVersion, sender_.public_key};
  auto sealed = seal_client_message(sender_box_, header, message, nonce_);
  ASSERT_TRUE(sealed);
  // u16 ‖ '1' ‖ short(44-byte SPKI) ‖ nonce ‖ tag ‖ 15936
  EXPECT_EQ(sealed.value().size(), 2 + 1 + 45 + 24 + 16 + kConfirmationPaddedLength);
  auto envelope = decode_client_msg_envelope(sealed.value());
  ASSERT_TRUE(envelope);
  EXPECT_EQ(envelope.value().header, header);
  EXPECT_EQ(envelope.value().nonce, nonce_);
  auto box =
      crypto::CbKey::from_keys(envelope.value().header.e2e_key.value(), recipient_.private_key)
          .value();
  auto opened = open_client_message(box, envelope.value());
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened.value(), message);
}

TEST_F(ClientEnvelopeTest, MessageWithoutKeyIsPaddedTo16032) {
  ClientMessage message{PrivHeader{}, to_bytes("x")};
  PubHeader header{kSmpClientVersion, std::nullopt};
  auto sealed = seal_client_message(sender_box_, header, message, nonce_);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed.value().size(), 2 + 1 + 24 + 16 + kMessagePaddedLength);
  auto opened =
      open_client_message(recipient_box_, decode_client_msg_envelope(sealed.value()).value());
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened.value(), message);
}

TEST_F(ClientEnvelopeTest, EverySealUsesAFreshNonce) {
  ClientMessage message{PrivHeader{}, to_bytes("same")};
  PubHeader header{kSmpClientVersion, std::nullopt};
  auto a = decode_client_msg_envelope(seal_client_message(sender_box_, header, message).value());
  auto b = decode_client_msg_envelope(seal_client_message(sender_box_, header, message).value());
  ASSERT_TRUE(a && b);
  EXPECT_NE(a.value().nonce, b.value().nonce);
  EXPECT_NE(a.value().enc_body, b.value().enc_body);
}

TEST_F(ClientEnvelopeTest, RefusesMessagesThatDoNotFitInsteadOfTruncating) {
  PubHeader with_key{kSmpClientVersion, sender_.public_key};
  PubHeader without_key{kSmpClientVersion, std::nullopt};
  // pad() keeps 2 bytes for the length and PrivHeader '_' takes one.
  const std::size_t fits_with_key = kConfirmationPaddedLength - 2 - 1;
  const std::size_t fits_without_key = kMessagePaddedLength - 2 - 1;
  EXPECT_TRUE(seal_client_message(sender_box_, with_key, {{}, Bytes(fits_with_key)}, nonce_));
  EXPECT_EQ(
      seal_client_message(sender_box_, with_key, {{}, Bytes(fits_with_key + 1)}, nonce_).error(),
      err(errc::crypto_large_msg));
  EXPECT_TRUE(seal_client_message(sender_box_, without_key, {{}, Bytes(fits_without_key)}, nonce_));
  EXPECT_EQ(seal_client_message(sender_box_, without_key, {{}, Bytes(fits_without_key + 1)}, nonce_)
                .error(),
            err(errc::crypto_large_msg));
}

TEST_F(ClientEnvelopeTest, OpeningWithTheWrongKeyOrATamperedBoxFails) {
  ClientMessage message{PrivHeader{}, to_bytes("secret")};
  PubHeader header{kSmpClientVersion, std::nullopt};
  auto envelope =
      decode_client_msg_envelope(seal_client_message(sender_box_, header, message, nonce_).value())
          .value();
  auto stranger = crypto::generate_key_pair(KeyAlgorithm::x25519);
  auto wrong = crypto::CbKey::from_keys(stranger.public_key, recipient_.private_key).value();
  EXPECT_EQ(open_client_message(wrong, envelope).error(), err(errc::cb_decrypt));

  auto tampered = envelope;
  tampered.enc_body[40] ^= 1;
  EXPECT_EQ(open_client_message(recipient_box_, tampered).error(), err(errc::cb_decrypt));
  tampered = envelope;
  tampered.nonce[0] ^= 1;
  EXPECT_EQ(open_client_message(recipient_box_, tampered).error(), err(errc::cb_decrypt));
  tampered = envelope;
  tampered.enc_body.resize(10);
  EXPECT_EQ(open_client_message(recipient_box_, tampered).error(), err(errc::cb_decrypt));
}

TEST_F(ClientEnvelopeTest, OpenedGarbageIsAParseErrorNotACrash) {
  // A well-boxed plaintext whose PrivHeader tag is unknown.
  auto boxed = sender_box_.encrypt(nonce_, as_bytes("Xbody"), kMessagePaddedLength).value();
  ClientMsgEnvelope envelope{{kSmpClientVersion, std::nullopt}, nonce_, boxed};
  EXPECT_EQ(open_client_message(recipient_box_, envelope).error(), err(errc::bad_tag));
}

TEST(ClientMsgEnvelopeDecode, RejectsMalformedInput) {
  EXPECT_EQ(decode_client_msg_envelope({}).error(), err(errc::truncated));
  EXPECT_EQ(decode_client_msg_envelope(as_bytes(std::string_view("\x00", 1))).error(),
            err(errc::truncated));
  // Maybe tag other than '0' / '1'.
  EXPECT_EQ(decode_client_msg_envelope(as_bytes(std::string_view("\x00\x01\x32", 3))).error(),
            err(errc::bad_tag));
  // Nonce shorter than 24 bytes.
  EXPECT_EQ(decode_client_msg_envelope(as_bytes(std::string_view("\x00\x01"
                                                                 "0short",
                                                                 8)))
                .error(),
            err(errc::truncated));
  // Key length prefix beyond the end.
  EXPECT_EQ(decode_client_msg_envelope(as_bytes(std::string_view("\x00\x01"
                                                                 "1\x2c\x30",
                                                                 5)))
                .error(),
            err(errc::truncated));
}

TEST(ClientMsgEnvelopeDecode, AcceptsAnEmptyBodyAndAnyVersion) {
  std::string bytes(
      "\x00\x07"
      "0",
      3);
  bytes += std::string(24, 'n');
  auto envelope = decode_client_msg_envelope(as_bytes(bytes));
  ASSERT_TRUE(envelope);
  EXPECT_EQ(envelope.value().header.version, 7);
  EXPECT_TRUE(envelope.value().enc_body.empty());
}

TEST(ClientMsgEnvelopeDecode, RequiresAnX25519KeyInThePubHeader) {
  enc::Writer w;
  w.u16(1).ch('1');
  crypto::write_public_key(w, fresh(KeyAlgorithm::x448));
  w.raw(Bytes(24));
  EXPECT_EQ(decode_client_msg_envelope(w.bytes()).error(), err(errc::wrong_algorithm));

  ClientMsgEnvelope bad{{1, fresh(KeyAlgorithm::ed25519)}, {}, {}};
  EXPECT_EQ(encode_client_msg_envelope(bad).error(), err(errc::wrong_algorithm));
}

TEST(ClientMessageCodec, PrivHeaderTagsAndKeys) {
  EXPECT_EQ(decode_client_message({}).error(), err(errc::truncated));
  EXPECT_EQ(decode_client_message(as_bytes("Zbody")).error(), err(errc::bad_tag));
  EXPECT_EQ(decode_client_message(as_bytes("K")).error(), err(errc::truncated));

  auto empty = decode_client_message(as_bytes("_"));
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty.value().header.sender_key);
  EXPECT_TRUE(empty.value().body.empty());

  // The sender key must be a signature key.
  enc::Writer w;
  w.ch('K');
  crypto::write_public_key(w, fresh(KeyAlgorithm::x25519));
  EXPECT_EQ(decode_client_message(w.bytes()).error(), err(errc::wrong_algorithm));
  EXPECT_EQ(encode_client_message({PrivHeader{fresh(KeyAlgorithm::x448)}, {}}).error(),
            err(errc::wrong_algorithm));

  for (auto alg : {KeyAlgorithm::ed25519, KeyAlgorithm::ed448}) {
    ClientMessage m{PrivHeader{fresh(alg)}, to_bytes("tail bytes")};
    auto bytes = encode_client_message(m);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(decode_client_message(bytes.value()).value(), m);
  }
}

}  // namespace
}  // namespace smp::agent
