#include "smp/transport/current_hello.h"

#include <gtest/gtest.h>

#include "smp/crypto/sign.h"
#include "smp/transport/cert_chain_key.h"
#include "support/vectors.h"

namespace smp::transport {
namespace {

using test::hex;

// Hex text to bytes (a literal is ambiguous between hex's two overloads).
Bytes unhex(std::string_view h) { return smp::test::hex(h); }

// Known answers for the current handshake's blocks, built from the reference's definitions
// at 6.5.5.0 (Transport.hs: the Encoding instances of SMPServerHandshake, SMPClientHandshake,
// CertChainPubKey, SMPServerHandshakeResponse, TransportError; Crypto.hs: signX509,
// publicToX509, encodeCertChain, SignedObject; Encoding.hs: Word16, ByteString, Large,
// NonEmpty, Maybe, Bool). The expected bytes were assembled by a separate Python script from
// those definitions, with the `cryptography` package's Ed25519/Ed448 for the signatures
// (EdDSA is deterministic). Inputs come from keys.json (the reference's own vectors): signer
// ed25519-A / ed448-A, server key x25519-A, client key x25519-B, and its two test fixture
// certificates as [online, CA]; the session id is 00 01 .. 1f (a TLS 1.3 tls-unique).

// signX509 ed25519-A (publicToX509 x25519-A): SEQUENCE { SPKI, {id-Ed25519}, BIT STRING }.
constexpr std::string_view kSignedEd25519 =
    "3076302a300506032b656e032100f7a83b7bf2a4aa256da892ff12dbe92a9e0f2da5c49434e8adb39757efbb5d"
    "7b300506032b65700341008e71becce10fc69e53fef00f85762d1a0092822fd98876f23243bc8d82879a2eb2"
    "61435e02157b8bee6ef7233adf0f065701289da805012587c6fbbadd702408";
// The same signed by ed448-A: the outer length needs the long form (0x81 0xa8).
constexpr std::string_view kSignedEd448 =
    "3081a8302a300506032b656e032100f7a83b7bf2a4aa256da892ff12dbe92a9e0f2da5c49434e8adb39757ef"
    "bb5d7b300506032b65710373004d7941857f1e1ebd8b16163f26ddb56885816491bcc60a01d5f89d0eccc105"
    "78b396b00618dc47ef7d191d97d74313bb72380d03b68b33a780fe725bc4eec9cbc975b377b46ca958689f0e"
    "2893bcbaac7fbc7a52ebaf969e4888ed8f06e9096a088cc07a73c257c3cd3985b0f52d8c4f1800";
constexpr std::string_view kSessionId =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
// SHA-256 of the CA certificate (keys.json certificates[0].key_hash).
constexpr std::string_view kKeyHash =
    "2dc25431f561c03f32c6302249a0f3cc6177fa42c6e14874165fd9223ad1c232";
// x25519-B's SubjectPublicKeyInfo as the binary form (short DER): 0x2c ‖ 44 bytes.
constexpr std::string_view kClientKeyField =
    "2c302a300506032b656e032100719ee17cac25abd734b63b57475e55f325b48a42f111d6b377b96356af8fb76e";

struct Fixture {
  crypto::PrivateKey ed25519_a, ed448_a;
  crypto::PublicKey x25519_a, x25519_b;
  Bytes ca_der, server_der;
};

crypto::PrivateKey private_key(const boost::json::value& k, crypto::KeyAlgorithm alg) {
  return crypto::PrivateKey::from_raw(alg, hex(k.at("private_raw"))).value();
}

std::optional<Fixture> load_fixture() {
  auto v = test::read_vectors("keys.json");
  if (!v) return std::nullopt;
  auto key = [&](std::string_view name) -> const boost::json::value& {
    for (const auto& k : v->at("keys").as_array()) {
      if (k.at("name").as_string() == name) return k;
    }
    ADD_FAILURE() << "no key " << name;
    return v->at("keys").as_array().front();
  };
  using crypto::KeyAlgorithm;
  const auto& certs = v->at("certificates").as_array();
  return Fixture{private_key(key("ed25519-A"), KeyAlgorithm::ed25519),
                 private_key(key("ed448-A"), KeyAlgorithm::ed448),
                 private_key(key("x25519-A"), KeyAlgorithm::x25519).public_key(),
                 private_key(key("x25519-B"), KeyAlgorithm::x25519).public_key(),
                 hex(certs[0].at("certificate_der")),
                 hex(certs[1].at("certificate_der"))};
}

class CurrentHello : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = load_fixture();
    if (!f) GTEST_SKIP() << "vectors not found: " << test::vectors_dir();
    f_.emplace(std::move(*f));
  }

