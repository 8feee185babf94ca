// The agent envelope (spec §7.5), the body of a ClientMessage:
//   u16 agentVersion ‖ 'C' ‖ Maybe(E2E ratchet params) ‖ Tail(ratchet-encrypted conn info)
//   u16 agentVersion ‖ 'M' ‖ Tail(ratchet-encrypted AgentMessage)
//   u16 agentVersion ‖ 'I' ‖ Large(invitation URI text) ‖ Tail(conn info, not ratchet-encrypted)
// Ratchet ciphertexts are opaque bytes here. Decoders check structure only; version
// compatibility is the caller's decision. Plain value types, pure functions; thread-safe.
#pragma once

#include <optional>
#include <variant>

#include "smp/agent/connection_request.h"
#include "smp/agent/envelope_format.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/agent/e2e_params.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/binary.h"
#include "smp/encoding/version.h"

namespace smp::agent {

// 'C': sent by each party once; e2e is present in the joining party's confirmation.
struct AgentConfirmation {
  enc::Version agent_version;
  std::optional<E2ERatchetParams> e2e;
  Bytes enc_conn_info;
  friend bool operator==(const AgentConfirmation&, const AgentConfirmation&) = default;
};

// 'M': every message once the connection is established.
struct AgentMsgEnvelope {
  enc::Version agent_version;
  Bytes enc_agent_message;
  friend bool operator==(const AgentMsgEnvelope&, const AgentMsgEnvelope&) = default;
};

// 'I': sent to a contact address; conn_request is always an invitation.
struct AgentInvitation {
  enc::Version agent_version;
  ConnectionRequest conn_request;
  Bytes conn_info;
  friend bool operator==(const AgentInvitation&, const AgentInvitation&) = default;
};

using AgentEnvelope = std::variant<AgentConfirmation, AgentMsgEnvelope, AgentInvitation>;

enc::Version agent_version(const AgentEnvelope& envelope);

// errc::bad_uri when an invitation's request is not in invitation mode; crypto_large_msg when
// its conn_info is over kMaxConnInfoSize; value_too_large when the URI is over 65535 bytes.
Result<Bytes> encode_agent_envelope(const AgentEnvelope& envelope);
// The whole input. errc::bad_tag for an unknown envelope or Maybe tag, bad_uri for an 'I'
// whose URI is not an invitation request, and the usual truncation / key errors.
Result<AgentEnvelope> decode_agent_envelope(ByteView bytes);

}  // namespace smp::agent
