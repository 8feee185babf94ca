// The private-routing envelopes (Protocol.hs FwdTransmission / FwdResponse encodings;
// Crypto.hs reverseNonce, cbEncryptNoPad), and the four steps a routed SEND takes, checked
// end to end with each side's secrets.
#include "smp/protocol/forwarding.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "smp/crypto/dh.h"

namespace smp::protocol {
namespace {

using crypto::KeyAlgorithm;

TEST(Forwarding, FwdTransmissionAndResponseEncodings) {
  const auto key = crypto::generate_key_pair(KeyAlgorithm::x25519).public_key;
  const Bytes corr(24, 0xc1), enc = to_bytes(std::string_view("sealed"));
  const Bytes t = encode_fwd_transmission({corr, 17, key, enc}).value();
  // smpEncode (corrId, fwdVersion, fwdKey, Tail t)
  Bytes expected(1, 24);
  expected.insert(expected.end(), corr.begin(), corr.end());
  expected.push_back(0);
  expected.push_back(17);
  const Bytes der = crypto::encode_public_key_der(key);
  expected.push_back(static_cast<std::uint8_t>(der.size()));
  expected.insert(expected.end(), der.begin(), der.end());
  expected.insert(expected.end(), enc.begin(), enc.end());
  EXPECT_EQ(to_hex(t), to_hex(expected));
  auto parsed = parse_fwd_transmission(t);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->version, 17);
  EXPECT_EQ(parsed->key, key);
  EXPECT_EQ(to_string(parsed->encrypted), "sealed");
  // An Ed25519 key is not a forwarding key.
  const auto ed = crypto::generate_key_pair(KeyAlgorithm::ed25519).public_key;
  EXPECT_FALSE(parse_fwd_transmission(encode_fwd_transmission({corr, 17, ed, enc}).value()));
  const Bytes r = encode_fwd_response({corr, enc}).value();
  auto pr = parse_fwd_response(r);
  ASSERT_TRUE(pr.has_value());
  EXPECT_EQ(to_hex(pr->corr_id), to_hex(corr));
  EXPECT_FALSE(parse_fwd_response(Bytes{30, 1, 2}).has_value());
}

TEST(Forwarding, ReverseNonceReversesTheBytes) {
  crypto::CbNonce n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(i);
  const auto r = reverse_nonce(n);
  EXPECT_EQ(r[0], 23);
  EXPECT_EQ(r[23], 0);
  EXPECT_EQ(reverse_nonce(r), n);
}

TEST(Forwarding, ARoutedTransmissionOpensOnlyWithTheRightSecrets) {
  // Client ↔ destination: DH(destination key, client command key).
  auto dest = crypto::generate_key_pair(KeyAlgorithm::x25519);
  auto cmd = crypto::generate_key_pair(KeyAlgorithm::x25519);
  auto client_key = crypto::CbKey::from_keys(dest.public_key, cmd.private_key).value();
  auto dest_key = crypto::CbKey::from_keys(cmd.public_key, dest.private_key).value();
  // Proxy ↔ destination session secret.
  const Bytes session_secret(32, 0x33);
  auto session = crypto::CbKey::from_dh_secret(session_secret).value();
  const auto client_nonce = crypto::random_cb_nonce();
  const auto proxy_nonce = crypto::random_cb_nonce();

  const Bytes inner = to_bytes(std::string_view("batch of one"));
  const Bytes et = client_key.encrypt(client_nonce, inner, kPaddedProxiedLength).value();
  const Bytes eft = seal_no_pad(
      session, proxy_nonce,
      encode_fwd_transmission({client_nonce, 18, cmd.public_key, et}).value());
  // The destination opens both layers.
  const Bytes opened = open_no_pad(session, proxy_nonce, eft).value();
  auto fwd = parse_fwd_transmission(opened).value();
  EXPECT_EQ(to_string(dest_key.decrypt(crypto::cb_nonce(fwd.corr_id), fwd.encrypted).value()),
            "batch of one");
  // ... and answers under the reversed nonces.
  const Bytes er = dest_key.encrypt(reverse_nonce(client_nonce), to_bytes(std::string_view("OK")),
                                    kPaddedProxiedLength).value();
  const Bytes efr = seal_no_pad(session, reverse_nonce(proxy_nonce),
                                encode_fwd_response({fwd.corr_id, er}).value());
  const Bytes opened_response = open_no_pad(session, reverse_nonce(proxy_nonce), efr).value();
  auto resp = parse_fwd_response(opened_response);  // views into opened_response
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(to_string(client_key.decrypt(reverse_nonce(client_nonce), resp->encrypted).value()),
            "OK");
  // The wrong nonce or a flipped byte does not open.
  EXPECT_FALSE(open_no_pad(session, proxy_nonce, efr).has_value());
  Bytes flipped = eft;
  flipped[40] ^= 1;
  EXPECT_FALSE(open_no_pad(session, proxy_nonce, flipped).has_value());
}

}  // namespace
}  // namespace smp::protocol
