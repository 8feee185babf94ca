#include "smp/server/proxy_hosts.h"

#include "smp/common/bytes.h"
#include "smp/server/proxy_socks.h"

namespace smp::server {

namespace {

std::string_view host_at(const protocol::ServerRef& server, std::size_t i) {
  return as_chars(server.hosts[i]);
}

std::size_t host_count(const protocol::ServerRef& server) {
  return std::min(server.host_count, server.hosts.size());
}

}  // namespace

std::optional<HostMode> parse_host_mode(std::string_view text) {
  if (text == "public") return HostMode::public_host;
  if (text == "onion") return HostMode::onion;
  return std::nullopt;
}

std::string_view host_mode_name(HostMode mode) {
  return mode == HostMode::onion ? "onion" : "public";
}

std::optional<std::string> choose_destination_host(const protocol::ServerRef& server,
                                                   const HostChoice& choice) {
  const bool want_onion = choice.mode == HostMode::onion && choice.socks;
  std::optional<std::string_view> chosen;
  for (std::size_t i = 0; i < host_count(server); ++i) {
    std::string_view host = host_at(server, i);
    if (!host.empty() && is_onion_host(host) == want_onion) {
      chosen = host;
      break;
    }
  }
  if (!chosen && !choice.required && host_count(server) > 0) chosen = host_at(server, 0);
  if (!chosen || chosen->empty()) return std::nullopt;
  if (is_onion_host(*chosen) && !choice.socks) return std::nullopt;
  return std::string(*chosen);
}

std::vector<std::string> parse_own_server_domains(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = text.find_first_not_of(" \t,", i);
    if (start == std::string_view::npos) break;
    const std::size_t end = std::min(text.find_first_of(" \t,", start), text.size());
    out.emplace_back(text.substr(start, end - start));
    i = end;
  }
  return out;
}

bool is_own_server(const protocol::ServerRef& server, const std::vector<std::string>& domains) {
  if (host_count(server) == 0) return false;
  std::string_view host = host_at(server, 0);
  for (const std::string& d : domains) {
    if (host == d) return true;
    if (host.size() > d.size() && host.ends_with(d) && host[host.size() - d.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

}  // namespace smp::server
