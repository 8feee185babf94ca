#include "smp/agent/server_clients.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace smp::agent {

// One connect attempt that later callers wait for: the timer is cancelled when it ends.
struct ServerClients::Attempt {
  explicit Attempt(const Strand& strand)
      : done(strand, net::steady_timer::time_point::max()) {}
  net::steady_timer done;
  std::shared_ptr<client::SmpClient> client;
  error_code error;
};

ServerClients::ServerClients(Strand strand, client::ClientConfig config, Handlers handlers)
    : strand_(std::move(strand)), config_(std::move(config)), handlers_(std::move(handlers)) {}

std::string ServerClients::key_of(const protocol::SmpServer& server) {
  return protocol::str_encode(server);
}

client::ClientCallbacks ServerClients::callbacks_for(const protocol::SmpServer& server,
                                                     std::uint64_t generation) {
  std::weak_ptr<ServerClients> weak = weak_from_this();
  client::ClientCallbacks cb;
  // Both run on the client's strand: hop to ours, in order.
  cb.on_event = [weak, strand = strand_, server](client::ServerEvent event) {
    net::post(strand, [weak, server, event = std::move(event)]() mutable {
      auto self = weak.lock();
      if (!self || self->closed_ || !self->handlers_.on_event) return;
      self->handlers_.on_event(server, std::move(event));
    });
  };
  cb.on_disconnect = [weak, strand = strand_, server, generation](error_code) {
    net::post(strand, [weak, server, generation] {
      if (auto self = weak.lock()) self->disconnected(server, generation);
    });
  };
  return cb;
}

net::awaitable<Result<std::shared_ptr<client::SmpClient>>> ServerClients::get(
    protocol::SmpServer server) {
  auto self = shared_from_this();
  const std::string key = key_of(server);
  for (;;) {
    if (closed_) co_return make_error_code(errc::connection_closed);
    Entry& entry = clients_[key];
    if (entry.client && entry.client->is_open()) co_return entry.client;
    if (auto attempt = entry.attempt) {
      co_await attempt->done.async_wait(net::as_tuple(net::use_awaitable));
      if (attempt->client) co_return attempt->client;
      co_return attempt->error;
    }
    if (entry.client) {  // closed, and its disconnect notice has not arrived yet
      disconnected(server, entry.generation);
      continue;
    }
    auto attempt = std::make_shared<Attempt>(strand_);
    const std::uint64_t generation = next_generation_++;
    entry.attempt = attempt;
    entry.generation = generation;
    auto connected = co_await client::SmpClient::connect(strand_, server, config_,
                                                         callbacks_for(server, generation));
    // `entry` may have been invalidated while connecting (close()); look it up again.
    auto it = clients_.find(key);
    const bool current = it != clients_.end() && it->second.generation == generation;
    if (connected && current && !closed_) {
      attempt->client = std::shared_ptr<client::SmpClient>(std::move(*connected));
      it->second.client = attempt->client;
      it->second.attempt.reset();
      spdlog::debug("agent: connected to {}:{}", server.host, server.port);
    } else {
      if (connected) (*connected)->close();
      attempt->error = connected ? make_error_code(errc::connection_closed) : connected.error();
      if (current) clients_.erase(it);
    }
    attempt->done.cancel();
    if (attempt->client) co_return attempt->client;
    co_return attempt->error;
  }
}

void ServerClients::disconnected(const protocol::SmpServer& server, std::uint64_t generation) {
  if (closed_) return;
  const std::string key = key_of(server);
  auto it = clients_.find(key);
  if (it == clients_.end() || it->second.generation != generation || !it->second.client) return;
  clients_.erase(it);
  spdlog::info("agent: disconnected from an SMP server");
  std::vector<Subscription> lost;
  if (auto s = subs_.find(key); s != subs_.end()) {
    for (auto& [rcv_id, conn_id] : s->second.queues) {
      lost.push_back({Bytes(rcv_id.begin(), rcv_id.end()), conn_id});
    }
    subs_.erase(s);
  }
  if (!lost.empty() && handlers_.on_down) handlers_.on_down(server, std::move(lost));
}

void ServerClients::add_subscription(const protocol::SmpServer& server, ByteView rcv_id,
                                     const ConnId& conn_id) {
  auto& s = subs_[key_of(server)];
  s.server = server;
  s.queues[std::string(rcv_id.begin(), rcv_id.end())] = conn_id;
}

void ServerClients::remove_subscription(const protocol::SmpServer& server, ByteView rcv_id) {
  auto it = subs_.find(key_of(server));
  if (it == subs_.end()) return;
  it->second.queues.erase(std::string(rcv_id.begin(), rcv_id.end()));
  if (it->second.queues.empty()) subs_.erase(it);
}

void ServerClients::remove_connection(const ConnId& conn_id) {
  for (auto it = subs_.begin(); it != subs_.end();) {
    std::erase_if(it->second.queues, [&](const auto& q) { return q.second == conn_id; });
    it = it->second.queues.empty() ? subs_.erase(it) : std::next(it);
  }
}

bool ServerClients::subscribed(const protocol::SmpServer& server, ByteView rcv_id) const {
  auto it = subs_.find(key_of(server));
  return it != subs_.end() && it->second.queues.contains(std::string(rcv_id.begin(), rcv_id.end()));
}

void ServerClients::close() {
  if (closed_) return;
  closed_ = true;
  for (auto& [key, entry] : clients_) {
    if (entry.client) entry.client->close();
    if (entry.attempt) {
      entry.attempt->error = make_error_code(errc::connection_closed);
      entry.attempt->done.cancel();
    }
  }
  clients_.clear();
  subs_.clear();
}

}  // namespace smp::agent
