// Every agent-level binary known answer of agent.json, and the three recorded pipelines
// (confirmation, HELLO, contact invitation) rebuilt layer by layer.
// clang-format off
#include "smp/agent/agent_envelope.h"
#include "smp/agent/agent_message.h"
#include "smp/agent/client_envelope.h"
#include "smp/agent/queue_info.h"
// clang-format on

#include <string>

#include <gtest/gtest.h>

#include "smp/crypto/cbox.h"
#include "smp/crypto/dh.h"
#include "support/vectors.h"

namespace smp::agent {
namespace {

using test::hex;

// Decodes a value with `read` over the whole input, then encodes it again with `write`.
template <class Read, class Write>
void expect_round_trip(const std::string& name, const Bytes& encoded, Read read, Write write) {
  enc::Reader r(encoded);
  auto value = read(r);
  r.expect_end();
  ASSERT_TRUE(r.ok() && value) << name << ": " << errc_name(r.error());
  enc::Writer w;
  write(w, value.value());
  auto again = std::move(w).finish();
  ASSERT_TRUE(again) << name;
  EXPECT_EQ(to_hex(again.value()), to_hex(encoded)) << name;
}

// Whole-value codecs of the Result kind, adapted to the reader/writer shape above.
template <class Decode, class Encode>
void expect_whole_round_trip(const std::string& name, const Bytes& encoded, Decode decode,
                             Encode encode) {
  auto value = decode(ByteView(encoded));
  ASSERT_TRUE(value) << name << ": " << value.error().message();
  auto again = encode(value.value());
  ASSERT_TRUE(again) << name;
  EXPECT_EQ(to_hex(again.value()), to_hex(encoded)) << name;
}

TEST(AgentEnvelopeVectors, EveryBinaryEncodingDecodesAndEncodesBack) {
  SMP_LOAD_VECTORS(v, "agent.json");
  const auto& cases = v.at("binary_encodings").as_array();
  ASSERT_EQ(cases.size(), 23u);
  for (const auto& c : cases) {
    const std::string name = test::str(c.at("name"));
    const Bytes encoded = hex(c.at("encoded"));
    SCOPED_TRACE(name);
    if (name.starts_with("APrivHeader")) {
      expect_round_trip(name, encoded, read_a_priv_header, write_a_priv_header);
    } else if (name.starts_with("AMessage")) {
      expect_round_trip(name, encoded, read_a_message, write_a_message);
    } else if (name.starts_with("SMPQueueInfo")) {
      expect_round_trip(name, encoded, read_queue_info, write_queue_info);
    } else if (name.starts_with("AgentMessage")) {
      expect_whole_round_trip(name, encoded, decode_agent_plaintext, encode_agent_plaintext);
    } else if (name.starts_with("AgentMsgEnvelope")) {
      expect_whole_round_trip(name, encoded, decode_agent_envelope, encode_agent_envelope);
    } else if (name.starts_with("PubHeader")) {
      expect_round_trip(name, encoded, read_pub_header, write_pub_header);
    } else if (name.starts_with("PrivHeader")) {
      expect_round_trip(name, encoded, read_priv_header, write_priv_header);
    } else if (name.starts_with("ClientMessage")) {
      expect_whole_round_trip(name, encoded, decode_client_message, encode_client_message);
    } else if (name.starts_with("ClientMsgEnvelope")) {
      expect_whole_round_trip(name, encoded, decode_client_msg_envelope,
                              encode_client_msg_envelope);
    } else {
      ADD_FAILURE() << "no codec for vector " << name;
    }
  }
}

// Values behind a few of the encodings, so the round trip above is not all we check.
TEST(AgentEnvelopeVectors, DecodedValuesMatchTheirNames) {
  SMP_LOAD_VECTORS(v, "agent.json");
  auto encoded = [&](std::string_view name) {
    for (const auto& c : v.at("binary_encodings").as_array()) {
      if (test::str(c.at("name")) == name) return hex(c.at("encoded"));
    }
    ADD_FAILURE() << "missing vector " << name;
    return Bytes{};
  };

  auto hello = decode_agent_plaintext(encoded("AgentMessage HELLO (M)"));
  ASSERT_TRUE(hello);
  const auto& hello_msg = std::get<AgentMessage>(hello.value());
  EXPECT_EQ(hello_msg.header.snd_msg_id, 1);
  EXPECT_TRUE(hello_msg.header.prev_msg_hash.empty());
  EXPECT_TRUE(std::holds_alternative<HelloMessage>(hello_msg.message));

  auto a_msg = decode_agent_plaintext(encoded("AgentMessage A_MSG (M)"));
  ASSERT_TRUE(a_msg);
  const auto& user = std::get<AgentMessage>(a_msg.value());
  EXPECT_EQ(user.header.snd_msg_id, 2);
  EXPECT_EQ(user.header.prev_msg_hash.size(), kMsgHashSize);
  EXPECT_EQ(to_string(std::get<UserMessage>(user.message).body), "hello");

  auto info = decode_agent_plaintext(encoded("AgentMessage connection info (I)"));
  ASSERT_TRUE(info);
  EXPECT_EQ(to_string(std::get<AgentConnInfo>(info.value()).conn_info),
            R"({"displayName":"alice"})");

  const Bytes two_queues = encoded("AMessage REPLY (two queues)");
  enc::Reader two(two_queues);
  auto reply = read_a_message(two);
  ASSERT_TRUE(reply && two.at_end());
  const auto& queues = std::get<ReplyMessage>(reply.value()).queues;
  ASSERT_EQ(queues.size(), 2u);
  EXPECT_EQ(queues[0].server.host, "smp.example.com");
  EXPECT_EQ(queues[0].server.port, "5223");
  EXPECT_EQ(queues[1].server.port, "");
  EXPECT_EQ(queues[0].client_version, 1);

  auto invitation = decode_agent_envelope(encoded(
      "AgentMsgEnvelope invitation (I): connReq as Large (2-byte length) strEncoded URI, then "
      "conn info as tail"));
  ASSERT_TRUE(invitation);
  const auto& inv = std::get<AgentInvitation>(invitation.value());
  EXPECT_EQ(inv.conn_request.mode, ConnectionMode::invitation);
  EXPECT_EQ(to_string(inv.conn_info), R"({"displayName":"bob"})");

  auto no_e2e = decode_agent_envelope(
      encoded("AgentMsgEnvelope confirmation (C) without e2e params (reply queue confirmation)"));
  ASSERT_TRUE(no_e2e);
  EXPECT_FALSE(std::get<AgentConfirmation>(no_e2e.value()).e2e);
  EXPECT_EQ(to_string(std::get<AgentConfirmation>(no_e2e.value()).enc_conn_info),
            "<ratchet-encrypted conn info>");

  auto ed448 = decode_client_message(encoded("PrivHeader confirmation (K) with Ed448 sender key"));
  ASSERT_TRUE(ed448);
  ASSERT_TRUE(ed448.value().header.sender_key);
  EXPECT_EQ(ed448.value().header.sender_key->algorithm(), crypto::KeyAlgorithm::ed448);
  EXPECT_TRUE(ed448.value().body.empty());
}

TEST(AgentEnvelopeVectors, EnvelopeDecodeCases) {
  SMP_LOAD_VECTORS(v, "agent.json");
  const auto& cases = v.at("envelope_decode").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const std::string name = test::str(c.at("name"));
    auto got = decode_agent_envelope(hex(c.at("input")));
    EXPECT_EQ(got.has_value(), c.at("decoded").at("ok").as_bool()) << name;
    if (!got) {
      EXPECT_EQ(got.error(), make_error_code(errc::bad_tag)) << name;
    }
  }
}

// --- pipelines ---------------------------------------------------------------------------

const boost::json::value& field(const boost::json::value& obj, std::string_view prefix) {
  for (const auto& [key, value] : obj.as_object()) {
    if (std::string_view(key).starts_with(prefix)) return value;
  }
  ADD_FAILURE() << "no field " << prefix;
  static const boost::json::value kNull;
  return kNull;
}

crypto::PrivateKey x25519_private(const boost::json::value& raw) {
  return crypto::PrivateKey::from_raw(crypto::KeyAlgorithm::x25519, hex(raw)).value();
}

crypto::CbNonce nonce_of(const boost::json::value& v) { return crypto::cb_nonce(hex(v)); }

// The server layer of the recorded pipelines (spec §4.6): MSG body = box(server secret,
// nonce = msg id, send body, 16090).
void expect_server_layer(const boost::json::value& keys, const boost::json::value& p,
                         const Bytes& send_body) {
  auto server_priv = x25519_private(field(keys, "server_queue_dh_private_raw"));
  auto recipient_priv = x25519_private(field(keys, "recipient_rcv_dh_private_raw"));
  auto secret = crypto::dh(recipient_priv.public_key(), server_priv).value();
  EXPECT_EQ(to_hex(secret.view()), to_hex(hex(field(keys, "server_dh_secret"))));
  auto body =
      crypto::cb_encrypt(secret.view(), nonce_of(field(p, "server_msg_id")), send_body, 16090);
  ASSERT_TRUE(body);
  EXPECT_EQ(to_hex(body.value()), to_hex(hex(field(p, "msg_body"))));
}

// The recipient's side of the per-queue layer: decode, derive the secret from the PubHeader
// key (or take the established one) and open.
ClientMessage open_as_recipient(const Bytes& send_body, const crypto::PrivateKey& recipient,
                                const std::optional<crypto::PublicKey>& established_peer) {
  auto envelope = decode_client_msg_envelope(send_body);
  EXPECT_TRUE(envelope);
  EXPECT_EQ(envelope.value().header.version, kSmpClientVersion);
  const crypto::PublicKey& peer = envelope.value().header.e2e_key
                                      ? envelope.value().header.e2e_key.value()
                                      : established_peer.value();
  auto key = crypto::CbKey::from_keys(peer, recipient).value();
  auto message = open_client_message(key, envelope.value());
  EXPECT_TRUE(message) << message.error().message();
  return message ? message.value() : ClientMessage{};
}

TEST(AgentPipelineVectors, ConfirmationIsRebuiltLayerByLayer) {
  SMP_LOAD_VECTORS(v, "agent.json");
  const auto& keys = v.at("pipelines").at("keys");
  const auto& p = v.at("pipelines").at("confirmation");

  // AgentConnInfo, padded to 14848 by the ratchet.
  const Bytes agent_message = hex(p.at("agent_message"));
  auto plaintext = decode_agent_plaintext(agent_message);
  ASSERT_TRUE(plaintext);
  EXPECT_EQ(to_string(std::get<AgentConnInfo>(plaintext.value()).conn_info),
            R"({"displayName":"bob"})");
  EXPECT_EQ(encode_agent_plaintext(plaintext.value()).value(), agent_message);
  EXPECT_EQ(p.at("ratchet_padded_len").as_int64(),
            static_cast<std::int64_t>(kConnInfoPaddedLength));

  // AgentConfirmation carrying the ratchet ciphertext as opaque bytes.
  const Bytes ratchet = hex(p.at("ratchet_ciphertext"));
  const Bytes agent_envelope = hex(p.at("agent_envelope"));
  auto envelope = decode_agent_envelope(agent_envelope);
  ASSERT_TRUE(envelope);
  const auto& confirmation = std::get<AgentConfirmation>(envelope.value());
  EXPECT_EQ(confirmation.agent_version, kAgentVersion);
  ASSERT_TRUE(confirmation.e2e);
  EXPECT_EQ(confirmation.e2e->version, 1);
  EXPECT_EQ(confirmation.enc_conn_info, ratchet);
  EXPECT_EQ(
      encode_agent_envelope(AgentConfirmation{kAgentVersion, confirmation.e2e, ratchet}).value(),
      agent_envelope);

  // ClientMessage with the sender's Ed448 key.
  auto sender_key = crypto::decode_public_key_der(hex(field(keys, "sender_signing_key"))).value();
  ClientMessage client{PrivHeader{sender_key}, agent_envelope};
  const Bytes client_message = hex(p.at("client_message"));
  EXPECT_EQ(encode_client_message(client).value(), client_message);

  // Per-queue box: sender's fresh X25519 key in the PubHeader, 15936-byte padding.
  auto recipient = x25519_private(field(keys, "recipient_queue_e2e_private_raw"));
  auto sender = x25519_private(field(keys, "sender_queue_e2e_private_raw"));
  auto secret = crypto::dh(recipient.public_key(), sender).value();
  EXPECT_EQ(to_hex(secret.view()), to_hex(hex(field(keys, "e2e_dh_secret"))));
  auto cb_key = crypto::CbKey::from_dh_secret(secret.view()).value();
  PubHeader header{kSmpClientVersion, sender.public_key()};
  EXPECT_EQ(client_message_padded_length(header),
            static_cast<std::size_t>(p.at("e2e_padded_len").as_int64()));
  const Bytes send_body = hex(field(p, "send_body ("));
  auto sealed = seal_client_message(cb_key, header, client, nonce_of(p.at("e2e_nonce")));
  ASSERT_TRUE(sealed);
  EXPECT_EQ(to_hex(sealed.value()), to_hex(send_body));
  EXPECT_EQ(sealed.value().size(), static_cast<std::size_t>(p.at("send_body_len").as_int64()));
  auto parsed = decode_client_msg_envelope(send_body);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed.value().enc_body, hex(p.at("e2e_ciphertext")));

