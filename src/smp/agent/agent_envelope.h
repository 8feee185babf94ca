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
#include "smp/crypto/keys.h"
#include "smp/encoding/binary.h"
#include "smp/encoding/version.h"

namespace smp::agent {

// The joining party's double-ratchet parameters in binary form (E2ERatchetParams X448):
// u16 version ‖ short(SPKI X448) ‖ short(SPKI X448). Copyable value type.
struct ConfirmationE2eParams {
  enc::Version version;
  crypto::PublicKey key1;
  crypto::PublicKey key2;
  friend bool operator==(const ConfirmationE2eParams&, const ConfirmationE2eParams&) = default;
};

// 'C': sent by each party once; e2e is present in the joining party's confirmation.
struct AgentConfirmation {
  enc::Version agent_version;
  std::optional<ConfirmationE2eParams> e2e;
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

// The writer fails with errc::wrong_algorithm unless both keys are X448.
void write_confirmation_e2e_params(enc::Writer& w, const ConfirmationE2eParams& params);
std::optional<ConfirmationE2eParams> read_confirmation_e2e_params(enc::Reader& r);

// errc::bad_uri when an invitation's request is not in invitation mode; crypto_large_msg when
// its conn_info is over kMaxConnInfoSize; value_too_large when the URI is over 65535 bytes.
Result<Bytes> encode_agent_envelope(const AgentEnvelope& envelope);
// The whole input. errc::bad_tag for an unknown envelope or Maybe tag, bad_uri for an 'I'
// whose URI is not an invitation request, and the usual truncation / key errors.
Result<AgentEnvelope> decode_agent_envelope(ByteView bytes);

}  // namespace smp::agent
