#include "smp/protocol/transmission.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "smp/crypto/keys.h"
#include "smp/crypto/sign.h"
#include "smp/encoding/padding.h"
#include "smp/protocol/error_type.h"
#include "smp/protocol/wire_format.h"
#include "support/vectors.h"

namespace smp::protocol {
namespace {

using crypto::KeyAlgorithm;
using Block = std::array<std::uint8_t, kBlockSize>;

const Bytes kSession = to_bytes(std::string_view("\x2f\x6a\x3f\x48\x08\x68\x34\x3e\x43\x59\x41\x4a"));

// "Ed448 private_raw <hex>" (or null) from transmissions.json.
std::optional<crypto::PrivateKey> vector_key(const boost::json::value& v) {
  if (v.is_null()) return std::nullopt;
  const std::string s = test::str(v);
  const auto alg = s.rfind("Ed448", 0) == 0 ? KeyAlgorithm::ed448 : KeyAlgorithm::ed25519;
  const Bytes raw = test::hex(s.substr(s.rfind(' ') + 1));
  return crypto::PrivateKey::from_raw(alg, raw).value();
}

template <class M>
std::string outcome(const Received<M>& r) {
  return r.message ? std::string("ok") : std::string(error_type_text(r.error()));
}

std::unique_ptr<Block> new_block(std::uint8_t fill = 0) {
  auto b = std::make_unique<Block>();
  b->fill(fill);
  return b;
}

Bytes content_of(const TransmissionIds& ids, const Command& c, const crypto::PrivateKey* key) {
  return encode_command_transmission(ids, c, key).value();
}

// --- vectors ---------------------------------------------------------------------------------

TEST(Transmission, ClientCommandsReproduceEveryVectorByteForByte) {
  SMP_LOAD_VECTORS(v, "transmissions.json");
  int checked = 0;
  for (const auto& c : v.at("client_commands").as_array()) {
    const std::string name = test::str(c.at("name"));
    SCOPED_TRACE(name);
    const Bytes session = test::hex(c.at("session_id"));
    const Bytes corr = test::hex(c.at("corr_id"));
    const Bytes queue = test::hex(c.at("queue_id"));
    const Bytes command_bytes = test::hex(c.at("command_bytes"));
    const Bytes signed_part = test::hex(c.at("signed_part"));
    const Bytes signature = test::hex(c.at("signature"));
    const Bytes unpadded = test::hex(c.at("unpadded"));
    const Bytes padded = test::hex(c.at("padded_block"));
    const auto key = vector_key(c.at("signing_key"));
    const crypto::PrivateKey* key_ptr = key ? &*key : nullptr;
    const TransmissionIds ids{session, corr, queue};

    auto command = parse_command(command_bytes);
    ASSERT_TRUE(command.has_value());
    if (const auto* n = std::get_if<cmd::New>(&*command)) {
      ASSERT_TRUE(key.has_value());
      EXPECT_EQ(n->rcv_key, key->public_key());  // NEW is signed with its own recipient key
    }

    // Encoding: content into an exact-size buffer, into an owned buffer, and as a block.
    Bytes exact(unpadded.size());
    auto written = encode_command_transmission(ids, *command, key_ptr, exact);
    ASSERT_TRUE(written.has_value());
    EXPECT_EQ(*written, unpadded.size());
    EXPECT_EQ(to_hex(exact), to_hex(unpadded));
    const Bytes owned = content_of(ids, *command, key_ptr);
    EXPECT_EQ(to_hex(owned), to_hex(unpadded));
    ASSERT_EQ(owned.size(), 1 + signature.size() + signed_part.size());
    EXPECT_EQ(to_hex(ByteView(owned).subspan(1, signature.size())), to_hex(signature));
    EXPECT_EQ(to_hex(ByteView(owned).subspan(1 + signature.size())), to_hex(signed_part));
    EXPECT_EQ(to_hex(ByteView(owned).first(1 + signature.size())),
              to_hex(test::hex(c.at("signature_field"))));
    auto block = new_block(0x55);
    ASSERT_TRUE(encode_command_block(ids, *command, key_ptr, *block).has_value());
    EXPECT_EQ(to_hex(*block), to_hex(padded));

    // The server's parse of the padded block.
    const auto& expected = c.at("server_parse");
    const auto got = receive_command_block(padded, session);
    ASSERT_TRUE(got.message.has_value()) << outcome(got);
    EXPECT_EQ(got.is_signed(), expected.at("has_signature").as_bool());
    EXPECT_EQ(to_hex(got.corr_id), to_hex(test::hex(expected.at("corr_id"))));
    EXPECT_EQ(to_hex(got.queue_id), to_hex(test::hex(expected.at("queue_id"))));
    EXPECT_EQ(to_hex(got.signature), to_hex(signature));
    EXPECT_EQ(to_hex(got.signed_part), to_hex(signed_part));
    EXPECT_EQ(to_hex(encode_command(got.message.value()).value()), to_hex(command_bytes));
    if (key) {
      EXPECT_EQ(got.signature_algorithm, key->algorithm());
      EXPECT_TRUE(crypto::verify(key->public_key(), got.signature, got.signed_part));
    }
    ++checked;
  }
  EXPECT_EQ(checked, 14);
}

TEST(Transmission, BrokerMessagesReproduceEveryVectorByteForByte) {
  SMP_LOAD_VECTORS(v, "transmissions.json");
  int checked = 0;
  for (const auto& m : v.at("broker_messages").as_array()) {
    const std::string name = test::str(m.at("name"));
    SCOPED_TRACE(name);
    const Bytes session = test::hex(m.at("session_id"));
    const Bytes corr = test::hex(m.at("corr_id"));
    const Bytes queue = test::hex(m.at("queue_id"));
    const Bytes message_bytes = test::hex(m.at("message_bytes"));
    const Bytes unpadded = test::hex(m.at("unpadded"));
    const Bytes padded = test::hex(m.at("padded_block"));
    const TransmissionIds ids{session, corr, queue};

    auto message = parse_broker_message(message_bytes);
    ASSERT_TRUE(message.has_value());
    // The vector's "unpadded" is the reference's encodeTransmission output, which tPut then
    // prefixes with the (empty) signature field; the padded block has both.
    EXPECT_EQ(to_hex(encode_broker_transmission(ids, *message).value()), "00" + to_hex(unpadded));
    auto block = new_block(0xaa);
    ASSERT_TRUE(encode_broker_block(ids, *message, *block).has_value());
    EXPECT_EQ(to_hex(*block), to_hex(padded));

    const auto& expected = m.at("client_parse");
    const auto got = receive_broker_message_block(padded, session);
    EXPECT_EQ(got.message.has_value(), expected.at("message").at("ok").as_bool()) << outcome(got);
    EXPECT_FALSE(got.is_signed());
    EXPECT_EQ(to_hex(got.corr_id), to_hex(test::hex(expected.at("corr_id"))));
    EXPECT_EQ(to_hex(got.queue_id), to_hex(test::hex(expected.at("queue_id"))));
    if (got.message) {
      EXPECT_EQ(to_hex(encode_broker_message(got.message.value()).value()), to_hex(message_bytes));
    }
    ++checked;
  }
  EXPECT_EQ(checked, 21);
}

TEST(Transmission, ServerParseCasesGiveTheRecordedErrorAndIds) {
  SMP_LOAD_VECTORS(v, "transmissions.json");
  const Bytes session = test::hex(v.at("client_commands").at(0).at("session_id"));
  ASSERT_EQ(to_hex(session), to_hex(kSession));
  int checked = 0;
  for (const auto& c : v.at("server_parse_cases").as_array()) {
    const std::string name = test::str(c.at("name"));
    SCOPED_TRACE(name);
    const Bytes unpadded = test::hex(c.at("unpadded"));
    const auto& expected = c.at("server_parse");
    ASSERT_FALSE(expected.at("command").at("ok").as_bool());
    const std::string error = test::str(expected.at("command").at("error"));
    const Bytes padded = enc::pad(unpadded, kBlockSize).value();
    for (const auto& got : {receive_command_block(padded, session),
                            receive_command(unpadded, session)}) {
      ASSERT_FALSE(got.message.has_value());
      EXPECT_EQ(error_type_text(got.error()), error);
      EXPECT_EQ(to_hex(got.corr_id), to_hex(test::hex(expected.at("corr_id"))));
      EXPECT_EQ(to_hex(got.queue_id), to_hex(test::hex(expected.at("queue_id"))));
      EXPECT_EQ(got.is_signed(), expected.at("has_signature").as_bool());
    }
    ++checked;
  }
  EXPECT_EQ(checked, 15);
}

// --- the receive pipeline --------------------------------------------------------------------

class TransmissionPipeline : public ::testing::Test {
 protected:
  const crypto::KeyPair ed448_ = crypto::generate_key_pair(KeyAlgorithm::ed448);
  const Bytes corr_ = to_bytes(std::string_view("42"));
  const Bytes queue_ = Bytes(kQueueIdBytes, 0x71);
  const TransmissionIds ids_{kSession, corr_, queue_};
};

TEST_F(TransmissionPipeline, EveryTruncationOfTheHeaderIsBlockWithEmptyIds) {
  const Bytes content = content_of(ids_, cmd::Sub{}, &ed448_.private_key);
  const std::size_t header = 1 + 114 + 1 + kSession.size() + 1 + corr_.size() + 1 + queue_.size();
  ASSERT_EQ(content.size(), header + 3);
  for (std::size_t n = 0; n < header; ++n) {
    const auto got = receive_command(ByteView(content).first(n), kSession);
    EXPECT_EQ(outcome(got), "BLOCK") << n;
    EXPECT_TRUE(got.corr_id.empty()) << n;
    EXPECT_TRUE(got.queue_id.empty()) << n;
    EXPECT_FALSE(got.is_signed()) << n;
    EXPECT_TRUE(got.signed_part.empty()) << n;
  }
  // Cutting into the command leaves a known header and an unknown tag.
  for (std::size_t n = header; n < content.size(); ++n) {
    const auto got = receive_command(ByteView(content).first(n), kSession);
    EXPECT_EQ(outcome(got), "CMD UNKNOWN") << n;
    EXPECT_EQ(to_hex(got.corr_id), to_hex(corr_));
    EXPECT_EQ(to_hex(got.queue_id), to_hex(queue_));
  }
  EXPECT_EQ(outcome(receive_command(content, kSession)), "ok");
}

TEST_F(TransmissionPipeline, SignatureOfAnyOtherLengthIsBlockWithCorrIdKept) {
  const Bytes unsigned_content = content_of(ids_, cmd::Sub{}, nullptr);
  const ByteView signed_part = ByteView(unsigned_content).subspan(1);
  for (std::size_t len = 1; len <= 255; ++len) {
    Bytes content{static_cast<std::uint8_t>(len)};
    content.resize(1 + len, 0x01);
    append(content, signed_part);
    const auto got = receive_command(content, kSession);
    if (len == 64 || len == 114) {
      EXPECT_EQ(outcome(got), "ok") << len;  // a signature shape; verification is the server's
      EXPECT_TRUE(got.is_signed());
      continue;
    }
    EXPECT_EQ(outcome(got), "BLOCK") << len;
    EXPECT_EQ(to_hex(got.corr_id), to_hex(corr_)) << len;
    EXPECT_TRUE(got.queue_id.empty()) << len;
    EXPECT_FALSE(got.is_signed()) << len;
  }
}

TEST_F(TransmissionPipeline, ForeignSessionIdIsSessionWithCorrIdKept) {
  const Bytes content = content_of(ids_, cmd::Ping{}, nullptr);
  Bytes other = kSession;
  other.back() ^= 1;
  for (ByteView session : {ByteView(other), ByteView(kSession).first(11), ByteView()}) {
    const auto got = receive_command(content, session);
    EXPECT_EQ(outcome(got), "SESSION");
    EXPECT_EQ(to_hex(got.corr_id), to_hex(corr_));
    EXPECT_TRUE(got.queue_id.empty());
    EXPECT_TRUE(got.signed_part.empty());
  }
}

TEST_F(TransmissionPipeline, SessionIsCheckedBeforeTheSignatureLength) {
  Bytes wrong_session = kSession;
  wrong_session[0] ^= 0xff;
  const Bytes good = content_of(ids_, cmd::Sub{}, nullptr);
  Bytes bad_sig{5, 1, 2, 3, 4, 5};
  append(bad_sig, ByteView(good).subspan(1));
  EXPECT_EQ(outcome(receive_command(bad_sig, wrong_session)), "SESSION");
  EXPECT_EQ(outcome(receive_command(bad_sig, kSession)), "BLOCK");
}

TEST_F(TransmissionPipeline, CommandErrorsKeepCorrIdQueueIdAndSignature) {
  const Bytes content = content_of(ids_, cmd::Send{to_bytes(std::string_view("x"))},
                                   &ed448_.private_key);
  Bytes bad = content;
  bad[bad.size() - 2] = '=';  // "SEND x" → "SEND=x", an unknown tag
  const auto got = receive_command(bad, kSession);
  EXPECT_EQ(outcome(got), "CMD UNKNOWN");
  EXPECT_EQ(to_hex(got.corr_id), to_hex(corr_));
  EXPECT_EQ(to_hex(got.queue_id), to_hex(queue_));
  EXPECT_TRUE(got.is_signed());
  EXPECT_EQ(got.signed_part.size(), content.size() - 115);
}

TEST_F(TransmissionPipeline, CredentialChecksRunAfterParsing) {
  const Bytes unsigned_sub = content_of(ids_, cmd::Sub{}, nullptr);
  EXPECT_EQ(outcome(receive_command(unsigned_sub, kSession)), "CMD NO_AUTH");
  const TransmissionIds no_queue{kSession, corr_, {}};
  const Bytes send = content_of(no_queue, cmd::Send{}, nullptr);
  EXPECT_EQ(outcome(receive_command(send, kSession)), "CMD NO_QUEUE");
  const Bytes signed_ping = content_of(no_queue, cmd::Ping{}, &ed448_.private_key);
  EXPECT_EQ(outcome(receive_command(signed_ping, kSession)), "CMD HAS_AUTH");
  const Bytes new_with_queue =
      content_of(ids_, cmd::New{ed448_.public_key, crypto::generate_key_pair(KeyAlgorithm::x25519).public_key},
                 &ed448_.private_key);
  EXPECT_EQ(outcome(receive_command(new_with_queue, kSession)), "CMD HAS_AUTH");
  // An unsigned SEND to a queue passes; whether it may be unsigned is the server's decision.
  const Bytes unsigned_send = content_of(ids_, cmd::Send{}, nullptr);
  EXPECT_EQ(outcome(receive_command(unsigned_send, kSession)), "ok");
}

TEST_F(TransmissionPipeline, BlockWithABadLengthPrefixIsBlockWithEmptyIds) {
  auto block = new_block();
  ASSERT_TRUE(encode_command_block(ids_, cmd::Sub{}, &ed448_.private_key, *block).has_value());
  EXPECT_EQ(outcome(receive_command_block(*block, kSession)), "ok");
  (*block)[0] = 0x40;  // 16384 + ... > the 16382 bytes that follow
  (*block)[1] = 0x00;
  const auto got = receive_command_block(*block, kSession);
  EXPECT_EQ(outcome(got), "BLOCK");
  EXPECT_TRUE(got.corr_id.empty());
  EXPECT_EQ(outcome(receive_command_block(ByteView(*block).first(1), kSession)), "BLOCK");
  EXPECT_EQ(outcome(receive_command_block({}, kSession)), "BLOCK");
}

TEST_F(TransmissionPipeline, ReceivedSendBodyPointsIntoTheBlock) {
  const Bytes body(1000, 'm');
  auto block = new_block();
  ASSERT_TRUE(encode_command_block(ids_, cmd::Send{body}, nullptr, *block).has_value());
  const auto got = receive_command_block(*block, kSession);
  ASSERT_EQ(got.error(), errc::ok);
  const auto& send = std::get<cmd::Send>(got.message.value());
  EXPECT_GE(send.body.data(), block->data());
  EXPECT_LT(send.body.data(), block->data() + block->size());
  EXPECT_TRUE(std::ranges::equal(send.body, body));
}

TEST_F(TransmissionPipeline, ClientSideChecksBrokerMessageCredentials) {
  const TransmissionIds no_queue{kSession, corr_, {}};
  auto client = [&](const TransmissionIds& ids, const BrokerMessage& m) {
    return outcome(receive_broker_message(encode_broker_transmission(ids, m).value(), kSession));
  };
  EXPECT_EQ(client(no_queue, msg::Pong{}), "ok");
  EXPECT_EQ(client(ids_, msg::Pong{}), "CMD HAS_AUTH");
  EXPECT_EQ(client(ids_, msg::Ok{}), "ok");
  EXPECT_EQ(client(no_queue, msg::Ok{}), "CMD NO_QUEUE");
  EXPECT_EQ(client(no_queue, msg::End{}), "CMD NO_QUEUE");
  EXPECT_EQ(client(no_queue, msg::NMsg{}), "CMD NO_QUEUE");
  EXPECT_EQ(client(no_queue, msg::Err{errc::smp_block}), "ok");
  // A client command sent by a server is unknown to the client.
  const Bytes ping = content_of(no_queue, cmd::Ping{}, nullptr);
  EXPECT_EQ(outcome(receive_broker_message(ping, kSession)), "CMD UNKNOWN");
  Bytes other = kSession;
  other[3] ^= 1;
  EXPECT_EQ(outcome(receive_broker_message(ping, other)), "SESSION");
}

TEST(RawTransmission, SplitsTheFieldsAndKeepsTheSignedPart) {
  const Bytes content = {2, 0xa, 0xb, 1, 's', 2, 'c', 'c', 0, 'P', 'I', 'N', 'G'};
  auto t = parse_transmission(content);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(to_hex(t->signature), "0a0b");
  EXPECT_EQ(t->signed_part.data(), content.data() + 3);
  EXPECT_EQ(t->signed_part.size(), content.size() - 3);
  EXPECT_EQ(as_chars(t->session_id), "s");
  EXPECT_EQ(as_chars(t->corr_id), "cc");
  EXPECT_TRUE(t->queue_id.empty());
  EXPECT_EQ(as_chars(t->command), "PING");
  auto empty = parse_transmission({});
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error(), make_error_code(errc::smp_block));
}

// --- encoding --------------------------------------------------------------------------------

TEST_F(TransmissionPipeline, SignatureCoversTheSignedPart) {
  Bytes content = content_of(ids_, cmd::Ack{}, &ed448_.private_key);
  ASSERT_EQ(content[0], 114);
  const ByteView signature = ByteView(content).subspan(1, 114);
  const ByteView signed_part = ByteView(content).subspan(115);
  EXPECT_TRUE(crypto::verify(ed448_.public_key, signature, signed_part));
  content.back() ^= 1;
  EXPECT_FALSE(crypto::verify(ed448_.public_key, signature, signed_part));

  const auto ed25519 = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  const Bytes short_sig = content_of(ids_, cmd::Ack{}, &ed25519.private_key);
  EXPECT_EQ(short_sig[0], 64);
  EXPECT_TRUE(crypto::verify(ed25519.public_key, ByteView(short_sig).subspan(1, 64),
                             ByteView(short_sig).subspan(65)));
}

TEST_F(TransmissionPipeline, BlockEqualsPadOfTheContentWhateverTheBufferHeld) {
  const Bytes body(5000, 'z');
  const Bytes content = content_of(ids_, cmd::Send{body}, &ed448_.private_key);
  const Bytes expected = enc::pad(content, kBlockSize).value();
  for (int junk : {0x00, 0x23, 0xff}) {
    auto block = new_block(static_cast<std::uint8_t>(junk));
    ASSERT_TRUE(encode_command_block(ids_, cmd::Send{body}, &ed448_.private_key, *block));
    EXPECT_TRUE(std::ranges::equal(*block, expected));
  }
}

TEST_F(TransmissionPipeline, RefusesIdsOver255BytesAndNonSigningKeys) {
  const Bytes long_corr(256, '1');
  auto r = encode_command_transmission({kSession, long_corr, queue_}, cmd::Sub{}, nullptr);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), make_error_code(errc::value_too_large));
  const auto x = crypto::generate_key_pair(KeyAlgorithm::x25519);
  auto dh_signed = encode_command_transmission(ids_, cmd::Sub{}, &x.private_key);
  ASSERT_FALSE(dh_signed.has_value());
  EXPECT_EQ(dh_signed.error(), make_error_code(errc::wrong_algorithm));
}

