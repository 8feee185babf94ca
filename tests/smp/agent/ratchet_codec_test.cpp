#include "smp/agent/ratchet_codec.h"

#include <gtest/gtest.h>

#include "smp/agent/ratchet_test_util.h"
#include "smp/agent/ratchet_vectors.h"
#include "support/vectors.h"

namespace smp::agent {
namespace {

using crypto::KeyAlgorithm;

void expect_round_trip(const Ratchet& rc) {
  auto encoded = encode_ratchet(rc);
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded.value().view()[0], kRatchetFormat);
  auto decoded = decode_ratchet(encoded.value().view());
  ASSERT_TRUE(decoded) << decoded.error().message();
  EXPECT_TRUE(decoded.value() == rc);
  auto again = encode_ratchet(decoded.value());
  ASSERT_TRUE(again);
  EXPECT_EQ(to_hex(again.value().view()), to_hex(encoded.value().view()));
}

// Both parties after a few messages each way: both chains present, counters non-zero.
test::PeerPair talked_peers(KeyAlgorithm alg = KeyAlgorithm::x448) {
  auto rng = std::make_shared<std::mt19937>(42);
  test::PeerPair p = test::make_peers(test::seeded_key_generator(rng, alg));
  Bytes b1 = p.bob.encrypt("b1");
  Bytes b2 = p.bob.encrypt("b2");
  Bytes b3 = p.bob.encrypt("b3");
  EXPECT_EQ(test::text_of(p.alice.decrypt(b3)), "b3");  // skips b1 and b2
  Bytes a1 = p.alice.encrypt("a1");
  Bytes a2 = p.alice.encrypt("a2");
  EXPECT_EQ(test::text_of(p.bob.decrypt(a2)), "a2");
  EXPECT_EQ(test::text_of(p.alice.decrypt(b1)), "b1");
  return p;
}

TEST(RatchetCodec, InitialStatesOfTheTranscriptRoundTrip) {
  SMP_LOAD_VECTORS(v, "ratchet.json");
  test::VectorParties p = test::vector_parties(v);
  expect_round_trip(p.bob);
  expect_round_trip(p.alice);
  auto decoded = decode_ratchet(encode_ratchet(p.alice).value().view());
  ASSERT_TRUE(decoded);
  test::expect_state(v.at("initial_state_alice"), decoded.value());
}

TEST(RatchetCodec, StatesWithBothChainsRoundTripForBothAlgorithms) {
  for (KeyAlgorithm alg : {KeyAlgorithm::x448, KeyAlgorithm::x25519}) {
    test::PeerPair p = talked_peers(alg);
    ASSERT_TRUE(p.alice.state.snd && p.alice.state.rcv && p.bob.state.snd && p.bob.state.rcv);
    expect_round_trip(p.alice.state);
    expect_round_trip(p.bob.state);
  }
}

TEST(RatchetCodec, LayoutStartsWithFormatVersionsAndAd) {
  SMP_LOAD_VECTORS(v, "ratchet.json");
  test::VectorParties p = test::vector_parties(v);
  SecretBytes b = encode_ratchet(p.alice).value();
  std::string hex = to_hex(b.view());
  // format 1, versions 1-1, short(AD of 112 bytes)
  EXPECT_EQ(hex.substr(0, 12), "010001000170");
  EXPECT_EQ(hex.substr(12, 224), to_hex(p.alice.ad));
  // short(PKCS#8 of an X448 key: 72 bytes), then short(RK of 104 bytes)
  EXPECT_EQ(hex.substr(236, 2), "48");
  EXPECT_EQ(hex.substr(238 + 144, 2), "68");
  // No chains: '0' '0' right after the root key; then three zero counters and two keys.
  std::size_t after_rk = (236 + 2 + 144 + 2 + 208) / 2;
  EXPECT_EQ(hex.substr(after_rk * 2, 4), "3030");
  EXPECT_EQ(b.size(), after_rk + 2 + 12 + 33 + 33);
}

TEST(RatchetCodec, DecoderRefusesMalformedStates) {
  test::PeerPair p = talked_peers();
  Bytes good = to_bytes(encode_ratchet(p.alice.state).value().view());
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto got = decode_ratchet(ByteView(good).first(n));
    ASSERT_FALSE(got) << n;
  }
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(decode_ratchet(trailing).error(), make_error_code(errc::trailing_bytes));
  Bytes format = good;
  format.at(0) = 2;
  EXPECT_EQ(decode_ratchet(format).error(), make_error_code(errc::bad_tag));
  Bytes range = good;
  range.at(2) = 9;  // min 9 > max 1
  EXPECT_EQ(decode_ratchet(range).error(), make_error_code(errc::bad_version_range));
  // The sending chain's Maybe tag, after format, versions, AD, private key and root key.
  const std::size_t snd_tag = 1 + 4 + 1 + 112 + 1 + 72 + 1 + 32;
  ASSERT_EQ(good.at(snd_tag), '1');
  Bytes tag = good;
  tag.at(snd_tag) = '2';
  EXPECT_EQ(decode_ratchet(tag).error(), make_error_code(errc::bad_tag));
  Bytes der = good;
  der.at(1 + 4 + 1 + 112 + 1 + 3) ^= 0x40;  // inside the private key's DER header
  EXPECT_EQ(decode_ratchet(der).error(), make_error_code(errc::bad_der));
}

