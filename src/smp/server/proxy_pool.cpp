#include "smp/server/proxy_pool.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <unordered_map>
#include <vector>

namespace smp::server {

namespace {
std::string key_of(ByteView session_id) { return std::string(as_chars(session_id)); }
}  // namespace

ProxyPool::ProxyPool(ProxyLimits limits, std::chrono::steady_clock::duration error_ttl,
                     ProxySocks socks, std::size_t max_destinations)
    : limits_(limits),
      error_ttl_(error_ttl),
      socks_(std::move(socks)),
      max_destinations_(max_destinations) {}

ProxyPool::~ProxyPool() = default;

net::awaitable<ProxyAnswer<RelayKey>> ProxyPool::connect(ProxyDestination destination) {
  const net::any_io_executor caller = co_await net::this_coro::executor;
  std::shared_ptr<ProxyRelay> relay;
  {
    std::lock_guard lock(mu_);
    const std::string key = destination.key();
    auto it = by_destination_.find(key);
    const auto now = std::chrono::steady_clock::now();
    if (it != by_destination_.end() && it->second.failed_until && *it->second.failed_until <= now) {
      by_destination_.erase(it);
      it = by_destination_.end();
    }
    if (it == by_destination_.end()) {
      // Failed destinations nobody asks for again would otherwise stay: drop every expired
      // one when a new destination comes (bounded work per new relay, none per request).
      std::erase_if(by_destination_, [now](const auto& item) {
        return item.second.failed_until && *item.second.failed_until <= now;
      });
      if (by_destination_.size() >= max_destinations_) {
        co_return proxy_broker_error(protocol::BrokerErrorInfo::Kind::network);
      }
      // Registered before it can report anything: its callbacks take this mutex.
      destination.socks = socks_.for_host(destination.host);
      relay = ProxyRelay::start(caller, std::move(destination), limits_, *this);
      by_destination_.emplace(key, Entry{.relay = relay, .failed_until = std::nullopt, .session_id = {}});
    } else {
      relay = it->second.relay;
    }
  }
  co_return co_await net::co_spawn(relay->executor(), relay->key(), net::use_awaitable);
}

net::awaitable<ProxyAnswer<Bytes>> ProxyPool::forward(Bytes session_id, ForwardRequest request,
                                                     bool* own_destination) {
  std::shared_ptr<ProxyRelay> relay;
  {
    std::lock_guard lock(mu_);
    auto it = by_session_.find(key_of(session_id));
    if (it != by_session_.end()) relay = it->second.lock();
  }
  *own_destination = relay && relay->destination().own;
  if (!relay) co_return proxy_error(protocol::ProxyErrorInfo::Kind::no_session);
  co_return co_await net::co_spawn(relay->executor(), relay->forward(std::move(request)),
                                   net::use_awaitable);
}

void ProxyPool::close_all() {
  std::vector<std::shared_ptr<ProxyRelay>> relays;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, entry] : by_destination_) relays.push_back(entry.relay);
    by_destination_.clear();
    by_session_.clear();
  }
  for (auto& r : relays) net::post(r->executor(), [r] { r->close(); });
}

std::size_t ProxyPool::relay_count() const {
  std::lock_guard lock(mu_);
  return by_destination_.size();
}

void ProxyPool::relay_connected(const std::shared_ptr<ProxyRelay>& relay, ByteView session_id) {
  std::lock_guard lock(mu_);
  auto it = by_destination_.find(relay->destination().key());
  if (it == by_destination_.end() || it->second.relay != relay) return;  // closed meanwhile
  it->second.session_id = key_of(session_id);
  by_session_[it->second.session_id] = relay;
}

void ProxyPool::relay_closed(const ProxyRelay& relay, bool connect_failed) {
  std::lock_guard lock(mu_);
  auto it = by_destination_.find(relay.destination().key());
  if (it == by_destination_.end() || it->second.relay.get() != &relay) return;
  if (!it->second.session_id.empty()) by_session_.erase(it->second.session_id);
  if (connect_failed && error_ttl_.count() > 0) {
    it->second.failed_until = std::chrono::steady_clock::now() + error_ttl_;
  } else {
    by_destination_.erase(it);
  }
}

}  // namespace smp::server
