#include "smp/client/client_connection.h"

#include "smp/protocol/batch.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "smp/protocol/transmission.h"
#include "smp/protocol/wire_format.h"

namespace smp::client::detail {

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

bool answers_with_message(const protocol::Command& c) {
  return std::holds_alternative<protocol::cmd::Sub>(c) ||
         std::holds_alternative<protocol::cmd::Ack>(c);
}

// Completion of the connection's coroutines: they return normally; anything thrown (e.g.
// bad_alloc) is logged and ends the connection.
auto on_loop_exit(std::shared_ptr<ClientConnection> self, const char* name) {
  return [self = std::move(self), name](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("smp client: {} loop failed: {}", name, ex.what());
    }
    self->close();
  };
}

}  // namespace

ClientConnection::ClientConnection(Strand strand,
                                   std::unique_ptr<transport::BlockTransport> transport,
                                   ClientConfig config, ClientCallbacks callbacks)
    : strand_(std::move(strand)),
      transport_(std::move(transport)),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      session_id_(to_bytes(transport_->session_id())),
      write_signal_(strand_, net::steady_timer::time_point::max()),
      ping_timer_(strand_) {}

void ClientConnection::start() {
  auto self = shared_from_this();
  net::co_spawn(strand_, read_loop(self), on_loop_exit(self, "reader"));
  net::co_spawn(strand_, write_loop(self), on_loop_exit(self, "writer"));
  if (config_.ping_interval.count() > 0) {
    net::co_spawn(strand_, keep_alive_loop(self), on_loop_exit(self, "keep-alive"));
  }
}

ClientStats ClientConnection::stats() const {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  return ClientStats{requests_.load(kRelaxed), timeouts_.load(kRelaxed), events_.load(kRelaxed),
                     pings_sent_.load(kRelaxed), pongs_received_.load(kRelaxed)};
}

net::awaitable<Result<Reply>> ClientConnection::request(std::shared_ptr<ClientConnection> self,
                                                        ByteView queue_id,
                                                        const protocol::Command& command,
                                                        const crypto::PrivateKey* key,
                                                        const RequestOptions* options_or_null) {
  static const RequestOptions kDefaults;
  const RequestOptions& options = options_or_null != nullptr ? *options_or_null : kDefaults;
  if (!self->is_open()) co_return make_error_code(errc::connection_closed);
  std::string corr_id = options.corr_id.empty() ? self->table_.next_corr_id() : options.corr_id;
  protocol::TransmissionIds ids{self->session_id_, as_bytes(corr_id), queue_id};
  std::optional<protocol::Command> bound;
  if (options.bind) options.bind(as_bytes(corr_id), bound.emplace(command));
  auto content = self->encode_request(ids, bound ? *bound : command, key);
  if (!content) co_return content.error();
  // Refused here, as the transport would (TELargeMsg, nothing sent), so that the writer
  // never meets a block it cannot send.
  if (content->size() > self->transport_->max_block_content()) {
    co_return make_error_code(errc::transport_large_msg);
  }

  auto pending = std::make_shared<PendingRequest>(self->strand_, to_bytes(queue_id),
                                                  answers_with_message(command));
  self->table_.add(corr_id, pending);
  self->enqueue(std::move(*content));
  self->requests_.fetch_add(1, std::memory_order_relaxed);

  auto result = co_await pending->wait(options.timeout.value_or(self->config_.command_timeout));
  self->table_.erase(corr_id);  // still there only after a timeout
  if (options.server_error != nullptr && pending->server_error()) {
    *options.server_error = *pending->server_error();
  }
  if (!result && result.error() == errc::timeout) {
    self->timeouts_.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("smp client: {} timed out", protocol::tag_of(command));
  }
  co_return result;
}

protocol::TransmissionParams ClientConnection::transmission_params() const {
  return protocol::TransmissionParams::for_version(transport_->smp_version(), session_id_);
}