TEST(RatchetCodec, DecoderRefusesWrongKeySizesAndMixedAlgorithms) {
  test::PeerPair p = talked_peers();
  auto reencode = [](Ratchet rc) { return to_bytes(encode_ratchet(rc).value().view()); };
  {
    Ratchet rc = p.alice.state.clone();
    rc.snd->ck_s = SecretBytes(Bytes(31, 1));
    EXPECT_EQ(decode_ratchet(reencode(std::move(rc))).error(), make_error_code(errc::bad_key_size));
  }
  {
    Ratchet rc = p.alice.state.clone();
    rc.nhk_r = SecretBytes(Bytes(33, 1));
    EXPECT_EQ(decode_ratchet(reencode(std::move(rc))).error(), make_error_code(errc::bad_key_size));
  }
  {
    Ratchet rc = p.alice.state.clone();
    rc.rk = SecretBytes(Bytes(64, 1));
    EXPECT_EQ(decode_ratchet(reencode(std::move(rc))).error(), make_error_code(errc::bad_key_size));
  }
  {
    Ratchet rc = p.alice.state.clone();
    rc.snd->dh_rr = crypto::generate_key_pair(KeyAlgorithm::x25519).public_key;
    EXPECT_EQ(decode_ratchet(reencode(std::move(rc))).error(),
              make_error_code(errc::wrong_algorithm));
  }
  {
    Ratchet rc = p.alice.state.clone();
    rc.dh_rs = crypto::generate_key_pair(KeyAlgorithm::ed448).private_key;
    EXPECT_EQ(decode_ratchet(reencode(std::move(rc))).error(),
              make_error_code(errc::wrong_algorithm));
  }
}

TEST(RatchetCodec, SkippedKeysRoundTrip) {
  test::PeerPair p = talked_peers();
  ASSERT_EQ(p.alice.skipped.size(), 1u);
  ASSERT_EQ(count_skipped(p.alice.skipped), 1u);  // b2 is still to come
  SkippedMsgKeys keys = clone_skipped(p.alice.skipped);
  keys[SecretBytes(Bytes(32, 0))].emplace(
      7, MessageKey{SecretBytes(Bytes(32, 1)), SecretBytes(Bytes(16, 2))});
  keys[SecretBytes(Bytes(32, 0))].emplace(
      300, MessageKey{SecretBytes(Bytes(32, 3)), SecretBytes(Bytes(16, 4))});
  for (const SkippedMsgKeys* k : {&keys, &p.bob.skipped}) {
    auto encoded = encode_skipped_keys(*k);
    ASSERT_TRUE(encoded);
    auto decoded = decode_skipped_keys(encoded.value().view());
    ASSERT_TRUE(decoded) << decoded.error().message();
    EXPECT_TRUE(same_skipped(decoded.value(), *k));
    EXPECT_EQ(to_hex(encode_skipped_keys(decoded.value()).value().view()),
              to_hex(encoded.value().view()));
  }
  EXPECT_EQ(to_hex(encode_skipped_keys({}).value().view()), "0100000000");
}

TEST(RatchetCodec, SkippedKeysDecoderRefusesMalformedInput) {
  SkippedMsgKeys keys;
  keys[SecretBytes(Bytes(32, 5))].emplace(
      1, MessageKey{SecretBytes(Bytes(32, 1)), SecretBytes(Bytes(16, 2))});
  keys[SecretBytes(Bytes(32, 5))].emplace(
      2, MessageKey{SecretBytes(Bytes(32, 3)), SecretBytes(Bytes(16, 4))});
  Bytes good = to_bytes(encode_skipped_keys(keys).value().view());
  // u8 format ‖ u32 1 ‖ short(hk) ‖ u32 2 ‖ (u32 1 ‖ short(mk) ‖ short(iv)) ‖ (u32 2 ‖ …)
  ASSERT_EQ(good.size(), 1 + 4 + 33 + 4 + 2 * (4 + 33 + 17));
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_EQ(decode_skipped_keys(ByteView(good).first(n)).error(),
              make_error_code(errc::truncated))
        << n;
  }
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(decode_skipped_keys(trailing).error(), make_error_code(errc::trailing_bytes));
  Bytes format = good;
  format.at(0) = 0;
  EXPECT_EQ(decode_skipped_keys(format).error(), make_error_code(errc::bad_tag));
  // The second message number made equal to the first: not ascending.
  Bytes unordered = good;
  unordered.at(1 + 4 + 33 + 4 + 54 + 3) = 1;
  EXPECT_EQ(decode_skipped_keys(unordered).error(), make_error_code(errc::bad_syntax));
  // A count claiming more header keys than the input holds.
  Bytes count = good;
  count.at(4) = 2;
  EXPECT_EQ(decode_skipped_keys(count).error(), make_error_code(errc::truncated));

  SkippedMsgKeys short_hk;
  short_hk[SecretBytes(Bytes(16, 5))];
  EXPECT_EQ(decode_skipped_keys(encode_skipped_keys(short_hk).value().view()).error(),
            make_error_code(errc::bad_key_size));
}

