#include "smp/agent/connection_request.h"

#include <gtest/gtest.h>

#include "smp/encoding/base64.h"
#include "smp/crypto/key_string.h"
#include "smp/encoding/query_string.h"
#include "support/vectors.h"

namespace smp::agent {
namespace {

using crypto::KeyAlgorithm;
using protocol::SmpQueueUri;
using protocol::SmpServer;
using test::hex;
using test::str;

enc::VersionRange range_of(const boost::json::value& v) {
  return enc::VersionRange::make(static_cast<enc::Version>(v.at("min").as_int64()),
                                 static_cast<enc::Version>(v.at("max").as_int64()))
      .value();
}

crypto::PublicKey key_of(const boost::json::value& der, crypto::AlgorithmSet allowed) {
  return crypto::decode_public_key_der(hex(der), allowed).value();
}

SmpQueueUri queue_of(const boost::json::value& v) {
  const auto& s = v.at("smp_server");
  return SmpQueueUri{SmpServer{str(s.at("host")), str(s.at("port")), hex(s.at("key_hash"))},
                     hex(v.at("sender_id")), range_of(v.at("client_version_range")),
                     key_of(v.at("dh_public_key_x509_der"), crypto::kDhX25519)};
}

ConnReqScheme scheme_of(const std::string& text) {
  if (text == "simplex:") return ConnReqScheme::simplex();
  EXPECT_TRUE(text.starts_with("https://")) << text;
  std::string_view rest = std::string_view(text).substr(8);
  auto loc = protocol::parse_srv_loc(rest);
  EXPECT_TRUE(loc && rest.empty()) << text;
  return ConnReqScheme{loc.value()};
}

ConnectionRequest request_of(const boost::json::value& v) {
  std::string mode = str(v.at("mode"));
  EXPECT_TRUE(mode == "invitation" || mode == "contact") << mode;
  const auto& data = v.at("data");
  ConnectionRequest r{mode == "invitation" ? ConnectionMode::invitation : ConnectionMode::contact,
                      scheme_of(str(data.at("scheme"))), range_of(data.at("agent_version_range")),
                      {}, std::nullopt};
  for (const auto& q : data.at("smp_queues").as_array()) r.queues.push_back(queue_of(q));
  if (const auto* e2e = v.as_object().if_contains("e2e")) {
    r.e2e = E2ERatchetParamsUri{range_of(e2e->at("version_range")),
                                key_of(e2e->at("x3dh_key1_x509_der"), crypto::kDhX448),
                                key_of(e2e->at("x3dh_key2_x509_der"), crypto::kDhX448)};
  }
  return r;
}

TEST(ConnectionRequestVectors, EncodesEveryVectorByteForByte) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  const auto& cases = v.at("connection_request_encode").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    ConnectionRequest request = request_of(c.at("value"));
    std::string text = str(c.at("str_encoded"));
    auto encoded = str_encode(request);
    ASSERT_TRUE(encoded);
    EXPECT_EQ(encoded.value(), text);
    auto back = decode_connection_request(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(back.value(), request);
  }
}

TEST(ConnectionRequestVectors, DecodesEveryVector) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  const auto& cases = v.at("connection_request_decode").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    std::string input = str(c.at("input"));
    const auto& expected = c.at("strDecode").as_object();
    auto got = decode_connection_request(input);
    ASSERT_EQ(got.has_value(), expected.at("ok").as_bool()) << input;
    if (got) {
      EXPECT_EQ(got.value(), request_of(expected.at("value"))) << input;
    } else {
      EXPECT_EQ(got.error(), make_error_code(errc::bad_uri)) << input;
    }
  }
}

