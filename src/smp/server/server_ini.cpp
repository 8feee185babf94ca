#include "smp/server/server_ini.h"

#include <array>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "smp/transport/certificates.h"

namespace smp::server {

namespace {

using SettingsResult = boost::system::result<ServerIniSettings, IniError>;

struct KnownKey {
  std::string_view section;
  std::string_view key;
};

constexpr std::array kKnownKeys{
    KnownKey{"STORE_LOG", "enable"},          KnownKey{"STORE_LOG", "restore_messages"},
    KnownKey{"STORE_LOG", "expire_messages_days"}, KnownKey{"TRANSPORT", "host"},
    KnownKey{"TRANSPORT", "port"},            KnownKey{"TRANSPORT", "websockets"},
    KnownKey{"TRANSPORT", "threads"},
    KnownKey{"QUEUES", "msg_queue_quota"},    KnownKey{"STATS", "log_interval_seconds"},
    KnownKey{"STATS", "prometheus_port"},
};

bool is_known_section(std::string_view section) {
  for (const auto& k : kKnownKeys) {
    if (k.section == section) return true;
  }
  return false;
}

bool is_known_key(const IniEntry& e) {
  for (const auto& k : kKnownKeys) {
    if (k.section == e.section && k.key == e.key) return true;
  }
  return false;
}

// Reads the settings one key at a time; the first bad value becomes the error.
class SettingsReader {
 public:
  explicit SettingsReader(const Ini& ini) : ini_(ini) {}

  bool failed() const { return error_.has_value(); }
  IniError error() const { return *error_; }

  // An on/off value: exactly `on` or `off` (the reference treats all but `on` as off; we
  // refuse the rest so that `of` or `yes` cannot silently disable a feature).
  void on_off(std::string_view section, std::string_view key, bool required, bool& out) {
    const IniEntry* e = lookup(section, key, required);
    if (!e) return;
    if (e->value == "on") {
      out = true;
    } else if (e->value == "off") {
      out = false;
    } else {
      fail(*e, "must be `on` or `off`");
    }
  }

  template <class T>
  void number(std::string_view section, std::string_view key, bool required, T min, T max,
              T& out) {
    const IniEntry* e = lookup(section, key, required);
    if (!e) return;
    if (auto n = parse_number(e->value, min, max)) {
      out = *n;
    } else {
      fail(*e, fmt::format("must be a number from {} to {}", min, max));
    }
  }

  // An optional port: an empty value or no key leaves `out` unset.
  void optional_port(std::string_view section, std::string_view key,
                     std::optional<std::uint16_t>& out) {
    const IniEntry* e = lookup(section, key, false);
    if (!e || e->value.empty()) return;
    if (auto n = parse_number<std::uint16_t>(e->value, 0, 65535)) {
      out = *n;
    } else {
      fail(*e, "must be a port number from 0 to 65535, or empty to disable");
    }
  }

  void text(std::string_view section, std::string_view key, std::string& out) {
    const IniEntry* e = lookup(section, key, false);
    if (!e) return;
    if (e->value.find_first_of(" \t") != std::string::npos) {
      fail(*e, "must be one host name or address without spaces");
      return;
    }
    out = e->value;
  }

  void fail(const IniEntry& e, const std::string& what) {
    if (failed()) return;
    error_ = IniError{e.line, fmt::format("[{}] `{}` {}, got `{}`", e.section, e.key, what, e.value)};
  }

  void fail_at(std::size_t line, std::string message) {
    if (!failed()) error_ = IniError{line, std::move(message)};
  }

 private:
  const IniEntry* lookup(std::string_view section, std::string_view key, bool required) {
    if (failed()) return nullptr;
    const IniEntry* e = ini_.find(section, key);
    if (!e && required) {
      fail_at(0, fmt::format("missing key `{}` in section [{}]", key, section));
    }
    return e;
  }

  template <class T>
  static std::optional<T> parse_number(std::string_view text, T min, T max) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
    unsigned long long n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    if (n < static_cast<unsigned long long>(min) || n > static_cast<unsigned long long>(max)) {
      return std::nullopt;
    }
    return static_cast<T>(n);
  }

  const Ini& ini_;
  std::optional<IniError> error_;
};

constexpr std::uint16_t kWebSocketPort = 80;
constexpr std::size_t kMaxThreads = 1024;

}  // namespace