  CertChainPubKey cert_key() const {
    return CertChainPubKey{{f_->server_der, f_->ca_der}, hex(kSignedEd25519)};
  }
  // encodeCertChain [online, CA] ‖ Large(signed key): count 02, u16 448, u16 442, u16 120.
  Bytes expected_cert_key() const {
    Bytes out = unhex("0201c0");
    append(out, f_->server_der);
    append(out, unhex("01ba"));
    append(out, f_->ca_der);
    append(out, unhex("0078"));
    append(out, hex(kSignedEd25519));
    return out;
  }

  std::optional<Fixture> f_;
};

TEST_F(CurrentHello, SignedKeyIsTheSpkiSignedAsAnX509SignedExact) {
  // signX509 (Crypto.hs) over publicToX509 (the SubjectPublicKeyInfo), Ed25519 and Ed448.
  auto ed25519 = sign_public_key(f_->ed25519_a, f_->x25519_a);
  ASSERT_TRUE(ed25519.has_value());
  EXPECT_EQ(to_hex(*ed25519), kSignedEd25519);
  auto ed448 = sign_public_key(f_->ed448_a, f_->x25519_a);
  ASSERT_TRUE(ed448.has_value());
  EXPECT_EQ(to_hex(*ed448), kSignedEd448);
  // A DH key cannot sign.
  EXPECT_EQ(sign_public_key(crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).private_key,
                            f_->x25519_a)
                .error(),
            errc::wrong_algorithm);
}

TEST_F(CurrentHello, SignedKeyVerifiesOnlyWithItsSignerAndAlgorithm) {
  // verifyX509 then x509ToPublic' (Crypto.hs).
  auto ok = verify_signed_key(hex(kSignedEd25519), f_->ed25519_a.public_key(), crypto::kDhX25519);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, f_->x25519_a);
  auto ok448 = verify_signed_key(hex(kSignedEd448), f_->ed448_a.public_key(), crypto::kDhX25519);
  ASSERT_TRUE(ok448.has_value());
  EXPECT_EQ(*ok448, f_->x25519_a);

  auto other = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  EXPECT_EQ(verify_signed_key(hex(kSignedEd25519), other.public_key, crypto::kDhX25519).error(),
            errc::handshake_bad_auth);
  // An Ed448 signature presented as the Ed25519 signer's.
  EXPECT_EQ(
      verify_signed_key(hex(kSignedEd448), f_->ed25519_a.public_key(), crypto::kDhX25519).error(),
      errc::handshake_bad_auth);
  // A verified key of another algorithm than the one wanted.
  EXPECT_EQ(
      verify_signed_key(hex(kSignedEd25519), f_->ed25519_a.public_key(), crypto::kDhX448).error(),
      errc::handshake_bad_auth);
  // Any flipped byte of the signed part or the signature breaks it; a flipped structure byte
  // is malformed.
  Bytes good = hex(kSignedEd25519);
  for (std::size_t i = 0; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0x01;
    auto r = verify_signed_key(bad, f_->ed25519_a.public_key(), crypto::kDhX25519);
    EXPECT_FALSE(r.has_value()) << "byte " << i;
  }
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(verify_signed_key(trailing, f_->ed25519_a.public_key(), crypto::kDhX25519).error(),
            errc::bad_der);
}

