// The proxy role of a Session of the current generation (Server.hs processProxiedCmd at
// simplexmq 6.5.5): PRXY connects to the destination named (or finds the connection other
// clients share) and answers PKEY; PFWD forwards the client's encrypted transmission as RFWD
// and answers PRES with the destination's encrypted response. Both answer with the entity
// id they were sent with (PRXY: none, PFWD: the destination's session id), and with
// `ERR PROXY …` (or CRYPTO / INTERNAL) as the reference's smpProxyError when the request
// fails.
//
// Which host of the destination's address is connected to, and whether it is one of the
// operator's own servers: proxy_hosts.h. Who may use the proxy: allow_smp_proxy, and the create_password rule (allowProxy: when
// the server has a password for new queues, PRXY must carry it). PFWD needs only a session
// some PRXY opened. Each PRXY and PFWD a permitted client sends is counted with its outcome
// (ServerStats::proxy_relays / proxy_forwards), as the reference's pRelays and pMsgFwds.

#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>
#include <string_view>
#include <utility>

#include "smp/protocol/error_type.h"
#include "smp/server/proxy_hosts.h"
#include "smp/server/session.h"

namespace smp::server {

namespace {

namespace cmd = protocol::cmd;
namespace msg = protocol::msg;

}  // namespace

void Session::proxy_relay_key(const protocol::ReceivedCommand& rc, const cmd::Prxy& c) {
  const auto& password = ctx_.config.new_queue_basic_auth;
  const bool allowed =
      ctx_.config.allow_smp_proxy &&
      (!password || (c.basic_auth && constant_time_equal(*c.basic_auth, as_bytes(*password))));
  if (!allowed) {
    return respond_smp_error(rc, proxy_error(protocol::ProxyErrorInfo::Kind::basic_auth));
  }
  const bool own = is_own_server(c.server, ctx_.config.proxy_own_server_domains);
  std::optional<std::string> host = choose_destination_host(
      c.server, HostChoice{.mode = ctx_.config.proxy_host_mode,
                           .required = ctx_.config.proxy_required_host_mode,
                           .socks = ctx_.config.proxy_socks.has_value()});
  if (!host) {
    auto error = proxy_broker_error(protocol::BrokerErrorInfo::Kind::host);
    count_proxy_request(ctx_.stats.proxy_relays, ctx_.stats.proxy_relays_own, own,
                        relay_outcome(&error));
    return respond_smp_error(rc, error);
  }
  ProxyDestination destination{.host = std::move(*host),
                               .port = std::string(as_chars(c.server.port)),
                               .key_hash = to_bytes(c.server.key_hash),
                               .own = own};
  ++proxy_in_flight_;
  spawn(run_proxy_key(to_bytes(rc.corr_id), to_bytes(rc.queue_id), std::move(destination)),
        "proxy");
}

void Session::proxy_forward(const protocol::ReceivedCommand& rc, const cmd::PFwd& c) {
  ForwardRequest request{.corr_id = to_bytes(rc.corr_id),
                         .version = c.version,
                         .key = c.key,
                         .encrypted = to_bytes(c.encrypted)};
  ++proxy_in_flight_;
  spawn(run_proxy_forward(to_bytes(rc.corr_id), to_bytes(rc.queue_id), std::move(request)),
        "proxy");
}

net::awaitable<void> Session::run_proxy_key(Bytes corr_id, Bytes entity_id,
                                            ProxyDestination destination) {
  const bool own = destination.own;
  ProxyAnswer<RelayKey> answer = co_await ctx_.proxy.connect(std::move(destination));
  --proxy_in_flight_;
  count_proxy_request(ctx_.stats.proxy_relays, ctx_.stats.proxy_relays_own, own,
                      relay_outcome(std::get_if<protocol::SmpError>(&answer)));
  if (closed_) co_return;
  reader_wake_.notify();
  if (const auto* key = std::get_if<RelayKey>(&answer)) {
    push_proxy_reply(corr_id, entity_id,
                     msg::PKey{.session_id = key->session_id,
                               .versions = key->versions,
                               .cert_chain_pub_key = key->cert_chain_pub_key});
  } else {
    push_proxy_reply(corr_id, entity_id, msg::Err{std::get<protocol::SmpError>(answer)});
  }
}

net::awaitable<void> Session::run_proxy_forward(Bytes corr_id, Bytes entity_id,
                                                ForwardRequest request) {
  bool own = false;
  ProxyAnswer<Bytes> answer = co_await ctx_.proxy.forward(entity_id, std::move(request), &own);
  --proxy_in_flight_;
  count_proxy_request(ctx_.stats.proxy_forwards, ctx_.stats.proxy_forwards_own, own,
                      forward_outcome(std::get_if<protocol::SmpError>(&answer)));
  if (closed_) co_return;
  reader_wake_.notify();
  if (const auto* response = std::get_if<Bytes>(&answer)) {
    push_proxy_reply(corr_id, entity_id, msg::PRes{.encrypted = *response});
  } else {
    push_proxy_reply(corr_id, entity_id, msg::Err{std::get<protocol::SmpError>(answer)});
  }
}

void Session::push_proxy_reply(const Bytes& corr_id, const Bytes& entity_id,
                               const protocol::BrokerMessage& m) {
  auto encoded = protocol::encode_broker_message(tparams_.version, m);
  if (!encoded) {
    spdlog::error("cannot encode a proxy answer: {}", encoded.error().message());
    protocol::SmpError internal;
    internal.code = errc::smp_internal;
    encoded = protocol::encode_broker_message(tparams_.version, msg::Err{internal});
    if (!encoded) return;
  }
  proxy_replies_.push_back(ProxyReply{corr_id, entity_id, std::move(*encoded)});
  flush_proxy_replies();
}

void Session::flush_proxy_replies() {
  while (!proxy_replies_.empty() && queue_has_room_for_notification()) {
    ProxyReply& r = proxy_replies_.front();
    Outgoing& o = queue_.push_back();
    o.corr_id.assign(r.corr_id);
    o.queue_id.assign(r.entity_id);
    o.kind = Outgoing::Kind::encoded;
    o.encoded = std::move(r.encoded);
    proxy_replies_.pop_front();
    wake_writer();
  }
}

}  // namespace smp::server
