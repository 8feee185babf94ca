#include "smp/protocol/command.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "smp/crypto/keys.h"
#include "smp/protocol/error_type.h"
#include "support/vectors.h"

namespace smp::protocol {
namespace {

using crypto::KeyAlgorithm;

crypto::PublicKey fresh_key(KeyAlgorithm alg) { return crypto::generate_key_pair(alg).public_key; }

Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) append(out, p);
  return out;
}

Bytes short_der(const crypto::PublicKey& k) {
  enc::Writer w;
  crypto::write_public_key(w, k);
  return w.bytes();
}

Bytes text(std::string_view s) { return to_bytes(s); }

errc command_error(ByteView bytes) {
  auto r = parse_command(bytes);
  if (r) return errc::ok;
  return static_cast<errc>(r.error().value());
}

errc message_error(ByteView bytes) {
  auto r = parse_broker_message(bytes);
  if (r) return errc::ok;
  return static_cast<errc>(r.error().value());
}

// --- vectors ---------------------------------------------------------------------------------

TEST(Command, EveryVectorCommandParsesAndReencodesToTheSameBytes) {
  SMP_LOAD_VECTORS(v, "transmissions.json");
  int checked = 0;
  for (const auto& c : v.at("client_commands").as_array()) {
    const std::string name = test::str(c.at("name"));
    const Bytes bytes = test::hex(c.at("command_bytes"));
    auto parsed = parse_command(bytes);
    ASSERT_TRUE(parsed.has_value()) << name;
    // The vector names start with the tag.
    EXPECT_EQ(name.substr(0, tag_of(*parsed).size()), tag_of(*parsed)) << name;
    auto encoded = encode_command(*parsed);
    ASSERT_TRUE(encoded.has_value()) << name;
    EXPECT_EQ(to_hex(*encoded), to_hex(bytes)) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 14);
}

