// Commands and broker messages of the current generation (SMP 6..18). Expected bytes are
// written out from the reference's encoders (simplexmq 6.5.5, Protocol.hs encodeProtocol /
// protocolP for `Command p` and `BrokerMsg`, Encoding.hs for the field encodings: short =
// u8 length ‖ bytes, Large = u16 length ‖ bytes, Maybe = '0' | '1' ‖ value, Bool = 'T' | 'F',
// keys = short(DER SubjectPublicKeyInfo)).
#include <gtest/gtest.h>

#include <algorithm>

#include <string>

#include "smp/crypto/keys.h"
#include "smp/protocol/command.h"

namespace smp::protocol {
namespace {

using crypto::KeyAlgorithm;

crypto::PublicKey fresh_key(KeyAlgorithm alg) { return crypto::generate_key_pair(alg).public_key; }

Bytes text(std::string_view s) { return to_bytes(s); }

Bytes short_of(ByteView b) {
  Bytes out(1 + b.size());
  out[0] = static_cast<std::uint8_t>(b.size());
  std::copy(b.begin(), b.end(), out.begin() + 1);
  return out;
}

Bytes large_of(ByteView b) {
  Bytes out(2 + b.size());
  out[0] = static_cast<std::uint8_t>(b.size() >> 8);
  out[1] = static_cast<std::uint8_t>(b.size());
  std::copy(b.begin(), b.end(), out.begin() + 2);
  return out;
}

Bytes key_of(const crypto::PublicKey& k) { return short_of(crypto::encode_public_key_der(k)); }

Bytes cat(std::initializer_list<Bytes> parts) {
  std::size_t n = 0;
  for (const Bytes& p : parts) n += p.size();
  Bytes out(n);
  auto it = out.begin();
  for (const Bytes& p : parts) it = std::copy(p.begin(), p.end(), it);
  return out;
}

Bytes encode(SmpVersion v, const Command& c) { return encode_command(v, c).value(); }
Bytes encode(SmpVersion v, const BrokerMessage& m) { return encode_broker_message(v, m).value(); }

errc command_error(SmpVersion v, ByteView b) {
  auto r = parse_command(v, b);
  return r ? errc::ok : static_cast<errc>(r.error().value());
}

// --- NEW, every form -------------------------------------------------------------------------

struct NewFixture : ::testing::Test {
  crypto::PublicKey rcv = fresh_key(KeyAlgorithm::ed25519);
  crypto::PublicKey dh = fresh_key(KeyAlgorithm::x25519);
  Bytes head = cat({text("NEW "), key_of(rcv), key_of(dh)});
};

TEST_F(NewFixture, V6To8SendsOptionalAuthWithATagThenTheMode) {
  // v6: new <> auth <> e subMode, auth = maybe "" (e . ('A',))
  cmd::New plain{.rcv_key = rcv, .rcv_dh_key = dh};
  EXPECT_EQ(to_hex(encode(6, plain)), to_hex(cat({head, text("S")})));
  const Bytes password = text("secret");
  cmd::New with_auth{.rcv_key = rcv, .rcv_dh_key = dh, .basic_auth = ByteView(password),
                     .sub_mode = SubscriptionMode::only_create};
  const Bytes encoded = encode(8, with_auth);
  EXPECT_EQ(to_hex(encoded), to_hex(cat({head, text("A"), short_of(password), text("C")})));
  auto parsed = parse_command(8, encoded);
  ASSERT_TRUE(parsed.has_value());
  const auto& n = std::get<cmd::New>(*parsed);
  EXPECT_EQ(n.rcv_key, rcv);
  ASSERT_TRUE(n.basic_auth.has_value());
  EXPECT_EQ(to_string(*n.basic_auth), "secret");
  EXPECT_EQ(n.sub_mode, SubscriptionMode::only_create);
  EXPECT_FALSE(n.queue_request.has_value());
}

TEST_F(NewFixture, V9To14SendsMaybeAuthModeAndTheSndSecureFlag) {
  // e (auth_, subMode, senderCanSecure (queueReqMode <$> queueReqData))
  cmd::New messaging{.rcv_key = rcv, .rcv_dh_key = dh,
                     .queue_request = QueueRequest{QueueMode::messaging, std::nullopt}};
  EXPECT_EQ(to_hex(encode(9, messaging)), to_hex(cat({head, text("0ST")})));
  cmd::New no_request{.rcv_key = rcv, .rcv_dh_key = dh};
  EXPECT_EQ(to_hex(encode(14, no_request)), to_hex(cat({head, text("0SF")})));
  // qReq: the flag always becomes a request without a link.
  auto parsed = parse_command(12, cat({head, text("0CF")}));
  ASSERT_TRUE(parsed.has_value());
  const auto& n = std::get<cmd::New>(*parsed);
  EXPECT_EQ(n.sub_mode, SubscriptionMode::only_create);
  ASSERT_TRUE(n.queue_request.has_value());
  EXPECT_EQ(n.queue_request->mode, QueueMode::contact);
  EXPECT_FALSE(n.queue_request->link.has_value());
}

TEST_F(NewFixture, V15SendsTheQueueRequestWithShortLinkData) {
  const Bytes sid(24, 7), link(24, 8), fixed = text("fixed data"), user(300, 'u');
  // QRMessaging (Just (sId, (fixed, user))) = 'M' ‖ '1' ‖ short sId ‖ Large ‖ Large
  cmd::New m{.rcv_key = rcv, .rcv_dh_key = dh, .basic_auth = std::nullopt,
             .sub_mode = SubscriptionMode::subscribe,
             .queue_request = QueueRequest{QueueMode::messaging,
                                           QueueRequest::Link{{}, sid, {fixed, user}}}};
  const Bytes expect_m =
      cat({head, text("0S1M1"), short_of(sid), large_of(fixed), large_of(user)});
  EXPECT_EQ(to_hex(encode(15, m)), to_hex(expect_m));
  // QRContact (Just (linkId, (sId, d))) = 'C' ‖ '1' ‖ short linkId ‖ short sId ‖ d
  cmd::New c = m;
  c.queue_request = QueueRequest{QueueMode::contact, QueueRequest::Link{link, sid, {fixed, user}}};
  const Bytes expect_c =
      cat({head, text("0S1C1"), short_of(link), short_of(sid), large_of(fixed), large_of(user)});
  EXPECT_EQ(to_hex(encode(16, c)), to_hex(expect_c));
  auto parsed = parse_command(16, expect_c);
  ASSERT_TRUE(parsed.has_value());
  const auto& q = std::get<cmd::New>(*parsed).queue_request;
  ASSERT_TRUE(q && q->link);
  EXPECT_EQ(q->mode, QueueMode::contact);
  EXPECT_EQ(to_hex(q->link->link_id), to_hex(link));
  EXPECT_EQ(to_hex(q->link->sender_id), to_hex(sid));
  EXPECT_EQ(to_string(q->link->data.fixed_data), "fixed data");
  EXPECT_EQ(q->link->data.user_data.size(), 300u);
  // No request at all: Maybe Nothing.
  EXPECT_EQ(to_hex(encode(15, cmd::New{.rcv_key = rcv, .rcv_dh_key = dh})),
            to_hex(cat({head, text("0S0")})));
}

TEST_F(NewFixture, V17AddsNotifierCredentials) {
  const auto nkey = fresh_key(KeyAlgorithm::x25519);
  const auto ndh = fresh_key(KeyAlgorithm::x25519);
  const Bytes password = text("pw");
  cmd::New n{.rcv_key = rcv, .rcv_dh_key = dh, .basic_auth = ByteView(password),
             .sub_mode = SubscriptionMode::subscribe,
             .queue_request = QueueRequest{QueueMode::messaging, std::nullopt},
             .ntf_creds = cmd::New::NtfCreds{nkey, ndh}};
  const Bytes expected =
      cat({head, text("1"), short_of(password), text("S1M0"), text("1"), key_of(nkey), key_of(ndh)});
  EXPECT_EQ(to_hex(encode(17, n)), to_hex(expected));
  auto parsed = parse_command(18, expected);
  ASSERT_TRUE(parsed.has_value());
  const auto& p = std::get<cmd::New>(*parsed);
  ASSERT_TRUE(p.ntf_creds.has_value());
  EXPECT_EQ(p.ntf_creds->notifier_key, nkey);
  EXPECT_EQ(p.ntf_creds->rcv_ntf_dh_key, ndh);
  // The same bytes are not a v16 NEW (trailing bytes).
  EXPECT_EQ(command_error(16, expected), errc::smp_cmd_syntax);
}

TEST_F(NewFixture, X25519RecipientKeysAreAcceptedFromTheCurrentGenerationOnly) {
  const auto x = fresh_key(KeyAlgorithm::x25519);
  const Bytes bytes = cat({text("NEW "), key_of(x), key_of(dh), text("S")});
  EXPECT_EQ(command_error(6, bytes), errc::ok);
  EXPECT_EQ(command_error(kSmpV1, cat({text("NEW "), key_of(x), key_of(dh)})),
            errc::smp_cmd_syntax);
  EXPECT_FALSE(encode_command(kSmpV1, cmd::New{.rcv_key = x, .rcv_dh_key = dh}).has_value());
}

// --- other commands --------------------------------------------------------------------------

TEST(CommandCurrent, SendHasFlagsAndSkipsUnknownFlagCharacters) {
  // e (SEND_, ' ', flags, ' ', Tail msg); MsgFlags parse: Bool <* takeTill (== ' ')
  EXPECT_EQ(to_string(encode(6, cmd::Send{text("hi"), true})), "SEND T hi");
  EXPECT_EQ(to_string(encode(18, cmd::Send{text(""), false})), "SEND F ");
  const Bytes with_flags = text("SEND TXYZ body with space");
  auto parsed = parse_command(9, with_flags);
  ASSERT_TRUE(parsed.has_value());
  const auto& s = std::get<cmd::Send>(*parsed);
  EXPECT_TRUE(s.notification);
  EXPECT_EQ(to_string(s.body), "body with space");
  EXPECT_EQ(command_error(9, text("SEND X body")), errc::smp_cmd_syntax);
  EXPECT_EQ(command_error(9, text("SEND T")), errc::smp_cmd_syntax);
  // v1 has no flags: the same bytes are a body.
  const Bytes v1_bytes = text("SEND T hi");
  auto v1 = parse_command(kSmpV1, v1_bytes);
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(to_string(std::get<cmd::Send>(*v1).body), "T hi");
}

TEST(CommandCurrent, AckCarriesTheMessageIdAndNKeyTheDhKey) {
  const Bytes id(24, 0x11);
  EXPECT_EQ(to_hex(encode(6, cmd::Ack{id})), to_hex(cat({text("ACK "), short_of(id)})));
  EXPECT_EQ(to_string(encode(kSmpV1, cmd::Ack{id})), "ACK");
  EXPECT_EQ(command_error(6, text("ACK")), errc::smp_cmd_syntax);
  const auto nk = fresh_key(KeyAlgorithm::ed448);
  const auto ndh = fresh_key(KeyAlgorithm::x25519);
  const Bytes nkey = encode(6, cmd::NKey{nk, ndh});
  EXPECT_EQ(to_hex(nkey), to_hex(cat({text("NKEY "), key_of(nk), key_of(ndh)})));
  EXPECT_EQ(command_error(6, cat({text("NKEY "), key_of(nk)})), errc::smp_cmd_syntax);
  EXPECT_FALSE(encode_command(6, cmd::NKey{nk, std::nullopt}).has_value());
}

TEST(CommandCurrent, KeyCommandsAndLinkCommandsRoundTrip) {
  const auto k = fresh_key(KeyAlgorithm::x25519);
  for (const Command& c : {Command{cmd::Key{k}}, Command{cmd::SKey{k}}, Command{cmd::LKey{k}}}) {
    const Bytes b = encode(15, c);
    EXPECT_EQ(to_hex(b), to_hex(cat({text(std::string(tag_of(c)) + " "), key_of(k)})));
    auto parsed = parse_command(15, b);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->index(), c.index());
  }
  const auto k2 = fresh_key(KeyAlgorithm::ed25519);
  const Bytes rkey = encode(15, cmd::RKey{{k, k2}});
  EXPECT_EQ(to_hex(rkey), to_hex(cat({text("RKEY "), Bytes{2}, key_of(k), key_of(k2)})));
  auto parsed = parse_command(15, rkey);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(std::get<cmd::RKey>(*parsed).keys.size(), 2u);
  EXPECT_EQ(command_error(15, cat({text("RKEY "), Bytes{0}})), errc::smp_cmd_syntax);
  const Bytes link(24, 3), fixed = text("f"), user = text("u");
  const Bytes lset = encode(15, cmd::LSet{link, {fixed, user}});
  EXPECT_EQ(to_hex(lset),
            to_hex(cat({text("LSET "), short_of(link), large_of(fixed), large_of(user)})));
  for (std::string tag : {"SUB", "SUBS", "LDEL", "NDEL", "GET", "OFF", "DEL", "QUE", "PING",
                          "NSUB", "NSUBS", "LGET"}) {
    auto p = parse_command(18, text(tag));
    ASSERT_TRUE(p.has_value()) << tag;
    EXPECT_EQ(tag_of(*p), tag);
    EXPECT_EQ(to_string(encode(18, *p)), tag);
  }
}

TEST(CommandCurrent, CurrentGenerationTagsAreUnknownAtV1) {
  for (std::string tag : {"GET", "QUE", "SKEY", "LGET", "RFWD x", "NDEL"}) {
    EXPECT_EQ(command_error(kSmpV1, text(tag)), errc::smp_cmd_unknown) << tag;
  }
  EXPECT_FALSE(encode_command(kSmpV1, cmd::Get{}).has_value());
}

TEST(CommandCurrent, ProxyCommandsRoundTrip) {
  // PRXY: e (PRXY_, ' ', (hosts, port, keyHash), Maybe auth); hosts a NonEmpty of short text.
  const Bytes host1 = text("smp.example.com"), host2 = text("abc.onion"), port = text("5223");
  const Bytes kh(32, 0x42), auth = text("pw");
  cmd::Prxy p;
  p.server.hosts[0] = host1;
  p.server.hosts[1] = host2;
  p.server.host_count = 2;
  p.server.port = port;
  p.server.key_hash = kh;
  p.basic_auth = ByteView(auth);
  const Bytes prxy = encode(8, p);
  EXPECT_EQ(to_hex(prxy), to_hex(cat({text("PRXY "), Bytes{2}, short_of(host1), short_of(host2),
                                      short_of(port), short_of(kh), text("1"), short_of(auth)})));
  auto parsed = parse_command(8, prxy);
  ASSERT_TRUE(parsed.has_value());
  const auto& q = std::get<cmd::Prxy>(*parsed);
  EXPECT_EQ(q.server.host_count, 2u);
  EXPECT_EQ(to_string(q.server.hosts[1]), "abc.onion");
  // PFWD: e (PFWD_, ' ', fwdV, pubKey, Tail s)
  const auto k = fresh_key(KeyAlgorithm::x25519);
  const Bytes enc = text("encrypted transmission");
  const Bytes pfwd = encode(8, cmd::PFwd{17, k, enc});
  EXPECT_EQ(to_hex(pfwd), to_hex(cat({text("PFWD "), Bytes{0, 17}, key_of(k), enc})));
  auto pf = parse_command(8, pfwd);
  ASSERT_TRUE(pf.has_value());
  EXPECT_EQ(std::get<cmd::PFwd>(*pf).version, 17);
  EXPECT_EQ(to_string(encode(8, cmd::RFwd{enc})), "RFWD encrypted transmission");
}

// --- broker messages -------------------------------------------------------------------------

TEST(BrokerMessageCurrent, IdsEveryForm) {
  const Bytes rcv(24, 1), snd(24, 2), link(24, 3), nid(24, 4), service(24, 5);
  const auto dh = fresh_key(KeyAlgorithm::x25519);
  const auto ndh = fresh_key(KeyAlgorithm::x25519);
  const Bytes head = cat({text("IDS "), short_of(rcv), short_of(snd), key_of(dh)});
  msg::Ids ids{.rcv_id = rcv, .snd_id = snd, .srv_dh_key = dh,
               .queue_mode = QueueMode::messaging};
  EXPECT_EQ(to_hex(encode(6, ids)), to_hex(head));
  EXPECT_EQ(to_hex(encode(9, ids)), to_hex(cat({head, text("T")})));
  ids.link_id = ByteView(link);
  EXPECT_EQ(to_hex(encode(15, ids)), to_hex(cat({head, text("1M1"), short_of(link)})));
  EXPECT_EQ(to_hex(encode(16, ids)), to_hex(cat({head, text("1M1"), short_of(link), text("0")})));
  ids.ntf_creds = msg::Ids::NtfCreds{nid, ndh};
  const Bytes v17 =
      cat({head, text("1M1"), short_of(link), text("01"), short_of(nid), key_of(ndh)});
  EXPECT_EQ(to_hex(encode(17, ids)), to_hex(v17));
  auto parsed = parse_broker_message(17, v17);
  ASSERT_TRUE(parsed.has_value());
  const auto& p = std::get<msg::Ids>(*parsed);
  EXPECT_EQ(p.queue_mode, QueueMode::messaging);
  ASSERT_TRUE(p.link_id && p.ntf_creds);
  EXPECT_EQ(to_hex(p.ntf_creds->notifier_id), to_hex(nid));
  EXPECT_FALSE(p.service_id.has_value());
  // v9-14: a contact queue's flag is F; it parses back as contact mode.
  auto contact = parse_broker_message(10, cat({head, text("F")}));
  ASSERT_TRUE(contact.has_value());
  EXPECT_EQ(std::get<msg::Ids>(*contact).queue_mode, QueueMode::contact);
}

TEST(BrokerMessageCurrent, MsgNidNmsgAndLinkMessages) {
  const Bytes id(24, 9), body(100, 0xee);
  EXPECT_EQ(to_hex(encode(6, msg::Msg{id, 0, body})),
            to_hex(cat({text("MSG "), short_of(id), body})));
  const Bytes nid(24, 4);
  const auto dh = fresh_key(KeyAlgorithm::x25519);
  EXPECT_EQ(to_hex(encode(6, msg::Nid{nid, dh})),
            to_hex(cat({text("NID "), short_of(nid), key_of(dh)})));
  const Bytes nonce(24, 6), meta(144, 0x77);
  const Bytes nmsg = encode(6, msg::NMsg{nonce, meta});
  EXPECT_EQ(to_hex(nmsg), to_hex(cat({text("NMSG "), nonce, short_of(meta)})));
  EXPECT_EQ(to_string(encode(kSmpV1, msg::NMsg{})), "NMSG");
  const Bytes sid(24, 2), fixed = text("F"), user = text("U");
  EXPECT_EQ(to_hex(encode(15, msg::Lnk{sid, {fixed, user}})),
            to_hex(cat({text("LNK "), short_of(sid), large_of(fixed), large_of(user)})));
}

TEST(BrokerMessageCurrent, OlderVersionsGetTheOldNamesOfSokAndDeld) {
  EXPECT_EQ(to_string(encode(15, msg::Sok{})), "OK");
  EXPECT_EQ(to_string(encode(16, msg::Sok{})), "SOK 0");
  EXPECT_EQ(to_string(encode(9, msg::Deld{})), "END");
  EXPECT_EQ(to_string(encode(10, msg::Deld{})), "DELD");
  EXPECT_EQ(to_hex(encode(16, msg::Soks{258})), to_hex(cat({text("SOKS "), Bytes{0, 0, 0, 0, 0, 0, 1, 2}})));
}

TEST(BrokerMessageCurrent, PkeyCarriesTheCertificateChainAndSignedKey) {
  const Bytes sid(32, 1), cert1(300, 0xc1), cert2(200, 0xc2), signed_key(120, 0x5c);
  const Bytes chain = cat({Bytes{2}, large_of(cert1), large_of(cert2), large_of(signed_key)});
  const Bytes pkey =
      encode(8, msg::PKey{sid, enc::VersionRange::make(8, 17).value(), chain});
  EXPECT_EQ(to_hex(pkey), to_hex(cat({text("PKEY "), short_of(sid), Bytes{0, 8, 0, 17}, chain})));
  auto parsed = parse_broker_message(8, pkey);
  ASSERT_TRUE(parsed.has_value());
  const auto& p = std::get<msg::PKey>(*parsed);
  EXPECT_EQ(p.versions.max(), 17);
  EXPECT_EQ(to_hex(p.cert_chain_pub_key), to_hex(chain));
  Bytes truncated = pkey;
  truncated.resize(truncated.size() - 1);
  EXPECT_FALSE(parse_broker_message(8, truncated).has_value());
}

TEST(BrokerMessageCurrent, ErrEncodingDependsOnTheVersion) {
  BlockingInfo info{BlockingReason::content, BlockingInfo::Notice{3600}};
  const msg::Err blocked{SmpError::blocked(info)};
  EXPECT_EQ(to_string(encode(11, blocked)), "ERR AUTH");
  EXPECT_EQ(to_string(encode(12, blocked)), "ERR BLOCKED reason=content");
  EXPECT_EQ(to_string(encode(18, blocked)), "ERR BLOCKED reason=content,notice={\"ttl\":3600}");
  EXPECT_EQ(to_string(encode(kSmpV1, blocked)), "ERR AUTH");
  EXPECT_EQ(to_string(encode(6, msg::Err{errc::smp_cmd_no_queue})), "ERR CMD NO_ENTITY");
  EXPECT_EQ(to_string(encode(kSmpV1, msg::Err{errc::smp_cmd_no_queue})), "ERR CMD NO_QUEUE");
  EXPECT_EQ(to_string(encode(6, msg::Err{errc::smp_cmd_prohibited})), "ERR CMD PROHIBITED");
  EXPECT_EQ(to_string(encode(kSmpV1, msg::Err{errc::smp_cmd_prohibited})), "ERR INTERNAL");
  auto parsed = parse_broker_message(18, text("ERR BLOCKED reason=spam,notice={\"ttl\":null}"));
  ASSERT_TRUE(parsed.has_value());
  const SmpError& e = std::get<msg::Err>(*parsed).error;
  EXPECT_EQ(e.code, errc::smp_blocked);
  ASSERT_TRUE(e.blocking && e.blocking->notice);
  EXPECT_FALSE(e.blocking->notice->ttl.has_value());
}

}  // namespace
}  // namespace smp::protocol
