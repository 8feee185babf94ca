#include "smp/transport/socks5.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <span>
#include <spdlog/spdlog.h>

namespace smp::transport {

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

constexpr std::uint8_t kVersion = 5;
constexpr std::uint8_t kMethodNoAuth = 0x00;
constexpr std::uint8_t kMethodUserPass = 0x02;
constexpr std::uint8_t kUserPassVersion = 1;  // RFC 1929's sub-negotiation version
constexpr std::uint8_t kCommandConnect = 1;
constexpr std::uint8_t kAddressIpv4 = 1;
constexpr std::uint8_t kAddressDomain = 3;
constexpr std::uint8_t kAddressIpv6 = 4;
constexpr std::size_t kMaxField = 255;

// Why the proxy said no: RFC 1928 §6's reply field.
std::string_view reply_text(std::uint8_t code) {
  switch (code) {
    case 1: return "general failure";
    case 2: return "not allowed by ruleset";
    case 3: return "network unreachable";
    case 4: return "host unreachable";
    case 5: return "connection refused";
    case 6: return "TTL expired";
    case 7: return "command not supported";
    case 8: return "address type not supported";
    default: return "unknown reply";
  }
}

error_code refused(std::string_view why) {
  spdlog::debug("socks5: {}", why);
  return make_error_code(errc::network);
}

error_code io_error(const error_code& ec) {
  if (ec == net::error::eof || ec == net::error::connection_reset ||
      ec == net::error::operation_aborted || ec == net::error::bad_descriptor ||
      ec == net::error::broken_pipe || ec == net::error::not_connected) {
    return make_error_code(errc::connection_closed);
  }
  return make_error_code(errc::network);
}

void append_field(Bytes& out, std::string_view text) {
  out.push_back(static_cast<std::uint8_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
}

net::awaitable<Result<void>> send(net::ip::tcp::socket& socket, const Bytes& bytes) {
  auto [ec, n] = co_await net::async_write(socket, net::buffer(bytes), kUseTuple);
  if (ec) co_return io_error(ec);
  co_return Result<void>{};
}

net::awaitable<Result<void>> receive(net::ip::tcp::socket& socket, std::span<std::uint8_t> out) {
  auto [ec, n] = co_await net::async_read(socket, net::buffer(out.data(), out.size()), kUseTuple);
  if (ec) co_return io_error(ec);
  co_return Result<void>{};
}

// RFC 1929: VER ULEN UNAME PLEN PASSWD, answered VER STATUS (0 = success).
net::awaitable<Result<void>> authenticate(net::ip::tcp::socket& socket,
                                          const SocksCredentials& credentials) {
  Bytes request{kUserPassVersion};
  append_field(request, credentials.username);
  append_field(request, credentials.password);
  if (auto r = co_await send(socket, request); !r) co_return r;
  std::array<std::uint8_t, 2> answer{};
  if (auto r = co_await receive(socket, answer); !r) co_return r;
  if (answer[0] != kUserPassVersion) co_return refused("bad authentication reply version");
  if (answer[1] != 0) co_return refused("authentication failed");
  co_return Result<void>{};
}

// VER REP RSV ATYP BND.ADDR BND.PORT; the bound address is read and dropped.
net::awaitable<Result<void>> read_reply(net::ip::tcp::socket& socket) {
  std::array<std::uint8_t, 4> head{};
  if (auto r = co_await receive(socket, head); !r) co_return r;
  if (head[0] != kVersion) co_return refused("not a SOCKS5 reply");
  if (head[1] != 0) co_return refused(reply_text(head[1]));
  std::size_t rest = 0;
  switch (head[3]) {
    case kAddressIpv4:
      rest = 4 + 2;
      break;
    case kAddressIpv6:
      rest = 16 + 2;
      break;
    case kAddressDomain: {
      std::array<std::uint8_t, 1> length{};
      if (auto r = co_await receive(socket, length); !r) co_return r;
      rest = std::size_t{length[0]} + 2;
      break;
    }
    default:
      co_return refused("bad address type in the reply");
  }
  std::array<std::uint8_t, kMaxField + 2> bound{};
  co_return co_await receive(socket, std::span<std::uint8_t>(bound.data(), rest));
}

}  // namespace

Bytes socks5_greeting(const SocksProxy& proxy) {
  Bytes out{kVersion};
  if (!proxy.credentials) {
    out.insert(out.end(), {1, kMethodNoAuth});
  } else if (proxy.offer_no_auth) {
    out.insert(out.end(), {2, kMethodNoAuth, kMethodUserPass});
  } else {
    out.insert(out.end(), {1, kMethodUserPass});
  }
  return out;
}

Result<Bytes> socks5_connect_request(std::string_view host, std::uint16_t port) {
  Bytes out{kVersion, kCommandConnect, 0};
  error_code ec;
  const net::ip::address address = net::ip::make_address(std::string(host), ec);
  if (!ec && address.is_v4()) {
    out.push_back(kAddressIpv4);
    const auto bytes = address.to_v4().to_bytes();
    out.insert(out.end(), bytes.begin(), bytes.end());
  } else if (!ec && address.is_v6()) {
    out.push_back(kAddressIpv6);
    const auto bytes = address.to_v6().to_bytes();
    out.insert(out.end(), bytes.begin(), bytes.end());
  } else {
    if (host.empty() || host.size() > kMaxField) return make_error_code(errc::bad_address);
    out.push_back(kAddressDomain);
    append_field(out, host);
  }
  out.push_back(static_cast<std::uint8_t>(port >> 8));
  out.push_back(static_cast<std::uint8_t>(port & 0xff));
  return out;
}

net::awaitable<Result<void>> socks5_handshake(net::ip::tcp::socket& socket,
                                              const SocksProxy& proxy, std::string_view host,
                                              std::uint16_t port) {
  auto request = socks5_connect_request(host, port);
  if (!request) co_return request.error();
  if (const auto& c = proxy.credentials) {
    if (c->username.empty() || c->username.size() > kMaxField || c->password.size() > kMaxField) {
      co_return make_error_code(errc::bad_address);
    }
  }

  if (auto r = co_await send(socket, socks5_greeting(proxy)); !r) co_return r;
  std::array<std::uint8_t, 2> chosen{};
  if (auto r = co_await receive(socket, chosen); !r) co_return r;
  if (chosen[0] != kVersion) co_return refused("not a SOCKS5 proxy");
  if (chosen[1] == kMethodUserPass && proxy.credentials) {
    if (auto r = co_await authenticate(socket, *proxy.credentials); !r) co_return r;
  } else if (chosen[1] != kMethodNoAuth || (proxy.credentials && !proxy.offer_no_auth)) {
    co_return refused("no acceptable authentication method");
  }

  if (auto r = co_await send(socket, *request); !r) co_return r;
  co_return co_await read_reply(socket);
}

net::awaitable<Result<void>> socks5_connect(net::ip::tcp::socket& socket,
                                            net::ip::tcp::resolver& resolver,
                                            const SocksProxy& proxy, std::string_view host,
                                            std::uint16_t port) {
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(proxy.host, std::to_string(proxy.port), kUseTuple);
  if (resolve_ec) co_return make_error_code(errc::network);
  auto [connect_ec, endpoint] = co_await net::async_connect(socket, endpoints, kUseTuple);
  if (connect_ec) co_return make_error_code(errc::network);
  co_return co_await socks5_handshake(socket, proxy, host, port);
}

}  // namespace smp::transport
