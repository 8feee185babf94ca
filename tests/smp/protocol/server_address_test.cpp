#include "smp/protocol/server_address.h"

#include <gtest/gtest.h>

#include "smp/encoding/base64.h"
#include "support/vectors.h"

namespace smp::protocol {
namespace {

using test::hex;
using test::str;

SmpServer server_of(const boost::json::value& v) {
  SmpServer s{str(v.at("host")), str(v.at("port")), hex(v.at("key_hash"))};
  EXPECT_EQ(enc::b64url_encode(s.key_hash), str(v.at("key_hash_str")));
  return s;
}

TEST(SmpServerAddress, EncodesEveryVectorInBothForms) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  const auto& cases = v.at("smp_server_encode").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SmpServer s = server_of(c.at("value"));
    EXPECT_EQ(str_encode(s), str(c.at("str_encoded")));
    enc::Writer w;
    write_smp_server(w, s);
    EXPECT_EQ(to_hex(w.bytes()), str(c.at("smp_encoded")));

    enc::Reader r(w.bytes());
    auto back = read_smp_server(r);
    r.expect_end();
    ASSERT_TRUE(r.ok() && back);
    EXPECT_EQ(*back, s);
    EXPECT_EQ(decode_smp_server(str(c.at("str_encoded"))).value(), s);
  }
}

TEST(SmpServerAddress, DecodesEveryStringVector) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  const auto& cases = v.at("smp_server_str_decode").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    std::string input = str(c.at("input"));
    const auto& expected = c.at("strDecode").as_object();
    auto got = decode_smp_server(input);
    ASSERT_EQ(got.has_value(), expected.at("ok").as_bool()) << input;
    if (got) {
      EXPECT_EQ(got.value(), server_of(expected.at("value"))) << input;
    } else {
      EXPECT_EQ(got.error(), make_error_code(errc::bad_address)) << input;
    }
  }
}

const Bytes kHash(32, 0xab);

// `smp-server init` prints the address with its create_password (the reference's
// ProtoServerWithAuth form): the password is kept for NEW and never written back out.
TEST(SmpServerAddress, APasswordBeforeTheHostIsKeptButNotWritten) {
  std::string kh = enc::b64url_encode(kHash);
  auto s = decode_smp_server("smp://" + kh + ":s3cret@example.com:5223");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->host, "example.com");
  EXPECT_EQ(s->port, "5223");
  EXPECT_EQ(s->key_hash, kHash);
  EXPECT_EQ(s->password, "s3cret");
  EXPECT_EQ(str_encode(*s), "smp://" + kh + "@example.com:5223");
  auto plain = decode_smp_server("smp://" + kh + "@example.com");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->password, "");
  EXPECT_FALSE(decode_smp_server("smp://" + kh + ":@example.com"));
  EXPECT_FALSE(decode_smp_server("smp://" + kh + ":nohost"));
}

TEST(SmpServerAddress, HostTakesAnyByteButSeparators) {
  std::string kh = enc::b64url_encode(kHash);
  auto s = decode_smp_server("smp://" + kh + "@us?er@h\xe9st!:443");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->host, "us?er@h\xe9st!");
  EXPECT_EQ(s.value().port, "443");
  // Only ": # , ; /" and space end a host; even a newline is part of it, as in the reference.
  EXPECT_EQ(decode_smp_server("smp://" + kh + "@h\n").value().host, "h\n");
  for (std::string_view sep : {"#", ",", ";", "/", " "}) {
    std::string text = "smp://" + kh + "@host" + std::string(sep) + "x";
    EXPECT_FALSE(decode_smp_server(text)) << text;
    std::string_view in = text;
    auto prefix = parse_smp_server(in);
    ASSERT_TRUE(prefix) << text;
    EXPECT_EQ(prefix->host, "host");
    EXPECT_EQ(in, std::string(sep) + "x");
  }
}

TEST(SmpServerAddress, RejectsMalformedText) {
  std::string kh = enc::b64url_encode(kHash);
  for (const std::string& bad : std::vector<std::string>{"", "smp://", "smp:/" + kh + "@h", "SMP://" + kh + "@h",
                          "smp://" + kh + "@", "smp://" + kh + "h", "smp://" + kh + "@:5223",
                          "smp://" + kh + "@h:", "smp://" + kh + "@h:52x", "smp://" + kh + "@h:-1",
                          "smp://" + kh.substr(1) + "@h", "smp://Y@h", "smp://YQ=@h",
                          "smp://" + kh + "@h "}) {
    auto r = decode_smp_server(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error(), make_error_code(errc::bad_address)) << bad;
    }
  }
}

TEST(SmpServerAddress, ParseLeavesInputUnchangedOnError) {
  std::string_view in = "smp://@host";
  EXPECT_FALSE(parse_smp_server(in));
  EXPECT_EQ(in, "smp://@host");
}

TEST(SmpServerAddress, KeyHashOfAnyLengthIsAccepted) {
  // The reference does not check the length; its own tests use a 4-byte hash.
  auto s = decode_smp_server("smp://1234-w==@smp.simplex.im:5223");
  ASSERT_TRUE(s);
  EXPECT_EQ(to_hex(s->key_hash), "d76df8fb");
}

TEST(SmpServerAddress, PortNeedsDigitsOtherwiseColonIsLeft) {
  std::string_view in = "host:abc";
  auto loc = parse_srv_loc(in);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->host, "host");
  EXPECT_EQ(loc.value().port, "");
  EXPECT_EQ(in, ":abc");
  EXPECT_EQ(str_encode(SrvLoc{"h", ""}), "h");
  EXPECT_EQ(str_encode(SrvLoc{"h", "80"}), "h:80");
}

TEST(SmpServerBinary, RejectsTruncatedAndTrailingInput) {
  SmpServer s{"smp.example.com", "5223", kHash};
  enc::Writer w;
  write_smp_server(w, s);
  Bytes full = w.bytes();
  for (std::size_t n = 0; n < full.size(); ++n) {
    enc::Reader r(ByteView(full).first(n));
    EXPECT_FALSE(read_smp_server(r)) << n;
    EXPECT_EQ(r.error(), errc::truncated) << n;
  }
  Bytes longer = full;
  longer.push_back(0);
  enc::Reader r(longer);
  EXPECT_TRUE(read_smp_server(r));
  r.expect_end();
  EXPECT_EQ(r.error(), errc::trailing_bytes);

  Bytes beyond = {0x05, 'h', 0x00, 0x00};  // host length past the end
  enc::Reader rb(beyond);
  EXPECT_FALSE(read_smp_server(rb));
  EXPECT_EQ(rb.error(), errc::truncated);
}

TEST(SmpServerBinary, WriterRefusesOverlongHost) {
  SmpServer s{std::string(256, 'h'), "", kHash};
  enc::Writer w;
  write_smp_server(w, s);
  EXPECT_EQ(w.error(), errc::value_too_large);
}

TEST(SmpServerEndpoint, DefaultPortIsTlsAndPort80IsWebSocket) {
  EXPECT_EQ(server_endpoint({"h", "", kHash}), (ServerEndpoint{"5223", TransportKind::tls}));
  EXPECT_EQ(server_endpoint({"h", "80", kHash}), (ServerEndpoint{"80", TransportKind::websocket}));
  EXPECT_EQ(server_endpoint({"h", "443", kHash}), (ServerEndpoint{"443", TransportKind::tls}));
  EXPECT_EQ(server_endpoint({"h", "5223", kHash}), (ServerEndpoint{"5223", TransportKind::tls}));
}

}  // namespace
}  // namespace smp::protocol
