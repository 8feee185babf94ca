// Where smp-server keeps its files (spec §6): the configuration directory (default
// /etc/opt/simplex, or $SMP_SERVER_CFG_PATH) with smp-server.ini, ca.key, ca.crt, server.key,
// server.crt and fingerprint; the log directory (default /var/opt/simplex, or
// $SMP_SERVER_LOG_PATH) with smp-server-store.log and smp-server-messages.log.
//
// A copyable value; thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace smp::server {

// Both generations this server speaks: SMP v1 (clients without ALPN) and the SMP versions
// 6..18 of the reference server it replaces (simplexmq 6.5.5.0).
inline constexpr std::string_view kServerVersionLine =
    "SMP server v6.5.5.0 (simplexmq-cpp: SMP v1 and SMP 6..18)";

inline constexpr std::string_view kDefaultConfigDir = "/etc/opt/simplex";
inline constexpr std::string_view kDefaultLogDir = "/var/opt/simplex";
inline constexpr std::string_view kConfigDirEnv = "SMP_SERVER_CFG_PATH";
inline constexpr std::string_view kLogDirEnv = "SMP_SERVER_LOG_PATH";

inline constexpr std::string_view kIniFileName = "smp-server.ini";
inline constexpr std::string_view kStoreLogFileName = "smp-server-store.log";

struct ServerPaths {
  std::filesystem::path config_dir;
  std::filesystem::path log_dir;

  std::filesystem::path ini_file() const { return config_dir / kIniFileName; }
  std::filesystem::path ca_key_file() const;
  std::filesystem::path ca_cert_file() const;
  std::filesystem::path server_key_file() const;
  std::filesystem::path server_cert_file() const;
  std::filesystem::path fingerprint_file() const;
  std::filesystem::path store_log_file() const { return log_dir / kStoreLogFileName; }
  std::filesystem::path messages_file() const;
};

// A flag wins over the environment variable, which wins over the default. An empty flag or
// variable counts as not given.
ServerPaths resolve_server_paths(const std::optional<std::string>& config_dir_flag,
                                 const std::optional<std::string>& log_dir_flag);

}  // namespace smp::server