TEST_F(TransmissionPipeline, ContentFillsTheBlockExactlyAndNoFurther) {
  // Header: signature field 115, session 13, corrId 3, queueId 25, "SEND " 5.
  const std::size_t overhead = 115 + 13 + 3 + 25 + 5;
  const Bytes body(kMaxBlockContent - overhead, 'q');
  auto block = new_block();
  ASSERT_TRUE(encode_command_block(ids_, cmd::Send{body}, &ed448_.private_key, *block));
  EXPECT_EQ((*block)[0], 0x3f);
  EXPECT_EQ((*block)[1], 0xfe);
  EXPECT_EQ(outcome(receive_command_block(*block, kSession)), "ok");

  const Bytes too_big(body.size() + 1, 'q');
  auto r = encode_command_block(ids_, cmd::Send{too_big}, &ed448_.private_key, *block);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), make_error_code(errc::transport_large_msg));
  Bytes small(100);
  auto into_small = encode_command_transmission(ids_, cmd::Sub{}, &ed448_.private_key, small);
  ASSERT_FALSE(into_small.has_value());
  EXPECT_EQ(into_small.error(), make_error_code(errc::transport_large_msg));
}

TEST_F(TransmissionPipeline, LargestSendBodyFitsWithAnEd448Signature) {
  const Bytes body(kMaxMessageLength, 'b');
  auto block = new_block();
  ASSERT_TRUE(encode_command_block(ids_, cmd::Send{body}, &ed448_.private_key, *block));
  const auto got = receive_command_block(*block, kSession);
  ASSERT_EQ(outcome(got), "ok");
  EXPECT_EQ(std::get<cmd::Send>(got.message.value()).body.size(), kMaxMessageLength);
  EXPECT_TRUE(crypto::verify(ed448_.public_key, got.signature, got.signed_part));
}

