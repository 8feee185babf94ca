// The proxy's connection to one destination (Client.hs at simplexmq 6.5.5: getProtocolClient
// with proxyServer = True, forwardSMPTransmission), and the PKEY answer (Server.hs PRXY).

#include "smp/server/proxy_relay.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <exception>
#include <vector>

#include "smp/protocol/batch.h"
#include "smp/protocol/command.h"
#include "smp/protocol/forwarding.h"
#include "smp/protocol/transmission.h"
#include "smp/server/proxy_answer.h"
#include "smp/server/random_ids.h"
#include "smp/transport/connect.h"

namespace smp::server {

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
using Clock = std::chrono::steady_clock;
using protocol::BrokerErrorInfo;
using protocol::SmpError;
using protocol::TransportErrorInfo;

// The port an address without one means (the reference's defaultTransport for SMP).
constexpr const char* kDefaultPort = "5223";

SmpError closed_error() { return proxy_request_error(make_error_code(errc::connection_closed)); }

}  // namespace

std::string ProxyDestination::key() const {
  std::string k = host;
  k += '\n';
  k += port.empty() ? kDefaultPort : port;
  k += '\n';
  k.append(reinterpret_cast<const char*>(key_hash.data()), key_hash.size());
  return k;
}

std::shared_ptr<ProxyRelay> ProxyRelay::start(const net::any_io_executor& executor,
                                              ProxyDestination destination, ProxyLimits limits,
                                              Observer& observer) {
  std::shared_ptr<ProxyRelay> relay(
      new ProxyRelay(net::make_strand(executor), std::move(destination), limits, observer));
  net::co_spawn(relay->executor_, relay->run(), [relay](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::warn("proxy connection stopped: {}", ex.what());
    } catch (...) {
      spdlog::warn("proxy connection stopped");
    }
    relay->close();
  });
  return relay;
}

ProxyRelay::ProxyRelay(const net::any_io_executor& executor, ProxyDestination destination,
                       ProxyLimits limits, Observer& observer)
    : executor_(executor),
      destination_(std::move(destination)),
      limits_(limits),
      observer_(observer),
      connected_wake_(executor_, Clock::time_point::max()),
      writer_wake_(executor_, Clock::time_point::max()),
      idle_timer_(executor_),
      last_used_(Clock::now()),
      last_received_(Clock::now()) {}

ProxyRelay::~ProxyRelay() = default;

net::awaitable<void> ProxyRelay::run() {
  auto self = shared_from_this();
  transport::ConnectOptions options;
  options.protocols = transport::ClientProtocols::current_and_v1;
  options.current.proxy_server = true;
  options.socks = destination_.socks;
  const std::string port = destination_.port.empty() ? kDefaultPort : destination_.port;
  auto connected = co_await transport::connect_tls(executor_, destination_.host, port,
                                                   destination_.key_hash, limits_.connect_timeout,
                                                   transport::TransportKind::tls, options);
  if (state_ == State::closed) {  // closed while connecting (the server stops)
    if (connected) (*connected)->close();
    co_return;
  }
  if (!connected) {
    spdlog::warn("proxy: cannot connect to a destination server: {}",
                 connected.error().message());
    connect_error_ = proxy_connect_error(connected.error());
    close();
    co_return;
  }
  transport_ = std::move(*connected);
  if (const auto& secret = transport_->params().session_secret) {
    if (auto key = crypto::CbKey::from_dh_secret(secret->view())) session_key_ = std::move(*key);
  }
  state_ = State::ready;
  last_received_ = Clock::now();
  connected_wake_.cancel();
  observer_.relay_connected(self, transport_->session_id());

  auto log_stop = [self](std::exception_ptr e) {
    if (e) self->close();
  };
  net::co_spawn(executor_, writer(), log_stop);
  net::co_spawn(executor_, idle_watchdog(), log_stop);
  while (state_ == State::ready) {
    auto block = co_await transport_->read_block_view();
    if (state_ != State::ready) break;
    if (!block) {
      if (block.error() == errc::transport_large_msg) continue;  // still in sync
      break;
    }
    last_received_ = Clock::now();
    handle_block(*block);
  }
  close();
}

net::awaitable<void> ProxyRelay::writer() {
  auto self = shared_from_this();
  while (state_ == State::ready) {
    if (outgoing_.empty()) {
      co_await writer_wake_.async_wait(kUseTuple);
      continue;
    }
    Bytes content = std::move(outgoing_.front());
    outgoing_.pop_front();
    auto written = co_await transport_->write_block(content);
    if (!written) break;
  }
  close();
}

