// Server: the SMP v1 network server (spec §3, §4). Owns the listeners, the io_context
// threads and every connection's session; works on a QueueStore, a MessageStore and an
// optional StoreLog owned by the caller, which must outlive the Server.
//
// Thread-safe: start(), stop(), wait() and the accessors may be called from any thread
// (stop() also from a signal-handling thread). Not copyable.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/server/server_config.h"
#include "smp/server/server_stats.h"

namespace smp::server {

class QueueStore;
class MessageStore;
class StoreLog;
class ServerContext;

class Server {
 public:
  // `log` may be null (no store log). Nothing runs until start().
  Server(ServerConfig cfg, QueueStore& queues, MessageStore& messages, StoreLog* log);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();  // stops and joins if still running

  // Loads the certificates, binds every listener and starts the threads. Errors:
  // errc::not_found / io_error / bad_der / config_invalid for unreadable or mismatched
  // certificates; errc::io_error when a listener cannot bind (port in use, bad host);
  // errc::config_invalid when called twice or with no listener. On error nothing is left running.
  Result<void> start();

  // The actual port of each listener, in config order (resolves port "0"); empty before start().
  std::vector<std::uint16_t> bound_ports() const;

  // Stops accepting, closes every session, stops expiry and joins the threads (sessions get
  // a bounded grace period to finish a pending write). Idempotent; safe before start().
  void stop();

  // Blocks until stop() has completed (returns at once if never started).
  void wait();

  const ServerStats& stats() const;
  // The state every connection shares, for the control port (server_control.h), which acts
  // on it from its own thread. Lives as long as the Server.
  ServerContext& context();
  // The CA certificate fingerprint clients pin (spec §2.3); empty before start().
  const Bytes& key_hash() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smp::server
