#include "smp/transport/handshake.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "smp/encoding/binary.h"
#include "smp/protocol/wire_format.h"

namespace smp::transport {

namespace {

Result<ServerHandshake> parse_failure() { return make_error_code(errc::handshake_parse); }

}  // namespace

Result<Bytes> encode_server_handshake(const ServerHandshake& h) {
  enc::Writer w(5 + h.session_id.size());
  w.u16(h.min_version).u16(h.max_version).short_bytes(h.session_id);
  return std::move(w).finish();
}

Result<Bytes> encode_client_handshake(const ClientHandshake& h) {
  enc::Writer w(3 + h.key_hash.size());
  w.u16(h.version).short_bytes(h.key_hash);
  return std::move(w).finish();
}

Result<ServerHandshake> parse_server_handshake(ByteView content) {
  enc::Reader r(content);
  ServerHandshake h;
  h.min_version = r.u16();
  h.max_version = r.u16();
  h.session_id = to_bytes(r.short_bytes());
  r.expect_end();
  if (!r.ok() || h.min_version > h.max_version) return parse_failure();
  return h;
}

Result<ClientHandshake> parse_client_handshake(ByteView content) {
  enc::Reader r(content);
  ClientHandshake h;
  h.version = r.u16();
  h.key_hash = to_bytes(r.short_bytes());
  r.expect_end();
  if (!r.ok()) return make_error_code(errc::handshake_parse);
  return h;
}

Result<std::uint16_t> accept_client_handshake(const ClientHandshake& h, ByteView own_key_hash) {
  if (!constant_time_equal(h.key_hash, own_key_hash)) {
    return make_error_code(errc::handshake_identity);
  }
  if (h.version < protocol::kSmpVersionMin || h.version > protocol::kSmpVersionMax) {
    return make_error_code(errc::handshake_version);
  }
  return h.version;
}

Result<ClientHandshake> answer_server_handshake(const ServerHandshake& h,
                                                ByteView own_session_id, ByteView key_hash) {
  // The session id is public (it travels in clear in the handshake), so == is fine here.
  if (!std::ranges::equal(h.session_id, own_session_id)) {
    return make_error_code(errc::bad_session);
  }
  // compatibleVersion: the ranges overlap; take the lower of the two maxima.
  if (h.min_version > protocol::kSmpVersionMax || h.max_version < protocol::kSmpVersionMin) {
    return make_error_code(errc::handshake_version);
  }
  return ClientHandshake{std::min(h.max_version, protocol::kSmpVersionMax), to_bytes(key_hash)};
}

net::awaitable<Result<std::uint16_t>> server_handshake(BlockTransport& transport,
                                                       ByteView own_key_hash) {
  auto fail = [&transport](error_code e) -> Result<std::uint16_t> {
    spdlog::debug("smp handshake (server) failed: {}", e.message());
    transport.close();
    return e;
  };
  auto block = encode_server_handshake({protocol::kSmpVersionMin, protocol::kSmpVersionMax,
                                        to_bytes(transport.session_id())});
  if (!block) co_return fail(block.error());
  if (auto sent = co_await transport.write_block(*block); !sent) co_return fail(sent.error());
  auto reply = co_await transport.read_block_view();
  if (!reply) co_return fail(reply.error());
  auto client = parse_client_handshake(*reply);
  if (!client) co_return fail(client.error());
  auto version = accept_client_handshake(*client, own_key_hash);
  if (!version) co_return fail(version.error());
  transport.set_smp_version(*version);
  co_return *version;
}

net::awaitable<Result<std::uint16_t>> client_handshake(BlockTransport& transport,
                                                       ByteView key_hash) {
  auto block = co_await transport.read_block_view();
  if (!block) co_return block.error();
  auto server = parse_server_handshake(*block);
  if (!server) co_return server.error();
  auto reply = answer_server_handshake(*server, transport.session_id(), key_hash);
  if (!reply) co_return reply.error();
  const std::uint16_t version = reply.value().version;
  auto encoded = encode_client_handshake(*reply);
  if (!encoded) co_return encoded.error();
  if (auto sent = co_await transport.write_block(*encoded); !sent) co_return sent.error();
  transport.set_smp_version(version);
  co_return version;
}

}  // namespace smp::transport
