// ServerContext: the state every connection of one Server shares — configuration, stores,
// store log, statistics, the subscriber maps, the set of live sessions and the proxy's
// connections to destination servers.
//
// Thread-safe: the stores, the log, the maps and the counters synchronise themselves; the
// session set has its own mutex. Owned by the Server; sessions borrow it and never outlive it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "smp/server/message_store.h"
#include "smp/server/notification_store.h"
#include "smp/server/proxy_pool.h"
#include "smp/server/queue_store.h"
#include "smp/server/server_config.h"
#include "smp/server/server_stats.h"
#include "smp/server/store_log.h"
#include "smp/server/subscriber_map.h"

namespace smp::server {

class Session;

class ServerContext {
 public:
  ServerContext(ServerConfig cfg, QueueStore& queue_store, MessageStore& message_store,
                StoreLog* log)
      : config(std::move(cfg)),
        queues(queue_store),
        messages(message_store),
        proxy(ProxyLimits{.connect_timeout = config.proxy_connect_timeout,
                          .request_timeout = config.proxy_request_timeout,
                          .idle_timeout = config.proxy_idle_timeout},
              config.proxy_error_ttl,
              make_proxy_socks(config.proxy_socks, config.proxy_socks_mode,
                               new_socks_isolation_username()),
              config.proxy_max_destinations),
        log_(log) {}
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  const ServerConfig config;
  QueueStore& queues;
  MessageStore& messages;
  ServerStats stats;
  SubscriberMap<Session> subscribers;  // recipient id → the connection subscribed (SUB/NEW)
  SubscriberMap<Session> notifiers;    // notifier id → the connection subscribed (NSUB)
  NotificationStore notifications;     // NMSGs kept for notifiers (6.5.5's NKEY)
  ProxyPool proxy;                     // connections to destinations, as an SMP proxy

  // Appends to the store log, if there is one. A failure is logged, not returned: the change
  // is already live in memory, and the reference carries on the same way.
  void append_log(const StoreLogRecord& record);

  // Deletes queue `q` (DEL, or the control port's `delete`): its record and messages go, the
  // DELETE record is logged, its kept notifications go, and its entries leave the subscriber
  // maps; a connection other than `by` that was subscribed is told (Session::post_deleted:
  // DELD for the current generation); `by` (null for none) drops its own subscriptions itself. Returns how many messages were deleted;
  // errc::smp_auth when the queue no longer exists.
  Result<std::size_t> remove_queue(const QueueRecord& q, const Session* by);

  // The number given to the next connection (the reference's clientId), from 0.
  std::uint64_t next_client_id() { return next_client_id_.fetch_add(1, std::memory_order_relaxed); }

  void add_session(const std::shared_ptr<Session>& s);
  void remove_session(const Session* s);
  std::vector<std::shared_ptr<Session>> live_sessions() const;
  std::size_t session_count() const;

 private:
  StoreLog* const log_;
  std::atomic<std::uint64_t> next_client_id_{0};
  mutable std::mutex mu_;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;  // guarded by mu_
};

}  // namespace smp::server
