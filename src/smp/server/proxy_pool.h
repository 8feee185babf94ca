// ProxyPool: the outgoing side of this server as an SMP proxy (the reference's ProxyAgent,
// an SMPClientAgent, Client/Agent.hs at simplexmq 6.5.5): one ProxyRelay per destination
// address, shared by every client of the proxy; PRXY finds or starts it and answers with the
// destination's key, PFWD finds it by the destination's session id.
//
// A failed connection is remembered for error_ttl (persistErrorInterval: 30 s), so PRXYs to
// a destination that is down get its error at once instead of each opening a connection
// (expired failures are dropped whenever a new destination is asked for); a
// relay that closes (idle, dead, or the destination closed it) leaves the pool and the next
// PRXY connects again. Each relay connects directly or through the SOCKS5 proxy, as
// ProxySocks::for_host says for its host.
//
// Thread-safe: connect() and forward() may be awaited from any executor (each relay runs on
// its own strand; the answer resumes the caller on its executor); the maps have a mutex.
// Owned by the ServerContext; close_all() must run before the io_contexts stop.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "smp/common/bytes.h"
#include "smp/server/proxy_error.h"
#include "smp/server/proxy_relay.h"
#include "smp/server/proxy_socks.h"

namespace smp::server {

class ProxyPool final : public ProxyRelay::Observer {
 public:
  // `socks`: which destinations are reached through a SOCKS5 proxy (proxy_socks.h).
  ProxyPool(ProxyLimits limits, std::chrono::steady_clock::duration error_ttl,
            ProxySocks socks = {},
            std::size_t max_destinations = std::numeric_limits<std::size_t>::max());
  ~ProxyPool() override;
  ProxyPool(const ProxyPool&) = delete;
  ProxyPool& operator=(const ProxyPool&) = delete;

  // PRXY: the destination's key through the shared relay (started on a strand of the
  // caller's executor when there is none), or the error to answer with.
  net::awaitable<ProxyAnswer<RelayKey>> connect(ProxyDestination destination);
  // PFWD: forwards through the relay whose destination session id is `session_id`; PROXY
  // NO_SESSION when there is none. *own_destination is set (before the first suspension)
  // to whether that relay's destination is one of the operator's own servers.
  net::awaitable<ProxyAnswer<Bytes>> forward(Bytes session_id, ForwardRequest request,
                                             bool* own_destination);

  // Closes every relay (the server stops); later requests start new ones.
  void close_all();
  // Relays in the pool, connected or not (failed ones count until their error expires).
  std::size_t relay_count() const;

  void relay_connected(const std::shared_ptr<ProxyRelay>& relay, ByteView session_id) override;
  void relay_closed(const ProxyRelay& relay, bool connect_failed) override;

 private:
  struct Entry {
    std::shared_ptr<ProxyRelay> relay;
    // Set when the relay failed to connect: until then its error is the answer.
    std::optional<std::chrono::steady_clock::time_point> failed_until;
    std::string session_id;  // once connected
  };

  const ProxyLimits limits_;
  const std::chrono::steady_clock::duration error_ttl_;
  const ProxySocks socks_;
  const std::size_t max_destinations_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> by_destination_;              // guarded by mu_
  std::unordered_map<std::string, std::weak_ptr<ProxyRelay>> by_session_;  // guarded by mu_
};

}  // namespace smp::server
