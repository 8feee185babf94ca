// The SMP handshake that follows TLS (spec §3.5): the server sends its version range and the
// session id, the client answers with the chosen version and the server's key hash.
//
// Encoders, parsers and the two decision functions are pure (thread-safe). The coroutines
// are strand-bound like the BlockTransport they use, which must outlive them.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/transport/block_transport.h"

namespace smp::transport {

// u16(min) ‖ u16(max) ‖ short(sessionId)
struct ServerHandshake {
  std::uint16_t min_version = 0;
  std::uint16_t max_version = 0;
  Bytes session_id;
};

// u16(version) ‖ short(keyHash)
struct ClientHandshake {
  std::uint16_t version = 0;
  Bytes key_hash;
};

// errc::value_too_large if a byte string exceeds 255 bytes.
Result<Bytes> encode_server_handshake(const ServerHandshake& h);
Result<Bytes> encode_client_handshake(const ClientHandshake& h);
// Whole-input parses (trailing bytes fail, as does min > max): errc::handshake_parse.
Result<ServerHandshake> parse_server_handshake(ByteView content);
Result<ClientHandshake> parse_client_handshake(ByteView content);

// Server decision: the key hash is checked first (errc::handshake_identity, constant time),
// then the version against 1-1 (errc::handshake_version). Returns the agreed version.
Result<std::uint16_t> accept_client_handshake(const ClientHandshake& h, ByteView own_key_hash);
// Client decision: errc::bad_session unless the server's session id is our tls-unique; then
// the highest version both ranges share (errc::handshake_version if none). Returns the reply.
Result<ClientHandshake> answer_server_handshake(const ServerHandshake& h,
                                                ByteView own_session_id, ByteView key_hash);

// Server side over an established transport: sends the server block, reads and checks the
// client's. On any error the connection is closed without a word (the reference sends no
// error block) and the error returned. On success the version is stored in the transport.
net::awaitable<Result<std::uint16_t>> server_handshake(BlockTransport& transport,
                                                       ByteView own_key_hash);
// Client side: reads the server block, answers it. On success the version is stored in the
// transport; on error the caller closes.
net::awaitable<Result<std::uint16_t>> client_handshake(BlockTransport& transport,
                                                       ByteView key_hash);

}  // namespace smp::transport