SettingsResult read_server_ini(const Ini& ini) {
  for (const IniEntry& e : ini.entries()) {
    if (!is_known_section(e.section)) {
      return IniError{e.line, fmt::format("unknown section [{}]", e.section)};
    }
    if (!is_known_key(e)) {
      return IniError{e.line, fmt::format("unknown key `{}` in section [{}]", e.key, e.section)};
    }
  }

  ServerIniSettings s;
  SettingsReader r(ini);
  r.on_off("STORE_LOG", "enable", true, s.store_log);
  r.on_off("STORE_LOG", "restore_messages", false, s.restore_messages);
  r.number<std::uint32_t>("STORE_LOG", "expire_messages_days", false, 1, 36500,
                          s.expire_messages_days);
  r.text("TRANSPORT", "host", s.host);
  r.number<std::uint16_t>("TRANSPORT", "port", true, 0, 65535, s.port);
  r.on_off("TRANSPORT", "websockets", true, s.websockets);
  r.number<std::size_t>("TRANSPORT", "threads", false, 0, kMaxThreads, s.threads);
  r.number<std::size_t>("QUEUES", "msg_queue_quota", false, 1, 1'000'000, s.msg_queue_quota);
  r.number<std::uint32_t>("STATS", "log_interval_seconds", false, 0, 31'536'000,
                          s.log_interval_seconds);
  r.optional_port("STATS", "prometheus_port", s.prometheus_port);
  if (r.failed()) return r.error();

  // Clients take port 80 to mean WebSockets (spec §4.8), so TLS cannot live there.
  if (s.port == kWebSocketPort) {
    return IniError{ini.find("TRANSPORT", "port")->line,
                    "[TRANSPORT] `port` cannot be 80: clients use WebSockets on port 80 "
                    "(set `websockets: on` instead)"};
  }
  if (s.prometheus_port && *s.prometheus_port != 0 &&
      (*s.prometheus_port == s.port || (s.websockets && *s.prometheus_port == kWebSocketPort))) {
    return IniError{ini.find("STATS", "prometheus_port")->line,
                    "[STATS] `prometheus_port` must differ from the SMP ports"};
  }
  return s;
}

SettingsResult parse_server_ini(std::string_view text) {
  auto ini = parse_ini(text);
  if (!ini) return ini.error();
  return read_server_ini(*ini);
}

std::string format_server_ini(const ServerIniSettings& s) {
  auto on_off = [](bool on) { return on ? "on" : "off"; };
  return fmt::format(
      "[STORE_LOG]\n"
      "# Queues and messages are kept in memory and are lost on restart unless\n"
      "# the store log is enabled: it is an append-only log of queue changes\n"
      "# (smp-server-store.log in the log directory), replayed on start and then\n"
      "# compacted (deleted queues are dropped).\n"
      "# With restore_messages on, undelivered messages are saved to\n"
      "# smp-server-messages.log on stop and restored on start.\n"
      "enable: {}\n"
      "restore_messages: {}\n"
      "# Messages older than this are deleted, delivered or not.\n"
      "expire_messages_days: {}\n"
      "\n"
      "[TRANSPORT]\n"
      "# Address to listen on; empty = all interfaces.\n"
      "host:{}{}\n"
      "port: {}\n"
      "# WebSockets on port 80.\n"
      "websockets: {}\n"
      "# Threads serving connections; 0 = one per CPU the server may run on.\n"
      "threads: {}\n"
      "\n"
      "[QUEUES]\n"
      "# Messages a queue holds before SEND is refused with ERR QUOTA.\n"
      "msg_queue_quota: {}\n"
      "\n"
      "[STATS]\n"
      "# Log a line of server statistics this often; 0 = never.\n"
      "log_interval_seconds: {}\n"
      "# Serve Prometheus metrics at http://<host>:<port>/metrics; empty = off.\n"
      "prometheus_port:{}{}\n",
      // `off  # on` is how the reference writes a disabled store log.
      s.store_log ? "on" : "off  # on", on_off(s.restore_messages), s.expire_messages_days,
      s.host.empty() ? "" : " ", s.host, s.port, on_off(s.websockets), s.threads, s.msg_queue_quota,
      s.log_interval_seconds, s.prometheus_port ? " " : "",
      s.prometheus_port ? std::to_string(*s.prometheus_port) : std::string());
}

ServerConfig make_server_config(const ServerIniSettings& s,
                                const std::filesystem::path& config_dir) {
  ServerConfig cfg;
  cfg.listeners.clear();
  cfg.listeners.push_back(
      ListenEndpoint{s.host, std::to_string(s.port), transport::TransportKind::tls});
  if (s.websockets) {
    cfg.listeners.push_back(ListenEndpoint{s.host, std::to_string(kWebSocketPort),
                                           transport::TransportKind::websocket});
  }
  cfg.ca_cert_file = config_dir / transport::kCaCertFile;
  cfg.server_cert_file = config_dir / transport::kServerCertFile;
  cfg.server_key_file = config_dir / transport::kServerKeyFile;
  cfg.msg_queue_quota = s.msg_queue_quota;
  cfg.threads = s.threads;
  cfg.message_ttl_seconds = static_cast<std::int64_t>(s.expire_messages_days) * 86400;
  return cfg;
}

}  // namespace smp::server