// The worked example of the spec (§7.4, from the reference's own tests): a 4-byte key hash
// and the same X448 key twice.
TEST(ConnectionRequestVectors, DecodesTheSpecWorkedExample) {
  const std::string text =
      "https://simplex.chat/invitation#/?v=1&smp=smp%3A%2F%2F1234-w%3D%3D%40smp.simplex.im%3A5223"
      "%2F3456-w%3D%3D%23MCowBQYDK2VuAyEAjiswwI3O_NlS8Fk3HJUW870EY2bAwmttMBsvRB9eV3o%3D&e2e=v%3D1"
      "%26x3dh%3DMEIwBQYDK2VvAzkAmKuSYeQ_m0SixPDS8Wq8VBaTS1cW-Lp0n0h4Diu-kUpR-qXx4SDJ32YGEFoGFGSb"
      "GPry5Ychr6U%3D%2CMEIwBQYDK2VvAzkAmKuSYeQ_m0SixPDS8Wq8VBaTS1cW-Lp0n0h4Diu-kUpR-qXx4SDJ32YGEF"
      "oGFGSbGPry5Ychr6U%3D";
  auto r = decode_connection_request(text);
  ASSERT_TRUE(r);
  const ConnectionRequest& req = r.value();
  EXPECT_EQ(req.mode, ConnectionMode::invitation);
  EXPECT_EQ(req.scheme, ConnReqScheme::simplex_chat());
  ASSERT_EQ(req.queues.size(), 1u);
  EXPECT_EQ(to_hex(req.queues[0].server.key_hash), "d76df8fb");
  EXPECT_EQ(to_hex(req.queues[0].sender_id), "df8e7afb");
  EXPECT_EQ(req.queues[0].server.host, "smp.simplex.im");
  ASSERT_TRUE(req.e2e);
  EXPECT_EQ(req.e2e->key1, req.e2e->key2);
  EXPECT_EQ(str_encode(req).value(), text);
}

class ConnectionRequestForms : public ::testing::Test {
 protected:
  SmpQueueUri queue(std::uint8_t seed, std::string port = "5223") const {
    return SmpQueueUri{SmpServer{"smp" + std::to_string(seed) + ".example.com", port, Bytes(32, seed)},
                       Bytes(24, static_cast<std::uint8_t>(seed + 1)), protocol::kShortQueueUriVersions,
                       crypto::generate_key_pair(KeyAlgorithm::x25519).public_key};
  }
  E2ERatchetParamsUri e2e() const {
    return E2ERatchetParamsUri{enc::VersionRange::single(1),
                               crypto::generate_key_pair(KeyAlgorithm::x448).public_key,
                               crypto::generate_key_pair(KeyAlgorithm::x448).public_key};
  }
  ConnectionRequest invitation() const {
    return ConnectionRequest{ConnectionMode::invitation, ConnReqScheme::simplex_chat(),
                             enc::VersionRange::single(1), {queue(1)}, e2e()};
  }
  ConnectionRequest contact() const {
    return ConnectionRequest{ConnectionMode::contact, ConnReqScheme::simplex(),
                             enc::VersionRange::of(1, 2), {queue(1), queue(2, "")}, std::nullopt};
  }
  // Rebuilds an encoded request with its query replaced.
  static std::string with_query(const std::string& head, const enc::QueryParams& q) {
    return head + enc::render_query(q);
  }
};

TEST_F(ConnectionRequestForms, RoundTripsBothModesAndSchemes) {
  for (ConnectionRequest req : {invitation(), contact()}) {
    for (ConnReqScheme scheme : {ConnReqScheme::simplex(), ConnReqScheme::simplex_chat(),
                                 ConnReqScheme{protocol::SrvLoc{"example.org", "8443"}}}) {
      req.scheme = scheme;
      std::string text = str_encode(req).value();
      auto back = decode_connection_request(text);
      ASSERT_TRUE(back) << text;
      EXPECT_EQ(back.value(), req) << text;
    }
  }
}

TEST_F(ConnectionRequestForms, EmitsParametersInOrderVSmpE2e) {
  std::string text = str_encode(invitation()).value();
  std::size_t q = text.find("#/?");
  ASSERT_NE(q, std::string::npos);
  EXPECT_EQ(text.substr(0, q), "https://simplex.chat/invitation");
  enc::QueryParams params = enc::decode_query(std::string_view(text).substr(q + 3)).value();
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0].first, "v");
  EXPECT_EQ(params[1].first, "smp");
  EXPECT_EQ(params[2].first, "e2e");
  EXPECT_TRUE(params[2].second.starts_with("v=1&x3dh=")) << params[2].second;
  std::string contact_text = str_encode(contact()).value();
  EXPECT_TRUE(contact_text.starts_with("simplex:/contact#/?v=1-2&smp=")) << contact_text;
  EXPECT_EQ(contact_text.find("e2e"), std::string::npos);
}

TEST_F(ConnectionRequestForms, EncoderRefusesInvalidRequests) {
  ConnectionRequest inv = invitation();
  inv.e2e.reset();
  EXPECT_EQ(str_encode(inv).error(), make_error_code(errc::bad_uri));
  ConnectionRequest con = contact();
  con.e2e = e2e();
  EXPECT_EQ(str_encode(con).error(), make_error_code(errc::bad_uri));
  con = contact();
  con.queues.clear();
  EXPECT_EQ(str_encode(con).error(), make_error_code(errc::bad_uri));
}

