#include "smp/server/server_ini.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "smp/transport/certificates.h"

namespace smp::server {

namespace {

using SettingsResult = boost::system::result<ServerIniSettings, IniError>;

// What this server does with a key of the reference's (or its own).
enum class Use : std::uint8_t {
  read,            // read into the settings
  ignored,         // accepted without effect, listed
  ignored_if_set,  // accepted without effect, listed unless its value is `off`
};

struct KnownKey {
  std::string_view section;
  std::string_view key;
  Use use;
};

// The keys of the reference's Main.hs / Main/Init.hs at 6.5.5 in the sections this server
// reads, and its own.
constexpr std::array kKnownKeys{
    KnownKey{"STORE_LOG", "enable", Use::read},
    KnownKey{"STORE_LOG", "restore_messages", Use::read},
    KnownKey{"STORE_LOG", "expire_messages_days", Use::read},
    KnownKey{"STORE_LOG", "store_queues", Use::read},
    KnownKey{"STORE_LOG", "store_messages", Use::read},
    KnownKey{"STORE_LOG", "expire_messages_on_start", Use::read},
    KnownKey{"STORE_LOG", "expire_messages_on_send", Use::ignored_if_set},
    KnownKey{"STORE_LOG", "expire_ntfs_hours", Use::ignored},
    KnownKey{"STORE_LOG", "log_stats", Use::ignored_if_set},
    KnownKey{"STORE_LOG", "prometheus_interval", Use::ignored},
    KnownKey{"STORE_LOG", "db_connection", Use::ignored},
    KnownKey{"STORE_LOG", "db_schema", Use::ignored},
    KnownKey{"STORE_LOG", "db_pool_size", Use::ignored},
    KnownKey{"STORE_LOG", "db_store_log", Use::ignored_if_set},
    KnownKey{"STORE_LOG", "db_deleted_ttl", Use::ignored},
    KnownKey{"AUTH", "new_queues", Use::read},
    KnownKey{"AUTH", "create_password", Use::read},
    KnownKey{"AUTH", "control_port_admin_password", Use::read},
    KnownKey{"AUTH", "control_port_user_password", Use::read},
    KnownKey{"AUTH", "daily_block_queue_quota", Use::read},
    KnownKey{"TRANSPORT", "host", Use::read},
    KnownKey{"TRANSPORT", "port", Use::read},
    KnownKey{"TRANSPORT", "websockets", Use::read},
    KnownKey{"TRANSPORT", "log_tls_errors", Use::ignored_if_set},
    KnownKey{"TRANSPORT", "control_port", Use::read},
    KnownKey{"TRANSPORT", "accept_service_credentials", Use::ignored},
    KnownKey{"TRANSPORT", "listen_host", Use::read},
    KnownKey{"TRANSPORT", "threads", Use::read},
    KnownKey{"QUEUES", "msg_queue_quota", Use::read},
    KnownKey{"STATS", "log_interval_seconds", Use::read},
    KnownKey{"STATS", "prometheus_port", Use::read},
    KnownKey{"PROXY", "client_concurrency", Use::read},
    KnownKey{"PROXY", "socks_proxy", Use::read},
    KnownKey{"PROXY", "socks_mode", Use::read},
    KnownKey{"PROXY", "host_mode", Use::read},
    KnownKey{"PROXY", "required_host_mode", Use::read},
    KnownKey{"PROXY", "own_server_domains", Use::read},
    KnownKey{"PROXY", "max_destinations", Use::read},
};

// Sections of the reference's that this server does not implement: any key is accepted.
constexpr std::array kIgnoredSections{std::string_view("INFORMATION"),
                                      std::string_view("INACTIVE_CLIENTS"),
                                      std::string_view("WEB")};

bool is_known_section(std::string_view section) {
  return std::any_of(kKnownKeys.begin(), kKnownKeys.end(),
                     [&](const KnownKey& k) { return k.section == section; });
}

bool is_ignored_section(std::string_view section) {
  return std::find(kIgnoredSections.begin(), kIgnoredSections.end(), section) !=
         kIgnoredSections.end();
}

const KnownKey* known_key(const IniEntry& e) {
  for (const auto& k : kKnownKeys) {
    if (k.section == e.section && k.key == e.key) return &k;
  }
  return nullptr;
}

template <class T>
std::optional<T> parse_number(std::string_view text, T min, T max) {
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

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "5223,443" → {5223, 443}; nullopt for an empty item or a bad number.
std::optional<std::vector<std::uint16_t>> parse_port_list(std::string_view text) {
  std::vector<std::uint16_t> ports;
  for (;;) {
    std::size_t comma = text.find(',');
    auto port = parse_number<std::uint16_t>(trim_spaces(text.substr(0, comma)), 0, 65535);
    if (!port) return std::nullopt;
    if (std::find(ports.begin(), ports.end(), *port) == ports.end()) ports.push_back(*port);
    if (comma == std::string_view::npos) return ports;
    text.remove_prefix(comma + 1);
  }
}

std::string port_list(const std::vector<std::uint16_t>& ports) {
  std::string out;
  for (std::uint16_t p : ports) {
    if (!out.empty()) out += ',';
    out += std::to_string(p);
  }
  return out;
}

// Reads the settings one key at a time; the first bad value becomes the error.
class SettingsReader {
 public:
  explicit SettingsReader(const Ini& ini) : ini_(ini) {}

  bool failed() const { return error_.has_value(); }
  IniError error() const { return *error_; }

  // An on/off value: exactly `on` or `off` (the reference stops at anything else too).
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

  // An integer, optionally negative.
  void signed_number(std::string_view section, std::string_view key, std::int64_t min,
                     std::int64_t max, std::int64_t& out) {
    const IniEntry* e = lookup(section, key, false);
    if (!e) return;
    std::string_view digits = e->value;
    const bool negative = !digits.empty() && digits.front() == '-';
    if (negative) digits.remove_prefix(1);
    std::optional<std::int64_t> n;
    if (auto magnitude = parse_number<std::int64_t>(digits, 0, std::max(max, -min))) {
      n = negative ? -*magnitude : *magnitude;
    }
    if (n && *n >= min && *n <= max) {
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

  void ports(std::string_view section, std::string_view key, std::vector<std::uint16_t>& out) {
    const IniEntry* e = lookup(section, key, true);
    if (!e) return;
    if (auto list = parse_port_list(e->value)) {
      out = *list;
    } else {
      fail(*e, "must be a port number from 0 to 65535, or several separated by commas");
    }
  }

  // websockets: off, on (port 80), or ports; the TLS ports among them are left out, as the
  // reference's iniTransports does.
  void websocket_ports(const std::vector<std::uint16_t>& tls, std::vector<std::uint16_t>& out) {
    const IniEntry* e = lookup("TRANSPORT", "websockets", true);
    if (!e) return;
    if (e->value == "off") {
      out.clear();
    } else if (e->value == "on") {
      out = {80};
    } else if (auto list = parse_port_list(e->value)) {
      out.clear();
      for (std::uint16_t p : *list)
        if (std::find(tls.begin(), tls.end(), p) == tls.end()) out.push_back(p);
    } else {
      fail(*e, "must be `off`, `on` (port 80) or port numbers separated by commas");
    }
  }

  // One word without spaces; `allow_empty` false makes an empty value an error.
  void word(std::string_view section, std::string_view key, std::string& out,
            std::string_view what) {
    const IniEntry* e = lookup(section, key, false);
    if (!e) return;
    if (e->value.find_first_of(" \t") != std::string::npos) {
      fail(*e, fmt::format("must be {} without spaces", what));
      return;
    }
    out = e->value;
  }

  // A storage mode: only `memory` is possible here.
  void memory_only(std::string_view key, std::string_view instead) {
    const IniEntry* e = lookup("STORE_LOG", key, false);
    if (!e || e->value == "memory") return;
    fail(*e, fmt::format("must be `memory`: this server keeps queues and messages in memory "
                         "with the store log ({})",
                         instead));
  }

  // A password (create_password, the control port's): the first token of the raw value, so
  // that a password starting with `#` or `;` is not taken for a comment.
  void password(std::string_view key, std::optional<std::string>& out) {
    const IniEntry* e = lookup("AUTH", key, false);
    if (!e) return;
    std::string_view raw = e->raw_value;
    std::string_view token = raw.substr(0, raw.find_first_of(" \t"));
    if (!is_valid_basic_auth(token)) {
      fail(*e, "must be printable ASCII characters without spaces, '@', ':' and '/'");
      return;
    }
    out = std::string(token);
  }

  // A [PROXY] value read by `parse` (socks_proxy, socks_mode, host_mode: proxy_socks.h,
  // proxy_hosts.h), which gives nullopt for what it cannot take; the error then says what the
  // value `must` be. No key leaves `out` as it is.
  template <class T, class Parse>
  void proxy_value(std::string_view key, Parse parse, std::string_view must, T& out) {
    const IniEntry* e = lookup("PROXY", key, false);
    if (!e) return;
    if (auto value = parse(e->value)) {
      out = std::move(*value);
    } else {
      fail(*e, std::string(must));
    }
  }

  // [PROXY] own_server_domains: any words; none (or no key) is none.
  void own_server_domains(std::vector<std::string>& out) {
    const IniEntry* e = lookup("PROXY", "own_server_domains", false);
    if (e) out = parse_own_server_domains(e->value);
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

  const Ini& ini_;
  std::optional<IniError> error_;
};

constexpr std::uint16_t kWebSocketPort = 80;
constexpr std::size_t kMaxThreads = 1024;
constexpr std::int64_t kMaxDailyBlocks = 1'000'000'000;

// Every section and key must be known; the ignored ones are collected.
std::optional<IniError> classify_keys(const Ini& ini, std::vector<std::string>& ignored) {
  for (const IniEntry& e : ini.entries()) {
    if (is_ignored_section(e.section)) {
      ignored.push_back(fmt::format("[{}] {}", e.section, e.key));
      continue;
    }
    if (!is_known_section(e.section)) {
      return IniError{e.line, fmt::format("unknown section [{}]", e.section)};
    }
    const KnownKey* k = known_key(e);
    if (!k) {
      return IniError{e.line, fmt::format("unknown key `{}` in section [{}]", e.key, e.section)};
    }
    if (k->use == Use::ignored || (k->use == Use::ignored_if_set && e.value != "off")) {
      ignored.push_back(fmt::format("[{}] {}", e.section, e.key));
    }
  }
  return std::nullopt;
}

}  // namespace

bool is_valid_basic_auth(std::string_view password) {
  if (password.empty()) return false;
  return std::all_of(password.begin(), password.end(), [](char c) {
    return c > ' ' && c < 0x7f && c != '@' && c != ':' && c != '/';
  });
}

SettingsResult read_server_ini(const Ini& ini) {
  ServerIniSettings s;
  if (auto e = classify_keys(ini, s.ignored_keys)) return *e;

  SettingsReader r(ini);
  r.on_off("STORE_LOG", "enable", true, s.store_log);
  r.on_off("STORE_LOG", "restore_messages", false, s.restore_messages);
  r.number<std::uint32_t>("STORE_LOG", "expire_messages_days", false, 1, 36500,
                          s.expire_messages_days);
  r.memory_only("store_queues", "PostgreSQL storage needs the reference server; export the "
                                "queues to a store log with its `smp-server database export`");
  r.memory_only("store_messages", "export journal messages to the messages log with the "
                                  "reference's `smp-server journal export`");
  bool expire_on_start = true;  // read only to check it
  r.on_off("STORE_LOG", "expire_messages_on_start", false, expire_on_start);
  r.on_off("AUTH", "new_queues", false, s.allow_new_queues);
  r.password("create_password", s.create_password);
  r.password("control_port_admin_password", s.control_port_admin_password);
  r.password("control_port_user_password", s.control_port_user_password);
  r.signed_number("AUTH", "daily_block_queue_quota", -1, kMaxDailyBlocks,
                  s.daily_block_queue_quota);
  r.word("TRANSPORT", "host", s.host, "the server's host name(s)");
  r.word("TRANSPORT", "listen_host", s.listen_host, "one host name or address");
  r.ports("TRANSPORT", "port", s.ports);
  r.websocket_ports(s.ports, s.websocket_ports);
  r.number<std::size_t>("TRANSPORT", "threads", false, 0, kMaxThreads, s.threads);
  r.optional_port("TRANSPORT", "control_port", s.control_port);
  r.number<std::size_t>("QUEUES", "msg_queue_quota", false, 1, 1'000'000, s.msg_queue_quota);
  r.number<std::uint32_t>("STATS", "log_interval_seconds", false, 0, 31'536'000,
                          s.log_interval_seconds);
  r.optional_port("STATS", "prometheus_port", s.prometheus_port);
  r.number<std::size_t>("PROXY", "client_concurrency", false, 1, 65536,
                        s.proxy_client_concurrency);
  r.proxy_value("socks_proxy", parse_socks_proxy,
                 "must be a SOCKS5 proxy as [user:password@]host[:port], the host an IPv4 "
                 "address or an IPv6 one in brackets (e.g. `127.0.0.1:9050`, `@[::1]:9050`)",
                 s.socks_proxy);
  r.proxy_value("socks_mode", parse_socks_mode,
                "must be `onion` (only .onion destinations through SOCKS) or `always`",
                s.socks_mode);
  // The reference stops at a host_mode other than these too.
  r.proxy_value("host_mode", parse_host_mode,
                "must be `public` (a destination's public host) or `onion` (its .onion host "
                "through socks_proxy)",
                s.host_mode);
  r.on_off("PROXY", "required_host_mode", false, s.required_host_mode);
  r.own_server_domains(s.own_server_domains);
  r.number<std::size_t>("PROXY", "max_destinations", false, 1, 1'000'000,
                        s.proxy_max_destinations);
  if (r.failed()) return r.error();

  // Clients take port 80 to mean WebSockets (spec §4.8), so TLS cannot live there.
  if (std::find(s.ports.begin(), s.ports.end(), kWebSocketPort) != s.ports.end()) {
    return IniError{ini.find("TRANSPORT", "port")->line,
                    "[TRANSPORT] `port` cannot be 80: clients use WebSockets on port 80 "
                    "(set `websockets = on` instead)"};
  }
  auto used = [](const std::vector<std::uint16_t>& v, std::uint16_t p) {
    return std::find(v.begin(), v.end(), p) != v.end();
  };
  if (s.prometheus_port && *s.prometheus_port != 0) {
    const std::uint16_t p = *s.prometheus_port;
    if (used(s.ports, p) || used(s.websocket_ports, p)) {
      return IniError{ini.find("STATS", "prometheus_port")->line,
                      "[STATS] `prometheus_port` must differ from the SMP ports"};
    }
  }
  if (s.control_port && *s.control_port != 0) {
    const std::uint16_t p = *s.control_port;
    if (used(s.ports, p) || used(s.websocket_ports, p) || s.prometheus_port == p) {
      return IniError{ini.find("TRANSPORT", "control_port")->line,
                      "[TRANSPORT] `control_port` must differ from the SMP and Prometheus ports"};
    }
  }
  return s;
}

SettingsResult parse_server_ini(std::string_view text) {
  auto ini = parse_ini(text);
  if (!ini) return ini.error();
  return read_server_ini(*ini);
}

std::string describe_ignored_keys(const ServerIniSettings& s) {
  if (s.ignored_keys.empty()) return {};
  // "[WEB] https, [WEB] cert" → "[WEB] https, cert": each section named once, in order.
  std::string out = "not implemented, ignored:";
  std::string_view section;
  for (const std::string& k : s.ignored_keys) {
    std::string_view text(k);
    std::size_t close = text.find(']');
    std::string_view sec = text.substr(0, close + 1);
    std::string_view key = text.substr(close + 2);
    if (sec != section) {
      out += section.empty() ? " " : "; ";
      out += sec;
      out += ' ';
      section = sec;
    } else {
      out += ", ";
    }
    out += key;
  }
  return out;
}

namespace {

// `key = value`, or `# key = <placeholder>` when there is no value (the reference's
// optDisabled).
std::string optional_line(std::string_view key, const std::optional<std::string>& value,
                          std::string_view placeholder = "") {
  if (value) return fmt::format("{} = {}", key, *value);
  return fmt::format("# {} = {}", key, placeholder);
}

}  // namespace

std::string format_server_ini(const ServerIniSettings& s) {
  auto on_off = [](bool on) { return on ? "on" : "off"; };
  std::string websockets = s.websocket_ports.empty() ? "off"
                           : s.websocket_ports == std::vector<std::uint16_t>{kWebSocketPort}
                               ? "on"
                               : port_list(s.websocket_ports);
  std::string password =
      s.create_password
          ? "create_password = " + *s.create_password
          : "# create_password = password to create new queues and forward messages (any "
            "printable ASCII characters without whitespace, '@', ':' and '/')";
  return fmt::format(
      "[STORE_LOG]\n"
      "# The server keeps queue records in memory.\n"
      "# Use `enable = on` to use append-only log to preserve and restore queue records on restart.\n"
      "# Log is compacted on start (deleted objects are removed).\n"
      "enable = {}\n"
      "\n"
      "# Queue storage mode: `memory` (with the append-only log above) is the only one.\n"
      "store_queues = memory\n"
      "\n"
      "# Message storage mode: `memory` is the only one.\n"
      "store_messages = memory\n"
      "\n"
      "# When store_messages is `memory`, undelivered messages are optionally saved and restored\n"
      "# when the server restarts, they are preserved in the .bak file until the next restart.\n"
      "restore_messages = {}\n"
      "\n"
      "# Messages expiration period.\n"
      "expire_messages_days = {}\n"
      "\n"
      "[AUTH]\n"
      "# Set new_queues option to off to completely prohibit creating new messaging queues.\n"
      "# This can be useful when you want to decommission the server, but not all connections "
      "are switched yet.\n"
      "new_queues = {}\n"
      "\n"
      "# Use create_password option to enable basic auth to create new messaging queues.\n"
      "# The password should be used as part of server address in client configuration:\n"
      "# smp://fingerprint:password@host1,host2\n"
      "# The password will not be shared with the connecting contacts, you must share it only\n"
      "# with the users who you want to allow creating messaging queues on your server.\n"
      "{}\n"
      "\n"
      "# Passwords of the control port (control_port below): the admin may run every command,\n"
      "# the user may read statistics and block or unblock queues.\n"
      "{}\n"
      "{}\n"
      "\n"
      "# The limit for queues that can be blocked via control port per day, resets at 0:00 UTC.\n"
      "# Set to 0 to disable limit, to -1 to prohibit blocking. Default is 20.\n"
      "daily_block_queue_quota = {}\n"
      "\n"
      "[TRANSPORT]\n"
      "# Host is only used to print server address on start.\n"
      "# You can specify multiple server ports.\n"
      "host = {}\n"
      "port = {}\n"
      "\n"
      "# Use `websockets = on` to run websockets server on port 80 in addition to plain TLS,\n"
      "# or list its ports: `websockets = 443` (TLS ports listed in `port` above are skipped).\n"
      "websockets = {}\n"
      "\n"
      "# Control port for the operator, on 127.0.0.1 only (`telnet 127.0.0.1 5224`, then `help`).\n"
      "{}\n"
      "\n"
      "# Address to listen on; empty = all interfaces.\n"
      "listen_host = {}\n"
      "\n"
      "# Threads serving connections; 0 = one per CPU the server may run on.\n"
      "threads = {}\n"
      "\n"
      "[QUEUES]\n"
      "# Messages a queue holds before SEND is refused with ERR QUOTA.\n"
      "msg_queue_quota = {}\n"
      "\n"
      "[STATS]\n"
      "# Log a line of server statistics this often; 0 = never.\n"
      "log_interval_seconds = {}\n"
      "# Serve Prometheus metrics at http://<listen_host>:<port>/metrics; empty = off.\n"
      "prometheus_port = {}\n"
      "\n"
      "[PROXY]\n"
      "# This server forwards messages to other servers for its clients (private message\n"
      "# routing); with create_password set, only clients that have it may use it.\n"
      "# Proxied commands one client may have waiting for destination servers.\n"
      "client_concurrency = {}\n"
      "\n"
      "# SOCKS5 proxy for connections to destination servers: [user:password@]host[:port],\n"
      "# host an IPv4 address or an IPv6 one in brackets; `@` before the host: no authentication.\n"
      "{}\n"
      "\n"
      "# `socks_mode` can be 'onion' for SOCKS proxy to be used for .onion destination hosts only\n"
      "# (default) or 'always' to be used for all destination hosts.\n"
      "socks_mode = {}\n"
      "\n"
      "# `host_mode` can be 'public' (default: a destination's public host) or 'onion' (its\n"
      "# .onion host, through socks_proxy); `required_host_mode = on` refuses a destination\n"
      "# without a host of that kind instead of taking its first host.\n"
      "host_mode = {}\n"
      "required_host_mode = {}\n"
      "\n"
      "# The operator's own servers (domains, space-separated; subdomains included): requests\n"
      "# to them are counted again on their own in the statistics (source=\"own\").\n"
      "{}\n"
      "\n"
      "# Destination servers the proxy holds connections to at once; a client asking for one\n"
      "# more gets a network error until one closes (unused for 10 minutes).\n"
      "max_destinations = {}\n",
      on_off(s.store_log), on_off(s.restore_messages), s.expire_messages_days,
      on_off(s.allow_new_queues), password,
      optional_line("control_port_admin_password", s.control_port_admin_password),
      optional_line("control_port_user_password", s.control_port_user_password),
      s.daily_block_queue_quota, s.host, port_list(s.ports), websockets,
      optional_line("control_port", s.control_port ? std::optional<std::string>(
                                                         std::to_string(*s.control_port))
                                                   : std::nullopt,
                    "5224"),
      s.listen_host, s.threads, s.msg_queue_quota, s.log_interval_seconds,
      s.prometheus_port ? std::to_string(*s.prometheus_port) : std::string(),
      s.proxy_client_concurrency,
      optional_line("socks_proxy",
                    s.socks_proxy ? std::optional<std::string>(format_socks_proxy(*s.socks_proxy))
                                  : std::nullopt,
                    "127.0.0.1:9050"),
      socks_mode_name(s.socks_mode), host_mode_name(s.host_mode),
      on_off(s.required_host_mode),
      optional_line("own_server_domains",
                    s.own_server_domains.empty()
                        ? std::nullopt
                        : std::optional<std::string>(fmt::format(
                              "{}", fmt::join(s.own_server_domains, " "))),
                    "example.com"),
      s.proxy_max_destinations);
}

ServerConfig make_server_config(const ServerIniSettings& s,
                                const std::filesystem::path& config_dir) {
  ServerConfig cfg;
  cfg.listeners.clear();
  for (std::uint16_t port : s.ports) {
    cfg.listeners.push_back(
        ListenEndpoint{s.listen_host, std::to_string(port), transport::TransportKind::tls});
  }
  for (std::uint16_t port : s.websocket_ports) {
    cfg.listeners.push_back(ListenEndpoint{s.listen_host, std::to_string(port),
                                           transport::TransportKind::websocket});
  }
  cfg.ca_cert_file = config_dir / transport::kCaCertFile;
  cfg.server_cert_file = config_dir / transport::kServerCertFile;
  cfg.server_key_file = config_dir / transport::kServerKeyFile;
  cfg.msg_queue_quota = s.msg_queue_quota;
  cfg.threads = s.threads;
  cfg.message_ttl_seconds = static_cast<std::int64_t>(s.expire_messages_days) * 86400;
  cfg.allow_new_queues = s.allow_new_queues;
  cfg.new_queue_basic_auth = s.create_password;
  // The reference's server is always a proxy too (allowSMPProxy = True in Main.hs).
  cfg.allow_smp_proxy = true;
  cfg.proxy_client_concurrency = s.proxy_client_concurrency;
  cfg.proxy_socks = s.socks_proxy;
  cfg.proxy_socks_mode = s.socks_mode;
  cfg.proxy_host_mode = s.host_mode;
  cfg.proxy_required_host_mode = s.required_host_mode;
  cfg.proxy_own_server_domains = s.own_server_domains;
  cfg.proxy_max_destinations = s.proxy_max_destinations;
  return cfg;
}

}  // namespace smp::server