TEST(Command, EveryVectorBrokerMessageParsesAndReencodesToTheSameBytes) {
  SMP_LOAD_VECTORS(v, "transmissions.json");
  int checked = 0;
  for (const auto& m : v.at("broker_messages").as_array()) {
    const std::string name = test::str(m.at("name"));
    const Bytes bytes = test::hex(m.at("message_bytes"));
    auto parsed = parse_broker_message(bytes);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(name.substr(0, tag_of(*parsed).size()), tag_of(*parsed)) << name;
    auto encoded = encode_broker_message(*parsed);
    ASSERT_TRUE(encoded.has_value()) << name;
    EXPECT_EQ(to_hex(*encoded), to_hex(bytes)) << name;
    if (const auto* err = std::get_if<msg::Err>(&*parsed)) {
      // The reference renders it as "ERR AUTH" or "ERR (CMD SYNTAX)".
      std::string rendered = test::str(m.at("client_parse").at("message").at("parsed"));
      std::erase(rendered, '(');
      std::erase(rendered, ')');
      EXPECT_EQ(rendered, "ERR " + std::string(error_type_text(err->error.code))) << name;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 21);
}

// --- typed round trips -----------------------------------------------------------------------

TEST(Command, NewCarriesBothKeysAsShortDerWithoutSpaceBetween) {
  for (KeyAlgorithm alg : {KeyAlgorithm::ed25519, KeyAlgorithm::ed448}) {
    const auto rcv = fresh_key(alg);
    const auto dh = fresh_key(KeyAlgorithm::x25519);
    auto encoded = encode_command(cmd::New{rcv, dh});
    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ(to_hex(*encoded), to_hex(concat({text("NEW "), short_der(rcv), short_der(dh)})));
    auto parsed = parse_command(*encoded);
    ASSERT_TRUE(parsed.has_value());
    const auto& n = std::get<cmd::New>(*parsed);
    EXPECT_EQ(n.rcv_key, rcv);
    EXPECT_EQ(n.rcv_dh_key, dh);
  }
}

TEST(Command, KeyAndNKeyRoundTrip) {
  const auto k = fresh_key(KeyAlgorithm::ed448);
  const Bytes key_bytes = encode_command(cmd::Key{k}).value();
  auto key = parse_command(key_bytes);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(std::get<cmd::Key>(*key).sender_key, k);
  const Bytes nkey_bytes = encode_command(cmd::NKey{k}).value();
  auto nkey = parse_command(nkey_bytes);
  ASSERT_TRUE(nkey.has_value());
  EXPECT_EQ(std::get<cmd::NKey>(*nkey).notifier_key, k);
  EXPECT_EQ(to_hex(nkey_bytes), to_hex(concat({text("NKEY "), short_der(k)})));
}

TEST(Command, CommandsWithoutParametersAreJustTheirTag) {
  const std::vector<std::pair<Command, std::string>> cases = {
      {cmd::Sub{}, "SUB"}, {cmd::Ack{}, "ACK"},   {cmd::Off{}, "OFF"},
      {cmd::Del{}, "DEL"}, {cmd::Ping{}, "PING"}, {cmd::NSub{}, "NSUB"}};
  for (const auto& [c, tag] : cases) {
    EXPECT_EQ(to_string(encode_command(c).value()), tag);
    auto parsed = parse_command(as_bytes(tag));
    ASSERT_TRUE(parsed.has_value()) << tag;
    EXPECT_EQ(parsed->index(), c.index()) << tag;
  }
}

TEST(Command, SendBodyIsAViewIntoTheInput) {
  const Bytes in = text("SEND  body with spaces ");
  auto parsed = parse_command(in);
  ASSERT_TRUE(parsed.has_value());
  const auto& body = std::get<cmd::Send>(*parsed).body;
  EXPECT_EQ(body.data(), in.data() + 5);
  EXPECT_EQ(as_chars(body), " body with spaces ");
}

TEST(Command, SendAcceptsEmptyAndBinaryBodies) {
  auto empty = parse_command(text("SEND "));
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(std::get<cmd::Send>(*empty).body.empty());
  Bytes binary = text("SEND ");
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<std::uint8_t>(i));
  auto parsed = parse_command(binary);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(std::get<cmd::Send>(*parsed).body.size(), 256u);
  EXPECT_EQ(to_hex(encode_command(*parsed).value()), to_hex(binary));
}

TEST(BrokerMessage, MsgFieldsRoundTrip) {
  const Bytes id(24, 0xab);
  const Bytes body = text("encrypted body");
  const Bytes encoded = encode_broker_message(msg::Msg{id, 1641034800, body}).value();
  EXPECT_EQ(to_hex(encoded), "4d534720" "18" + to_hex(id) + "0000000061d03430" + to_hex(body));
  auto parsed = parse_broker_message(encoded);
  ASSERT_TRUE(parsed.has_value());
  const auto& m = std::get<msg::Msg>(*parsed);
  EXPECT_EQ(to_hex(m.msg_id), to_hex(id));
  EXPECT_EQ(m.timestamp, 1641034800);
  EXPECT_EQ(as_chars(m.body), "encrypted body");
  EXPECT_EQ(m.body.data(), encoded.data() + encoded.size() - body.size());
}

TEST(BrokerMessage, IdsAndNidRoundTrip) {
  const Bytes rcv(24, 1), snd(24, 2), nid(24, 3);
  const auto dh = fresh_key(KeyAlgorithm::x25519);
  const Bytes ids_bytes = encode_broker_message(msg::Ids{rcv, snd, dh}).value();
  auto ids = parse_broker_message(ids_bytes);
  ASSERT_TRUE(ids.has_value());
  const auto& i = std::get<msg::Ids>(*ids);
  EXPECT_EQ(to_hex(i.rcv_id), to_hex(rcv));
  EXPECT_EQ(to_hex(i.snd_id), to_hex(snd));
  EXPECT_EQ(i.srv_dh_key, dh);
  const Bytes nid_bytes = encode_broker_message(msg::Nid{nid}).value();
  auto n = parse_broker_message(nid_bytes);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(to_hex(std::get<msg::Nid>(*n).notifier_id), to_hex(nid));
}

