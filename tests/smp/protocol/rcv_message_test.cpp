// MSG bodies and NMSG metadata as the server seals them (Server.hs encryptMsg: cbEncryptMaxLenBS
// over encodeRcvMsgBody; v1.0.0: cbEncrypt over the body padded to 16090;
// mkMessageNotification: cbEncrypt (smpEncode NMsgMeta) 128).
#include "smp/protocol/rcv_message.h"

#include <gtest/gtest.h>

#include <string>

#include "smp/crypto/hash.h"
#include "smp/encoding/padding.h"

namespace smp::protocol {
namespace {

const Bytes kSecret(32, 0x21);
const Bytes kMsgId(24, 0x42);

crypto::CbKey key() { return crypto::CbKey::from_dh_secret(kSecret).value(); }

Bytes ts_bytes(std::int64_t ts) {
  Bytes out(8);
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(ts) >> (56 - 8 * i));
  return out;
}

Bytes sealed(SmpVersion v, const RcvMessage& m) {
  Bytes out(sealed_message_size(v));
  auto r = seal_rcv_message(v, key(), kMsgId, m, out);
  EXPECT_TRUE(r.has_value());
  return out;
}

TEST(RcvMessage, CurrentBodyIsTimestampFlagsSpaceBodyPaddedTo16106) {
  const Bytes body = to_bytes(std::string_view("hello"));
  const Bytes s = sealed(18, RcvMessage{1700000000, true, false, body});
  ASSERT_EQ(s.size(), 16122u);
  Bytes expected_plain = ts_bytes(1700000000);
  expected_plain.push_back('T');
  expected_plain.push_back(' ');
  append(expected_plain, body);
  const Bytes reference =
      crypto::cb_encrypt(kSecret, crypto::cb_nonce(kMsgId), expected_plain, 16106).value();
  EXPECT_EQ(to_hex(s), to_hex(reference));
  Bytes plain;
  auto opened = open_rcv_message(key(), kMsgId, s, plain);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->timestamp, 1700000000);
  EXPECT_TRUE(opened->notification);
  EXPECT_FALSE(opened->quota);
  EXPECT_EQ(to_string(opened->body), "hello");
}

TEST(RcvMessage, QuotaMarkerIsQuotaSpaceTimestamp) {
  const Bytes s = sealed(9, RcvMessage{1234, false, true, {}});
  Bytes expected_plain = to_bytes(std::string_view("QUOTA "));
  append(expected_plain, ts_bytes(1234));
  EXPECT_EQ(to_hex(s), to_hex(crypto::cb_encrypt(kSecret, crypto::cb_nonce(kMsgId),
                                                 expected_plain, 16106).value()));
  Bytes plain;
  auto opened = open_rcv_message(key(), kMsgId, s, plain);
  ASSERT_TRUE(opened.has_value());
  EXPECT_TRUE(opened->quota);
  EXPECT_EQ(opened->timestamp, 1234);
  Bytes v1(sealed_message_size(kSmpV1));
  EXPECT_FALSE(seal_rcv_message(kSmpV1, key(), kMsgId, RcvMessage{1234, false, true, {}}, v1));
}

TEST(RcvMessage, V1SealsOnlyTheBodyPaddedTo16090) {
  const Bytes body(16088, 'b');
  const Bytes s = sealed(kSmpV1, RcvMessage{99, true, false, body});
  ASSERT_EQ(s.size(), 16106u);
  EXPECT_EQ(to_hex(s), to_hex(crypto::cb_encrypt(kSecret, crypto::cb_nonce(kMsgId), body,
                                                 16090).value()));
  Bytes too_long(16089, 'b');
  Bytes out(16106);
  EXPECT_FALSE(seal_rcv_message(kSmpV1, key(), kMsgId, RcvMessage{0, false, false, too_long}, out));
  Bytes current(16122);
  EXPECT_TRUE(seal_rcv_message(18, key(), kMsgId, RcvMessage{0, false, false, Bytes(16088, 'x')}, current));
}

TEST(RcvMessage, UnknownFlagCharactersAreSkippedAndGarbageRejected) {
  Bytes plain_in = ts_bytes(5);
  append(plain_in, to_bytes(std::string_view("FXY body")));
  const Bytes s = crypto::cb_encrypt(kSecret, crypto::cb_nonce(kMsgId), plain_in, 16106).value();
  Bytes plain;
  auto opened = open_rcv_message(key(), kMsgId, s, plain);
  ASSERT_TRUE(opened.has_value());
  EXPECT_FALSE(opened->notification);
  EXPECT_EQ(to_string(opened->body), "body");
  const Bytes garbage = crypto::cb_encrypt(kSecret, crypto::cb_nonce(kMsgId),
                                           to_bytes(std::string_view("short")), 16106).value();
  EXPECT_FALSE(open_rcv_message(key(), kMsgId, garbage, plain).has_value());
  Bytes tampered = s;
  tampered[100] ^= 1;
  EXPECT_FALSE(open_rcv_message(key(), kMsgId, tampered, plain).has_value());
}

TEST(RcvMessage, NotificationMetaIsShortIdAndTimestampPaddedTo128) {
  const auto nonce = crypto::cb_nonce(Bytes(24, 7));
  Bytes out(kSealedNtfMetaSize);
  ASSERT_TRUE(seal_ntf_meta(key(), nonce, kMsgId, 1700000001, out).has_value());
  Bytes expected_plain(1, static_cast<std::uint8_t>(kMsgId.size()));
  append(expected_plain, kMsgId);
  append(expected_plain, ts_bytes(1700000001));
  EXPECT_EQ(to_hex(out), to_hex(crypto::cb_encrypt(kSecret, nonce, expected_plain, 128).value()));
  auto meta = open_ntf_meta(key(), nonce, out);
  ASSERT_TRUE(meta.has_value());
  EXPECT_EQ(to_hex(meta->msg_id), to_hex(kMsgId));
  EXPECT_EQ(meta->timestamp, 1700000001);
}

}  // namespace
}  // namespace smp::protocol
