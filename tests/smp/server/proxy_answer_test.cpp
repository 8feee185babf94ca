#include "smp/server/proxy_answer.h"

#include <gtest/gtest.h>

#include <string>

#include "smp/crypto/keys.h"
#include "smp/protocol/batch.h"
#include "smp/protocol/command.h"
#include "smp/protocol/forwarding.h"

namespace smp::server {
namespace {

namespace proto = protocol;
using proto::BrokerErrorInfo;
using proto::ProxyErrorInfo;
using proto::TransportErrorInfo;

std::string error_text(const proto::SmpError& e) {
  return std::string(as_chars(proto::encode_error_type(e, proto::kCurrentMaxVersion)));
}

template <class T>
std::string error_text(const ProxyAnswer<T>& a) {
  const auto* e = std::get_if<proto::SmpError>(&a);
  return e ? error_text(*e) : "(a value)";
}

transport::SessionParams destination(enc::VersionRange common, std::uint16_t version) {
  transport::SessionParams p;
  p.current = true;
  p.version = version;
  p.server_versions = common;
  p.server_dh_public = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key;
  p.server_cert_key = Bytes{1, 2, 3};
  return p;
}

// The error texts a proxy sends (Protocol.hs ErrorType / ProxyError / BrokerErrorType
// encoding at simplexmq 6.5.5; NETWORK without its details, as the reference's encoder).
TEST(ProxyErrorTest, TheReferencesTexts) {
  EXPECT_EQ(error_text(proxy_error(ProxyErrorInfo::Kind::basic_auth)), "PROXY BASIC_AUTH");
  EXPECT_EQ(error_text(proxy_error(ProxyErrorInfo::Kind::no_session)), "PROXY NO_SESSION");
  EXPECT_EQ(error_text(proxy_broker_error(BrokerErrorInfo::Kind::timeout)), "PROXY BROKER TIMEOUT");
  EXPECT_EQ(error_text(proxy_broker_error(BrokerErrorInfo::Kind::host)), "PROXY BROKER HOST");
  EXPECT_EQ(error_text(proxy_transport_error(TransportErrorInfo::Kind::version)),
            "PROXY BROKER TRANSPORT VERSION");
  proto::SmpError auth;
  auth.code = errc::smp_auth;
  EXPECT_EQ(error_text(proxy_protocol_error(auth)), "PROXY PROTOCOL AUTH");
}

// Client.hs smpProxyError over the errors our connect and requests return.
TEST(ProxyErrorTest, ConnectAndRequestFailures) {
  EXPECT_EQ(error_text(proxy_connect_error(make_error_code(errc::timeout))),
            "PROXY BROKER NETWORK");
  EXPECT_EQ(error_text(proxy_connect_error(make_error_code(errc::tls_failure))),
            "PROXY BROKER NETWORK");
  EXPECT_EQ(error_text(proxy_connect_error(make_error_code(errc::network))),
            "PROXY BROKER NETWORK");
  EXPECT_EQ(error_text(proxy_connect_error(make_error_code(errc::handshake_version))),
            "PROXY BROKER TRANSPORT VERSION");
  EXPECT_EQ(error_text(proxy_connect_error(make_error_code(errc::handshake_bad_auth))),
            "PROXY BROKER TRANSPORT HANDSHAKE BAD_AUTH");
  EXPECT_EQ(error_text(proxy_connect_error(make_error_code(errc::bad_session))),
            "PROXY BROKER TRANSPORT SESSION");
  EXPECT_EQ(error_text(proxy_connect_error(make_error_code(errc::io_error))), "INTERNAL");
  EXPECT_EQ(error_text(proxy_request_error(make_error_code(errc::timeout))),
            "PROXY BROKER TIMEOUT");
  EXPECT_EQ(error_text(proxy_request_error(make_error_code(errc::connection_closed))),
            "PROXY BROKER NETWORK");
  EXPECT_EQ(error_text(proxy_request_error(make_error_code(errc::transport_large_msg))),
            "PROXY BROKER TRANSPORT LARGE_MSG");
}

// proxyResp: compatibleVRange thServerVRange proxiedSMPRelayVRange, thVersion >= 8, thAuth.
TEST(RelayKeyTest, TheVersionsAreCappedAndADestinationWithoutThemIsRefused) {
  const Bytes session_id(32, 5);
  auto full = relay_key_of(destination(proto::kCurrentVersions, 18), session_id);
  ASSERT_TRUE(std::holds_alternative<RelayKey>(full)) << error_text(full);
  EXPECT_EQ(std::get<RelayKey>(full).versions, proto::kProxiedVersions);  // 8..17
  EXPECT_EQ(std::get<RelayKey>(full).session_id, session_id);
  EXPECT_EQ(std::get<RelayKey>(full).cert_chain_pub_key, (Bytes{1, 2, 3}));

  auto capped = relay_key_of(destination(enc::VersionRange::of(6, 12), 12), session_id);
  ASSERT_TRUE(std::holds_alternative<RelayKey>(capped));
  EXPECT_EQ(std::get<RelayKey>(capped).versions, enc::VersionRange::of(8, 12));

  // A destination capped below 8: no proxied version.
  EXPECT_EQ(error_text(relay_key_of(destination(enc::VersionRange::of(6, 7), 7), session_id)),
            "PROXY BROKER TRANSPORT VERSION");
  // SMP v1 (no ALPN).
  transport::SessionParams v1;
  v1.version = 1;
  EXPECT_EQ(error_text(relay_key_of(v1, session_id)), "PROXY BROKER TRANSPORT VERSION");
  // No signed session key.
  auto no_key = destination(proto::kCurrentVersions, 18);
  no_key.server_dh_public.reset();
  EXPECT_EQ(error_text(relay_key_of(no_key, session_id)), "PROXY BROKER TRANSPORT NO_AUTH");
}

class OpenForwardAnswerTest : public ::testing::Test {
 protected:
  // The destination's answer `m` to our RFWD as a received transmission.
  ProxyAnswer<Bytes> open(const proto::BrokerMessage& m) {
    block_.assign(proto::kMaxBatchContent, 0);
    auto n = proto::encode_broker_batch1(params_, {session_id_, corr_, {}}, m, block_);
    EXPECT_TRUE(n);
    block_.resize(n ? *n : 0);
    received_.clear();
    proto::receive_broker_batch(block_, params_, received_);
    EXPECT_EQ(received_.size(), 1u);
    return open_forward_answer(received_.at(0), *key_, nonce_, params_.version);
  }