TEST(BrokerMessage, ErrWithANonProtocolErrorIsSentAsInternal) {
  EXPECT_EQ(to_string(encode_broker_message(msg::Err{errc::store_corrupt}).value()),
            "ERR INTERNAL");
  EXPECT_EQ(to_string(encode_broker_message(msg::Err{errc::smp_cmd_no_queue}).value()),
            "ERR CMD NO_QUEUE");
}

// --- malformed commands ----------------------------------------------------------------------

TEST(Command, UnknownTagsAreCmdUnknown) {
  for (std::string bad : {"", " ", " SUB", "sub", "SUB=", "SUBX", "NE", "NEWS", "OK", "PONG",
                          "IDS", "MSG", "ERR AUTH", "END", "NMSG", "NID", "PING\n"}) {
    EXPECT_EQ(command_error(as_bytes(bad)), errc::smp_cmd_unknown) << '"' << bad << '"';
  }
}

TEST(Command, BadParametersOfAKnownTagAreCmdSyntax) {
  for (std::string bad : {"SUB ", "SUB  ", "ACK x", "OFF ", "DEL 1", "PING ", "NSUB ",
                          "SEND", "NEW", "NEW ", "KEY", "KEY ", "NKEY", "NKEY "}) {
    EXPECT_EQ(command_error(as_bytes(bad)), errc::smp_cmd_syntax) << '"' << bad << '"';
  }
}

TEST(Command, NewRejectsKeysOfTheWrongAlgorithmOrShape) {
  const auto ed = short_der(fresh_key(KeyAlgorithm::ed25519));
  const auto ed448 = short_der(fresh_key(KeyAlgorithm::ed448));
  const auto x = short_der(fresh_key(KeyAlgorithm::x25519));
  const auto x448 = short_der(fresh_key(KeyAlgorithm::x448));
  ASSERT_EQ(command_error(concat({text("NEW "), ed, x})), errc::ok);
  ASSERT_EQ(command_error(concat({text("NEW "), ed448, x})), errc::ok);
  const std::vector<Bytes> bad = {
      concat({text("NEW "), x, ed}),                  // swapped
      concat({text("NEW "), x, x}),                   // DH key as verify key
      concat({text("NEW "), ed, ed}),                 // verify key as DH key
      concat({text("NEW "), ed, x448}),               // X448 DH key
      concat({text("NEW "), x448, x}),                // X448 verify key
      concat({text("NEW "), ed}),                     // missing DH key
      concat({text("NEW "), ed, text(" "), x}),       // space between the keys
      concat({text("NEW  "), ed, x}),                 // two spaces
      concat({text("NEW "), ed, x, Bytes{0}}),        // trailing byte
      concat({text("NEW "), ed, x, text(" ")}),       // trailing space
  };
  for (const Bytes& b : bad) EXPECT_EQ(command_error(b), errc::smp_cmd_syntax) << to_hex(b);
  // Without the space the key bytes become part of the tag.
  EXPECT_EQ(command_error(concat({text("NEW"), ed, x})), errc::smp_cmd_unknown);
}

TEST(Command, KeyRejectsTruncatedOrCorruptDer) {
  const auto ed = short_der(fresh_key(KeyAlgorithm::ed25519));
  for (std::size_t n = 0; n < ed.size(); ++n) {
    Bytes b = concat({text("KEY "), ByteView(ed).first(n)});
    EXPECT_EQ(command_error(b), errc::smp_cmd_syntax) << n;
  }
  Bytes longer = ed;
  longer[0] = static_cast<std::uint8_t>(longer[0] + 1);  // length beyond the end
  EXPECT_EQ(command_error(concat({text("KEY "), longer})), errc::smp_cmd_syntax);
  Bytes bad_oid = ed;
  bad_oid[10] ^= 0x01;
  EXPECT_EQ(command_error(concat({text("KEY "), bad_oid})), errc::smp_cmd_syntax);
  EXPECT_EQ(command_error(concat({text("KEY "), short_der(fresh_key(KeyAlgorithm::x25519))})),
            errc::smp_cmd_syntax);
  EXPECT_EQ(command_error(concat({text("NKEY "), ed, ed})), errc::smp_cmd_syntax);
}

