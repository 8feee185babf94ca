// smp-bench startup: how long smp-server takes from exec to its first "Listening" line on a
// given store log, and how much CPU (utime + stime from /proc, sampled when the line is read)
// and memory it used by then. Each run copies the store log into a fresh log directory of a
// server initialised once in a temporary folder (the server compacts the log in place), starts
// `smp-server start`, waits for the line, then stops the server with SIGTERM.
// With several server binaries the runs alternate between them (A B A B ...), so a before /
// after comparison shares the machine's load. Blocks the caller; not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "smp/common/error.h"

namespace smp::bench {

struct StartupOptions {
  std::vector<std::filesystem::path> server_bins;  // one or more smp-server executables
  std::filesystem::path store_log;                 // copied in before every run
  std::size_t rounds = 3;                          // runs per binary
  std::uint16_t port = 15390;                      // on 127.0.0.1
  double timeout_s = 600;                          // per start
  bool quiet = false;
};

struct StartupRun {
  std::size_t bin = 0;  // index into server_bins
  double wall_s = 0;    // exec → "Listening" read from the pipe
  double cpu_s = 0;     // the server's utime + stime at that moment
  std::uint64_t rss_bytes = 0;
};

// errc::io_error if a directory or file cannot be made or copied, the server cannot be
// started, exits before listening or does not listen within the timeout.
Result<std::vector<StartupRun>> run_startup(const StartupOptions& o);

}  // namespace smp::bench
