#include "smp/server/server_run.h"

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "smp/common/console_log.h"
#include "smp/server/control_port.h"
#include "smp/server/server_control.h"
#include "smp/server/message_log.h"
#include "smp/server/message_store.h"
#include "smp/server/prometheus.h"
#include "smp/server/queue_store.h"
#include "smp/server/server.h"
#include "smp/server/server_identity.h"
#include "smp/server/server_ini.h"
#include "smp/server/stats_reporter.h"
#include "smp/server/store_log.h"

namespace smp::server {

namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {

// The default logger writes to stdout (without timestamps when that is the journal); a small
// ring of its error lines lets a failed start repeat the server's own reason (e.g. "cannot
// listen on *:5223: Address already in use") as the one line on stderr.
std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> setup_logging() {
  auto console = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
  auto errors = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4);
  errors->set_level(spdlog::level::err);
  auto logger = std::make_shared<spdlog::logger>(
      "smp-server", spdlog::sinks_init_list{console, errors});
  logger->set_level(spdlog::level::info);
  set_console_format(*logger, is_journal_stream(STDOUT_FILENO));
  spdlog::set_default_logger(logger);
  return errors;
}

std::string last_error(spdlog::sinks::ringbuffer_sink_mt& errors) {
  auto last = errors.last_raw(1);
  if (last.empty()) return {};
  return std::string(last.back().payload.data(), last.back().payload.size());
}

int fail(std::ostream& err, std::string_view message) {
  err << "Error: " << message << std::endl;
  return 1;
}

AppResult<ServerIniSettings> load_settings(const fs::path& ini_file) {
  std::ifstream file(ini_file, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  if (!file.good() && !file.eof()) {
    return AppError{fmt::format("cannot read {}", ini_file.string())};
  }
  auto settings = parse_server_ini(text.str());
  if (!settings) {
    IniError e = settings.error();
    if (e.line == 0) return AppError{fmt::format("{}: {}", ini_file.string(), e.message)};
    return AppError{fmt::format("{}:{}: {}", ini_file.string(), e.line, e.message)};
  }
  return *settings;
}

// An exclusive flock on the log directory, held while the server runs: a second server on the
// same directory would otherwise compact the store log under the first one's feet.
class DirectoryLock {
 public:
  static AppResult<std::unique_ptr<DirectoryLock>> acquire(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return AppError{fmt::format("cannot create {}: {}", dir.string(), ec.message())};
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return AppError{fmt::format("cannot open {}: {}", dir.string(), std::strerror(errno))};
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      ::close(fd);
      if (e == EWOULDBLOCK) {
        return AppError{fmt::format("another smp-server is running with the log directory {}",
                                    dir.string())};
      }
      return AppError{fmt::format("cannot lock {}: {}", dir.string(), std::strerror(e))};
    }
    return std::unique_ptr<DirectoryLock>(new DirectoryLock(fd));
  }
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock() { ::close(fd_); }  // releases the lock

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  const int fd_;
};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void log_restore_report(const RestoreReport& r, const fs::path& file) {
  if (!r.file_found) return;
  spdlog::info("restored {} undelivered messages ({} quota markers) from {}, kept as .bak",
               r.restored, r.quota_markers, file.string());
  if (r.expired > 0) spdlog::info("{} saved messages expired", r.expired);
  if (r.garbled + r.unknown_queue + r.over_quota > 0) {
    spdlog::warn("saved messages skipped: {} garbled lines, {} of queues that no longer exist, "
                 "{} over quota", r.garbled, r.unknown_queue, r.over_quota);
  }
}

// The store log replayed into `queues` and reopened for appending; saved messages restored.
AppResult<std::unique_ptr<StoreLog>> load_state(const ServerPaths& paths,
                                                const ServerIniSettings& settings,
                                                QueueStore& queues, MessageStore& messages) {
  auto loaded = load_and_compact_store_log(paths.store_log_file(), queues);
  if (!loaded) {
    return AppError{fmt::format("cannot load the store log {}: {}",
                                paths.store_log_file().string(), loaded.error().message())};
  }
  auto [log, report] = std::move(*loaded);
  if (report.recovered_interrupted_compaction) {
    spdlog::warn("store log: the last compaction was interrupted; restored {}.start, kept the "
                 "incomplete log as {}.bak",
                 paths.store_log_file().string(), paths.store_log_file().string());
  }
  spdlog::info("store log: {} lines read, {} queues restored, {} services", report.lines,
               report.queues, report.services);
  if (report.skipped_lines > 0) {
    spdlog::warn("store log: {} lines skipped", report.skipped_lines);
    for (const std::string& e : report.errors) spdlog::warn("store log: {}", e);
  }
  if (report.backup) spdlog::info("store log: original state preserved as {}", report.backup->string());
  if (!report.backup_error.empty()) {
    spdlog::warn("store log: no backup of the log before compaction: {}", report.backup_error);
  }
  if (!report.removed_backups.empty()) {
    spdlog::info("store log: removed {} old backups", report.removed_backups.size());
  }
  if (settings.restore_messages) {
    std::int64_t ttl = static_cast<std::int64_t>(settings.expire_messages_days) * 86400;
    auto restored = restore_messages(paths.messages_file(), messages, queues, unix_now() - ttl,
                                     settings.msg_queue_quota);
    if (!restored) {
      return AppError{fmt::format("cannot restore messages from {}: {}",
                                  paths.messages_file().string(), restored.error().message())};
    }
    log_restore_report(*restored, paths.messages_file());
  }
  return std::move(log);
}

// After the server stopped: undelivered messages saved, then the store log closed.
bool save_state(const ServerPaths& paths, const ServerIniSettings& settings, StoreLog& log,
                const QueueStore& queues, const MessageStore& messages, std::ostream& err) {
  bool ok = true;
  if (settings.restore_messages) {
    auto saved = save_messages(paths.messages_file(), messages, queues);
    if (saved) {
      spdlog::info("saved {} undelivered messages", *saved);
    } else {
      err << "Error: cannot save messages to " << paths.messages_file().string() << ": "
          << saved.error().message() << std::endl;
      ok = false;
    }
  }
  if (auto closed = log.close(); !closed) {
    err << "Error: cannot close the store log " << paths.store_log_file().string() << ": "
        << closed.error().message() << std::endl;
    ok = false;
  }
  return ok;
}

std::string_view transport_name(transport::TransportKind kind) {
  return kind == transport::TransportKind::websocket ? "WebSockets" : "TLS 1.2";
}

}  // namespace

