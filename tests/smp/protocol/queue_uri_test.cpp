#include "smp/protocol/queue_uri.h"

#include <gtest/gtest.h>

#include "smp/encoding/base64.h"
#include "smp/crypto/key_string.h"
#include "support/vectors.h"

namespace smp::protocol {
namespace {

using crypto::KeyAlgorithm;
using test::hex;
using test::str;

SmpServer server_of(const boost::json::value& v) {
  return SmpServer{str(v.at("host")), str(v.at("port")), hex(v.at("key_hash"))};
}

enc::VersionRange range_of(const boost::json::value& v) {
  return enc::VersionRange::make(static_cast<enc::Version>(v.at("min").as_int64()),
                                 static_cast<enc::Version>(v.at("max").as_int64()))
      .value();
}

SmpQueueUri queue_of(const boost::json::value& v) {
  return SmpQueueUri{server_of(v.at("smp_server")), hex(v.at("sender_id")),
                     range_of(v.at("client_version_range")),
                     crypto::decode_public_key_der(hex(v.at("dh_public_key_x509_der")),
                                                   crypto::kDhX25519)
                         .value()};
}

TEST(SmpQueueUri, EncodesEveryVectorInShortForm) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  const auto& cases = v.at("smp_queue_uri_encode").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SmpQueueUri uri = queue_of(c.at("value"));
    std::string text = str(c.at("str_encoded"));
    EXPECT_EQ(str_encode(uri), text);
    // The short form carries no versions: it decodes to 1-1 whatever was encoded.
    auto back = decode_queue_uri(text);
    ASSERT_TRUE(back) << text;
    SmpQueueUri expected = uri;
    expected.client_versions = kShortQueueUriVersions;
    EXPECT_EQ(back.value(), expected);
  }
}

TEST(SmpQueueUri, DecodesEveryVectorIncludingVersionedForms) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  const auto& cases = v.at("smp_queue_uri_decode").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    std::string input = str(c.at("input"));
    const auto& expected = c.at("strDecode").as_object();
    auto got = decode_queue_uri(input);
    ASSERT_EQ(got.has_value(), expected.at("ok").as_bool()) << input;
    if (got) {
      EXPECT_EQ(got.value(), queue_of(expected.at("value"))) << input;
    } else {
      EXPECT_EQ(got.error(), make_error_code(errc::bad_uri)) << input;
    }
  }
}

class SmpQueueUriForms : public ::testing::Test {
 protected:
  const SmpServer server_{"smp.example.com", "5223", Bytes(32, 0x5a)};
  const Bytes sender_id_ = Bytes(24, 0x17);
  const crypto::PublicKey dh_ = crypto::generate_key_pair(KeyAlgorithm::x25519).public_key;

  std::string prefix() const { return str_encode(server_) + "/" + enc::b64url_encode(sender_id_); }
  std::string key() const { return crypto::str_encode(dh_); }
};

TEST_F(SmpQueueUriForms, AcceptsEveryDocumentedVariant) {
  for (const std::string& text : std::vector<std::string>{
           prefix() + "#" + key(),
           prefix() + "/#" + key(),
           prefix() + "#" + key() + "?v=1",
           prefix() + "#" + key() + "/?v=1",
           prefix() + "#?v=1&dh=" + key(),
           prefix() + "#/?v=1;dh=" + key(),
           prefix() + "#/?dh=" + key() + "&v=1&other=%ZZ",
       }) {
    auto got = decode_queue_uri(text);
    ASSERT_TRUE(got) << text;
    EXPECT_EQ(got.value().dh_public_key, dh_) << text;
    EXPECT_EQ(got.value().sender_id, sender_id_) << text;
    EXPECT_EQ(got.value().server, server_) << text;
  }
}

TEST_F(SmpQueueUriForms, KeyAfterHashWinsOverDhParameter) {
  auto other = crypto::generate_key_pair(KeyAlgorithm::x25519).public_key;
  auto got = decode_queue_uri(prefix() + "#" + key() + "/?v=1-3&dh=" + crypto::str_encode(other));
  ASSERT_TRUE(got);
  EXPECT_EQ(got.value().dh_public_key, dh_);
  EXPECT_EQ(got.value().client_versions, enc::VersionRange::of(1, 3));
}

TEST_F(SmpQueueUriForms, RejectsWrongKeyAlgorithm) {
  for (KeyAlgorithm alg : {KeyAlgorithm::x448, KeyAlgorithm::ed25519, KeyAlgorithm::ed448}) {
    std::string wrong = crypto::str_encode(crypto::generate_key_pair(alg).public_key);
    EXPECT_FALSE(decode_queue_uri(prefix() + "#" + wrong)) << wrong;
    EXPECT_FALSE(decode_queue_uri(prefix() + "#/?v=1&dh=" + wrong)) << wrong;
    EXPECT_FALSE(decode_queue_uri(prefix() + "#" + wrong + "/?v=1&dh=" + key())) << wrong;
  }
}

