#include "smp/transport/connect.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <optional>
#include <spdlog/spdlog.h>

#include "smp/protocol/wire_format.h"
#include "smp/transport/current_handshake.h"
#include "smp/transport/deadline.h"
#include "smp/transport/handshake.h"
#include "smp/transport/socks5.h"

namespace smp::transport {

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

using StreamResult = Result<std::unique_ptr<StreamTransport>>;
using BlockResult = Result<std::unique_ptr<BlockTransport>>;

void set_no_delay(Tcp::socket& socket) {
  error_code ignored;
  socket.set_option(Tcp::no_delay(true), ignored);
}

error_code tls_handshake_failure(const error_code& ec) {
  spdlog::debug("tls handshake failed: {}", ec.message());
  return make_error_code(errc::tls_failure);
}

// The SMP handshake the TLS handshake's ALPN chose (client side).
net::awaitable<Result<std::uint16_t>> client_smp_handshake(StreamTransport& t, ByteView key_hash,
                                                           const ClientHandshakeOptions& current) {
  if (!t.negotiated_current()) co_return co_await client_handshake(t, key_hash);
  auto certificate_key = peer_certificate_key(t.tls().native_handle());
  if (!certificate_key) co_return make_error_code(errc::handshake_bad_auth);
  co_return co_await current_client_handshake(t, key_hash, *certificate_key, current);
}

// TCP to host:port, directly or through the SOCKS5 proxy (which then resolves the host).
net::awaitable<Result<void>> tcp_steps(Tcp::socket& socket, Tcp::resolver& resolver,
                                       const std::string& host, const std::string& port,
                                       const std::optional<SocksProxy>& socks) {
  if (socks) {
    std::uint16_t port_number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
    if (ec != std::errc{} || end != port.data() + port.size()) {
      co_return make_error_code(errc::bad_address);
    }
    co_return co_await socks5_connect(socket, resolver, *socks, host, port_number);
  }
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(host, port, kUseTuple);
  if (resolve_ec) co_return make_error_code(errc::network);
  auto [connect_ec, endpoint] = co_await net::async_connect(socket, endpoints, kUseTuple);
  if (connect_ec) co_return make_error_code(errc::network);
  co_return Result<void>{};
}

net::awaitable<Result<void>> client_steps(StreamTransport& t, Tcp::resolver& resolver,
                                          const std::string& host, const std::string& port,
                                          ByteView key_hash, bool smp_handshake,
                                          const ClientHandshakeOptions& current,
                                          const std::optional<SocksProxy>& socks) {
  if (auto r = co_await tcp_steps(t.socket(), resolver, host, port, socks); !r) co_return r;
  set_no_delay(t.socket());
  if (auto r = expect_server(t.tls().native_handle(), host, key_hash); !r) co_return r;
  auto [tls_ec] = co_await t.tls().async_handshake(ssl::stream_base::client, kUseTuple);
  if (tls_ec) co_return tls_handshake_failure(tls_ec);
  if (auto r = co_await t.start(TlsRole::client); !r) co_return r;
  if (smp_handshake) {
    auto version = co_await client_smp_handshake(t, key_hash, current);
    if (!version) co_return version.error();
  }
  co_return Result<void>{};
}

// `identity` is null when only TLS (+ WebSocket) is wanted.
net::awaitable<Result<void>> server_steps(StreamTransport& t,
                                          const ServerHandshakeIdentity* identity) {
  set_no_delay(t.socket());
  auto [tls_ec] = co_await t.tls().async_handshake(ssl::stream_base::server, kUseTuple);
  if (tls_ec) co_return tls_handshake_failure(tls_ec);
  if (auto r = co_await t.start(TlsRole::server); !r) co_return r;
  if (identity != nullptr) {
    Result<std::uint16_t> version = make_error_code(errc::handshake_version);
    if (t.negotiated_current()) {
      version = co_await current_server_handshake(t, *identity);
    } else {
      version = co_await server_handshake(t, identity->key_hash);
    }
    if (!version) co_return version.error();
  }
  co_return Result<void>{};
}

// Runs on the connection's executor (see the co_spawn in the public functions).
net::awaitable<StreamResult> connect_here(ssl::context& ctx, std::string host, std::string port,
                                          Bytes key_hash, TransportKind kind, Duration timeout,
                                          bool smp_handshake, ClientHandshakeOptions current,
                                          std::optional<SocksProxy> socks) {
  auto ex = co_await net::this_coro::executor;
  std::unique_ptr<StreamTransport> t = make_stream_transport(kind, TlsStream(ex, ctx));
  Tcp::resolver resolver(ex);
  auto done = co_await with_deadline(
      client_steps(*t, resolver, host, port, key_hash, smp_handshake, current, socks), timeout,
      [&] {
        resolver.cancel();
        t->close();
      });
  if (!done) {
    spdlog::debug("connect to {}:{} failed: {}", host, port, done.error().message());
    t->close();
    co_return done.error();
  }
  co_return std::move(t);
}

net::awaitable<StreamResult> accept_here(Tcp::socket socket, ssl::context& ctx,
                                         const ServerHandshakeIdentity* identity,
                                         TransportKind kind, Duration timeout) {
  std::unique_ptr<StreamTransport> t =
      make_stream_transport(kind, TlsStream(std::move(socket), ctx));
  auto done = co_await with_deadline(server_steps(*t, identity), timeout, [&] { t->close(); });
  if (!done) {
    spdlog::debug("accept failed: {}", done.error().message());
    t->close();
    co_return done.error();
  }
  co_return std::move(t);
}

BlockResult as_block(StreamResult r) {
  if (!r) return r.error();
  return std::unique_ptr<BlockTransport>(std::move(*r));
}

}  // namespace