TEST_F(CurrentHello, CertChainPubKeyEncodesAsTheReference) {
  enc::Writer w;
  write_cert_chain_pub_key(w, cert_key());
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w.bytes(), expected_cert_key());

  Bytes encoded = expected_cert_key();
  enc::Reader r(encoded);
  auto parsed = read_cert_chain_pub_key(r);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(*parsed, cert_key());

  // NonEmpty: a count of 0 is refused; so is a certificate that does not parse.
  Bytes empty = unhex("00");
  append(empty, unhex("0078"));
  append(empty, hex(kSignedEd25519));
  enc::Reader re(empty);
  EXPECT_FALSE(read_cert_chain_pub_key(re).has_value());
  Bytes not_a_cert = unhex("010003010203");
  append(not_a_cert, unhex("0078"));
  append(not_a_cert, hex(kSignedEd25519));
  enc::Reader rn(not_a_cert);
  EXPECT_FALSE(read_cert_chain_pub_key(rn).has_value());
  EXPECT_EQ(rn.error(), errc::bad_der);
}

TEST_F(CurrentHello, ChainIdCertificateIsTheSecondOfTwoToFour) {
  // chainIdCaCerts (Transport/Shared.hs).
  Bytes a = unhex("01"), b = unhex("02"), c = unhex("03"), d = unhex("04"), e = unhex("05");
  EXPECT_FALSE(id_certificate({}).has_value());
  EXPECT_FALSE(id_certificate({a}).has_value());
  EXPECT_EQ(to_hex(*id_certificate({a, b})), "02");
  EXPECT_EQ(to_hex(*id_certificate({a, b, c})), "02");
  EXPECT_EQ(to_hex(*id_certificate({a, b, c, d})), "02");
  EXPECT_FALSE(id_certificate({a, b, c, d, e}).has_value());
}

TEST_F(CurrentHello, ServerHandshakeV6To18CarriesTheSignedKey) {
  // smpEncode (range, sessionId) <> encodeAuthEncryptCmds (maxVersion range) authPubKey.
  CurrentServerHandshake h{current_server_versions(), hex(kSessionId), cert_key()};
  Bytes expected = unhex("0006001220");  // 6, 18, then the session id's length
  append(expected, hex(kSessionId));
  append(expected, expected_cert_key());
  auto encoded = encode_current_server_handshake(h);
  ASSERT_TRUE(encoded.has_value());
  EXPECT_EQ(to_hex(*encoded), to_hex(expected));

  auto parsed = parse_current_server_handshake(expected);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->versions, current_server_versions());
  EXPECT_EQ(parsed->session_id, hex(kSessionId));
  ASSERT_TRUE(parsed->cert_key.has_value());
  EXPECT_EQ(*parsed->cert_key, cert_key());
  // getHandshake ignores what follows (padding is already gone; future fields).
  Bytes longer = expected;
  append(longer, as_bytes("future"));
  EXPECT_TRUE(parse_current_server_handshake(longer).has_value());
}

TEST_F(CurrentHello, ServerHandshakeBelowV7HasNoKey) {
  // legacyServerSMPRelayVRange 6..6: the key is not encoded (nor parsed) below v7.
  CurrentServerHandshake h{enc::VersionRange::single(6), hex(kSessionId), cert_key()};
  auto encoded = encode_current_server_handshake(h);
  ASSERT_TRUE(encoded.has_value());
  EXPECT_EQ(to_hex(*encoded), std::string("0006000620") + std::string(kSessionId));
  Bytes with_key = *encoded;
  append(with_key, expected_cert_key());
  auto parsed = parse_current_server_handshake(with_key);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(parsed->cert_key.has_value());
}