int run_server(const ServerPaths& paths, std::ostream& out, std::ostream& err) {
  auto startup_errors = setup_logging();
  std::error_code exists_ec;
  if (!fs::exists(paths.ini_file(), exists_ec)) {
    err << "Error: server is not initialized (" << paths.ini_file().string()
        << " does not exist).\nRun `smp-server init`." << std::endl;
    return 1;
  }
  auto loaded_settings = load_settings(paths.ini_file());
  if (!loaded_settings) return fail(err, loaded_settings.error().message);
  const ServerIniSettings settings = *loaded_settings;
  if (std::string ignored = describe_ignored_keys(settings); !ignored.empty()) {
    spdlog::warn("{}: {}", paths.ini_file().string(), ignored);
  }

  auto loaded_identity = load_server_identity(paths);
  if (!loaded_identity) {
    const std::string& message = loaded_identity.error().message;
    if (message == kInvalidFingerprintMessage) {  // the reference's exact line
      err << message << std::endl;
      return 1;
    }
    return fail(err, message);
  }
  const ServerIdentity identity = *loaded_identity;
  out << kServerVersionLine << "\nFingerprint: " << identity.fingerprint << std::endl;

  // Installed before the (possibly long) store log load, so that a signal during it stops
  // the server cleanly once it is up instead of killing it half-way.
  net::io_context io(1);
  net::signal_set signals(io, SIGINT, SIGTERM);

  auto lock = DirectoryLock::acquire(paths.log_dir);
  if (!lock) return fail(err, lock.error().message);

  QueueStore queues;
  MessageStore messages;
  std::unique_ptr<StoreLog> log;
  if (settings.store_log) {
    out << "Store log: " << paths.store_log_file().string() << std::endl;
    auto state = load_state(paths, settings, queues, messages);
    if (!state) return fail(err, state.error().message);
    log = std::move(*state);
  } else {
    out << "Store log disabled." << std::endl;
  }

  ServerConfig config = make_server_config(settings, paths.config_dir);
  Server server(config, queues, messages, log.get());
  if (auto started = server.start(); !started) {
    std::string reason = last_error(*startup_errors);
    return fail(err, reason.empty() ? "cannot start the server: " + started.error().message()
                                    : reason);
  }
  std::vector<std::uint16_t> ports = server.bound_ports();
  for (std::size_t i = 0; i < ports.size() && i < config.listeners.size(); ++i) {
    out << "Listening on port " << ports[i] << " (" << transport_name(config.listeners[i].kind)
        << ")..." << std::endl;
  }
  std::uint16_t smp_port = ports.empty() ? settings.ports.front() : ports.front();
  // [TRANSPORT] host names the server in its address, as in the reference; without it, the
  // certificate's name.
  const std::string& host = settings.host.empty() ? identity.host : settings.host;
  out << "Server address: "
      << server_address(host, smp_port, identity.key_hash, settings.create_password) << std::endl;
  out << "Creating new queues "
      << (!settings.allow_new_queues ? "NOT allowed"
          : settings.create_password ? "requires password"
                                     : "allowed")
      << std::endl;

  // A listener that cannot start stops the server again, its state saved.
  auto stop_and_fail = [&](std::string_view message) {
    server.stop();
    if (log) save_state(paths, settings, *log, queues, messages, err);
    return fail(err, message);
  };
  auto snapshot = [&] { return take_snapshot(server.stats(), queues.size()); };
  std::unique_ptr<PrometheusExporter> metrics;
  if (settings.prometheus_port) {
    auto listening =
        PrometheusExporter::listen(io.get_executor(), settings.listen_host, *settings.prometheus_port,
                                   snapshot);
    if (!listening) return stop_and_fail(listening.error().message);
    metrics = std::move(*listening);
    out << "Prometheus metrics on port " << metrics->port() << " (/metrics)" << std::endl;
  }
  const ControlPasswords control_passwords{settings.control_port_admin_password,
                                           settings.control_port_user_password};
  std::unique_ptr<ServerControl> control;
  std::unique_ptr<ControlPort> control_port;
  if (settings.control_port) {
    ServerControlOptions options;
    options.daily_block_quota = settings.daily_block_queue_quota;
    if (log && settings.restore_messages) {
      options.save_messages = [&] { return save_messages(paths.messages_file(), messages, queues); };
    }
    control = std::make_unique<ServerControl>(server.context(), std::move(options));
    auto listening = ControlPort::listen(io.get_executor(), {.port = *settings.control_port},
                                         *control, control_passwords);
    if (!listening) return stop_and_fail(listening.error().message);
    control_port = std::move(*listening);
    out << "Control port on port " << control_port->port() << " (127.0.0.1)" << std::endl;
    if (!control_passwords.admin && !control_passwords.user) {
      spdlog::warn("control port: no password is set ([AUTH] control_port_admin_password, "
                   "control_port_user_password), so only help and quit can be used");
    }
  }
  if (settings.log_interval_seconds > 0) {
    net::co_spawn(io,
                  log_stats_periodically(std::chrono::seconds(settings.log_interval_seconds),
                                         snapshot),
                  net::detached);
  }

  int signal_number = 0;
  signals.async_wait([&](const error_code& ec, int number) {
    if (!ec) signal_number = number;
    io.stop();
  });
  io.run();

  spdlog::info("{}: stopping", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  if (metrics) metrics->close();
  if (control_port) control_port->close();
  server.stop();
  spdlog::info("{}", format_stats_line(snapshot()));
  bool saved = !log || save_state(paths, settings, *log, queues, messages, err);
  spdlog::info("server stopped");
  return saved ? 0 : 1;
}

}  // namespace smp::server
