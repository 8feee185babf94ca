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

namespace {

const ProxyErrorInfo* proxy_info(const SmpError& e) {
  return e.code == errc::smp_proxy ? e.proxy_error.get() : nullptr;
}

bool is_transport(const SmpError& e, TransportErrorInfo::Kind kind) {
  const ProxyErrorInfo* p = proxy_info(e);
  return p && p->kind == ProxyErrorInfo::Kind::broker &&
         p->broker.kind == BrokerErrorInfo::Kind::transport && p->broker.transport.kind == kind;
}

}  // namespace

ProxyOutcome relay_outcome(const SmpError* error) {
  if (!error) return ProxyOutcome::success;
  if (error->code == errc::smp_internal) return ProxyOutcome::connect_error;
  if (const ProxyErrorInfo* p = proxy_info(*error); p && p->kind == ProxyErrorInfo::Kind::broker) {
    using K = BrokerErrorInfo::Kind;
    if (p->broker.kind == K::network || p->broker.kind == K::timeout) {
      return ProxyOutcome::connect_error;
    }
  }
  if (is_transport(*error, TransportErrorInfo::Kind::version) ||
      is_transport(*error, TransportErrorInfo::Kind::no_auth)) {
    return ProxyOutcome::compat_error;
  }
  return ProxyOutcome::other_error;
}

ProxyOutcome forward_outcome(const SmpError* error) {
  if (!error) return ProxyOutcome::success;
  const ProxyErrorInfo* p = proxy_info(*error);
  if (p && p->kind == ProxyErrorInfo::Kind::protocol) return ProxyOutcome::success;
  if (p && p->kind == ProxyErrorInfo::Kind::no_session) return ProxyOutcome::connect_error;
  if (is_transport(*error, TransportErrorInfo::Kind::version)) return ProxyOutcome::compat_error;
  return ProxyOutcome::other_error;
}

}  // namespace smp::server
