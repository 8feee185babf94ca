// Batched transmissions of the current generation (Protocol.hs tParse, transmissionP,
// tDecodeServer, tEncodeAuth, encodeTransmissionForAuth, batchTransmissions_; simplexmq
// 6.5.5) and crypto_box authenticators (Crypto.hs cbAuthenticate / cbVerify).
#include "smp/protocol/batch.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <string>

#include "smp/crypto/cb_authenticator.h"
#include "smp/crypto/hash.h"
#include "smp/crypto/keys.h"
#include "smp/crypto/sign.h"

namespace smp::protocol {
namespace {

using crypto::KeyAlgorithm;

Bytes text(std::string_view s) { return to_bytes(s); }

Bytes short_of(ByteView b) {
  Bytes out(1 + b.size());
  out[0] = static_cast<std::uint8_t>(b.size());
  std::copy(b.begin(), b.end(), out.begin() + 1);
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  std::size_t n = 0;
  for (const Bytes& p : parts) n += p.size();
  Bytes out(n);
  auto it = out.begin();
  for (const Bytes& p : parts) it = std::copy(p.begin(), p.end(), it);
  return out;
}

const Bytes kSession(32, 0x5a);
const Bytes kCorr(24, 0xc0);
const Bytes kQueue(24, 0x0e);

Bytes one_command(const TransmissionParams& p, const TransmissionIds& ids, const Command& c,
                  const CommandAuthorizer& auth = {}) {
  Bytes out(16384);
  auto n = encode_command_batch1(p, ids, c, auth, out);
  EXPECT_TRUE(n.has_value()) << (n ? "" : n.error().message());
  out.resize(n ? *n : 0);
  return out;
}

std::vector<ReceivedCommand> receive(ByteView content, const TransmissionParams& p) {
  std::vector<ReceivedCommand> out;
  receive_command_batch(content, p, out);
  return out;
}

TEST(Batch, AnUnauthorizedTransmissionIsLaidOutAsTheReferenceDoes) {
  // tEncodeBatch1: count 1 ‖ Large(tEncodeAuth Nothing = "\0" ‖ t), t at v6 with the session id.
  auto v6 = TransmissionParams::for_version(6, kSession);
  const Bytes t6 = cat({Bytes{0}, short_of(kSession), short_of(kCorr), Bytes{0}, text("PING")});
  EXPECT_EQ(to_hex(one_command(v6, {kSession, kCorr, {}}, cmd::Ping{})),
            to_hex(cat({Bytes{1, 0, static_cast<std::uint8_t>(t6.size())}, t6})));
  // From v7 the session id is implied, and an unauthorized one has no service field (v16).
  auto v16 = TransmissionParams::for_version(16, kSession);
  const Bytes t16 = cat({Bytes{0}, short_of(kCorr), Bytes{0}, text("PING")});
  EXPECT_EQ(to_hex(one_command(v16, {kSession, kCorr, {}}, cmd::Ping{})),
            to_hex(cat({Bytes{1, 0, static_cast<std::uint8_t>(t16.size())}, t16})));
}

TEST(Batch, SignaturesCoverTheImpliedSessionIdAndV16AddsAnEmptyServiceField) {
  auto key = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  for (SmpVersion v : {SmpVersion{6}, SmpVersion{7}, SmpVersion{16}}) {
    SCOPED_TRACE(v);
    auto p = TransmissionParams::for_version(v, kSession);
    const Bytes content =
        one_command(p, {kSession, kCorr, kQueue}, cmd::Sub{}, {&key.private_key, nullptr});
    // count ‖ Large ‖ short(signature 64) ‖ ['0' from v16] ‖ covered bytes
    const Bytes covered =
        cat({v < 7 ? short_of(kSession) : Bytes{}, short_of(kCorr), short_of(kQueue), text("SUB")});
    const std::size_t sig_at = 1 + 2 + 1;
    const std::size_t covered_at = sig_at + 64 + (v >= 16 ? 1 : 0);
    ASSERT_EQ(content.size(), covered_at + covered.size());
    EXPECT_EQ(content[sig_at - 1], 64);
    if (v >= 16) {
      EXPECT_EQ(content[sig_at + 64], '0');
    }
    EXPECT_EQ(to_hex(ByteView(content).subspan(covered_at)), to_hex(covered));
    // What is signed: short(sessionId) ‖ the rest, sent or not.
    const Bytes signed_bytes = cat({v < 7 ? Bytes{} : short_of(kSession), covered});
    EXPECT_TRUE(crypto::verify(key.public_key, ByteView(content).subspan(sig_at, 64), signed_bytes));

    auto received = receive(content, p);
    ASSERT_EQ(received.size(), 1u);
    const auto& rc = received[0];
    ASSERT_TRUE(rc.message.has_value());
    EXPECT_EQ(rc.signature_algorithm, KeyAlgorithm::ed25519);
    EXPECT_FALSE(rc.service_signature.has_value());
    Bytes scratch;
    EXPECT_EQ(to_hex(authorized_bytes(rc, scratch)), to_hex(signed_bytes));
    EXPECT_EQ(to_hex(rc.queue_id), to_hex(kQueue));
  }
}

TEST(Batch, X25519KeysAuthorizeWithACryptoBoxAuthenticatorTheServerCanCheck) {
  auto queue_key = crypto::generate_key_pair(KeyAlgorithm::x25519);
  auto server_key = crypto::generate_key_pair(KeyAlgorithm::x25519);
  auto p = TransmissionParams::for_version(18, kSession);
  const Bytes content = one_command(p, {kSession, kCorr, kQueue}, cmd::Sub{},
                                    {&queue_key.private_key, &server_key.public_key});
  auto received = receive(content, p);
  ASSERT_EQ(received.size(), 1u);
  const auto& rc = received[0];
  ASSERT_TRUE(rc.message.has_value());
  EXPECT_EQ(rc.signature_algorithm, KeyAlgorithm::x25519);
  ASSERT_EQ(rc.signature.size(), kCbAuthenticatorSize);
  Bytes scratch;
  const ByteView covered = authorized_bytes(rc, scratch);
  // The server: DH(queue's public key, its session private key), nonce = corrId.
  EXPECT_TRUE(crypto::cb_verify(queue_key.public_key, server_key.private_key,
                                crypto::cb_nonce(kCorr), rc.signature, {}, covered));
  auto other = crypto::generate_key_pair(KeyAlgorithm::x25519);
  EXPECT_FALSE(crypto::cb_verify(other.public_key, server_key.private_key,
                                 crypto::cb_nonce(kCorr), rc.signature, {}, covered));
  EXPECT_FALSE(crypto::cb_verify(queue_key.public_key, server_key.private_key,
                                 crypto::cb_nonce(kQueue), rc.signature, {}, covered));
  // Without the server's key there is no authenticator.
  Bytes out(16384);
  EXPECT_FALSE(encode_command_batch1(p, {kSession, kCorr, kQueue}, cmd::Sub{},
                                     {&queue_key.private_key, nullptr}, out)
                   .has_value());
}

TEST(Batch, CbAuthenticatorMatchesItsDefinition) {
  // cbAuthenticate k pk nonce msg = cbEncryptNoPad (dh' k pk) nonce (sha512 msg)
  auto a = crypto::generate_key_pair(KeyAlgorithm::x25519);
  auto b = crypto::generate_key_pair(KeyAlgorithm::x25519);
  const Bytes msg = text("authorized bytes");
  const auto nonce = crypto::cb_nonce(kCorr);
  auto auth = crypto::cb_authenticate(b.public_key, a.private_key, nonce, text("auth"), text("orized bytes"));
  ASSERT_TRUE(auth.has_value());
  auto key = crypto::CbKey::from_keys(b.public_key, a.private_key).value();
  std::array<std::uint8_t, 64> digest{};
  ASSERT_TRUE(key.open_no_pad(nonce, *auth, digest).has_value());
  EXPECT_EQ(to_hex(digest), to_hex(crypto::sha512(msg)));
  // Either side's keys give the same secret.
  EXPECT_TRUE(crypto::cb_verify(a.public_key, b.private_key, nonce, *auth, {}, msg));
}

TEST(Batch, SeveralTransmissionsAreReceivedInOrderWithTheirOwnErrors) {
  auto p = TransmissionParams::for_version(18, kSession);
  Bytes block(16384 - 2);
  BatchWriter w(block);
  auto key = crypto::generate_key_pair(KeyAlgorithm::ed448);
  ASSERT_TRUE(w.add(p, {kSession, text("1"), {}}, cmd::Ping{}, {}).value());
  ASSERT_TRUE(w.add(p, {kSession, text("2"), kQueue}, cmd::Sub{}, {&key.private_key, nullptr}).value());
  // PING with an entity id: CMD HAS_AUTH; SUB without authorization: CMD NO_AUTH.
  ASSERT_TRUE(w.add(p, {kSession, text("3"), kQueue}, cmd::Ping{}, {}).value());
  ASSERT_TRUE(w.add(p, {kSession, text("4"), kQueue}, cmd::Sub{}, {}).value());
  EXPECT_EQ(w.count(), 4u);
  auto received = receive(ByteView(block).first(w.size()), p);
  ASSERT_EQ(received.size(), 4u);
  EXPECT_TRUE(received[0].message.has_value());
  EXPECT_TRUE(received[1].message.has_value());
  EXPECT_EQ(received[1].signature_algorithm, KeyAlgorithm::ed448);
  EXPECT_EQ(received[2].error(), errc::smp_cmd_has_auth);
  EXPECT_EQ(received[3].error(), errc::smp_cmd_no_auth);
  EXPECT_EQ(to_string(received[3].corr_id), "4");
  EXPECT_EQ(to_hex(received[3].queue_id), to_hex(kQueue));
}

TEST(Batch, ABlockThatIsNotABatchIsOneBlockError) {
  auto p = TransmissionParams::for_version(18, kSession);
  const Bytes good = one_command(p, {kSession, kCorr, {}}, cmd::Ping{});
  Bytes trailing = good;
  trailing.push_back(0);
  Bytes truncated = good;
  truncated.resize(truncated.size() - 1);
  Bytes two_claimed = good;
  two_claimed[0] = 2;
  for (const Bytes& bad : {Bytes{}, Bytes{0}, trailing, truncated, two_claimed}) {
    auto received = receive(bad, p);
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].error(), errc::smp_block);
    EXPECT_TRUE(received[0].corr_id.empty());
  }
}