// --- malformed broker messages ---------------------------------------------------------------

TEST(BrokerMessage, ClientCommandTagsAreCmdUnknown) {
  for (std::string bad : {"", "PING", "SUB", "SEND x", "ok", "OK=", "ERRAUTH"}) {
    EXPECT_EQ(message_error(as_bytes(bad)), errc::smp_cmd_unknown) << '"' << bad << '"';
  }
}

TEST(BrokerMessage, BadParametersAreCmdSyntax) {
  const Bytes id(24, 7);
  const auto x = short_der(fresh_key(KeyAlgorithm::x25519));
  const auto ed = short_der(fresh_key(KeyAlgorithm::ed25519));
  const std::vector<Bytes> bad = {
      text("OK "), text("END x"), text("PONG "), text("NMSG "), text("ERR"), text("ERR "),
      text("ERR FOO"), text("ERR CMD"), text("ERR AUTH "), text("ERR  AUTH"), text("MSG"),
      text("NID"),
      concat({text("NID "), text("\x18"), id, text("x")}),           // trailing byte
      concat({text("NID "), text("\x19"), id}),                      // length beyond the end
      concat({text("MSG "), text("\x18"), id, Bytes{0, 0, 0}}),  // truncated timestamp
      concat({text("IDS "), text("\x18"), id, text("\x18"), id, ed}),  // Ed25519 server key
      concat({text("IDS "), text("\x18"), id, text("\x18"), id}),      // missing key
      concat({text("IDS "), text("\x18"), id, text("\x18"), id, x, text(" ")}),
  };
  for (const Bytes& b : bad) EXPECT_EQ(message_error(b), errc::smp_cmd_syntax) << to_hex(b);
}

// --- encoding limits -------------------------------------------------------------------------

TEST(Command, EncodingIntoATooSmallBufferFailsWithoutOverrunning) {
  const Bytes body(100, 'b');
  const Command c = cmd::Send{body};
  const std::size_t need = 5 + body.size();
  Bytes buf(need + 8, 0xee);
  for (std::size_t n = 0; n < need; ++n) {
    auto r = encode_command(c, std::span<std::uint8_t>(buf).first(n));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error(), make_error_code(errc::transport_large_msg));
    EXPECT_EQ(buf[n], 0xee) << "wrote past the buffer at size " << n;
  }
  auto ok = encode_command(c, std::span<std::uint8_t>(buf).first(need));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, need);
  EXPECT_LE(need, max_encoded_size(c));
}

TEST(BrokerMessage, IdsLongerThan255BytesAreRefused) {
  const Bytes long_id(256, 1);
  auto r = encode_broker_message(msg::Nid{long_id});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), make_error_code(errc::value_too_large));
  const Bytes max_id(255, 1);
  EXPECT_TRUE(encode_broker_message(msg::Nid{max_id}).has_value());
}

// --- parties and credentials -----------------------------------------------------------------

TEST(Command, PartyFollowsTheReference) {
  const auto k = fresh_key(KeyAlgorithm::ed25519);
  const auto dh = fresh_key(KeyAlgorithm::x25519);
  for (const Command& c : {Command{cmd::New{k, dh}}, Command{cmd::Sub{}}, Command{cmd::Key{k}},
                           Command{cmd::NKey{k}}, Command{cmd::Ack{}}, Command{cmd::Off{}},
                           Command{cmd::Del{}}}) {
    EXPECT_EQ(party_of(c), Party::recipient) << tag_of(c);
  }
  EXPECT_EQ(party_of(cmd::Send{}), Party::sender);
  EXPECT_EQ(party_of(cmd::SKey{k}), Party::sender);
  EXPECT_EQ(party_of(cmd::NSub{}), Party::notifier);
  EXPECT_EQ(party_of(cmd::LKey{k}), Party::link);
  EXPECT_EQ(party_of(cmd::LGet{}), Party::link);
  // v1 typed PING as a sender command; 6.5.5 as IdleClient. Neither looks a queue up.
  for (const Command& c : {Command{cmd::Ping{}}, Command{cmd::Prxy{}}, Command{cmd::RFwd{}},
                           Command{cmd::Subs{}}, Command{cmd::NSubs{}}}) {
    EXPECT_EQ(party_of(c), Party::none) << tag_of(c);
  }
  for (const Command& c : {Command{cmd::Get{}}, Command{cmd::Que{}}, Command{cmd::LSet{}},
                           Command{cmd::NDel{}}, Command{cmd::RKey{}}}) {
    EXPECT_EQ(party_of(c), Party::recipient) << tag_of(c);
  }
}

