// The settings in smp-server.ini as typed values: reading them from a parsed Ini with every
// value checked, writing the file `smp-server init` creates, and turning them into the
// network server's ServerConfig.
//
// The file the reference's `smp-server init` writes (simplexmq 6.5.5, Server/Main/Init.hs) is
// accepted as it is. Sections and keys, the reference's with its meaning, then ours:
//   [STORE_LOG]  enable (required), restore_messages, expire_messages_days,
//                store_queues (memory only), store_messages (memory only),
//                expire_messages_on_start (the reference's memory store ignores it too)
//   [AUTH]       new_queues, create_password (the basic-auth password for NEW),
//                control_port_admin_password, control_port_user_password,
//                daily_block_queue_quota (control port: control_session.h, server_control.h)
//   [TRANSPORT]  host (the host(s) printed in the server address), port (required: TLS
//                ports, comma-separated), websockets (required: off, on = port 80, or ports),
//                control_port (on 127.0.0.1; empty or absent = none)
//   [PROXY]      client_concurrency (proxied commands a client may have in flight),
//                socks_proxy and socks_mode (the proxy's connections to destinations through
//                a SOCKS5 proxy: proxy_socks.h), host_mode, required_host_mode and
//                own_server_domains (proxy_hosts.h); the proxy role is always on, as in the
//                reference
//   ours:        [TRANSPORT] listen_host, threads; [QUEUES] msg_queue_quota;
//                [STATS] log_interval_seconds, prometheus_port; [PROXY] max_destinations
// The reference's other keys, and every key of its [INFORMATION], [INACTIVE_CLIENTS] and
// [WEB] sections, are accepted without effect and listed in
// `ignored_keys` (keys whose value is what this server does anyway, such as
// `log_stats = off`, are not listed). A section or key neither knows is an error, so a
// typo never passes silently; so is a value a known key cannot take, and a storage mode
// this server cannot honour (PostgreSQL, journal), which would lose data.
// On/off values are exactly `on` or `off`. Pure functions, copyable values; thread-safe.
#pragma once

#include <boost/system/result.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smp/server/ini_reader.h"
#include "smp/server/proxy_socks.h"
#include "smp/server/server_config.h"

namespace smp::server {

struct ServerIniSettings {
  // [STORE_LOG]
  bool store_log = false;             // enable: queues survive restarts
  bool restore_messages = true;       // save undelivered messages on stop, restore on start
  std::uint32_t expire_messages_days = 21;
  // [AUTH]
  bool allow_new_queues = true;                // new_queues
  std::optional<std::string> create_password;  // NEW needs this basic auth when set
  std::optional<std::string> control_port_admin_password;  // unset = no admin role
  std::optional<std::string> control_port_user_password;   // unset = no user role
  std::int64_t daily_block_queue_quota = 20;  // 0 = no limit, -1 = blocking refused
  // [TRANSPORT]
  std::string host;         // for the printed server address; "" = the certificate's name
  std::string listen_host;  // listen address; "" = all interfaces
  std::vector<std::uint16_t> ports{5223};      // TLS; 0 = any free port (tests)
  std::vector<std::uint16_t> websocket_ports;  // WebSockets; empty = off
  std::size_t threads = 0;  // io threads; 0 = one per CPU the process may use
  std::optional<std::uint16_t> control_port;  // unset = no control port; 0 = any free port
  // [QUEUES]
  std::size_t msg_queue_quota = 256;
  // [STATS]
  std::uint32_t log_interval_seconds = 3600;  // 0 = no periodic stats lines
  std::optional<std::uint16_t> prometheus_port;  // unset = no metrics endpoint; 0 = any free port
  // [PROXY]
  std::size_t proxy_client_concurrency = 32;  // client_concurrency
  std::optional<SocksProxySetting> socks_proxy;  // unset = destinations directly
  SocksMode socks_mode = SocksMode::onion;
  HostMode host_mode = HostMode::public_host;
  bool required_host_mode = false;
  std::vector<std::string> own_server_domains;
  std::size_t proxy_max_destinations = 1000;  // max_destinations
  // Keys accepted without effect, "[SECTION] key", in file order.
  std::vector<std::string> ignored_keys;

  friend bool operator==(const ServerIniSettings&, const ServerIniSettings&) = default;
};

// Reads and checks every value. The error names the line (or the missing key) and says
// what is expected, e.g. line 9: "`port` must be a number from 0 to 65535, got `52x3`".
boost::system::result<ServerIniSettings, IniError> read_server_ini(const Ini& ini);

// Both steps over file text.
boost::system::result<ServerIniSettings, IniError> parse_server_ini(std::string_view text);

// One line naming the ignored keys ("not implemented, ignored: [WEB] https, cert; ..."), or
// "" when there are none.
std::string describe_ignored_keys(const ServerIniSettings& settings);

// The file `init` writes: the reference's layout (`key = value`, its comments) for the
// sections and keys this server implements, then ours. An unset create_password, control
// port password or control_port is written commented out, as the reference does.
std::string format_server_ini(const ServerIniSettings& settings);

// Whether `password` can be a create_password (BasicAuth): printable ASCII without spaces,
// '@', ':' or '/', at least one character.
bool is_valid_basic_auth(std::string_view password);

// The network server's configuration: a TLS listener on listen_host:port for each port, a
// WebSockets listener for each WebSockets port; certificate files from `config_dir`.
ServerConfig make_server_config(const ServerIniSettings& settings,
                                const std::filesystem::path& config_dir);

}  // namespace smp::server