  const Bytes session_id_ = Bytes(32, 7);
  const Bytes corr_ = [] {
    Bytes c(24);
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = static_cast<std::uint8_t>(i);
    return c;  // not a palindrome: its reversed nonce differs
  }();
  const crypto::CbNonce nonce_ = crypto::cb_nonce(corr_);
  const proto::TransmissionParams params_ = proto::TransmissionParams::for_version(17, session_id_);
  const Result<crypto::CbKey> key_ = crypto::CbKey::from_dh_secret(Bytes(32, 3));
  Bytes block_;
  std::vector<proto::ReceivedBrokerMessage> received_;
};

TEST_F(OpenForwardAnswerTest, RresIsOpenedForPres) {
  const Bytes inner{9, 8, 7, 6};
  auto fr = proto::encode_fwd_response({.corr_id = as_bytes("client-corr"), .encrypted = inner});
  ASSERT_TRUE(fr);
  Bytes efr = proto::seal_no_pad(*key_, proto::reverse_nonce(nonce_), *fr);
  auto a = open(proto::msg::RRes{.encrypted = efr});
  ASSERT_TRUE(std::holds_alternative<Bytes>(a)) << error_text(a);
  EXPECT_EQ(std::get<Bytes>(a), inner);
  // Sealed with the request's nonce, not the reversed one: CRYPTO.
  Bytes wrong = proto::seal_no_pad(*key_, nonce_, *fr);
  EXPECT_EQ(error_text(open(proto::msg::RRes{.encrypted = wrong})), "CRYPTO");
  // Opens, but is no FwdResponse.
  Bytes junk = proto::seal_no_pad(*key_, proto::reverse_nonce(nonce_), as_bytes("\x30"));
  // RESPONSE's text is a short string (smpEncode String).
  EXPECT_EQ(error_text(open(proto::msg::RRes{.encrypted = junk})),
            "PROXY BROKER RESPONSE \x05" "BLOCK");
}

TEST_F(OpenForwardAnswerTest, ErrIsProxyProtocolAndOtherAnswersAreUnexpected) {
  proto::SmpError e;
  e.code = errc::smp_crypto;
  EXPECT_EQ(error_text(open(proto::msg::Err{e})), "PROXY PROTOCOL CRYPTO");
  const std::string unexpected = error_text(open(proto::msg::Pong{}));
  EXPECT_EQ(unexpected.rfind("PROXY BROKER UNEXPECTED", 0), 0u) << unexpected;
}

}  // namespace
}  // namespace smp::server
