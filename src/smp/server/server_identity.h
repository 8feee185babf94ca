// The server's identity at start-up (spec §6): the stored fingerprint checked against ca.crt,
// the TLS credentials checked to load and match, and the name clients connect to (the server
// certificate's common name) — everything needed to print the server address.
//
// Functions read files only; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/server/app_error.h"
#include "smp/server/server_paths.h"
#include "smp/transport/tls.h"

namespace smp::server {

inline constexpr std::string_view kInvalidFingerprintMessage = "Stored fingerprint is invalid.";

struct ServerIdentity {
  Bytes key_hash;           // SHA-256 of ca.crt's DER
  std::string fingerprint;  // its base64url text, as in the fingerprint file
  std::string host;         // the server certificate's CN (the FQDN or IP given to init)
};

// Errors (one line each): a missing or unreadable file (named); kInvalidFingerprintMessage
// when the first line of `fingerprint` is not ca.crt's; a server key that does not load or
// does not match server.crt.
AppResult<ServerIdentity> load_server_identity(const ServerPaths& paths);

// A TLS server's credentials from its three files: the chain [cert, ca_cert] and key, checked
// to load as a server context. Errors (one line each): a missing or unreadable file (named),
// a key that does not match `cert`, or files that do not hold one certificate each.
AppResult<transport::ServerCredentials> load_tls_credentials(const std::filesystem::path& ca_cert,
                                                             const std::filesystem::path& cert,
                                                             const std::filesystem::path& key);

// The common name of the first certificate in a PEM file.
AppResult<std::string> certificate_common_name(const std::filesystem::path& cert_file);

// smp://<fingerprint>[:<password>]@host[:port], the port left out when it is the default
// 5223 (the password is the basic auth clients need to create queues).
std::string server_address(std::string_view host, std::uint16_t port, ByteView key_hash,
                           const std::optional<std::string>& password = std::nullopt);

// "<path>: <reason>" for a file error, with the OS's reason when it can tell one.
std::string describe_file_error(const std::filesystem::path& path, const error_code& ec);

}  // namespace smp::server
