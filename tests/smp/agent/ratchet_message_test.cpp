#include "smp/agent/ratchet_message.h"

#include <gtest/gtest.h>

#include "smp/agent/ratchet_vectors.h"
#include "support/vectors.h"

namespace smp::agent {
namespace {

using crypto::KeyAlgorithm;
using smp::test::hex;

MsgHeader random_header(KeyAlgorithm alg = KeyAlgorithm::x448) {
  return MsgHeader{1, crypto::generate_key_pair(alg).public_key, 0x01020304u, 0xa0b0c0d0u};
}

TEST(RatchetMessage, HeaderIs79BytesForX448AndParsesBack) {
  MsgHeader h = random_header();
  Bytes b = encode_msg_header(h);
  EXPECT_EQ(b.size(), 79u);
  EXPECT_EQ(to_hex(b).substr(0, 6), "000144");
  EXPECT_EQ(to_hex(b).substr(b.size() * 2 - 16), "01020304a0b0c0d0");
  EXPECT_EQ(parse_msg_header(b, crypto::kDhX448).value(), h);
  MsgHeader small = random_header(KeyAlgorithm::x25519);
  EXPECT_EQ(parse_msg_header(encode_msg_header(small), crypto::kDhX25519).value(), small);
}

TEST(RatchetMessage, HeaderParserIgnoresBytesAfterTheHeader) {
  MsgHeader h = random_header();
  Bytes b = encode_msg_header(h);
  append(b, as_bytes("future fields"));
  EXPECT_EQ(parse_msg_header(b, crypto::kDhX448).value(), h);
}

TEST(RatchetMessage, HeaderParserRefusesMalformedHeaders) {
  Bytes b = encode_msg_header(random_header());
  for (std::size_t n = 0; n < b.size(); ++n) {
    EXPECT_EQ(parse_msg_header(ByteView(b).first(n), crypto::kDhX448).error(),
              make_error_code(errc::truncated))
        << n;
  }
  EXPECT_EQ(parse_msg_header(b, crypto::kDhX25519).error(), make_error_code(errc::wrong_algorithm));
  Bytes bad = b;
  bad.at(4) = static_cast<std::uint8_t>(bad.at(4) ^ 0x10);  // inside the key's DER header
  EXPECT_EQ(parse_msg_header(bad, crypto::kDhX448).error(), make_error_code(errc::bad_der));
}

TEST(RatchetMessage, EncryptedHeaderRoundTripsAndIsStrict) {
  Bytes iv(16, 1), tag(16, 2), body(88, 3);
  enc::Writer w;
  write_enc_message_header(w, 1, iv, tag, body);
  Bytes b = w.bytes();
  ASSERT_EQ(b.size(), kEncMessageHeaderLen);
  auto h = decode_enc_message_header(b);
  ASSERT_TRUE(h);
  EXPECT_EQ(h.value().version, 1);
  EXPECT_EQ(to_hex(h.value().iv), to_hex(iv));
  EXPECT_EQ(to_hex(h.value().tag), to_hex(tag));
  EXPECT_EQ(to_hex(h.value().body), to_hex(body));
  for (std::size_t n = 0; n < b.size(); ++n) {
    EXPECT_EQ(decode_enc_message_header(ByteView(b).first(n)).error(),
              make_error_code(errc::truncated))
        << n;
  }
  Bytes trailing = b;
  trailing.push_back(0);
  EXPECT_EQ(decode_enc_message_header(trailing).error(), make_error_code(errc::trailing_bytes));
}

TEST(RatchetMessage, MessageSplitsIntoHeaderTagAndBody) {
  SMP_LOAD_VECTORS(v, "ratchet.json");
  const auto& e = v.at("events").as_array().at(0);
  Bytes msg = hex(e.at("ciphertext"));
  auto m = decode_enc_ratchet_message(msg);
  ASSERT_TRUE(m);
  EXPECT_EQ(m.value().header.size(), kEncMessageHeaderLen);
  EXPECT_EQ(to_hex(m.value().tag), smp::test::str(e.at("ciphertext_parts").at("msg_auth_tag")));
  EXPECT_EQ(m.value().body.size(), msg.size() - kRatchetMessageOverhead);
  // Truncation inside the header or the tag is an error; an empty body is not (Tail).
  for (std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{50}, std::size_t{124}, std::size_t{139}}) {
    EXPECT_EQ(decode_enc_ratchet_message(ByteView(msg).first(n)).error(),
              make_error_code(errc::truncated))
        << n;
  }
  auto empty_body = decode_enc_ratchet_message(ByteView(msg).first(kRatchetMessageOverhead));
  ASSERT_TRUE(empty_body);
  EXPECT_TRUE(empty_body.value().body.empty());
}

}  // namespace
}  // namespace smp::agent
