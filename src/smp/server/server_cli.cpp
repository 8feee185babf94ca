#include "smp/server/server_cli.h"

#include <CLI/CLI.hpp>
#include <cctype>
#include <map>
#include <optional>
#include <string>

#include "smp/server/server_init.h"
#include "smp/server/server_paths.h"
#include "smp/server/server_run.h"

namespace smp::server {

namespace {

// The reference's defaultControlPort.
constexpr std::uint16_t kDefaultControlPort = 5224;

const std::map<std::string, transport::CertificateAlgorithm> kAlgorithms{
    {"ED25519", transport::CertificateAlgorithm::ed25519},
    {"ED448", transport::CertificateAlgorithm::ed448}};

int parse_and_run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{std::string(kServerVersionLine) + ": a SimpleX Messaging Protocol server",
               "smp-server"};
  app.set_version_flag("-v,--version", std::string(kServerVersionLine), "Show version");
  app.require_subcommand(0, 1);
  app.fallthrough();

  std::optional<std::string> config_dir, log_dir;
  app.add_option("--config-dir", config_dir,
                 "Configuration directory (default $SMP_SERVER_CFG_PATH or /etc/opt/simplex)");
  app.add_option("--log-dir", log_dir,
                 "Log directory (default $SMP_SERVER_LOG_PATH or /var/opt/simplex)");

  InitOptions init_options;
  std::string algorithm = "ED448";
  std::string fqdn;
  auto* init = app.add_subcommand(
      "init", "Initialize server - creates the configuration and log directories and files");
  bool store_log_flag = false, disable_store_log = false;
  init->add_flag("-l,--store-log", store_log_flag,
                 "Enable store log for persistence (DEPRECATED, enabled by default)");
  init->add_flag("--disable-store-log", disable_store_log,
                 "Disable store log for persistence (enabled by default)");
  std::optional<std::string> password;
  bool no_password = false;
  auto* password_option =
      init->add_option("--password", password,
                       "Set password to create new messaging queues (default: a random one)");
  init->add_flag("--no-password", no_password, "Allow creating new queues without password")
      ->excludes(password_option);
  init->add_option("-a,--sign-algorithm", algorithm,
                   "Signature algorithm used for TLS certificates: ED25519, ED448")
      ->check(CLI::IsMember({"ED25519", "ED448"}, CLI::ignore_case))
      ->capture_default_str();
  init->add_option("--ip", init_options.ip,
                   "Server IP address used as Subject Alternative Name for TLS online "
                   "certificate, also used as Common Name if FQDN is not supplied")
      ->capture_default_str();
  init->add_option("-n,--fqdn", fqdn,
                   "Server FQDN used as Common Name and Subject Alternative Name for TLS "
                   "online certificate");
  init->add_option("--host", init_options.listen_host,
                   "Address to listen on ([TRANSPORT] host; default: all interfaces)");
  init->add_option("--port", init_options.port, "Port to listen on ([TRANSPORT] port)")
      ->capture_default_str();
  std::optional<std::uint16_t> control_port;
  auto* control_port_option =
      init->add_option("--control-port", control_port,
                       "Enable the control port on 127.0.0.1 (5224 without PORT), with random "
                       "admin and user passwords")
          ->expected(0, 1)
          ->default_str(std::to_string(kDefaultControlPort));
  auto* start = app.add_subcommand("start", "Start server (configuration: smp-server.ini)");
  auto* remove = app.add_subcommand("delete", "Delete configuration and log files");

  if (argc <= 1) {
    out << app.help();
    return 1;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err);
  }

  ServerPaths paths = resolve_server_paths(config_dir, log_dir);
  if (init->parsed()) {
    for (char& c : algorithm) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    init_options.algorithm = kAlgorithms.at(algorithm);  // IsMember checked it
    if (!fqdn.empty()) init_options.fqdn = fqdn;
    if (control_port_option->count() > 0) {
      init_options.control_port = control_port.value_or(kDefaultControlPort);
    }
    init_options.store_log = !disable_store_log;
    if (no_password) {
      init_options.password = InitPassword::none;
    } else if (password) {
      init_options.password = InitPassword::given;
      init_options.given_password = *password;
    }
    return init_server(paths, init_options, out, err);
  }
  if (start->parsed()) return run_server(paths, out, err);
  if (remove->parsed()) return delete_server(paths, out, err);
  out << app.help();
  return 1;
}

}  // namespace

int run_server_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  // The commands report failures as values; this only keeps an unexpected exception (say,
  // out of memory) to one line instead of a terminate() trace.
  try {
    return parse_and_run(argc, argv, out, err);
  } catch (const std::exception& e) {
    err << "Error: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace smp::server