TEST_F(CurrentHello, ServerHandshakeWithAnUnparsableKeyHasNone) {
  // authEncryptCmdsP uses `optional`: bytes that are not a CertChainPubKey leave it absent.
  Bytes block = unhex("0006001220");
  append(block, hex(kSessionId));
  append(block, as_bytes("garbage"));
  auto parsed = parse_current_server_handshake(block);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(parsed->cert_key.has_value());
  // A range with min > max or a short field that runs out is a parse error.
  EXPECT_EQ(parse_current_server_handshake(unhex("0012000620")).error(), errc::handshake_parse);
  EXPECT_EQ(parse_current_server_handshake(unhex("000600122000")).error(), errc::handshake_parse);
}

struct ClientForm {
  std::uint16_t version;
  bool proxy;
  std::string tail;  // after version ‖ keyHash, hex
};

TEST_F(CurrentHello, ClientHandshakeFormsByVersion) {
  // smpEncode (v, keyHash) <> encodeAuthEncryptCmds v key <> ifHasProxy v proxyServer
  //   <> ifHasService v clientService.
  const std::string key(kClientKeyField);
  const ClientForm forms[] = {
      {6, false, ""},             // v6: no key
      {7, false, key},            // v7: the X25519 key
      {13, true, key},            // below v14: no proxy flag even for a proxy
      {14, false, key + "46"},    // v14: 'F'
      {14, true, key + "54"},     // 'T'
      {16, false, key + "4630"},  // v16: Maybe service, '0'
      {18, true, key + "5430"},
  };
  for (const auto& f : forms) {
    SCOPED_TRACE(f.version);
    CurrentClientHandshake h{f.version, hex(kKeyHash), f_->x25519_b, f.proxy, std::nullopt};
    std::string expected = to_hex(Bytes{0, static_cast<std::uint8_t>(f.version), 0x20}) +
                           std::string(kKeyHash) + f.tail;
    auto encoded = encode_current_client_handshake(h);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ(to_hex(*encoded), expected);

    auto parsed = parse_current_client_handshake(hex(expected));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->version, f.version);
    EXPECT_EQ(parsed->key_hash, hex(kKeyHash));
    EXPECT_EQ(parsed->dh_key.has_value(), f.version >= 7);
    if (parsed->dh_key) {
      EXPECT_EQ(*parsed->dh_key, f_->x25519_b);
    }
    EXPECT_EQ(parsed->proxy_server, f.proxy && f.version >= 14);
    EXPECT_FALSE(parsed->service.has_value());
  }
}

TEST_F(CurrentHello, ClientHandshakeWithAServiceAndItsParseFailures) {
  CurrentClientHandshake h{18, hex(kKeyHash), f_->x25519_b, false,
                           ClientService{ServiceRole::messaging, cert_key()}};
  Bytes expected = unhex("0012");
  append(expected, unhex("20"));
  append(expected, hex(kKeyHash));
  append(expected, hex(kClientKeyField));
  append(expected, as_bytes("F1M"));
  append(expected, expected_cert_key());
  auto encoded = encode_current_client_handshake(h);
  ASSERT_TRUE(encoded.has_value());
  EXPECT_EQ(to_hex(*encoded), to_hex(expected));
  auto parsed = parse_current_client_handshake(expected);
  ASSERT_TRUE(parsed.has_value());
  ASSERT_TRUE(parsed->service.has_value());
  EXPECT_EQ(parsed->service->role, ServiceRole::messaging);
  EXPECT_EQ(parsed->service->cert_key, cert_key());

  // An unknown role, a proxy flag other than T/F, a Maybe tag other than 0/1, a missing
  // flag at v14+: PARSE. A key that is not X25519 is absent (optional), then its bytes fail
  // as the proxy flag.
  Bytes base = unhex("0010");
  append(base, unhex("20"));
  append(base, hex(kKeyHash));
  append(base, hex(kClientKeyField));
  for (std::string_view tail : {"F1X", "X0", "F2", ""}) {
    Bytes bad = base;
    append(bad, as_bytes(tail));
    EXPECT_EQ(parse_current_client_handshake(bad).error(), errc::handshake_parse) << tail;
  }
  Bytes ed_key = unhex("0007");
  append(ed_key, unhex("20"));
  append(ed_key, hex(kKeyHash));
  enc::Writer w;
  crypto::write_public_key(w, f_->ed25519_a.public_key());
  append(ed_key, w.bytes());
  auto no_key = parse_current_client_handshake(ed_key);
  ASSERT_TRUE(no_key.has_value());
  EXPECT_FALSE(no_key->dh_key.has_value());
  // Trailing bytes are ignored.
  Bytes trailing = unhex("0006");
  append(trailing, unhex("20"));
  append(trailing, hex(kKeyHash));
  append(trailing, as_bytes("anything"));
  EXPECT_TRUE(parse_current_client_handshake(trailing).has_value());
}