TEST_F(SmpQueueUriForms, RejectsMissingOrBrokenParts) {
  std::string k = key();
  std::string kh = enc::b64url_encode(server_.key_hash);
  for (const std::string& text : std::vector<std::string>{
           "",
           prefix(),
           prefix() + "#",
           prefix() + k,
           prefix() + "/" + k,
           prefix() + "//#" + k,
           prefix() + "#" + k + " ",
           prefix() + "#" + k + "x",
           prefix() + "#" + k + ",",
           prefix() + "#" + k.substr(0, 20),
           prefix() + "#?dh=" + k,                  // no v
           prefix() + "#?v=1",                      // no key anywhere
           prefix() + "#?v=2-1&dh=" + k,            // bad range
           prefix() + "#?v=1x&dh=" + k,             // trailing text in v
           prefix() + "#?v=1&dh=" + k + "x",        // trailing text in dh
           prefix() + "#?v=1&dh=" + k + " more",    // text after the query
           prefix() + "#//?v=1&dh=" + k,
           str_encode(server_) + "/#" + k,          // empty sender id
           str_encode(server_) + "#" + k,           // no '/' before the sender id
           "smp://" + kh + "@/" + enc::b64url_encode(sender_id_) + "#" + k,  // empty host
           "smp://" + kh + "@h:/" + enc::b64url_encode(sender_id_) + "#" + k,
           "https://" + kh + "@h/" + enc::b64url_encode(sender_id_) + "#" + k,
           // A server password (basic auth) has no place in a queue URI.
           "smp://" + kh + ":secret@h/" + enc::b64url_encode(sender_id_) + "#" + k,
           prefix() + "#" + enc::b64url_encode(to_bytes("junk")),
       }) {
    auto got = decode_queue_uri(text);
    EXPECT_FALSE(got) << text;
    if (!got) {
      EXPECT_EQ(got.error(), make_error_code(errc::bad_uri)) << text;
    }
  }
}

TEST_F(SmpQueueUriForms, EncodeDecodeRoundTrip) {
  SmpQueueUri uri{server_, sender_id_, kShortQueueUriVersions, dh_};
  auto back = decode_queue_uri(str_encode(uri));
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), uri);
  uri.server.port = "";
  EXPECT_EQ(decode_queue_uri(str_encode(uri)).value(), uri);
}

// The versioned form as the current reference writes it: SMPQueueUri's strEncode in
// src/Simplex/Messaging/Agent/Protocol.hs at 92598c2dd (simplexmq 6.5.5) — "#/?" and the
// query v, dh, then q (queueModeParam) and k=s (sndSecureParam: a messaging queue while the
// range's minimum is below shortLinksSMPClientVersion 4), escaped as QSP QEscape does (http-
// types urlEncode: '=' → %3D). The expected texts follow those rules over the values of the
// smp_queue_uri vectors (encoding.json).
TEST(SmpQueueUri, EncodesTheVersionedFormAsTheCurrentReference) {
  const std::string kh = "KPaaO83O9zbWT2_PxMzYWIX88YCMp923OZZr3R1RrFE=";
  const std::string sid = "_z-sCvHsg5Jhf28ugUBYOCJjB6MD4ewL";
  const std::string dh = "MCowBQYDK2VuAyEA96g7e_KkqiVtqJL_EtvpKp4PLaXElDTorbOXV--7XXs";
  const std::string prefix = "smp://" + kh + "@smp.example.com:5223/" + sid + "#/?";
  auto server = decode_smp_server("smp://" + kh + ":pass@smp.example.com:5223");
  ASSERT_TRUE(server);
  SmpQueueUri uri{*server, enc::b64url_decode(sid).value(), kCurrentQueueUriVersions,
                  crypto::decode_public_key_str(dh + "=", crypto::kDhX25519).value(),
                  QueueMode::messaging};
  EXPECT_EQ(str_encode_versioned(uri), prefix + "v=1-4&dh=" + dh + "%3D&q=m&k=s");
  uri.queue_mode = QueueMode::contact;
  EXPECT_EQ(str_encode_versioned(uri), prefix + "v=1-4&dh=" + dh + "%3D&q=c");
  uri.queue_mode = std::nullopt;
  EXPECT_EQ(str_encode_versioned(uri), prefix + "v=1-4&dh=" + dh + "%3D");
  uri.client_versions = enc::VersionRange::of(4, 4);
  uri.queue_mode = QueueMode::messaging;
  EXPECT_EQ(str_encode_versioned(uri), prefix + "v=4&dh=" + dh + "%3D&q=m");
}

TEST_F(SmpQueueUriForms, TheVersionedFormRoundTripsWithItsQueueMode) {
  for (auto mode : {std::optional<QueueMode>{}, std::optional{QueueMode::messaging},
                    std::optional{QueueMode::contact}}) {
    SmpQueueUri uri{server_, sender_id_, kCurrentQueueUriVersions, dh_, mode};
    auto back = decode_queue_uri(str_encode_versioned(uri));
    ASSERT_TRUE(back) << str_encode_versioned(uri);
    EXPECT_EQ(back.value(), uri);
  }
  // k=s alone (client versions 3) reads as a messaging queue; an unknown q as none.
  auto k = decode_queue_uri(prefix() + "#/?v=1-3&dh=" + key() + "&k=s");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->queue_mode, QueueMode::messaging);
  auto unknown = decode_queue_uri(prefix() + "#/?v=1-4&dh=" + key() + "&q=x");
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->queue_mode);
}

}  // namespace
}  // namespace smp::protocol
