// The `agent` subcommand of smp-bench: its options, and running it (agent_bench.h) with a
// human summary and one JSON object as the last line of stdout. Single-threaded use.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "agent_bench.h"

namespace smp::bench {

class AgentSubcommand {
 public:
  // Adds the subcommand and its options to `app`.
  explicit AgentSubcommand(CLI::App& app);
  AgentSubcommand(const AgentSubcommand&) = delete;
  AgentSubcommand& operator=(const AgentSubcommand&) = delete;

  bool parsed() const { return command_->parsed(); }

  // The exit status: 0 when every message arrived with no error, 1 otherwise, 2 for a bad
  // address or a remote one without --allow-remote (is_loopback decides).
  int run(const std::function<bool(const std::string&)>& is_loopback);

 private:
  CLI::App* command_;
  AgentBenchOptions options_;
  std::string server_;
  int server_pid_ = 0;
  bool allow_remote_ = false;
  bool quiet_ = false;
  bool default_heap_ = false;
  double stall_s_ = 20;
};

}  // namespace smp::bench
