// ServerConfig: everything the network server needs to run (spec §6), filled in by the
// smp-server app from its ini file or by tests. Defaults are the reference's where it has one.
//
// A plain copyable value; immutable once handed to Server.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "smp/encoding/version.h"
#include "smp/protocol/versions.h"
#include "smp/protocol/wire_format.h"
#include "smp/server/proxy_hosts.h"
#include "smp/server/proxy_socks.h"
#include "smp/transport/stream_transport.h"

namespace smp::server {

// One listening socket. host "" = all interfaces; port "0" = an ephemeral port (tests read
// the actual one from Server::bound_ports()).
struct ListenEndpoint {
  std::string host;
  std::string port;
  transport::TransportKind kind = transport::TransportKind::tls;
};

struct ServerConfig {
  // TLS on 5223 by default; the app adds WebSockets on 80 when enabled.
  std::vector<ListenEndpoint> listeners{
      ListenEndpoint{"", std::string(protocol::kDefaultPort), transport::TransportKind::tls}};
  std::filesystem::path ca_cert_file, server_cert_file, server_key_file;
  // Messages a queue may hold, the delivered-but-unACKed one included (msgQueueQuota).
  std::size_t msg_queue_quota = protocol::kDefaultMsgQueueQuota;
  // io_context threads; 0 = one per CPU this process may run on (so `taskset -c 0` runs one).
  std::size_t threads = 0;
  // Blocks queued per client before we stop reading from it (responses) or disconnect it
  // (asynchronous MSG/END/NMSG that find the queue still full). The reference's tbqSize.
  std::size_t send_queue_limit = 16;
  // A client whose send queue stays full this long while notifications (MSG for a waiting
  // subscription, END) wait for room is disconnected. Not in the reference, whose threads
  // would wait for ever.
  std::chrono::seconds send_timeout{10};
  // TLS + WebSocket + SMP handshake must finish within this.
  std::chrono::seconds handshake_timeout{10};
  // A connection with no complete block received for this long is closed; 0 = none (the
  // reference has none).
  std::chrono::seconds idle_timeout{0};
  // Messages older than this are dropped by the periodic expiry (expire_messages_days).
  std::int64_t message_ttl_seconds = 21 * 86400;
  // How often expiry runs; 0 = never.
  std::chrono::seconds expire_interval{3600};
  // [AUTH] new_queues: whether NEW may create queues at all (the reference's allowNewQueues;
  // NEW is then answered AUTH).
  bool allow_new_queues = true;
  // [AUTH] create_password: when set, NEW must carry this basic auth (SMP v5+; the
  // reference's newQueueBasicAuth, also required for PRXY). Compare in constant time.
  std::optional<std::string> new_queue_basic_auth;

  // The current generation's versions offered (smpServerVRange); a part of 6..18 serves
  // as a server of an older release would (tests).
  enc::VersionRange current_versions = protocol::kCurrentVersions;

  // This server as an SMP proxy (PRXY / PFWD, private message routing). Off: PRXY is
  // answered PROXY BASIC_AUTH, as a server without the role. The smp-server app turns it on,
  // as the reference's ini does (allowSMPProxy); who may use it is then the
  // create_password rule: when new_queue_basic_auth is set, PRXY must carry it.
  bool allow_smp_proxy = false;
  // [PROXY] client_concurrency: proxied commands one client may have waiting for their
  // destinations before its connection is read no further (serverClientConcurrency).
  std::size_t proxy_client_concurrency = 32;
  // The proxy's own connections: connect (TCP + TLS + handshake) and per-request deadlines
  // (the reference's background network timeouts), how long an unused connection to a
  // destination stays open, and how long a failed connection's error is answered without a
  // new attempt (persistErrorInterval).
  std::chrono::milliseconds proxy_connect_timeout{45000};
  std::chrono::milliseconds proxy_request_timeout{30000};
  std::chrono::milliseconds proxy_idle_timeout{600000};
  std::chrono::milliseconds proxy_error_ttl{30000};
  // [PROXY] socks_proxy, socks_mode: the proxy's connections to destinations go through this
  // SOCKS5 proxy, for every destination (always) or for .onion hosts only (onion); with it,
  // a destination with only .onion hosts is reachable. Unset: direct connections.
  std::optional<SocksProxySetting> proxy_socks;
  SocksMode proxy_socks_mode = SocksMode::onion;
  // [PROXY] host_mode, required_host_mode: which of a destination's hosts to connect to;
  // own_server_domains: destinations counted as the operator's own (proxy_hosts.h).
  HostMode proxy_host_mode = HostMode::public_host;
  bool proxy_required_host_mode = false;
  std::vector<std::string> proxy_own_server_domains;
  // [PROXY] max_destinations: destination servers the proxy holds connections to (or
  // remembers a failure of) at once; a PRXY for one more is answered PROXY BROKER NETWORK
  // until one closes (idle after proxy_idle_timeout) or its failure expires.
  std::size_t proxy_max_destinations = 1000;
};

}  // namespace smp::server
