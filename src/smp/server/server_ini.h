// The settings in smp-server.ini (spec §6) as typed values: reading them from a parsed Ini
// with every value checked, writing the file `smp-server init` creates, and turning them into
// the network server's ServerConfig.
//
// Sections and keys (the reference's, then ours):
//   [STORE_LOG]  enable (required), restore_messages, expire_messages_days
//   [TRANSPORT]  host, port (required), websockets (required), threads
//   [QUEUES]     msg_queue_quota
//   [STATS]      log_interval_seconds, prometheus_port
// On/off values are exactly `on` or `off`. Unknown sections and keys are errors, so a typo
// never passes silently. Pure functions, copyable values; thread-safe.
#pragma once

#include <boost/system/result.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "smp/server/ini_reader.h"
#include "smp/server/server_config.h"

namespace smp::server {

struct ServerIniSettings {
  // [STORE_LOG]
  bool store_log = false;             // enable: queues survive restarts
  bool restore_messages = true;       // save undelivered messages on stop, restore on start
  std::uint32_t expire_messages_days = 21;
  // [TRANSPORT]
  std::string host;                   // listen address; "" = all interfaces
  std::uint16_t port = 5223;          // 0 = any free port (tests)
  bool websockets = false;            // also listen on port 80 (WebSockets)
  std::size_t threads = 0;            // io threads; 0 = one per CPU the process may use
  // [QUEUES]
  std::size_t msg_queue_quota = 256;
  // [STATS]
  std::uint32_t log_interval_seconds = 3600;  // 0 = no periodic stats lines
  std::optional<std::uint16_t> prometheus_port;  // unset = no metrics endpoint; 0 = any free port

  friend bool operator==(const ServerIniSettings&, const ServerIniSettings&) = default;
};

// Reads and checks every value. The error names the line (or the missing key) and says
// what is expected, e.g. line 9: "`port` must be a number from 0 to 65535, got `52x3`".
boost::system::result<ServerIniSettings, IniError> read_server_ini(const Ini& ini);

// Both steps over file text.
boost::system::result<ServerIniSettings, IniError> parse_server_ini(std::string_view text);

// The file `init` writes: the reference's sections, keys and comments plus ours, with these
// values (an unset prometheus_port is written as an empty value).
std::string format_server_ini(const ServerIniSettings& settings);

// The network server's configuration: one TLS listener on host:port, plus WebSockets on
// host:80 when enabled; certificate files from `config_dir`.
ServerConfig make_server_config(const ServerIniSettings& settings,
                                const std::filesystem::path& config_dir);

}  // namespace smp::server
