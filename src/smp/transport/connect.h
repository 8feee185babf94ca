// Opening SMP connections. Client: resolve, TCP connect, TLS with the pinned CA, WebSocket
// upgrade when asked, then the SMP handshake. Server: TLS, WebSocket accept, SMP handshake
// for one accepted socket. Each runs under one deadline (errc::timeout) and never throws.
// The TLS handshake's ALPN decides the SMP handshake on both sides: "smp/1" runs the current
// generation's (current_handshake.h, SMP 6..18), none runs SMP v1's (handshake.h) exactly as
// before. The returned transport's params() say which, and what was agreed.
//
// Each function runs the whole exchange on the connection's executor (the one passed in, or
// the accepted socket's): pass a strand when the io_context has several threads. The returned
// transport is bound to that executor. The ssl::context must outlive the transport.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/transport/current_handshake.h"
#include "smp/transport/socks5.h"
#include "smp/transport/stream_transport.h"

namespace smp::transport {

using Duration = std::chrono::steady_clock::duration;

// Port "80" means WebSockets, any other TLS (spec §3.6, §4.8).
TransportKind transport_kind_for_port(std::string_view port);

// A client context per offer, each made once per process (make_client_context);
// errc::crypto_failure if OpenSSL could not make it. Thread-safe.
Result<ssl::context*> shared_client_context(
    ClientProtocols protocols = ClientProtocols::v1_only);

// What a client connection offers: the generations (the default, v1 only, is today's
// client) and, for the current generation, its version range and proxy flag; and whether
// the TCP connection goes through a SOCKS5 proxy (socks5.h), which then resolves the host:
// the TLS and SMP steps are the same either way, under the same deadline.
struct ConnectOptions {
  ClientProtocols protocols = ClientProtocols::v1_only;
  ClientHandshakeOptions current;
  std::optional<SocksProxy> socks = std::nullopt;
};

// Client: TCP + TLS (+ WebSocket) + SMP handshake, all within `timeout`; `key_hash` is the
// server identity from its address. Errors: errc::timeout, errc::network (resolve/connect),
// errc::tls_failure (TLS or certificate rules, including a key hash that does not match),
// errc::bad_session / handshake_parse / handshake_version / handshake_bad_auth,
// errc::connection_closed.
net::awaitable<Result<std::unique_ptr<BlockTransport>>> connect_tls(
    net::any_io_executor executor, std::string host, std::string port, Bytes key_hash,
    Duration timeout, TransportKind kind = TransportKind::tls, ConnectOptions options = {});

// As connect_tls, but with a given client context (its offer: make_client_context), and
// stopping after TLS (+ WebSocket) when `smp_handshake` is false (tools, tests, and clients
// that run their own handshake).
net::awaitable<Result<std::unique_ptr<StreamTransport>>> connect_stream(
    net::any_io_executor executor, ssl::context& ctx, std::string host, std::string port,
    Bytes key_hash, TransportKind kind, Duration timeout, bool smp_handshake,
    ClientHandshakeOptions current = {}, std::optional<SocksProxy> socks = std::nullopt);

// Server: TLS (+ WebSocket) + SMP handshake for an accepted socket, within `timeout`;
// `identity` (which must outlive the call) is what both handshakes need: the CA fingerprint,
// and for the current generation the key and chain that sign each connection's key. On
// failure the socket is closed and the error returned (the peer gets no error block, but
// for a refused client service). Spawn one per accepted socket.
net::awaitable<Result<std::unique_ptr<BlockTransport>>> accept_connection(
    Tcp::socket socket, ssl::context& ctx, const ServerHandshakeIdentity& identity,
    TransportKind kind, Duration timeout);

// As accept_connection without the SMP handshake (TLS + WebSocket only).
net::awaitable<Result<std::unique_ptr<StreamTransport>>> accept_stream(Tcp::socket socket,
                                                                       ssl::context& ctx,
                                                                       TransportKind kind,
                                                                       Duration timeout);

}  // namespace smp::transport
