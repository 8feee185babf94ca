#include "smp/agent/ratchet.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "smp/agent/ratchet_kdf.h"
#include "smp/agent/ratchet_test_util.h"
#include "smp/agent/ratchet_vectors.h"
#include "support/vectors.h"

namespace smp::agent {
namespace {

using smp::test::hex;
using smp::test::str;

errc errc_from_vector(std::string_view name) {
  if (name == "CERatchetHeader") return errc::ratchet_header;
  if (name == "CERatchetDuplicateMessage") return errc::ratchet_duplicate;
  if (name == "CERatchetTooManySkipped") return errc::ratchet_too_many_skipped;
  if (name == "CERatchetState") return errc::ratchet_state;
  if (name == "AESDecryptError") return errc::aes_decrypt;
  if (name.starts_with("CryptoHeaderError")) return errc::crypto_header;
  ADD_FAILURE() << "unknown error name in vectors: " << name;
  return errc::ok;
}

void expect_outcome(const boost::json::value& expected, const Result<Bytes>& got) {
  if (expected.at("ok").as_bool()) {
    ASSERT_TRUE(got) << "expected success, got " << got.error().message();
    EXPECT_EQ(to_hex(got.value()), to_hex(hex(expected.at("value").at("hex"))));
  } else {
    ASSERT_FALSE(got) << "expected " << str(expected.at("error"));
    EXPECT_EQ(got.error(), make_error_code(errc_from_vector(str(expected.at("error")))));
  }
}

// "header_key:msg_n" → "message_key:message_iv", in the map's order.
std::vector<std::string> flatten(const SkippedMsgKeys& keys) {
  std::vector<std::string> out;
  for (const auto& [hk, mks] : keys) {
    for (const auto& [n, mk] : mks) {
      out.push_back(to_hex(hk.view()) + ":" + std::to_string(n) + " " + to_hex(mk.key.view()) +
                    ":" + to_hex(mk.iv.view()));
    }
  }
  return out;
}

std::vector<std::string> flatten(const boost::json::value& list) {
  std::vector<std::string> out;
  for (const auto& e : list.as_array()) {
    out.push_back(str(e.at("header_key")) + ":" + std::to_string(e.at("msg_n").as_int64()) + " " +
                  str(e.at("message_key")) + ":" + str(e.at("message_iv")));
  }
  return out;
}

struct Party {
  Ratchet state;
  SkippedMsgKeys skipped;
  test::QueuedKeys keys;
};

// Replays ratchet.json: both parties, every event in order, with the recorded ratchet keys.
class RatchetTranscript : public ::testing::Test {
 protected:
  void SetUp() override {
    vectors_ = smp::test::read_vectors("ratchet.json");
    if (!vectors_) GTEST_SKIP() << "vectors not found: " << smp::test::vectors_dir();
    test::VectorParties p = test::vector_parties(v());
    parties_.emplace("bob", Party{std::move(p.bob), {}, {}});
    parties_.emplace("alice", Party{std::move(p.alice), {}, {}});
    for (const auto& g : v().at("generated_keys").as_array()) {
      crypto::PrivateKey priv = test::x448_private(g.at("private_raw"));
      EXPECT_EQ(to_hex(crypto::encode_public_key_der(priv.public_key())),
                to_hex(hex(g.at("public_x509_der"))));
      crypto::PublicKey pub = priv.public_key();
      party(str(g.at("party"))).keys.push(crypto::KeyPair{pub, std::move(priv)});
    }
  }

  const boost::json::value& v() const { return *vectors_; }
  Party& party(const std::string& name) { return parties_.at(name); }