  EXPECT_EQ(open_as_recipient(send_body, recipient, std::nullopt), client);
  expect_server_layer(keys, p, send_body);
}

TEST(AgentPipelineVectors, HelloMessageIsRebuiltLayerByLayer) {
  SMP_LOAD_VECTORS(v, "agent.json");
  const auto& keys = v.at("pipelines").at("keys");
  const auto& p = v.at("pipelines").at("hello_message");

  const Bytes agent_message = hex(p.at("agent_message"));
  AgentPlaintext hello = AgentMessage{APrivHeader{1, {}}, HelloMessage{}};
  EXPECT_EQ(encode_agent_plaintext(hello).value(), agent_message);
  EXPECT_EQ(decode_agent_plaintext(agent_message).value(), hello);
  EXPECT_EQ(p.at("ratchet_padded_len").as_int64(), static_cast<std::int64_t>(kUserMsgPaddedLength));

  const Bytes ratchet = hex(field(p, "ratchet_ciphertext"));
  const Bytes agent_envelope = hex(p.at("agent_envelope"));
  EXPECT_EQ(encode_agent_envelope(AgentMsgEnvelope{kAgentVersion, ratchet}).value(),
            agent_envelope);
  EXPECT_EQ(decode_agent_envelope(agent_envelope).value(),
            AgentEnvelope(AgentMsgEnvelope{kAgentVersion, ratchet}));

  ClientMessage client{PrivHeader{}, agent_envelope};
  EXPECT_EQ(encode_client_message(client).value(), hex(p.at("client_message")));

  auto recipient = x25519_private(field(keys, "recipient_queue_e2e_private_raw"));
  auto sender = x25519_private(field(keys, "sender_queue_e2e_private_raw"));
  auto cb_key = crypto::CbKey::from_dh_secret(hex(field(keys, "e2e_dh_secret"))).value();
  PubHeader header{kSmpClientVersion, std::nullopt};
  EXPECT_EQ(client_message_padded_length(header),
            static_cast<std::size_t>(p.at("e2e_padded_len").as_int64()));
  const Bytes send_body = hex(field(p, "send_body ("));
  auto sealed = seal_client_message(cb_key, header, client, nonce_of(p.at("e2e_nonce")));
  ASSERT_TRUE(sealed);
  EXPECT_EQ(to_hex(sealed.value()), to_hex(send_body));
  EXPECT_EQ(sealed.value().size(), static_cast<std::size_t>(p.at("send_body_len").as_int64()));
  EXPECT_EQ(decode_client_msg_envelope(send_body)->enc_body, hex(p.at("e2e_ciphertext")));

  EXPECT_EQ(open_as_recipient(send_body, recipient, sender.public_key()), client);
  expect_server_layer(keys, p, send_body);
}

