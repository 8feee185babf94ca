#include "smp/server/proxy_error.h"

#include <memory>
#include <utility>

namespace smp::server {

namespace {
using protocol::BrokerErrorInfo;
using protocol::NetworkErrorInfo;
using protocol::ProxyErrorInfo;
using protocol::SmpError;
using protocol::TransportErrorInfo;

SmpError network_error(NetworkErrorInfo::Kind kind) {
  ProxyErrorInfo info;
  info.kind = ProxyErrorInfo::Kind::broker;
  info.broker.kind = BrokerErrorInfo::Kind::network;
  info.broker.network.kind = kind;
  return SmpError::proxy(std::move(info));
}

SmpError internal_error() {
  SmpError e;
  e.code = errc::smp_internal;
  return e;
}
}  // namespace

SmpError proxy_error(ProxyErrorInfo::Kind kind) {
  ProxyErrorInfo info;
  info.kind = kind;
  return SmpError::proxy(std::move(info));
}

SmpError proxy_broker_error(BrokerErrorInfo::Kind kind, std::string text) {
  ProxyErrorInfo info;
  info.kind = ProxyErrorInfo::Kind::broker;
  info.broker.kind = kind;
  info.broker.text = std::move(text);
  return SmpError::proxy(std::move(info));
}

SmpError proxy_transport_error(TransportErrorInfo::Kind kind,
                               TransportErrorInfo::Handshake handshake) {
  ProxyErrorInfo info;
  info.kind = ProxyErrorInfo::Kind::broker;
  info.broker.kind = BrokerErrorInfo::Kind::transport;
  info.broker.transport.kind = kind;
  info.broker.transport.handshake = handshake;
  return SmpError::proxy(std::move(info));
}

SmpError proxy_protocol_error(SmpError e) {
  ProxyErrorInfo info;
  info.kind = ProxyErrorInfo::Kind::protocol;
  info.protocol = std::make_shared<const SmpError>(std::move(e));
  return SmpError::proxy(std::move(info));
}

SmpError proxy_connect_error(const error_code& ec) {
  using K = TransportErrorInfo::Kind;
  using H = TransportErrorInfo::Handshake;
  if (ec.category() != smp_category()) return network_error(NetworkErrorInfo::Kind::connect);
  switch (static_cast<errc>(ec.value())) {
    case errc::timeout:
      return network_error(NetworkErrorInfo::Kind::timeout);
    case errc::tls_failure:
      return network_error(NetworkErrorInfo::Kind::tls);
    case errc::network:
    case errc::connection_closed:
      return network_error(NetworkErrorInfo::Kind::connect);
    case errc::handshake_version:
      return proxy_transport_error(K::version);
    case errc::bad_session:
      return proxy_transport_error(K::session);
    case errc::handshake_parse:
      return proxy_transport_error(K::handshake, H::parse);
    case errc::handshake_identity:
      return proxy_transport_error(K::handshake, H::identity);
    case errc::handshake_bad_auth:
    case errc::crypto_failure:
      return proxy_transport_error(K::handshake, H::bad_auth);
    case errc::transport_large_msg:
      return proxy_transport_error(K::large_msg);
    case errc::transport_bad_block:
      return proxy_transport_error(K::block);
    default:
      return internal_error();
  }
}

SmpError proxy_request_error(const error_code& ec) {
  if (ec.category() != smp_category()) return network_error(NetworkErrorInfo::Kind::failed);
  switch (static_cast<errc>(ec.value())) {
    case errc::timeout:
      return proxy_broker_error(BrokerErrorInfo::Kind::timeout);
    case errc::network:
    case errc::connection_closed:
      return network_error(NetworkErrorInfo::Kind::failed);
    case errc::transport_large_msg:
      return proxy_transport_error(TransportErrorInfo::Kind::large_msg);
    case errc::transport_bad_block:
      return proxy_transport_error(TransportErrorInfo::Kind::block);
    default:
      return internal_error();
  }
}

}  // namespace smp::server