net::awaitable<void> ProxyRelay::idle_watchdog() {
  auto self = shared_from_this();
  while (state_ == State::ready) {
    idle_timer_.expires_at(last_used_ + limits_.idle_timeout);
    co_await idle_timer_.async_wait(kUseTuple);
    if (state_ != State::ready) break;
    if (!pending_.empty()) {
      last_used_ = Clock::now();  // busy: idle counts from the last answer
    } else if (Clock::now() - last_used_ >= limits_.idle_timeout) {
      spdlog::debug("proxy: closing an idle connection to a destination server");
      close();
    }
  }
}

void ProxyRelay::close() {
  if (state_ == State::closed) return;
  const bool connect_failed = state_ == State::connecting;
  state_ = State::closed;
  if (connect_failed && !connect_error_) connect_error_ = closed_error();
  if (transport_) transport_->close();
  connected_wake_.cancel();
  writer_wake_.cancel();
  idle_timer_.cancel();
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [corr_id, p] : pending) finish(*p, closed_error());
  outgoing_.clear();
  observer_.relay_closed(*this, connect_failed);
}

net::awaitable<ProxyAnswer<RelayKey>> ProxyRelay::key() {
  auto self = shared_from_this();
  last_used_ = Clock::now();
  while (state_ == State::connecting) co_await connected_wake_.async_wait(kUseTuple);
  if (state_ != State::ready) co_return connect_error_ ? *connect_error_ : closed_error();
  co_return relay_key_of(transport_->params(), transport_->session_id());
}

net::awaitable<ProxyAnswer<Bytes>> ProxyRelay::forward(ForwardRequest request) {
  auto self = shared_from_this();
  if (state_ != State::ready) co_return closed_error();
  last_used_ = Clock::now();
  const transport::SessionParams& params = transport_->params();
  if (!params.current || params.version < protocol::kSendingProxyVersion) {
    co_return proxy_transport_error(TransportErrorInfo::Kind::version);
  }
  if (!session_key_) co_return proxy_transport_error(TransportErrorInfo::Kind::no_auth);
  if (pending_.size() >= limits_.max_pending) {
    co_return proxy_broker_error(BrokerErrorInfo::Kind::timeout);
  }

  // eft = cbEncryptNoPad(session secret, nonce = the RFWD corrId, FwdTransmission).
  const auto corr = random_id<crypto::kCbNonceSize>();
  Bytes corr_id(corr.begin(), corr.end());
  auto pending = std::make_shared<Pending>(executor_);
  pending->nonce = crypto::cb_nonce(corr_id);
  auto fwd = protocol::encode_fwd_transmission({.corr_id = request.corr_id,
                                                .version = request.version,
                                                .key = request.key,
                                                .encrypted = request.encrypted});
  if (!fwd) co_return proxy_request_error(make_error_code(errc::transport_large_msg));
  Bytes eft = protocol::seal_no_pad(*session_key_, pending->nonce, *fwd);
  Bytes content(transport_->max_block_content());
  const ByteView session_id = transport_->session_id();
  const auto tparams = protocol::TransmissionParams::for_version(params.version, session_id);
  auto n = protocol::encode_command_batch1(tparams, {session_id, corr_id, {}},
                                           protocol::cmd::RFwd{.encrypted = eft}, {}, content);
  if (!n) co_return proxy_request_error(n.error());
  content.resize(*n);

  pending->sent_at = Clock::now();
  pending->wake.expires_after(limits_.request_timeout);
  pending_.emplace(to_string(corr_id), pending);
  outgoing_.push_back(std::move(content));
  writer_wake_.cancel();
  co_await pending->wake.async_wait(kUseTuple);
  last_used_ = Clock::now();
  if (pending->answer) co_return std::move(*pending->answer);

  pending_.erase(to_string(corr_id));
  if (state_ == State::ready && last_received_ < pending->sent_at) {
    // Nothing at all came back since this request went out: the destination is gone.
    spdlog::debug("proxy: closing a connection to a destination server that stopped answering");
    close();
  }
  co_return proxy_broker_error(BrokerErrorInfo::Kind::timeout);
}

void ProxyRelay::finish(Pending& p, ProxyAnswer<Bytes> answer) {
  if (p.answer) return;
  p.answer = std::move(answer);
  p.wake.cancel();
}

void ProxyRelay::handle_block(ByteView content) {
  const transport::SessionParams& params = transport_->params();
  const auto tparams =
      protocol::TransmissionParams::for_version(params.version, transport_->session_id());
  std::vector<protocol::ReceivedBrokerMessage> received;
  protocol::receive_broker_batch(content, tparams, received);
  for (const protocol::ReceivedBrokerMessage& r : received) {
    auto it = pending_.find(to_string(r.corr_id));
    if (it == pending_.end()) continue;  // late, or not an answer to us
    std::shared_ptr<Pending> p = std::move(it->second);
    pending_.erase(it);
    finish(*p, open_forward_answer(r, *session_key_, p->nonce, params.version));
  }
}

}  // namespace smp::server
