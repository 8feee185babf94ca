// The smp-server command line (spec §6), parsed with CLI11:
//   smp-server [--config-dir DIR] [--log-dir DIR] init [-l | --disable-store-log]
//              [-a ED25519|ED448] [--ip IP] [-n FQDN] [--host HOST] [--port PORT]
//              [--password PWD | --no-password] [--control-port [PORT]]
//   smp-server start | delete | -v/--version | -h/--help
// No arguments prints the help (status 1, as the reference). Directories come from the flags,
// else $SMP_SERVER_CFG_PATH / $SMP_SERVER_LOG_PATH, else /etc/opt/simplex and /var/opt/simplex.
//
// Not thread-safe: `start` runs the server on the calling thread until a signal stops it.
#pragma once

#include <ostream>

namespace smp::server {

// Parses argv, runs the command, returns the process exit status.
int run_server_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace smp::server
