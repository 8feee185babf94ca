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

#include "smp/common/app_error.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/server/server_paths.h"

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

// smp://<fingerprint>[:<password>]@host[:port], the port left out when it is the default
// 5223 (the password is the basic auth clients need to create queues).
std::string server_address(std::string_view host, std::uint16_t port, ByteView key_hash,
                           const std::optional<std::string>& password = std::nullopt);

}  // namespace smp::server
