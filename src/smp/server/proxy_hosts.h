// Which destinations the proxy role reaches and how it counts them: the [PROXY] host_mode,
// required_host_mode and own_server_domains of the reference's ini (simplexmq 6.5.5:
// chooseTransportHost in Client.hs, isOwnServer in Client/Agent.hs).
//
// host_mode = public (default: a destination's first host that is not .onion) | onion (its
// first .onion host when a SOCKS proxy is set, else as public). When the preferred kind is
// missing, required_host_mode = on answers PROXY BROKER HOST; off (default) takes the
// address's first host — but never an .onion host without a SOCKS proxy: this server then
// answers PROXY BROKER HOST too, where the reference would look the name up in the DNS and
// fail (a lookup that tells the resolver which hidden service a client writes to).
// own_server_domains = domains separated by spaces (or commas: the reference's `init
// --own-domains a,b` writes them so, though its reader splits on spaces only and then matches
// neither): a destination whose first host is one of them, or a subdomain of one, is the
// operator's own (counted again in the "own" statistics).
//
// Pure functions and values; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smp/protocol/command.h"

namespace smp::server {

enum class HostMode : std::uint8_t { public_host, onion };

std::optional<HostMode> parse_host_mode(std::string_view text);
std::string_view host_mode_name(HostMode mode);

struct HostChoice {
  HostMode mode = HostMode::public_host;
  bool required = false;  // required_host_mode
  bool socks = false;     // a SOCKS proxy is configured
};

// The host of `server` to connect to, or nullopt (PROXY BROKER HOST).
std::optional<std::string> choose_destination_host(const protocol::ServerRef& server,
                                                   const HostChoice& choice);

// own_server_domains' domains (any run of spaces, tabs or commas separates them).
std::vector<std::string> parse_own_server_domains(std::string_view text);

// Whether the first host of `server` is `d` or ends with ".d" for a domain d of `domains`.
bool is_own_server(const protocol::ServerRef& server, const std::vector<std::string>& domains);

}  // namespace smp::server
