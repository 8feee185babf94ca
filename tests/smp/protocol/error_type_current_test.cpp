// ErrorType of the current generation: Encoding ErrorType / CommandError / ProxyError /
// BrokerErrorType / TransportError / NetworkError and StrEncoding BlockingInfo (Protocol.hs,
// Transport.hs, simplexmq 6.5.5). Strings in nested errors are u8-length-prefixed
// (Encoding String).
#include <gtest/gtest.h>

#include <string>

#include "smp/protocol/error_type.h"

namespace smp::protocol {
namespace {

std::string encode(const SmpError& e, SmpVersion v = kCurrentMaxVersion) {
  return to_string(encode_error_type(e, v));
}

std::optional<SmpError> parse(std::string_view s) {
  auto r = parse_error_type_current(as_bytes(s));
  if (!r) return std::nullopt;
  return *r;
}

SmpError proxy_broker(BrokerErrorInfo b) {
  return SmpError::proxy(ProxyErrorInfo{ProxyErrorInfo::Kind::broker, nullptr, std::move(b)});
}

TEST(ErrorTypeCurrent, PlainAndCommandErrorsRoundTrip) {
  for (std::string s : {"BLOCK", "SESSION", "AUTH", "SERVICE", "CRYPTO", "QUOTA", "EXPIRED",
                        "NO_MSG", "LARGE_MSG", "INTERNAL", "CMD UNKNOWN", "CMD SYNTAX",
                        "CMD PROHIBITED", "CMD NO_AUTH", "CMD HAS_AUTH", "CMD NO_ENTITY"}) {
    auto e = parse(s);
    ASSERT_TRUE(e.has_value()) << s;
    EXPECT_EQ(encode(*e), s);
  }
  // The v1 spelling is still understood.
  auto old = parse("CMD NO_QUEUE");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->code, errc::smp_cmd_no_queue);
  EXPECT_EQ(encode(*old), "CMD NO_ENTITY");
}

TEST(ErrorTypeCurrent, StoreCarriesTheRestAsText) {
  auto e = parse("STORE disk full, try later");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, errc::smp_store);
  EXPECT_EQ(e->store_text, "disk full, try later");
  EXPECT_EQ(encode(*e), "STORE disk full, try later");
}

TEST(ErrorTypeCurrent, ProxyErrorsNestAsTheReferenceEncodesThem) {
  EXPECT_EQ(encode(SmpError::proxy({ProxyErrorInfo::Kind::basic_auth, nullptr, {}})),
            "PROXY BASIC_AUTH");
  EXPECT_EQ(encode(SmpError::proxy({ProxyErrorInfo::Kind::no_session, nullptr, {}})),
            "PROXY NO_SESSION");
  const SmpError inner = SmpError::blocked(BlockingInfo{BlockingReason::spam, std::nullopt});
  const SmpError protocol = SmpError::proxy(
      {ProxyErrorInfo::Kind::protocol, std::make_shared<const SmpError>(inner), {}});
  EXPECT_EQ(encode(protocol), "PROXY PROTOCOL BLOCKED reason=spam");
  // TRANSPORT (HANDSHAKE e) is "HANDSHAKE " <> bshow e.
  BrokerErrorInfo handshake{BrokerErrorInfo::Kind::transport, {}, {},
                            {TransportErrorInfo::Kind::handshake,
                             TransportErrorInfo::Handshake::bad_auth}};
  EXPECT_EQ(encode(proxy_broker(handshake)), "PROXY BROKER TRANSPORT HANDSHAKE BAD_AUTH");
  BrokerErrorInfo version{BrokerErrorInfo::Kind::transport, {}, {},
                          {TransportErrorInfo::Kind::version, {}}};
  EXPECT_EQ(encode(proxy_broker(version)), "PROXY BROKER TRANSPORT VERSION");
  // RESPONSE / UNEXPECTED carry a short string; NETWORK is sent without its details.
  BrokerErrorInfo response{BrokerErrorInfo::Kind::response, "bad", {}, {}};
  EXPECT_EQ(encode(proxy_broker(response)), std::string("PROXY BROKER RESPONSE \x03") + "bad");
  BrokerErrorInfo network{BrokerErrorInfo::Kind::network, {},
                          {NetworkErrorInfo::Kind::connect, "refused"}, {}};
  EXPECT_EQ(encode(proxy_broker(network)), "PROXY BROKER NETWORK");
  for (const SmpError& e : {protocol, proxy_broker(handshake), proxy_broker(version),
                            proxy_broker(response)}) {
    auto back = parse(encode(e));
    ASSERT_TRUE(back.has_value()) << encode(e);
    EXPECT_EQ(*back, e) << encode(e);
  }
}

TEST(ErrorTypeCurrent, NetworkDetailsFromAPeerAreKept) {
  auto e = parse(std::string("PROXY BROKER NETWORK CONNECT \x07") + "refused");
  ASSERT_TRUE(e.has_value());
  ASSERT_TRUE(e->proxy_error);
  EXPECT_EQ(e->proxy_error->broker.kind, BrokerErrorInfo::Kind::network);
  EXPECT_EQ(e->proxy_error->broker.network.kind, NetworkErrorInfo::Kind::connect);
  EXPECT_EQ(e->proxy_error->broker.network.detail, "refused");
  auto bare = parse("PROXY BROKER NETWORK");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->proxy_error->broker.network.kind, NetworkErrorInfo::Kind::failed);
}

TEST(ErrorTypeCurrent, BlockingInfoFollowsTheVersion) {
  const SmpError e = SmpError::blocked({BlockingReason::spam, BlockingInfo::Notice{}});
  EXPECT_EQ(encode(e, 11), "AUTH");
  EXPECT_EQ(encode(e, 17), "BLOCKED reason=spam");
  EXPECT_EQ(encode(e, 18), "BLOCKED reason=spam,notice={}");
  auto parsed = parse("BLOCKED reason=content,notice={\"ttl\":86400,\"other\":true}");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->blocking->reason, BlockingReason::content);
  EXPECT_EQ(parsed->blocking->notice->ttl, 86400);
}

TEST(ErrorTypeCurrent, MalformedTextIsRejected) {
  for (std::string bad :
       {"", "AUTH ", "auth", "CMD", "CMD  SYNTAX", "CMD FOO", "PROXY", "PROXY FOO",
        "PROXY PROTOCOL", "PROXY BROKER TRANSPORT HANDSHAKE", "PROXY BROKER RESPONSE \x05" "ab",
        "BLOCKED", "BLOCKED reason=", "BLOCKED reason=spam,notice=[1]",
        "BLOCKED reason=spam,notice={\"ttl\":\"x\"}", "BLOCKED reason=spam,", "STORE",
        "INTERNAL x"}) {
    EXPECT_FALSE(parse(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(ErrorTypeCurrent, TheV1TableIsUnchanged) {
  EXPECT_EQ(error_type_text(errc::smp_cmd_no_queue), "CMD NO_QUEUE");
  EXPECT_EQ(error_type_text(errc::smp_blocked), "AUTH");
  EXPECT_EQ(error_type_text(errc::smp_service), "INTERNAL");
  EXPECT_FALSE(parse_error_type(as_bytes("CMD NO_ENTITY")).has_value());
  EXPECT_FALSE(parse_error_type(as_bytes("CMD PROHIBITED")).has_value());
}

}  // namespace
}  // namespace smp::protocol