TEST(Command, ServerCredentialRulesMatchTheReferenceTable) {
  const auto k = fresh_key(KeyAlgorithm::ed25519);
  const auto dh = fresh_key(KeyAlgorithm::x25519);
  const Bytes qid(24, 9);
  const ByteView none;
  struct Row {
    Command c;
    errc signed_with_queue, signed_no_queue, unsigned_with_queue, unsigned_no_queue;
  };
  const errc ok = errc::ok, no_auth = errc::smp_cmd_no_auth, has_auth = errc::smp_cmd_has_auth,
             no_queue = errc::smp_cmd_no_queue;
  const std::vector<Row> rows = {
      {cmd::New{k, dh}, has_auth, ok, no_auth, no_auth},
      {cmd::Send{}, ok, no_queue, ok, no_queue},
      {cmd::Ping{}, has_auth, has_auth, has_auth, ok},
      {cmd::Sub{}, ok, no_auth, no_auth, no_auth},
      {cmd::Key{k}, ok, no_auth, no_auth, no_auth},
      {cmd::NKey{k}, ok, no_auth, no_auth, no_auth},
      {cmd::Ack{}, ok, no_auth, no_auth, no_auth},
      {cmd::Off{}, ok, no_auth, no_auth, no_auth},
      {cmd::Del{}, ok, no_auth, no_auth, no_auth},
      {cmd::NSub{}, ok, no_auth, no_auth, no_auth},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(check_credentials(r.c, true, qid), r.signed_with_queue) << tag_of(r.c);
    EXPECT_EQ(check_credentials(r.c, true, none), r.signed_no_queue) << tag_of(r.c);
    EXPECT_EQ(check_credentials(r.c, false, qid), r.unsigned_with_queue) << tag_of(r.c);
    EXPECT_EQ(check_credentials(r.c, false, none), r.unsigned_no_queue) << tag_of(r.c);
  }
}

TEST(BrokerMessage, ClientCredentialRulesMatchTheReference) {
  const auto dh = fresh_key(KeyAlgorithm::x25519);
  const Bytes qid(24, 9);
  const ByteView none;
  const std::vector<std::pair<BrokerMessage, std::pair<errc, errc>>> rows = {
      {msg::Ids{qid, qid, dh}, {errc::ok, errc::ok}},
      {msg::Err{errc::smp_auth}, {errc::ok, errc::ok}},
      {msg::Pong{}, {errc::smp_cmd_has_auth, errc::ok}},
      {msg::Msg{}, {errc::ok, errc::smp_cmd_no_queue}},
      {msg::Nid{}, {errc::ok, errc::smp_cmd_no_queue}},
      {msg::NMsg{}, {errc::ok, errc::smp_cmd_no_queue}},
      {msg::End{}, {errc::ok, errc::smp_cmd_no_queue}},
      {msg::Ok{}, {errc::ok, errc::smp_cmd_no_queue}},
  };
  for (const auto& [m, expected] : rows) {
    EXPECT_EQ(check_credentials(m, qid), expected.first) << tag_of(m);
    EXPECT_EQ(check_credentials(m, none), expected.second) << tag_of(m);
  }
}

}  // namespace
}  // namespace smp::protocol