TEST_F(TransmissionPipeline, LargestMsgFitsABlock) {
  const Bytes msg_id(kMsgIdBytes, 3);
  const Bytes body(kServerEncryptedBodyLength, 'e');
  auto block = new_block();
  ASSERT_TRUE(encode_broker_block(ids_, msg::Msg{msg_id, 1641034800, body}, *block));
  const auto got = receive_broker_message_block(*block, kSession);
  ASSERT_EQ(outcome(got), "ok");
  const auto& m = std::get<msg::Msg>(got.message.value());
  EXPECT_EQ(m.body.size(), kServerEncryptedBodyLength);
  EXPECT_EQ(m.timestamp, 1641034800);
}

// --- fuzz seed corpus ------------------------------------------------------------------------
// The seeds of fuzz/transmission_fuzz.cpp: one valid transmission of every command and broker
// message, from fixed keys so the files are reproducible. Regenerate with
//   SMP_WRITE_SEED_CORPUS=fuzz/corpus/transmission build/bin/smp_unit_tests
//     --gtest_filter='TransmissionSeedCorpus.*'

crypto::PrivateKey fixed_key(KeyAlgorithm alg, std::uint8_t fill) {
  return crypto::PrivateKey::from_raw(alg, Bytes(crypto::private_key_size(alg), fill)).value();
}

