// Errors the agent reports to its clients (AgentErrorType, spec §7.3), in ERR and MERR:
//   CMD PROHIBITED|SYNTAX|NO_CONN|SIZE|LARGE      CONN NOT_FOUND|DUPLICATE|SIMPLEX
//   SMP <smp error>                              AGENT
//   A_MESSAGE|A_PROHIBITED|A_VERSION|A_ENCRYPTION BROKER RESPONSE <smp
//   error>|UNEXPECTED|NETWORK|TRANSPORT <transport error>|TIMEOUT INTERNAL "<Haskell string
//   literal>"
// The parser takes exactly the forms the reference writes. Plain value types, pure
// functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "smp/common/error.h"

namespace smp::agent {

enum class CommandErrorType { prohibited, syntax, no_conn, size, large };
enum class ConnectionErrorType { not_found, duplicate, simplex };
enum class PeerErrorType { a_message, a_prohibited, a_version, a_encryption };
enum class BrokerErrorKind { response, unexpected, network, transport, timeout };
// TransportError: BLOCK, LARGE_MSG, SESSION and the bare handshake errors.
enum class TransportErrorType { block, large_msg, session, parse, version, identity };

struct CmdError {
  CommandErrorType type;
  friend bool operator==(const CmdError&, const CmdError&) = default;
};
struct ConnError {
  ConnectionErrorType type;
  friend bool operator==(const ConnError&, const ConnError&) = default;
};
// An SMP server's ERR; `type` is one of the errc::smp_* values (any other is written as
// INTERNAL, as protocol::error_type_text does).
struct SmpError {
  errc type;
  friend bool operator==(const SmpError&, const SmpError&) = default;
};
// Only the field of the kind in use is meaningful; the other keeps its default.
struct BrokerError {
  BrokerErrorKind kind;
  errc response = errc::smp_internal;                        // RESPONSE
  TransportErrorType transport = TransportErrorType::block;  // TRANSPORT
  friend bool operator==(const BrokerError&, const BrokerError&) = default;
};
// The other agent sent something wrong (SMPAgentError).
struct PeerError {
  PeerErrorType type;
  friend bool operator==(const PeerError&, const PeerError&) = default;
};
// Text as UTF-8.
struct InternalError {
  std::string text;
  friend bool operator==(const InternalError&, const InternalError&) = default;
};

using AgentError =
    std::variant<CmdError, ConnError, SmpError, BrokerError, PeerError, InternalError>;

inline AgentError cmd_error(CommandErrorType t) { return CmdError{t}; }
inline AgentError broker_response(errc smp_error) {
  return BrokerError{BrokerErrorKind::response, smp_error};
}
inline AgentError broker_transport(TransportErrorType t) {
  return BrokerError{BrokerErrorKind::transport, errc::smp_internal, t};
}

std::string encode_agent_error(const AgentError& error);
// The whole text; errc::bad_syntax when it is not one of the forms above.
Result<AgentError> parse_agent_error(std::string_view text);

// The reference's cryptoError (spec §7.3): crypto_large_msg → CMD LARGE; crypto_header,
// aes_decrypt, cb_decrypt → AGENT A_ENCRYPTION; anything else → INTERNAL "<errc name>" (for
// the ratchet errors that is the reference's constructor name, e.g. "CERatchetHeader").
AgentError crypto_agent_error(errc e);

}  // namespace smp::agent
