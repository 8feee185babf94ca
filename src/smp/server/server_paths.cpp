#include "smp/server/server_paths.h"

#include <cstdlib>

#include "smp/server/message_log.h"
#include "smp/transport/certificates.h"

namespace smp::server {

std::filesystem::path ServerPaths::ca_key_file() const {
  return config_dir / transport::kCaKeyFile;
}
std::filesystem::path ServerPaths::ca_cert_file() const {
  return config_dir / transport::kCaCertFile;
}
std::filesystem::path ServerPaths::server_key_file() const {
  return config_dir / transport::kServerKeyFile;
}
std::filesystem::path ServerPaths::server_cert_file() const {
  return config_dir / transport::kServerCertFile;
}
std::filesystem::path ServerPaths::fingerprint_file() const {
  return config_dir / transport::kFingerprintFile;
}
std::filesystem::path ServerPaths::messages_file() const { return log_dir / kMessagesFileName; }

namespace {

std::filesystem::path pick(const std::optional<std::string>& flag, std::string_view env,
                           std::string_view fallback) {
  if (flag && !flag->empty()) return *flag;
  const char* value = std::getenv(std::string(env).c_str());
  if (value && *value) return value;
  return std::filesystem::path(fallback);
}

}  // namespace

ServerPaths resolve_server_paths(const std::optional<std::string>& config_dir_flag,
                                 const std::optional<std::string>& log_dir_flag) {
  return ServerPaths{pick(config_dir_flag, kConfigDirEnv, kDefaultConfigDir),
                     pick(log_dir_flag, kLogDirEnv, kDefaultLogDir)};
}

}  // namespace smp::server