TransportKind transport_kind_for_port(std::string_view port) {
  return port == protocol::kWebSocketPort ? TransportKind::websocket : TransportKind::tls;
}

Result<ssl::context*> shared_client_context(ClientProtocols protocols) {
  // Never destroyed: connections may outlive static destruction order.
  static auto* const v1 = new Result<ssl::context>(make_client_context(ClientProtocols::v1_only));
  static auto* const current =
      new Result<ssl::context>(make_client_context(ClientProtocols::current_and_v1));
  auto* ctx = protocols == ClientProtocols::current_and_v1 ? current : v1;
  if (!*ctx) return ctx->error();
  return &**ctx;
}

net::awaitable<StreamResult> connect_stream(net::any_io_executor executor, ssl::context& ctx,
                                            std::string host, std::string port, Bytes key_hash,
                                            TransportKind kind, Duration timeout,
                                            bool smp_handshake, ClientHandshakeOptions current,
                                            std::optional<SocksProxy> socks) {
  co_return co_await net::co_spawn(
      executor,
      connect_here(ctx, std::move(host), std::move(port), std::move(key_hash), kind, timeout,
                   smp_handshake, current, std::move(socks)),
      net::use_awaitable);
}

net::awaitable<BlockResult> connect_tls(net::any_io_executor executor, std::string host,
                                        std::string port, Bytes key_hash, Duration timeout,
                                        TransportKind kind, ConnectOptions options) {
  auto ctx = shared_client_context(options.protocols);
  if (!ctx) co_return ctx.error();
  co_return as_block(co_await connect_stream(executor, **ctx, std::move(host), std::move(port),
                                             std::move(key_hash), kind, timeout, true,
                                             options.current, std::move(options.socks)));
}

net::awaitable<BlockResult> accept_connection(Tcp::socket socket, ssl::context& ctx,
                                              const ServerHandshakeIdentity& identity,
                                              TransportKind kind, Duration timeout) {
  auto ex = socket.get_executor();
  co_return as_block(co_await net::co_spawn(
      ex, accept_here(std::move(socket), ctx, &identity, kind, timeout), net::use_awaitable));
}

net::awaitable<StreamResult> accept_stream(Tcp::socket socket, ssl::context& ctx,
                                           TransportKind kind, Duration timeout) {
  auto ex = socket.get_executor();
  co_return co_await net::co_spawn(
      ex, accept_here(std::move(socket), ctx, nullptr, kind, timeout), net::use_awaitable);
}

}  // namespace smp::transport