std::vector<std::pair<std::string, Bytes>> seed_transmissions() {
  const auto ed448 = fixed_key(KeyAlgorithm::ed448, 1);
  const auto ed25519 = fixed_key(KeyAlgorithm::ed25519, 2);
  const auto dh = fixed_key(KeyAlgorithm::x25519, 3).public_key();
  const Bytes rid(kQueueIdBytes, 0x11), sid(kQueueIdBytes, 0x22), nid(kQueueIdBytes, 0x33);
  const Bytes corr = to_bytes(std::string_view("7")), body = to_bytes(std::string_view("hi"));
  const Bytes msg_id(kMsgIdBytes, 0x44), enc_body(64, 0x55);
  const TransmissionIds none{kSession, corr, {}}, rcv{kSession, corr, rid}, snd{kSession, corr, sid},
      ntf{kSession, corr, nid}, async{kSession, {}, rid};
  std::vector<std::pair<std::string, Bytes>> out;
  auto command = [&](std::string name, const TransmissionIds& ids, const Command& c,
                     const crypto::PrivateKey* key) {
    out.emplace_back("cmd-" + name, encode_command_transmission(ids, c, key).value());
  };
  auto message = [&](std::string name, const TransmissionIds& ids, const BrokerMessage& m) {
    out.emplace_back("msg-" + name, encode_broker_transmission(ids, m).value());
  };
  command("new-ed448", none, cmd::New{ed448.public_key(), dh}, &ed448);
  command("new-ed25519", none, cmd::New{ed25519.public_key(), dh}, &ed25519);
  command("sub", rcv, cmd::Sub{}, &ed448);
  command("key", rcv, cmd::Key{ed25519.public_key()}, &ed448);
  command("nkey", rcv, cmd::NKey{ed448.public_key()}, &ed448);
  command("ack", rcv, cmd::Ack{}, &ed25519);
  command("off", rcv, cmd::Off{}, &ed448);
  command("del", rcv, cmd::Del{}, &ed448);
  command("send-unsigned", snd, cmd::Send{body}, nullptr);
  command("send-signed", snd, cmd::Send{body}, &ed25519);
  command("ping", none, cmd::Ping{}, nullptr);
  command("nsub", ntf, cmd::NSub{}, &ed448);
  message("ids", none, msg::Ids{rid, sid, dh});
  message("msg", async, msg::Msg{msg_id, 1641034800, enc_body});
  message("nid", rcv, msg::Nid{nid});
  message("nmsg", TransmissionIds{kSession, {}, nid}, msg::NMsg{});
  message("end", async, msg::End{});
  message("ok", rcv, msg::Ok{});
  message("err", rcv, msg::Err{errc::smp_cmd_syntax});
  message("err-block", TransmissionIds{kSession, {}, {}}, msg::Err{errc::smp_block});
  message("pong", none, msg::Pong{});
  return out;
}

TEST(TransmissionSeedCorpus, EverySeedIsAcceptedByItsSide) {
  const auto seeds = seed_transmissions();
  ASSERT_EQ(seeds.size(), 21u);
  for (const auto& [name, content] : seeds) {
    const bool is_command = name.rfind("cmd-", 0) == 0;
    const std::string got = is_command ? outcome(receive_command(content, kSession))
                                       : outcome(receive_broker_message(content, kSession));
    EXPECT_EQ(got, "ok") << name;
  }
  const char* dir = std::getenv("SMP_WRITE_SEED_CORPUS");
  if (dir == nullptr || *dir == 0) return;
  for (const auto& [name, content] : seeds) {
    std::ofstream f(std::string(dir) + "/" + name, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
    ASSERT_TRUE(f.good()) << name;
  }
}

}  // namespace
}  // namespace smp::protocol
