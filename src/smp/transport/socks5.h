// SOCKS5 CONNECT client (RFC 1928), with username/password authentication (RFC 1929) when
// credentials are given: after it the socket carries the destination's byte stream, ready
// for TLS. The destination is sent as a domain name (so that .onion names resolve at the
// proxy), or as an IPv4 / IPv6 address when it is one; the proxy's reply may bind an IPv4,
// IPv6 or domain-name address, which is read and dropped.
//
// Errors as values, never exceptions: errc::network when the proxy refuses (no acceptable
// method, failed authentication, a CONNECT reply other than success) or answers something
// that is not SOCKS5; errc::connection_closed when it closes the connection, mid-reply
// included; errc::bad_address for a destination that cannot be sent (empty, or a name over
// 255 bytes) or credentials over 255 bytes. No deadline of its own: run it under
// with_deadline (deadline.h) with an expiry that closes the socket, as connect.h does.
//
// Strand-bound: runs on the socket's executor; the socket must outlive the call.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::transport {

namespace net = boost::asio;

struct SocksCredentials {
  std::string username;  // 1..255 bytes
  std::string password;  // 0..255 bytes

  friend bool operator==(const SocksCredentials&, const SocksCredentials&) = default;
};

// The proxy, and what the greeting offers: with credentials, username/password (and "no
// authentication" too when offer_no_auth, the proxy choosing); without, "no authentication".
struct SocksProxy {
  std::string host;  // the proxy's address or name, resolved before connecting
  std::uint16_t port = 9050;
  std::optional<SocksCredentials> credentials = std::nullopt;
  bool offer_no_auth = true;

  friend bool operator==(const SocksProxy&, const SocksProxy&) = default;
};

// The client's first message: version, the methods offered.
Bytes socks5_greeting(const SocksProxy& proxy);
// The CONNECT request for host:port; errc::bad_address as above.
Result<Bytes> socks5_connect_request(std::string_view host, std::uint16_t port);

// Runs the exchange on `socket`, already connected to the proxy: greeting, authentication
// if the proxy chose it, CONNECT to host:port, the reply.
net::awaitable<Result<void>> socks5_handshake(net::ip::tcp::socket& socket,
                                              const SocksProxy& proxy, std::string_view host,
                                              std::uint16_t port);

// Resolves and connects to the proxy (errc::network on failure), then socks5_handshake.
net::awaitable<Result<void>> socks5_connect(net::ip::tcp::socket& socket,
                                            net::ip::tcp::resolver& resolver,
                                            const SocksProxy& proxy, std::string_view host,
                                            std::uint16_t port);

}  // namespace smp::transport
