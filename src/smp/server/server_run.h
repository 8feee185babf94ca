// `smp-server start` (spec §6): reads and checks smp-server.ini and the server identity,
// loads and compacts the store log, restores saved messages, runs the Server (and the
// Prometheus endpoint and control port when configured) until SIGINT or SIGTERM, then saves
// undelivered messages and closes the store log.
//
// Prints the reference's banner to `out`; a failure to start is one line on `err` and status
// 1, never an exception. Logs go to stdout through spdlog (smp/common/console_log.h says how
// they look). Not thread-safe: call once, from main, before any other thread is started (it
// installs the signal handlers).
#pragma once

#include <ostream>

#include "smp/server/server_paths.h"

namespace smp::server {

// Blocks until a signal stops the server. Returns 0 after a clean stop, 1 when the server
// could not start or its state could not be saved.
int run_server(const ServerPaths& paths, std::ostream& out, std::ostream& err);

}  // namespace smp::server