  void encrypt_event(const boost::json::value& e) {
    Party& sender = party(str(e.at("sender")));
    {
      SCOPED_TRACE("sender_state_before");
      test::expect_state(e.at("sender_state_before"), sender.state);
    }
    ASSERT_TRUE(sender.state.snd);
    auto k = chain_kdf(sender.state.snd->ck_s.view()).value();
    EXPECT_EQ(to_hex(k.message_key.view()), str(e.at("message_key")));
    EXPECT_EQ(to_hex(k.message_iv.view()), str(e.at("message_iv")));
    EXPECT_EQ(to_hex(k.header_iv.view()), str(e.at("header_iv")));

    const auto& fields = e.at("header_fields");
    MsgHeader header{static_cast<enc::Version>(fields.at("max_version").as_int64()),
                     test::x448_public_der(fields.at("dh_public_x509_der")),
                     static_cast<std::uint32_t>(fields.at("pn").as_int64()),
                     static_cast<std::uint32_t>(fields.at("ns").as_int64())};
    EXPECT_EQ(header, (MsgHeader{sender.state.version.max(), sender.state.dh_rs.public_key(),
                                 sender.state.pn, sender.state.ns}));
    EXPECT_EQ(to_hex(encode_msg_header(header)), str(e.at("header_plaintext")));
    EXPECT_EQ(parse_msg_header(hex(e.at("header_plaintext")), crypto::kDhX448).value(), header);

    Bytes plaintext = hex(e.at("plaintext").at("hex"));
    auto padded_len = static_cast<std::size_t>(e.at("padded_len").as_int64());
    auto r = rc_encrypt(sender.state, padded_len, plaintext);
    ASSERT_TRUE(r) << r.error().message();
    EncryptResult& out = r.value();
    Bytes expected = hex(e.at("ciphertext"));
    EXPECT_EQ(out.message.size(), static_cast<std::size_t>(e.at("ciphertext_len").as_int64()));
    EXPECT_EQ(out.message.size(), kRatchetMessageOverhead + padded_len);
    EXPECT_EQ(to_hex(out.message), to_hex(expected));
    expect_parts(e.at("ciphertext_parts"), out.message);
    {
      SCOPED_TRACE("sender_state_after");
      test::expect_state(e.at("sender_state_after"), out.state);
    }
    sender.state = std::move(out.state);
    ciphertexts_[e.at("msg").as_int64()] = hex(e.at("ciphertext"));
  }

  static void expect_parts(const boost::json::value& parts, const Bytes& message) {
    auto m = decode_enc_ratchet_message(message);
    ASSERT_TRUE(m);
    EXPECT_EQ(to_hex(m.value().header), str(parts.at("enc_header")));
    EXPECT_EQ(m.value().header.size(), kEncMessageHeaderLen);
    EXPECT_EQ(to_hex(m.value().tag), str(parts.at("msg_auth_tag")));
    EXPECT_EQ(to_hex(m.value().body), str(parts.at("msg_body")));
    auto h = decode_enc_message_header(m.value().header);
    ASSERT_TRUE(h);
    EXPECT_EQ(h.value().version, parts.at("enc_header_version").as_int64());
    EXPECT_EQ(to_hex(h.value().iv), str(parts.at("enc_header_iv")));
    EXPECT_EQ(to_hex(h.value().tag), str(parts.at("enc_header_auth_tag")));
    EXPECT_EQ(to_hex(h.value().body), str(parts.at("enc_header_body")));
    EXPECT_EQ(h.value().body.size(), kPaddedHeaderLen);
  }