TEST(AgentPipelineVectors, ContactInvitationIsRebuiltLayerByLayer) {
  SMP_LOAD_VECTORS(v, "agent.json");
  const auto& keys = v.at("pipelines").at("keys");
  const auto& p = v.at("pipelines").at("contact_invitation");

  const Bytes agent_envelope = hex(p.at("agent_envelope"));
  auto envelope = decode_agent_envelope(agent_envelope);
  ASSERT_TRUE(envelope);
  const auto& invitation = std::get<AgentInvitation>(envelope.value());
  EXPECT_EQ(invitation.conn_request.mode, ConnectionMode::invitation);
  EXPECT_EQ(encode_agent_envelope(invitation).value(), agent_envelope);

  ClientMessage client{PrivHeader{}, agent_envelope};
  EXPECT_EQ(encode_client_message(client).value(), hex(p.at("client_message")));

  // A throw-away sender key per invitation; the box is padded like a confirmation.
  auto recipient = x25519_private(field(keys, "recipient_queue_e2e_private_raw"));
  auto one_time = x25519_private(field(p, "one_time_sender_e2e_private_raw"));
  auto secret = crypto::dh(recipient.public_key(), one_time).value();
  EXPECT_EQ(to_hex(secret.view()), to_hex(hex(p.at("e2e_dh_secret"))));
  auto cb_key = crypto::CbKey::from_dh_secret(secret.view()).value();
  PubHeader header{kSmpClientVersion, one_time.public_key()};
  EXPECT_EQ(client_message_padded_length(header),
            static_cast<std::size_t>(p.at("e2e_padded_len").as_int64()));
  const Bytes send_body = hex(field(p, "send_body ("));
  auto sealed = seal_client_message(cb_key, header, client, nonce_of(p.at("e2e_nonce")));
  ASSERT_TRUE(sealed);
  EXPECT_EQ(to_hex(sealed.value()), to_hex(send_body));

  EXPECT_EQ(open_as_recipient(send_body, recipient, std::nullopt), client);
}

}  // namespace
}  // namespace smp::agent
