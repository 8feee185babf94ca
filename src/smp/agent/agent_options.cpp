#include "smp/agent/agent_options.h"

#include <charconv>
#include <cstdlib>
#include <map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace smp::agent {

namespace {

const std::map<std::string, LogLevel> kLogLevels{
    {"trace", LogLevel::trace}, {"debug", LogLevel::debug}, {"info", LogLevel::info},
    {"warn", LogLevel::warn},   {"error", LogLevel::error}, {"off", LogLevel::off}};

std::optional<std::uint16_t> parse_port(std::string_view text) {
  std::uint16_t port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return port;
}

// Splits SMP_SERVERS at commas, trimming spaces around each address; empty items are dropped.
std::vector<std::string> split_servers(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

// An environment variable set to "" counts as unset.
std::optional<std::string> env_value(const EnvLookup& env, std::string_view name) {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

int fail(std::ostream& err, std::string_view message) {
  err << "Error: " << message << std::endl;
  return 1;
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

AgentCommandLine parse_agent_command_line(int argc, const char* const* argv, const EnvLookup& env,
                                          std::ostream& out, std::ostream& err) {
  CLI::App app{std::string(kAgentVersionLine) +
                   " (simplexmq-cpp): the SMP agent, serving its client protocol over TLS",
               "smp-agent"};
  app.set_version_flag("-v,--version", std::string(kAgentVersionLine), "Show version");

  std::vector<std::string> servers;
  std::optional<std::string> port_text, db, cert_dir;
  std::string host = "127.0.0.1";
  std::string log_level = "info";
  std::string key_algorithm = "ed25519";
  app.add_option("-s,--server", servers,
                 "SMP server address smp://<fingerprint>@host[:port], repeatable (default "
                 "$SMP_SERVERS, comma-separated, or " +
                     std::string(kDefaultSmpServer) + ")");
  app.add_option("-p,--port", port_text,
                 "TLS port for the agent's clients, 0 for any free port (default "
                 "$SMP_AGENT_PORT or 5224)");
  app.add_option("--host", host, "Address to listen on")->capture_default_str();
  app.add_option("--db", db, "SQLite database file (default $SMP_AGENT_DB or smp-agent.db)");
  app.add_option("--cert-dir", cert_dir,
                 "Directory with ca.crt, agent.crt and agent.key, created when empty (default "
                 "$SMP_AGENT_CFG_PATH or /etc/opt/simplex-agent)");
  app.add_option("--log-level", log_level, "Log level: trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}, CLI::ignore_case))
      ->capture_default_str();
  app.add_option("--key-algorithm", key_algorithm,
                 "Signature algorithm of new queues' keys: ed25519 or ed448")
      ->check(CLI::IsMember({"ed448", "ed25519"}, CLI::ignore_case))
      ->capture_default_str();

  AgentCommandLine result;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    result.exit_status = app.exit(e, out, err);
    return result;
  }

  AgentOptions options;
  if (servers.empty()) {
    if (auto list = env_value(env, "SMP_SERVERS")) servers = split_servers(*list);
  }
  if (servers.empty()) servers.emplace_back(kDefaultSmpServer);
  for (const std::string& text : servers) {
    auto server = protocol::decode_smp_server(text);
    if (!server) {
      result.exit_status = fail(err, fmt::format("invalid SMP server address `{}`", text));
      return result;
    }
    options.servers.push_back(std::move(*server));
  }

  if (!port_text) port_text = env_value(env, "SMP_AGENT_PORT");
  if (port_text) {
    auto port = parse_port(*port_text);
    if (!port) {
      result.exit_status = fail(err, fmt::format("invalid port `{}` (0 to 65535)", *port_text));
      return result;
    }
    options.port = *port;
  }
  for (const auto& [name, value] : {std::pair{"--host", std::optional(host)}, std::pair{"--db", db},
                                    std::pair{"--cert-dir", cert_dir}}) {
    if (value && value->empty()) {
      result.exit_status = fail(err, fmt::format("{} must not be empty", name));
      return result;
    }
  }
  options.host = host;
  if (!db) db = env_value(env, "SMP_AGENT_DB");
  if (db) options.db_file = *db;
  if (!cert_dir) cert_dir = env_value(env, "SMP_AGENT_CFG_PATH");
  if (cert_dir) options.cert_dir = *cert_dir;
  for (char& c : log_level) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  options.log_level = kLogLevels.at(log_level);  // IsMember checked it
  for (char& c : key_algorithm) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  options.key_algorithm =
      key_algorithm == "ed25519" ? crypto::KeyAlgorithm::ed25519 : crypto::KeyAlgorithm::ed448;
  result.options = std::move(options);
  return result;
}

}  // namespace smp::agent