TEST(RatchetCodec, SkippedKeysDecoderRefusesHeaderKeysOutOfOrder) {
  SkippedMsgKeys a, b;
  a[SecretBytes(Bytes(32, 9))];
  b[SecretBytes(Bytes(32, 1))];
  // Two encodings glued: header keys 9…, then 1… .
  Bytes glued = to_bytes(encode_skipped_keys(a).value().view());
  Bytes second = to_bytes(encode_skipped_keys(b).value().view());
  glued.at(4) = 2;
  glued.insert(glued.end(), second.begin() + 5, second.end());
  EXPECT_EQ(decode_skipped_keys(glued).error(), make_error_code(errc::bad_syntax));
  // The same keys in ascending order decode.
  Bytes ascending = to_bytes(encode_skipped_keys(b).value().view());
  Bytes first = to_bytes(encode_skipped_keys(a).value().view());
  ascending.at(4) = 2;
  ascending.insert(ascending.end(), first.begin() + 5, first.end());
  auto decoded = decode_skipped_keys(ascending);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded.value().size(), 2u);
}

RatchetBodyKeys body_keys_of(KeyAlgorithm alg) {
  test::PeerPair p = talked_peers(alg);
  return std::move(rc_prepare(p.bob.state, 15856, 100).value().keys);
}

TEST(RatchetCodec, BodyKeysRoundTripAndSealTheSameBytes) {
  for (KeyAlgorithm alg : {KeyAlgorithm::x448, KeyAlgorithm::x25519}) {
    RatchetBodyKeys keys = body_keys_of(alg);
    auto encoded = encode_body_keys(keys);
    ASSERT_TRUE(encoded);
    EXPECT_EQ(encoded.value().view()[0], kBodyKeysFormat);
    auto decoded = decode_body_keys(encoded.value().view());
    ASSERT_TRUE(decoded) << decoded.error().message();
    EXPECT_EQ(decoded.value().header, keys.header);
    EXPECT_EQ(to_hex(decoded.value().message_key.view()), to_hex(keys.message_key.view()));
    EXPECT_EQ(to_hex(decoded.value().message_iv.view()), to_hex(keys.message_iv.view()));
    EXPECT_EQ(decoded.value().ad, keys.ad);
    EXPECT_EQ(decoded.value().padded_len, 15856u);
    Bytes msg(100, 'm');
    EXPECT_EQ(rc_seal(decoded.value(), msg).value(), rc_seal(keys, msg).value());
    // A few hundred bytes instead of the 16 KB message.
    EXPECT_LT(encoded.value().size(), 400u);
  }
}

TEST(RatchetCodec, BodyKeysDecoderRefusesMalformedInput) {
  const SecretBytes good = encode_body_keys(body_keys_of(KeyAlgorithm::x448)).value();
  const Bytes g(good.view().begin(), good.view().end());
  EXPECT_TRUE(decode_body_keys(g));
  auto error_of = [](const Bytes& b) { return decode_body_keys(b).error(); };
  Bytes bad_format = g;
  bad_format[0] = 2;
  EXPECT_EQ(error_of(bad_format), make_error_code(errc::bad_tag));
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{3}, g.size() / 2, g.size() - 1})
    EXPECT_FALSE(decode_body_keys(ByteView(g).first(n))) << n;
  Bytes trailing = g;
  trailing.push_back(0);
  EXPECT_FALSE(decode_body_keys(trailing));
  // The header's own length byte must match its field.
  Bytes bad_header = g;
  bad_header[4] ^= 1;
  EXPECT_EQ(error_of(bad_header), make_error_code(errc::bad_syntax));
  // A message key of 31 bytes.
  RatchetBodyKeys short_key = body_keys_of(KeyAlgorithm::x25519);
  short_key.message_key = SecretBytes(Bytes(31, 1));
  EXPECT_EQ(decode_body_keys(encode_body_keys(short_key).value().view()).error(),
            make_error_code(errc::bad_key_size));
  RatchetBodyKeys short_iv = body_keys_of(KeyAlgorithm::x25519);
  short_iv.message_iv = SecretBytes(Bytes(12, 1));
  EXPECT_EQ(decode_body_keys(encode_body_keys(short_iv).value().view()).error(),
            make_error_code(errc::bad_key_size));
  RatchetBodyKeys too_long = body_keys_of(KeyAlgorithm::x25519);
  too_long.padded_len = 70000;
  EXPECT_EQ(encode_body_keys(too_long).error(), make_error_code(errc::value_too_large));
}

}  // namespace
}  // namespace smp::agent
