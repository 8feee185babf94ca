#include "smp/server/server_identity.h"

#include <fmt/format.h>

#include "smp/protocol/server_address.h"
#include "smp/transport/certificates.h"
#include "smp/transport/credential_files.h"

namespace smp::server {

std::string server_address(std::string_view host, std::uint16_t port, ByteView key_hash,
                           const std::optional<std::string>& password) {
  std::string port_text = std::to_string(port);
  if (port_text == protocol::kDefaultPort) port_text.clear();
  std::string address = protocol::str_encode(
      protocol::SmpServer{std::string(host), port_text, Bytes(key_hash.begin(), key_hash.end())});
  // smp://<fingerprint>@... → smp://<fingerprint>:<password>@...
  if (password) address.insert(address.find('@'), ":" + *password);
  return address;
}

namespace {

AppResult<void> check_credentials(const ServerPaths& paths) {
  auto loaded =
      transport::load_tls_credentials(paths.ca_cert_file(), paths.server_cert_file(), paths.server_key_file());
  if (!loaded) return loaded.error();
  return {};
}

}  // namespace

AppResult<ServerIdentity> load_server_identity(const ServerPaths& paths) {
  auto stored = transport::read_fingerprint_file(paths.fingerprint_file());
  if (!stored) {
    return AppError{"cannot read " + transport::describe_file_error(paths.fingerprint_file(), stored.error())};
  }
  auto hash = transport::key_hash_of_certificate_file(paths.ca_cert_file());
  if (!hash) {
    return AppError{"cannot read " + transport::describe_file_error(paths.ca_cert_file(), hash.error())};
  }
  const std::string stored_fingerprint = std::move(*stored);
  ServerIdentity id;
  id.key_hash.assign(hash->begin(), hash->end());
  id.fingerprint = transport::fingerprint_string(id.key_hash);
  if (stored_fingerprint != id.fingerprint) {
    return AppError{std::string(kInvalidFingerprintMessage)};
  }

  auto checked = check_credentials(paths);
  if (!checked) return checked.error();
  auto host = transport::certificate_common_name(paths.server_cert_file());
  if (!host) return host.error();
  id.host = std::move(*host);
  return id;
}

}  // namespace smp::server
