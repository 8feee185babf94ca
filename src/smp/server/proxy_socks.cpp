#include "smp/server/proxy_socks.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>

#include "smp/common/bytes.h"
#include "smp/server/random_ids.h"

namespace smp::server {

namespace {

constexpr std::string_view kDefaultHost = "127.0.0.1";
constexpr std::uint16_t kDefaultPort = 9050;
constexpr std::size_t kMaxCredential = 255;

bool valid_credential(std::string_view s) {
  return s.size() <= kMaxCredential && std::all_of(s.begin(), s.end(), [](char c) {
           return c > ' ' && c < 0x7f && c != ':' && c != '@' && c != '#' && c != ';';
         });
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 ||
      text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  unsigned n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);
  if (n == 0 || n > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(n);
}

// An IPv4 or IPv6 address, as it formats itself.
std::optional<std::string> parse_address(std::string_view text, bool v6) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(text), ec);
  if (ec || address.is_v6() != v6) return std::nullopt;
  if (v6 && address.to_v6().scope_id() != 0) return std::nullopt;
  return address.to_string();
}

}  // namespace

std::optional<SocksProxySetting> parse_socks_proxy(std::string_view text) {
  SocksProxySetting s;
  if (const std::size_t at = text.find('@'); at != std::string_view::npos) {
    const std::string_view auth = text.substr(0, at);
    text.remove_prefix(at + 1);
    if (auth.empty()) {
      s.auth = SocksProxySetting::Auth::none;
    } else {
      const std::size_t colon = auth.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      const std::string_view user = auth.substr(0, colon);
      const std::string_view password = auth.substr(colon + 1);
      if (user.empty() || !valid_credential(user) || !valid_credential(password)) {
        return std::nullopt;
      }
      s.auth = SocksProxySetting::Auth::username;
      s.username = user;
      s.password = password;
    }
  }

  std::string_view host;
  std::string_view port;
  bool v6 = false;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    text.remove_prefix(close + 1);
    v6 = true;
    if (host.empty()) return std::nullopt;
    if (!text.empty()) {
      if (text.front() != ':') return std::nullopt;
      port = text.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    host = text;  // a bare IPv6 address: no port
    v6 = true;
  } else {
    const std::size_t colon = text.find(':');
    host = text.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = text.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
  }

  if (!host.empty()) {
    auto address = parse_address(host, v6);
    if (!address) return std::nullopt;
    s.host = std::move(*address);
  } else {
    s.host = kDefaultHost;
  }
  if (!port.empty()) {
    auto n = parse_port(port);
    if (!n) return std::nullopt;
    s.port = *n;
  } else {
    s.port = kDefaultPort;
  }
  return s;
}

std::string format_socks_proxy(const SocksProxySetting& s) {
  std::string out;
  switch (s.auth) {
    case SocksProxySetting::Auth::isolate:
      break;
    case SocksProxySetting::Auth::none:
      out += '@';
      break;
    case SocksProxySetting::Auth::username:
      out += s.username;
      out += ':';
      out += s.password;
      out += '@';
      break;
  }
  const bool v6 = s.host.find(':') != std::string::npos;
  if (v6) out += '[';
  out += s.host;
  if (v6) out += ']';
  out += ':';
  out += std::to_string(s.port);
  return out;
}

std::optional<SocksMode> parse_socks_mode(std::string_view text) {
  if (text == "onion") return SocksMode::onion;
  if (text == "always") return SocksMode::always;
  return std::nullopt;
}

std::string_view socks_mode_name(SocksMode mode) {
  return mode == SocksMode::always ? "always" : "onion";
}

bool is_onion_host(std::string_view host) {
  constexpr std::string_view kOnion = ".onion";
  return host.size() >= kOnion.size() && host.substr(host.size() - kOnion.size()) == kOnion;
}

std::optional<transport::SocksProxy> ProxySocks::for_host(std::string_view host) const {
  if (!proxy) return std::nullopt;
  if (mode == SocksMode::always || is_onion_host(host)) return proxy;
  return std::nullopt;
}

std::string new_socks_isolation_username() { return to_hex(random_id<16>()); }

ProxySocks make_proxy_socks(const std::optional<SocksProxySetting>& setting, SocksMode mode,
                            std::string isolation_username) {
  ProxySocks out;
  out.mode = mode;
  if (!setting) return out;
  transport::SocksProxy p;
  p.host = setting->host;
  p.port = setting->port;
  switch (setting->auth) {
    case SocksProxySetting::Auth::isolate:
      p.credentials = transport::SocksCredentials{.username = std::move(isolation_username),
                                                  .password = {}};
      p.offer_no_auth = true;
      break;
    case SocksProxySetting::Auth::none:
      break;
    case SocksProxySetting::Auth::username:
      p.credentials = transport::SocksCredentials{.username = setting->username,
                                                  .password = setting->password};
      p.offer_no_auth = false;
      break;
  }
  out.proxy = std::move(p);
  return out;
}

}  // namespace smp::server