  void decrypt_event(const boost::json::value& e) {
    Party& receiver = party(str(e.at("receiver")));
    auto msg = e.at("msg").as_int64();
    ASSERT_TRUE(ciphertexts_.contains(msg)) << "message " << msg << " was not encrypted before";
    std::size_t keys_before = receiver.keys.taken();
    auto r =
        rc_decrypt(receiver.state, receiver.skipped, ciphertexts_[msg], receiver.keys.generator());
    ASSERT_TRUE(r) << r.error().message();
    DecryptResult& out = r.value();
    expect_outcome(e.at("result"), out.plaintext);

    bool step = e.at("dh_ratchet_step").as_bool();
    EXPECT_EQ(receiver.keys.taken() - keys_before, step ? 1u : 0u);
    if (step) {
      EXPECT_EQ(to_hex(out.state.dh_rs.raw()), str(e.at("new_dh_ratchet_private_raw")));
    } else {
      EXPECT_TRUE(e.at("new_dh_ratchet_private_raw").is_null());
      EXPECT_EQ(out.state.dh_rs.public_key(), receiver.state.dh_rs.public_key());
    }

    std::string change = str(e.at("skipped_keys_change"));
    if (change == "none") {
      EXPECT_TRUE(std::holds_alternative<SkippedKeysUnchanged>(out.skipped)) << change;
    } else if (change == "added") {
      EXPECT_TRUE(std::holds_alternative<SkippedKeysAdded>(out.skipped)) << change;
    } else {
      ASSERT_TRUE(change.starts_with("removed msg_n ")) << change;
      const auto* removed = std::get_if<SkippedKeyRemoved>(&out.skipped);
      ASSERT_TRUE(removed) << change;
      EXPECT_EQ(std::to_string(removed->msg_n), change.substr(14));
    }
    apply_skipped_diff(receiver.skipped, out.skipped);
    EXPECT_EQ(flatten(receiver.skipped), flatten(e.at("skipped_keys_after")));
    {
      SCOPED_TRACE("receiver_state_after");
      test::expect_state(e.at("receiver_state_after"), out.state);
    }
    receiver.state = std::move(out.state);
  }

  void replay_events() {
    for (const auto& e : v().at("events").as_array()) {
      std::string kind = str(e.at("event"));
      SCOPED_TRACE(kind + " of message " + std::to_string(e.at("msg").as_int64()));
      if (kind == "encrypt") {
        encrypt_event(e);
      } else if (kind == "decrypt") {
        decrypt_event(e);
      } else {
        ADD_FAILURE() << "unknown event " << kind;
      }
      if (HasFatalFailure()) return;
    }
  }

  std::optional<boost::json::value> vectors_;
  std::map<std::string, Party> parties_;
  std::map<std::int64_t, Bytes> ciphertexts_;
};

TEST_F(RatchetTranscript, EveryEventReproducesTheReference) {
  replay_events();
  for (auto& [name, p] : parties_) {
    EXPECT_EQ(p.keys.remaining(), 0u) << name << " did not use every recorded ratchet key";
  }
}

TEST_F(RatchetTranscript, EveryErrorCaseFailsAsTheReferenceDoes) {
  replay_events();
  ASSERT_FALSE(HasFailure());
  const Party& alice = party("alice");
  for (const auto& c : v().at("errors").as_array()) {
    SCOPED_TRACE(str(c.at("name")));
    ASSERT_EQ(str(c.at("receiver")), "alice");
    auto r =
        rc_decrypt(alice.state, alice.skipped, hex(c.at("ciphertext")), test::no_keys_expected());
    const auto& expected = c.at("result");
    if (!expected.at("ok").as_bool()) {
      ASSERT_FALSE(r) << "expected an outer error";
      EXPECT_EQ(r.error(), make_error_code(errc_from_vector(str(expected.at("error")))));
      continue;
    }
    ASSERT_TRUE(r) << r.error().message();
    expect_outcome(expected.at("value"), r.value().plaintext);
  }
}

// Spec §9 Q8: a body that fails to decrypt still advances the receiving chain, and the state
// to store says so; the next message in the chain then needs no skipped key.
TEST_F(RatchetTranscript, BodyFailureReturnsTheAdvancedState) {
  replay_events();
  ASSERT_FALSE(HasFailure());
  const Party& alice = party("alice");
  const auto& errors = v().at("errors").as_array();
  auto altered = std::find_if(errors.begin(), errors.end(), [](const auto& c) {
    return str(c.at("name")).starts_with("msg 9 body altered");
  });
  ASSERT_NE(altered, errors.end());
  auto r = rc_decrypt(alice.state, alice.skipped, hex(altered->at("ciphertext")),
                      test::no_keys_expected());
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().plaintext.error(), make_error_code(errc::aes_decrypt));
  EXPECT_EQ(r.value().state.nr, alice.state.nr + 1);
  EXPECT_FALSE(r.value().state == alice.state);
  EXPECT_TRUE(std::holds_alternative<SkippedKeysUnchanged>(r.value().skipped));
}

TEST_F(RatchetTranscript, EncryptWithoutASendingChainIsARatchetStateError) {
  EXPECT_FALSE(party("alice").state.snd);
  EXPECT_EQ(rc_encrypt(party("alice").state, 15856, as_bytes("hi")).error(),
            make_error_code(errc::ratchet_state));
}

TEST_F(RatchetTranscript, EncryptRefusesAMessageLongerThanItsPaddedLength) {
  Bytes msg(100, 'x');
  EXPECT_EQ(rc_encrypt(party("bob").state, 101, msg).error(),
            make_error_code(errc::crypto_large_msg));
  auto ok = rc_encrypt(party("bob").state, 102, msg);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok.value().message.size(), kRatchetMessageOverhead + 102);
}