TEST_F(ConnectionRequestForms, AcceptsSlashBeforeQueryAndIgnoresUnknownOrContactE2e) {
  ConnectionRequest con = contact();
  std::string text = str_encode(con).value();
  std::size_t pos = text.find("#/?");
  std::string slashed;
  slashed.append(text, 0, pos);
  slashed += '/';
  slashed.append(text, pos);
  EXPECT_EQ(decode_connection_request(slashed).value(), con);
  EXPECT_EQ(decode_connection_request(text + "&e2e=garbage&zz=1").value(), con);
  EXPECT_EQ(decode_connection_request(text + ";v=9").value(), con);  // first v wins
  // Keys and hashes may lose their '=' padding (the base64url decoder adds it back).
  std::string unpadded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "%3D") == 0) i += 2;
    else unpadded += text[i];
  }
  EXPECT_EQ(decode_connection_request(unpadded).value(), con);
}

TEST_F(ConnectionRequestForms, ParseStopsAtSpaceOrNewline) {
  ConnectionRequest inv = invitation();
  std::string text = str_encode(inv).value();
  std::string line = text + " connection info\n";
  std::string_view in = line;
  auto req = parse_connection_request(in);
  ASSERT_TRUE(req);
  EXPECT_EQ(req.value(), inv);
  EXPECT_EQ(in, " connection info\n");
  EXPECT_EQ(decode_connection_request(text + " x").error(), make_error_code(errc::bad_uri));
}

TEST_F(ConnectionRequestForms, RejectsMalformedRequests) {
  ConnectionRequest inv = invitation();
  std::string good = str_encode(inv).value();
  std::string head = "https://simplex.chat/invitation#/?";
  std::string v = "1";
  std::string smp = protocol::str_encode(inv.queues[0]);
  std::string e2e = str_encode(*inv.e2e);
  std::string x448 = crypto::str_encode(inv.e2e->key1);
  std::string x25519 = crypto::str_encode(inv.queues[0].dh_public_key);
  for (const std::string& text : std::vector<std::string>{
           "",
           "https://simplex.chat/invitation",
           "https://simplex.chat/invitation#?v=1",
           "https:/simplex.chat/invitation#/?v=1",
           "http://simplex.chat/invitation#/?v=1",
           "simplex/invitation#/?v=1",
           "simplex://invitation#/?v=1",
           "https:///invitation#/?v=1",
           "https://simplex.chat//invitation#/?",
           "https://simplex.chat/Invitation#/?",
           "https://simplex.chat/invitation//#/?",
           good.substr(0, good.size() - 6),                          // truncated key in e2e
           with_query(head, {{"smp", smp}, {"e2e", e2e}}),           // no v
           with_query(head, {{"v", v}, {"e2e", e2e}}),               // no smp
           with_query(head, {{"v", v}, {"smp", smp}}),               // invitation without e2e
           with_query(head, {{"v", "2-1"}, {"smp", smp}, {"e2e", e2e}}),
           with_query(head, {{"v", v}, {"smp", ""}, {"e2e", e2e}}),
           with_query(head, {{"v", v}, {"smp", smp + ","}, {"e2e", e2e}}),
           with_query(head, {{"v", v}, {"smp", "," + smp}, {"e2e", e2e}}),
           with_query(head, {{"v", v}, {"smp", smp + " "}, {"e2e", e2e}}),
           with_query(head, {{"v", v}, {"smp", smp}, {"e2e", "v=1&x3dh=" + x448}}),       // one key
           with_query(head, {{"v", v}, {"smp", smp}, {"e2e", "v=1&x3dh=" + x448 + "," + x448 + "," + x448}}),
           with_query(head, {{"v", v}, {"smp", smp}, {"e2e", "v=1&x3dh=" + x448 + "," + x25519}}),  // wrong alg
           with_query(head, {{"v", v}, {"smp", smp}, {"e2e", "x3dh=" + x448 + "," + x448}}),        // no v
           with_query(head, {{"v", v}, {"smp", smp}, {"e2e", "v=1&x3dh=" + x448 + "," + x448 + " "}}),
           with_query(head, {{"v", v}, {"smp", smp}, {"e2e", "v=1&x3dh=" + x448 + ",,"  + x448}}),
       }) {
    auto got = decode_connection_request(text);
    EXPECT_FALSE(got) << text;
    if (!got) {
      EXPECT_EQ(got.error(), make_error_code(errc::bad_uri)) << text;
    }
    std::string_view in = text;
    EXPECT_FALSE(parse_connection_request(in)) << text;
    EXPECT_EQ(in, text) << "input must be left unchanged";
  }
}

}  // namespace
}  // namespace smp::agent