TEST(CurrentHelloResponse, ResponseEncodingsAsTheReference) {
  // smpEncode ('R', serviceId) and smpEncode ('E', TransportError).
  Bytes id(24, 0xab);
  auto ok = encode_server_handshake_response({id, errc::ok});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(to_hex(*ok), "5218" + to_hex(id));
  auto refused = encode_server_handshake_response({std::nullopt, errc::handshake_bad_auth});
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(as_chars(*refused), "EHANDSHAKE BAD_AUTH");
  auto version = encode_server_handshake_response({std::nullopt, errc::handshake_version});
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(as_chars(*version), "EVERSION");
  EXPECT_EQ(encode_server_handshake_response({std::nullopt, errc::timeout}).error(), errc::bad_tag);

  auto parsed = parse_server_handshake_response(*ok);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->service_id, id);
  struct Case {
    std::string_view text;
    errc expected;
  };
  for (const Case& c :
       {Case{"EBLOCK", errc::transport_bad_block}, Case{"EVERSION", errc::handshake_version},
        Case{"ELARGE_MSG", errc::transport_large_msg}, Case{"ESESSION", errc::bad_session},
        Case{"ENO_AUTH", errc::transport_no_auth}, Case{"EHANDSHAKE PARSE", errc::handshake_parse},
        Case{"EHANDSHAKE IDENTITY", errc::handshake_identity},
        Case{"EHANDSHAKE BAD_AUTH", errc::handshake_bad_auth},
        Case{"EHANDSHAKE BAD_SERVICE", errc::handshake_bad_service},
        Case{"EVERSION and more", errc::handshake_version},
        Case{"EHANDSHAKE BAD_AUTH\nmore", errc::handshake_bad_auth}}) {
    auto r = parse_server_handshake_response(as_bytes(c.text));
    ASSERT_TRUE(r.has_value()) << c.text;
    EXPECT_FALSE(r->service_id.has_value());
    EXPECT_EQ(r->error, c.expected) << c.text;
  }
  for (std::string_view bad : {"", "X", "EVERSIONX", "EHANDSHAKE", "EHANDSHAKE NOPE", "R"}) {
    EXPECT_EQ(parse_server_handshake_response(as_bytes(bad)).error(), errc::handshake_parse) << bad;
  }
}

TEST(CurrentHelloDecisions, ServerChecksKeyHashFirstThenVersion) {
  // smpServerHandshake: IDENTITY before compatibleVRange' (TEVersion).
  Bytes kh(32, 7);
  CurrentClientHandshake h{18, kh, std::nullopt, false, std::nullopt};
  auto agreed = accept_current_client(h, kh, current_server_versions());
  ASSERT_TRUE(agreed.has_value());
  EXPECT_EQ(*agreed, enc::VersionRange::of(6, 18));
  h.version = 11;
  EXPECT_EQ(*accept_current_client(h, kh, current_server_versions()), enc::VersionRange::of(6, 11));
  h.version = 6;
  EXPECT_EQ(*accept_current_client(h, kh, current_server_versions()), enc::VersionRange::of(6, 6));
  for (std::uint16_t v : std::initializer_list<std::uint16_t>{0, 1, 5, 19, 20}) {
    h.version = v;
    EXPECT_EQ(accept_current_client(h, kh, current_server_versions()).error(),
              errc::handshake_version);
  }
  h.version = 19;
  Bytes other = kh;
  other[0] ^= 1;
  EXPECT_EQ(accept_current_client(h, other, current_server_versions()).error(),
            errc::handshake_identity);
}