TEST_F(RatchetTranscript, PrepareThenSealGivesTheBytesAndStateOfEncrypt) {
  const Ratchet& bob = party("bob").state;
  Bytes msg = to_bytes("a message sealed when it is sent");
  auto whole = rc_encrypt(bob, 15856, msg);
  ASSERT_TRUE(whole);
  auto prepared = rc_prepare(bob, 15856, msg.size());
  ASSERT_TRUE(prepared);
  EXPECT_TRUE(prepared.value().state == whole.value().state);
  auto first = rc_seal(prepared.value().keys, msg);
  auto again = rc_seal(prepared.value().keys, msg);
  ASSERT_TRUE(first && again);
  EXPECT_EQ(to_hex(first.value()), to_hex(whole.value().message));
  EXPECT_EQ(to_hex(again.value()), to_hex(first.value()));
}

TEST_F(RatchetTranscript, SealedMessageOpensAtThePeerOnceAndItsCopyIsRefused) {
  auto rng = std::make_shared<std::mt19937>(7);
  test::PeerPair p = test::make_peers(test::seeded_key_generator(rng));
  auto prepared = rc_prepare(p.bob.state, 256, 5);
  ASSERT_TRUE(prepared);
  p.bob.state = std::move(prepared.value().state);
  Bytes sealed = rc_seal(prepared.value().keys, as_bytes("hello")).value();
  EXPECT_EQ(test::text_of(p.alice.decrypt(sealed)), "hello");
  // Sent again after a restart: the same bytes, whose key is used up.
  Bytes copy = rc_seal(prepared.value().keys, as_bytes("hello")).value();
  EXPECT_EQ(copy, sealed);
  EXPECT_FALSE(p.alice.decrypt(copy));
}

TEST_F(RatchetTranscript, PrepareAndSealRefuseWhatEncryptRefuses) {
  EXPECT_EQ(rc_prepare(party("alice").state, 15856, 2).error(),
            make_error_code(errc::ratchet_state));
  EXPECT_EQ(rc_prepare(party("bob").state, 101, 100).error(),
            make_error_code(errc::crypto_large_msg));
  auto prepared = rc_prepare(party("bob").state, 102, 100);
  ASSERT_TRUE(prepared);
  EXPECT_EQ(rc_seal(prepared.value().keys, Bytes(101, 'x')).error(),
            make_error_code(errc::crypto_large_msg));
  RatchetBodyKeys no_header;
  no_header.padded_len = 256;
  EXPECT_EQ(rc_seal(no_header, Bytes{}).error(), make_error_code(errc::crypto_header));
}

}  // namespace
}  // namespace smp::agent
