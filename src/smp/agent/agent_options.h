// The smp-agent command line (spec §7.10), parsed with CLI11. Every setting comes from its
// flag, else its environment variable, else the default:
//   --server URI (repeatable)  SMP_SERVERS (comma-separated)  the reference's localhost server
//   --port N (0 = any free)    SMP_AGENT_PORT                 5224
//   --host ADDR                                               127.0.0.1
//   --db FILE                  SMP_AGENT_DB                   smp-agent.db
//   --cert-dir DIR             SMP_AGENT_CFG_PATH             /etc/opt/simplex-agent
//   --log-level LEVEL                                         info
//   --key-algorithm ALG (ed448 | ed25519)                     ed448
// plus -h/--help and -v/--version. Pure function of its inputs; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "smp/agent/agent_credentials.h"
#include "smp/agent/agent_server.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/server_address.h"

namespace smp::agent {

inline constexpr std::string_view kDefaultSmpServer =
    "smp://bU0K-bRg24xWW__lS0umO1Zdw_SXqpJNtm1_RrPLViE=@localhost:5223";
inline constexpr std::string_view kAgentVersionLine = "SMP agent v1.0.0";

// The level names accepted by --log-level (spdlog's).
enum class LogLevel { trace, debug, info, warn, error, off };

struct AgentOptions {
  std::vector<protocol::SmpServer> servers;  // never empty after parsing
  std::string host = "127.0.0.1";
  std::uint16_t port = kDefaultAgentPort;
  std::filesystem::path db_file = "smp-agent.db";
  std::filesystem::path cert_dir = std::filesystem::path(kDefaultAgentCertDir);
  LogLevel log_level = LogLevel::info;
  // Signature algorithm of the keys of new queues (the reference's cmdSignAlg).
  crypto::KeyAlgorithm key_algorithm = crypto::KeyAlgorithm::ed448;
};

// Looks up an environment variable (nullopt when unset). Tests pass a map; main passes getenv.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_environment();

// What the command line asks for: run with `options`, or exit with `exit_status` (after
// --help or --version, printed to `out`, or after a bad value: one "Error: …" line on `err`,
// status 1 — bad server URIs and ports included).
struct AgentCommandLine {
  std::optional<AgentOptions> options;
  int exit_status = 0;
};
AgentCommandLine parse_agent_command_line(int argc, const char* const* argv, const EnvLookup& env,
                                          std::ostream& out, std::ostream& err);

}  // namespace smp::agent
