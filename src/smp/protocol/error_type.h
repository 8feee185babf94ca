// SMP ErrorType: the error carried by a broker `ERR` message, in both generations.
//
// SMP v1 (spec §4.4): `BLOCK`, `SESSION`, `CMD UNKNOWN|SYNTAX|NO_AUTH|HAS_AUTH|NO_QUEUE`,
// `AUTH`, `QUOTA`, `NO_MSG`, `LARGE_MSG`, `INTERNAL` — the errc-only functions below.
//
// Current generation (Protocol.hs ErrorType, simplexmq 6.5.5): those plus `CMD PROHIBITED`
// (and `CMD NO_ENTITY`, the new spelling of NO_QUEUE), `PROXY <ProxyError>`, `BLOCKED
// <BlockingInfo>`, `SERVICE`, `CRYPTO`, `STORE <text>`, `EXPIRED` — the SmpError functions,
// which take the agreed version: below 12 BLOCKED is sent as AUTH, below 18 without its
// notice (the reference's encodeProtocol for ERR).
//
// SmpError is a copyable value; its nested proxy error is shared and immutable. Pure
// functions; thread-safe; returned views point to static storage.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/protocol/versions.h"

namespace smp::protocol {

// --- SMP v1 ----------------------------------------------------------------------------------

// True for the errc values that have an ErrorType in either generation (errc::smp_block …
// errc::smp_expired).
bool is_error_type(errc e) noexcept;

// Any error as the ErrorType a peer is told: smp_* values map to themselves, everything else
// (store, crypto backend, I/O failures) to errc::smp_internal, as the reference answers
// INTERNAL for its own failures.
errc to_error_type(errc e) noexcept;

// The exact SMP v1 wire text of to_error_type(e), e.g. "CMD SYNTAX", "AUTH". Codes that v1
// does not have are sent as "INTERNAL" (BLOCKED as "AUTH").
std::string_view error_type_text(errc e) noexcept;

// Parses the whole input as SMP v1 ErrorType text (the reference's smpP under parseAll):
// tokens are case-sensitive, "CMD" needs exactly one space and a CommandError, nothing may
// follow. Returns the smp_* value, or nullopt. (Not Result<errc>: errc converts to an
// error_code, so a Result<errc> could not tell a parsed value from a failure.)
std::optional<errc> parse_error_type(ByteView text) noexcept;

// --- current generation ----------------------------------------------------------------------

enum class BlockingReason : std::uint8_t { spam, content };

// BlockingInfo: why the operator blocked a queue, and an optional notice for the client
// (ClientNotice, JSON `{"ttl":<seconds>}`; a null or absent ttl means indefinite).
struct BlockingInfo {
  struct Notice {
    std::optional<std::int64_t> ttl;
    friend bool operator==(const Notice&, const Notice&) = default;
  };
  BlockingReason reason = BlockingReason::spam;
  std::optional<Notice> notice;
  friend bool operator==(const BlockingInfo&, const BlockingInfo&) = default;
};

// "reason=spam" / "reason=content", then ",notice=<json>" when there is a notice (the
// reference's strEncode, used both in ERR BLOCKED and in the store log's BLOCK record).
std::string format_blocking_info(const BlockingInfo& info);
// The whole input (strP under parseAll). The notice JSON must be an object; its "ttl" must
// be an integer or null; other members are ignored (as aeson does). errc::bad_syntax.
Result<BlockingInfo> parse_blocking_info(ByteView text);

// TransportError (Transport.hs), as a proxy reports its connection to a destination.
struct TransportErrorInfo {
  enum class Kind : std::uint8_t { block, version, large_msg, session, no_auth, handshake };
  enum class Handshake : std::uint8_t { parse, identity, bad_auth, bad_service };
  Kind kind = Kind::block;
  Handshake handshake = Handshake::parse;  // Kind::handshake only
  friend bool operator==(const TransportErrorInfo&, const TransportErrorInfo&) = default;
};

// NetworkError: only its kind travels (the reference encodes a proxy's NETWORK error without
// details); `detail` is kept when parsed from a peer that sent one.
struct NetworkErrorInfo {
  enum class Kind : std::uint8_t { connect, tls, unknown_ca, failed, timeout, subscribe };
  Kind kind = Kind::failed;
  std::string detail;  // connect, tls, subscribe
  friend bool operator==(const NetworkErrorInfo&, const NetworkErrorInfo&) = default;
};

// BrokerErrorType: what went wrong between a proxy and a destination server.
struct BrokerErrorInfo {
  enum class Kind : std::uint8_t {
    response, unexpected, network, host, no_service, transport, timeout
  };
  Kind kind = Kind::timeout;
  std::string text;            // response, unexpected
  NetworkErrorInfo network;    // network
  TransportErrorInfo transport;  // transport
  friend bool operator==(const BrokerErrorInfo&, const BrokerErrorInfo&) = default;
};

struct SmpError;

// ProxyError: `PROTOCOL <ErrorType>` (the destination answered ERR), `BROKER <…>`,
// `BASIC_AUTH` (the client may not use this proxy), `NO_SESSION` (unknown proxy session).
struct ProxyErrorInfo {
  enum class Kind : std::uint8_t { protocol, broker, basic_auth, no_session };
  Kind kind = Kind::no_session;
  std::shared_ptr<const SmpError> protocol;  // Kind::protocol; never null then
  BrokerErrorInfo broker;                    // Kind::broker
};
bool operator==(const ProxyErrorInfo& a, const ProxyErrorInfo& b);

// An ErrorType of either generation. `code` is one of the smp_* errc values (is_error_type);
// the other members carry the payload of the codes that have one.
struct SmpError {
  SmpError() = default;
  SmpError(errc c) : code(c) {}  // NOLINT: implicit, so `msg::Err{errc::smp_auth}` reads well

  static SmpError blocked(BlockingInfo info);
  static SmpError store(std::string text);
  static SmpError proxy(ProxyErrorInfo info);

  errc code = errc::smp_internal;
  std::optional<BlockingInfo> blocking;         // smp_blocked
  std::string store_text;                       // smp_store
  std::shared_ptr<const ProxyErrorInfo> proxy_error;  // smp_proxy; never null then

  friend bool operator==(const SmpError& a, const SmpError& b);
};

// Appends the ErrorType as the current generation sends it at version v (Encoding
// ErrorType, with encodeProtocol's version rules for BLOCKED). Codes outside the ErrorType
// set are sent as INTERNAL.
void append_error_type(Bytes& out, const SmpError& e, SmpVersion v);
Bytes encode_error_type(const SmpError& e, SmpVersion v);

// Parses the whole input as a current-generation ErrorType (smpP under parseAll; "NO_QUEUE"
// is accepted for NO_ENTITY as the reference does). errc::bad_syntax.
Result<SmpError> parse_error_type_current(ByteView text);

}  // namespace smp::protocol
