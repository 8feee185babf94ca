// SMP server addresses (spec §1.2, §7.5): smp://<b64u keyHash>@host[:port] in text and
// short(host) ‖ short(port) ‖ short(keyHash) in binary. The key hash is the server's identity
// (SHA-256 of its CA certificate, 32 bytes in practice); like the reference, decoders accept
// any length. Plain value types and pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/encoding/binary.h"
#include "smp/protocol/wire_format.h"

namespace smp::protocol {

// host[:port] (the reference's SrvLoc). Port "" means "not given".
struct SrvLoc {
  std::string host;
  std::string port;
  friend bool operator==(const SrvLoc&, const SrvLoc&) = default;
};

// Copyable value type.
struct SmpServer {
  std::string host;
  std::string port;  // decimal digits, or "" for the default
  Bytes key_hash;
  // The server's create_password from smp://fp:password@host ("" for none): NEW's basic
  // auth in the current generation. Never written back out by str_encode or the binary
  // encoding (queue URIs and invitations must not carry it).
  std::string password{};
  friend bool operator==(const SmpServer&, const SmpServer&) = default;
};

// Text. host is 1+ bytes other than ': # , ; /' and space; port is 1+ ASCII digits.
std::string str_encode(const SrvLoc& loc);
// On success `in` is advanced past host[:port]; errc::bad_address (and `in` unchanged) when
// there is no host. A ':' not followed by a digit is left unconsumed.
Result<SrvLoc> parse_srv_loc(std::string_view& in);

std::string str_encode(const SmpServer& server);
// "smp://" b64u(keyHash) [":" password] "@" host[":" port] from the front of `in`;
// errc::bad_address and `in` unchanged on failure.
Result<SmpServer> parse_smp_server(std::string_view& in);
// The whole text must be one address (errc::bad_address otherwise).
Result<SmpServer> decode_smp_server(std::string_view text);

// Binary. The writer fails with errc::value_too_large when a field exceeds 255 bytes.
void write_smp_server(enc::Writer& w, const SmpServer& server);
std::optional<SmpServer> read_smp_server(enc::Reader& r);

// How a client reaches a server (spec §4.8): no port → 5223 over TLS; port 80 → WebSocket
// (inside TLS); any other port → TLS.
struct ServerEndpoint {
  std::string port;
  TransportKind transport;
  friend bool operator==(const ServerEndpoint&, const ServerEndpoint&) = default;
};
ServerEndpoint server_endpoint(const SmpServer& server);

}  // namespace smp::protocol