// SMP v1: one transmission per block; the current generation: a batch of one, authorized with
// a signature or (X25519 keys) a crypto_box authenticator with the server's session key.
Result<Bytes> ClientConnection::encode_request(const protocol::TransmissionIds& ids,
                                               const protocol::Command& command,
                                               const crypto::PrivateKey* key) const {
  const transport::SessionParams& p = transport_->params();
  if (!p.current) return protocol::encode_command_transmission(ids, command, key);
  Bytes content(protocol::kMaxBatchContent);
  const crypto::PublicKey* server_key = p.server_dh_public ? &*p.server_dh_public : nullptr;
  auto n = protocol::encode_command_batch1(transmission_params(), ids, command,
                                           {.key = key, .server_key = server_key}, content);
  if (!n) return n.error();
  content.resize(*n);
  return content;
}

void ClientConnection::close() { shut_down(make_error_code(errc::connection_closed), true); }

void ClientConnection::enqueue(Bytes content) {
  outgoing_.push_back(std::move(content));
  write_signal_.cancel_one();
}

void ClientConnection::shut_down(error_code reason, bool local) {
  if (!open_.exchange(false, std::memory_order_acq_rel)) return;
  transport_->close();
  outgoing_.clear();
  write_signal_.cancel();
  ping_timer_.cancel();
  table_.fail_all(errc::connection_closed);
  if (local) return;
  spdlog::debug("smp client: disconnected: {}", reason.message());
  if (callbacks_.on_disconnect) callbacks_.on_disconnect(reason);
}

net::awaitable<void> ClientConnection::deliver(ServerEvent event) {
  events_.fetch_add(1, std::memory_order_relaxed);
  if (callbacks_.event_channel) {
    auto [ec] =
        co_await callbacks_.event_channel->async_send(error_code{}, std::move(event), kUseTuple);
    if (ec) spdlog::debug("smp client: event dropped: {}", ec.message());
  } else if (callbacks_.on_event) {
    callbacks_.on_event(std::move(event));
  }
}

net::awaitable<void> ClientConnection::read_loop(std::shared_ptr<ClientConnection> self) {
  while (self->is_open()) {
    auto block = co_await self->transport_->read_block_view();
    if (!block) {
      // A bad length word leaves the stream in sync (block_transport.h); the reference
      // drops such a block as a parse failure with no corrId.
      if (block.error() == errc::transport_large_msg) continue;
      self->shut_down(block.error(), false);
      break;
    }
    if (!self->transport_->params().current) {
      auto rx = protocol::receive_broker_message(*block, self->session_id_);
      Routed routed = route(self->table_, rx);
      if (routed.event) co_await self->deliver(std::move(*routed.event));
      if (routed.request) routed.request->complete(std::move(routed.reply));
      continue;
    }
    // The current generation: a batch of transmissions, each routed in turn (the views are
    // copied out by route before the next read).
    std::vector<protocol::ReceivedBrokerMessage> batch;
    protocol::receive_broker_batch(*block, self->transmission_params(), batch);
    for (const auto& rx : batch) {
      Routed routed = route(self->table_, rx, true);
      if (routed.event) co_await self->deliver(std::move(*routed.event));
      if (routed.request) routed.request->complete(std::move(routed.reply));
    }
  }
}

net::awaitable<void> ClientConnection::write_loop(std::shared_ptr<ClientConnection> self) {
  while (self->is_open()) {
    if (self->outgoing_.empty()) {
      co_await self->write_signal_.async_wait(kUseTuple);
      continue;
    }
    Bytes content = std::move(self->outgoing_.front());
    self->outgoing_.pop_front();
    auto written = co_await self->transport_->write_block(content);
    if (!written) {
      self->shut_down(written.error(), false);
      break;
    }
  }
}

net::awaitable<void> ClientConnection::keep_alive_loop(std::shared_ptr<ClientConnection> self) {
  while (self->is_open()) {
    self->ping_timer_.expires_after(self->config_.ping_interval);
    co_await self->ping_timer_.async_wait(kUseTuple);
    if (!self->is_open()) break;
    self->pings_sent_.fetch_add(1, std::memory_order_relaxed);
    // As the reference, the answer is not acted upon; it is counted.
    auto answer = co_await request(self, {}, protocol::cmd::Ping{}, nullptr);
    if (answer && std::holds_alternative<reply::Pong>(*answer)) {
      self->pongs_received_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

}  // namespace smp::client::detail
