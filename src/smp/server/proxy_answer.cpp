#include "smp/server/proxy_answer.h"

#include <algorithm>
#include <optional>
#include <string>

#include "smp/protocol/command.h"
#include "smp/protocol/forwarding.h"

namespace smp::server {

namespace {
using protocol::BrokerErrorInfo;
using protocol::SmpError;
using protocol::TransportErrorInfo;

// compatibleVRange: the common part of two ranges, if any.
std::optional<enc::VersionRange> common_range(enc::VersionRange a, enc::VersionRange b) {
  auto range = enc::VersionRange::make(std::max(a.min(), b.min()), std::min(a.max(), b.max()));
  if (!range) return std::nullopt;
  return *range;
}
}  // namespace

ProxyAnswer<RelayKey> relay_key_of(const transport::SessionParams& params, ByteView session_id) {
  std::optional<enc::VersionRange> versions =
      params.current ? common_range(params.server_versions, protocol::kProxiedVersions)
                     : std::nullopt;
  if (!versions || params.version < protocol::kSendingProxyVersion) {
    return proxy_transport_error(TransportErrorInfo::Kind::version);
  }
  if (!params.server_dh_public || params.server_cert_key.empty()) {
    return proxy_transport_error(TransportErrorInfo::Kind::no_auth);
  }
  return RelayKey{.session_id = to_bytes(session_id),
                  .versions = *versions,
                  .cert_chain_pub_key = params.server_cert_key};
}

ProxyAnswer<Bytes> open_forward_answer(const protocol::ReceivedBrokerMessage& answer,
                                       const crypto::CbKey& session_key,
                                       const crypto::CbNonce& rfwd_nonce,
                                       protocol::SmpVersion version) {
  if (!answer.message) {
    SmpError e;
    e.code = answer.error();
    Bytes text = protocol::encode_error_type(e, version);
    return proxy_broker_error(BrokerErrorInfo::Kind::response, std::string(as_chars(text)));
  }
  if (const auto* rres = std::get_if<protocol::msg::RRes>(&*answer.message)) {
    auto opened =
        protocol::open_no_pad(session_key, protocol::reverse_nonce(rfwd_nonce), rres->encrypted);
    if (!opened) {
      SmpError e;
      e.code = errc::smp_crypto;
      return e;
    }
    auto response = protocol::parse_fwd_response(*opened);
    if (!response) return proxy_broker_error(BrokerErrorInfo::Kind::response, "BLOCK");
    return to_bytes(response->encrypted);
  }
  if (const auto* err = std::get_if<protocol::msg::Err>(&*answer.message)) {
    return proxy_protocol_error(err->error);
  }
  return proxy_broker_error(BrokerErrorInfo::Kind::unexpected,
                            std::string(protocol::tag_of(*answer.message)));
}

}  // namespace smp::server