TEST(Batch, SessionAndAuthorizationSizeErrorsKeepTheCorrelationId) {
  auto v6 = TransmissionParams::for_version(6, kSession);
  const Bytes other_session(32, 1);
  auto other = TransmissionParams::for_version(6, other_session);
  // The received transmissions are views into the block: it must outlive them.
  const Bytes block = one_command(other, {other_session, kCorr, {}}, cmd::Ping{});
  auto received = receive(block, v6);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].error(), errc::smp_session);
  EXPECT_EQ(to_hex(received[0].corr_id), to_hex(kCorr));
  EXPECT_TRUE(received[0].queue_id.empty());
  // A 10-byte authorization is neither a signature nor an authenticator.
  const Bytes t = cat({short_of(Bytes(10, 1)), short_of(kCorr), short_of(kQueue), text("SUB")});
  const Bytes content = cat({Bytes{1, 0, static_cast<std::uint8_t>(t.size())}, t});
  auto v7 = TransmissionParams::for_version(7, kSession);
  received = receive(content, v7);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].error(), errc::smp_block);
  EXPECT_EQ(to_hex(received[0].corr_id), to_hex(kCorr));
  EXPECT_TRUE(received[0].queue_id.empty());
}

TEST(Batch, AServiceSignatureMustBeAnEd25519Signature) {
  auto p = TransmissionParams::for_version(16, kSession);
  const Bytes sig(64, 2);
  auto with_service = [&](const Bytes& service) {
    const Bytes t = cat({short_of(sig), text("1"), short_of(service), short_of(kCorr),
                         short_of(kQueue), text("SUB")});
    return cat({Bytes{1, 0, static_cast<std::uint8_t>(t.size())}, t});
  };
  auto ok = receive(with_service(Bytes(64, 3)), p);
  ASSERT_EQ(ok.size(), 1u);
  ASSERT_TRUE(ok[0].service_signature.has_value());
  EXPECT_EQ(ok[0].service_signature->size(), 64u);
  auto bad = receive(with_service(Bytes(63, 3)), p);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].error(), errc::smp_block);
}