TEST(CurrentHelloDecisions, ClientTakesTheHighestCommonVersionAndCapsAProxy) {
  Bytes sid(32, 1);
  auto server = [&](std::uint16_t min, std::uint16_t max) {
    return CurrentServerHandshake{*enc::VersionRange::make(min, max), sid, std::nullopt};
  };
  ClientHandshakeOptions client;
  EXPECT_EQ(*choose_current_versions(server(6, 18), sid, client), enc::VersionRange::of(6, 18));
  EXPECT_EQ(*choose_current_versions(server(6, 12), sid, client), enc::VersionRange::of(6, 12));
  EXPECT_EQ(*choose_current_versions(server(8, 20), sid, client), enc::VersionRange::of(8, 18));
  EXPECT_EQ(choose_current_versions(server(19, 20), sid, client).error(), errc::handshake_version);
  ClientHandshakeOptions capped{enc::VersionRange::of(6, 10), false};
  EXPECT_EQ(*choose_current_versions(server(6, 18), sid, capped), enc::VersionRange::of(6, 10));
  // A proxy towards a server below v14 stays at 10 (max(min, 10)); from v14 it does not.
  ClientHandshakeOptions proxy{current_server_versions(), true};
  EXPECT_EQ(*choose_current_versions(server(6, 13), sid, proxy), enc::VersionRange::of(6, 10));
  EXPECT_EQ(*choose_current_versions(server(6, 14), sid, proxy), enc::VersionRange::of(6, 14));
  ClientHandshakeOptions high_proxy{enc::VersionRange::of(12, 18), true};
  EXPECT_EQ(*choose_current_versions(server(6, 13), sid, high_proxy),
            enc::VersionRange::of(12, 12));
  Bytes other = sid;
  other[3] ^= 1;
  EXPECT_EQ(choose_current_versions(server(6, 18), other, client).error(), errc::bad_session);
}

TEST_F(CurrentHello, ClientChecksTheIdCertificateAndTheSignedKey) {
  // smpClientHandshake: chainIdCaCerts ... CCValid {idCert} with the key hash, then
  // verifyX509 with the TLS certificate key (here ed25519-A stands for it).
  const crypto::PublicKey signer = f_->ed25519_a.public_key();
  auto ok = verify_server_dh_key(cert_key(), hex(kKeyHash), signer);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, f_->x25519_a);
  Bytes wrong_hash = hex(kKeyHash);
  wrong_hash[0] ^= 1;
  EXPECT_EQ(verify_server_dh_key(cert_key(), wrong_hash, signer).error(), errc::handshake_bad_auth);
  CertChainPubKey one = cert_key();
  one.chain.pop_back();
  EXPECT_EQ(verify_server_dh_key(one, hex(kKeyHash), signer).error(), errc::handshake_bad_auth);
  CertChainPubKey three = cert_key();
  three.chain.push_back(f_->ca_der);  // [online, CA, CA]: the idCert is still the CA
  EXPECT_TRUE(verify_server_dh_key(three, hex(kKeyHash), signer).has_value());
  EXPECT_EQ(verify_server_dh_key(cert_key(), hex(kKeyHash), f_->ed448_a.public_key()).error(),
            errc::handshake_bad_auth);
}

}  // namespace
}  // namespace smp::transport
