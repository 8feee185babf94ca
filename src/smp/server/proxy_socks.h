// The SOCKS5 proxy this server's proxy role may reach destination servers through: the
// [PROXY] socks_proxy and socks_mode values as the reference reads them (simplexmq 6.5.5:
// SocksProxyWithAuth in Transport/Client.hs, SocksMode in Client.hs), and the choice, per
// destination host, of a direct connection or one through the proxy.
//
// socks_proxy = [AUTH]HOST[:PORT]
//   AUTH: none (isolate: a username of this server's own, offered with "no authentication"
//   too, so that Tor keeps its circuits apart from other users'), `@` (no authentication),
//   or `user:password@` (RFC 1929 username/password only);
//   HOST: an IPv4 address, or an IPv6 address (in brackets when a port follows); none is
//   127.0.0.1; PORT: 1..65535, none is 9050. An empty value is 127.0.0.1:9050, as in the
//   reference. A user name or password is printable ASCII without spaces, ':', '@', '#', ';'.
// socks_mode = onion (the default: only .onion hosts go through the proxy) | always.
//
// Pure functions and values; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smp/transport/socks5.h"

namespace smp::server {

enum class SocksMode : std::uint8_t { onion, always };

struct SocksProxySetting {
  enum class Auth : std::uint8_t { isolate, none, username };
  Auth auth = Auth::isolate;
  std::string username;  // Auth::username only
  std::string password;  // Auth::username only
  std::string host = "127.0.0.1";  // as the address formats itself (IPv6 without brackets)
  std::uint16_t port = 9050;

  friend bool operator==(const SocksProxySetting&, const SocksProxySetting&) = default;
};

// nullopt for anything the syntax above does not allow.
std::optional<SocksProxySetting> parse_socks_proxy(std::string_view text);
// The text parse_socks_proxy reads back to the same setting.
std::string format_socks_proxy(const SocksProxySetting& setting);

std::optional<SocksMode> parse_socks_mode(std::string_view text);
std::string_view socks_mode_name(SocksMode mode);

// A host name ending in ".onion".
bool is_onion_host(std::string_view host);

// What the proxy pool connects with: the proxy (if any) and when to use it.
struct ProxySocks {
  std::optional<transport::SocksProxy> proxy;
  SocksMode mode = SocksMode::onion;

  // The proxy for a connection to `host`, or nullopt for a direct one.
  std::optional<transport::SocksProxy> for_host(std::string_view host) const;
};

// A fresh random username for Auth::isolate (one per server run): 32 hex digits.
std::string new_socks_isolation_username();

// `isolation_username`: the username Auth::isolate offers.
ProxySocks make_proxy_socks(const std::optional<SocksProxySetting>& setting, SocksMode mode,
                            std::string isolation_username);

}  // namespace smp::server
