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

struct InitOptions {
  bool store_log = false;  // -l, --store-log
  transport::CertificateAlgorithm algorithm = transport::CertificateAlgorithm::ed448;
  std::string ip = "127.0.0.1";     // certificate name when there is no FQDN
  std::optional<std::string> fqdn;  // certificate name (wins over ip)
  std::string listen_host;          // [TRANSPORT] host; "" = all interfaces
  std::uint16_t port = 5223;        // [TRANSPORT] port
};

// Refuses (status 1, the reference's two lines) when smp-server.ini exists. Otherwise creates
// both directories, removes files an earlier unfinished init may have left (our file names
// only, never other files), writes ca.key and server.key (mode 0600), ca.crt, server.crt,
// fingerprint and smp-server.ini, and prints the reference's messages plus the server address.
int init_server(const ServerPaths& paths, const InitOptions& options, std::ostream& out,
                std::ostream& err);

// Removes both directories with everything in them; prints "Deleted configuration and log files".
int delete_server(const ServerPaths& paths, std::ostream& out, std::ostream& err);

}  // namespace smp::server
