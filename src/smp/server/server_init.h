// `smp-server init` and `smp-server delete` (spec §6): creating the configuration (TLS
// certificates, fingerprint, smp-server.ini) and removing it with the logs. Both print what
// the reference prints to `out`; a failure is reported to `err` and gives a non-zero status.
//
// Not thread-safe (they own the directories while they run).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "smp/server/server_paths.h"
#include "smp/transport/certificates.h"

namespace smp::server {

// What create_password `init` writes in [AUTH] (the reference's --password / --no-password).
enum class InitPassword : std::uint8_t {
  random,  // the reference's default: 32 random bytes, base64url
  none,    // --no-password: anyone may create queues (written commented out)
  given,   // --password PWD
};

struct InitOptions {
  // [STORE_LOG] enable; on by default as in the reference since 6.3.2 (--disable-store-log).
  bool store_log = true;
  transport::CertificateAlgorithm algorithm = transport::CertificateAlgorithm::ed448;
  std::string ip = "127.0.0.1";     // certificate name when there is no FQDN
  std::optional<std::string> fqdn;  // certificate name (wins over ip); also [TRANSPORT] host
  std::string listen_host;          // [TRANSPORT] listen_host; "" = all interfaces
  std::uint16_t port = 5223;        // [TRANSPORT] port
  InitPassword password = InitPassword::random;
  std::string given_password;  // with InitPassword::given
  // --control-port [PORT] (5224 without a port): [TRANSPORT] control_port, with a random
  // admin and user password in [AUTH].
  std::optional<std::uint16_t> control_port;
};

// Refuses (status 1, the reference's two lines) when smp-server.ini exists, or (status 1) when
// a given password is not a valid one. Otherwise creates both directories, removes files an
// earlier unfinished init may have left (our file names only, never other files), writes
// ca.key and server.key (mode 0600), ca.crt, server.crt, fingerprint and smp-server.ini
// (mode 0600 when it holds a password, for new queues or the control port), and prints the reference's messages plus the server
// address (with the password, as the reference prints it).
int init_server(const ServerPaths& paths, const InitOptions& options, std::ostream& out,
                std::ostream& err);

// Removes both directories with everything in them; prints "Deleted configuration and log files".
int delete_server(const ServerPaths& paths, std::ostream& out, std::ostream& err);

}  // namespace smp::server