TEST(Batch, TheWriterPacksWithinTheReferenceLimits) {
  auto p = TransmissionParams::for_version(18, kSession);
  Bytes content(16384 - 2);
  BatchWriter w(content);
  // 255 transmissions at most.
  std::size_t added = 0;
  while (true) {
    auto r = w.add(p, {kSession, text("c"), {}}, BrokerMessage{msg::Pong{}});
    ASSERT_TRUE(r.has_value());
    if (!*r) break;
    ++added;
  }
  EXPECT_EQ(added, kMaxBatchCount);
  EXPECT_EQ(content[0], 255);
  // Room: Large-encoded transmissions up to 16365 bytes in all.
  BatchWriter big(content);
  const Bytes body(8000, 'x');
  const TransmissionIds ids{kSession, {}, kQueue};
  EXPECT_TRUE(big.add(p, ids, BrokerMessage{msg::Msg{text("1"), 0, body}}).value());
  EXPECT_TRUE(big.add(p, ids, BrokerMessage{msg::Msg{text("2"), 0, body}}).value());
  EXPECT_FALSE(big.add(p, ids, BrokerMessage{msg::Msg{text("3"), 0, body}}).value());
  EXPECT_LE(big.size(), kMaxBatchContent);
  std::vector<ReceivedBrokerMessage> back;
  receive_broker_batch(ByteView(content).first(big.size()), p, back);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(to_string(std::get<msg::Msg>(*back[1].message).msg_id), "2");
  // A transmission too large for any block is an error, not "start a new block".
  BatchWriter fresh(content);
  auto too_big = fresh.add(p, ids, BrokerMessage{msg::Msg{text("1"), 0, Bytes(16400, 'x')}});
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(too_big.error(), errc::transport_large_msg);
}

}  // namespace
}  // namespace smp::protocol
