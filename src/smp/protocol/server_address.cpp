#include "smp/protocol/server_address.h"

#include "smp/common/try.h"
#include "smp/encoding/base64.h"

namespace smp::protocol {
namespace {

constexpr std::string_view kScheme = "smp://";

bool is_host_char(char c) {
  switch (c) {
    case ':': case '#': case ',': case ';': case '/': case ' ':
      return false;
    default:
      return true;
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string str_encode(const SrvLoc& loc) {
  return loc.port.empty() ? loc.host : loc.host + ":" + loc.port;
}

Result<SrvLoc> parse_srv_loc(std::string_view& in) {
  std::size_t h = 0;
  while (h < in.size() && is_host_char(in[h])) ++h;
  if (h == 0) return make_error_code(errc::bad_address);
  SrvLoc loc{std::string(in.substr(0, h)), {}};
  std::size_t end = h;
  if (h < in.size() && in[h] == ':') {
    std::size_t p = h + 1;
    while (p < in.size() && is_digit(in[p])) ++p;
    if (p > h + 1) {
      loc.port = std::string(in.substr(h + 1, p - h - 1));
      end = p;
    }
  }
  in.remove_prefix(end);
  return loc;
}

std::string str_encode(const SmpServer& server) {
  return std::string(kScheme) + enc::b64url_encode(server.key_hash) + "@" +
         str_encode(SrvLoc{server.host, server.port});
}

Result<SmpServer> parse_smp_server(std::string_view& in) {
  const auto fail = make_error_code(errc::bad_address);
  std::string_view rest = in;
  if (!rest.starts_with(kScheme)) return fail;
  rest.remove_prefix(kScheme.size());
  auto key_hash = enc::parse_b64url_token(rest);
  if (!key_hash) return fail;
  // `:<password>` (the server's create_password, as `smp-server init` prints the address) is
  // kept for the current generation's NEW (SMP v1 commands cannot carry it).
  std::string password;
  if (rest.starts_with(':')) {
    const auto at = rest.find('@');
    if (at == std::string_view::npos || at == 1) return fail;
    password = std::string(rest.substr(1, at - 1));
    rest.remove_prefix(at);
  }
  if (!rest.starts_with('@')) return fail;
  rest.remove_prefix(1);
  SMP_TRY(SrvLoc loc, parse_srv_loc(rest));
  in = rest;
  return SmpServer{std::move(loc.host), std::move(loc.port), std::move(key_hash).value(),
                   std::move(password)};
}

Result<SmpServer> decode_smp_server(std::string_view text) {
  SMP_TRY(SmpServer server, parse_smp_server(text));
  if (!text.empty()) return make_error_code(errc::bad_address);
  return server;
}

void write_smp_server(enc::Writer& w, const SmpServer& server) {
  w.short_bytes(server.host).short_bytes(server.port).short_bytes(server.key_hash);
}

std::optional<SmpServer> read_smp_server(enc::Reader& r) {
  ByteView host = r.short_bytes();
  ByteView port = r.short_bytes();
  ByteView key_hash = r.short_bytes();
  if (!r.ok()) return std::nullopt;
  return SmpServer{to_string(host), to_string(port), to_bytes(key_hash)};
}

ServerEndpoint server_endpoint(const SmpServer& server) {
  if (server.port.empty()) return {std::string(kDefaultPort), TransportKind::tls};
  if (server.port == kWebSocketPort) return {server.port, TransportKind::websocket};
  return {server.port, TransportKind::tls};
}

}  // namespace smp::protocol
