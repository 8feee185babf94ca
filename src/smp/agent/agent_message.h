// The plaintexts the double ratchet carries between agents (spec §7.5):
//   AgentConnInfo : 'I' ‖ Tail(connInfo)                      (inside a confirmation)
//   AgentMessage  : 'M' ‖ i64 sndMsgId ‖ short(prevMsgHash) ‖ AMessage
//   AMessage      : 'H' (HELLO) | 'R' ‖ u8 count ≥ 1 ‖ SMPQueueInfo… (REPLY) | 'M' ‖ Tail(body)
// Encoders refuse what the ratchet could not pad (errc::crypto_large_msg), never truncate.
// Plain value types, pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "smp/agent/envelope_format.h"
#include "smp/agent/queue_info.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/encoding/binary.h"

namespace smp::agent {

// The sending agent's sequence number and the SHA-256 of its previous AgentMessage (empty
// before the first message). Copyable value type.
struct APrivHeader {
  std::int64_t snd_msg_id;
  Bytes prev_msg_hash;
  friend bool operator==(const APrivHeader&, const APrivHeader&) = default;
};

struct HelloMessage {
  friend bool operator==(const HelloMessage&, const HelloMessage&) = default;
};
// The joining party's reply queues; never empty on the wire.
struct ReplyMessage {
  std::vector<SmpQueueInfo> queues;
  friend bool operator==(const ReplyMessage&, const ReplyMessage&) = default;
};
// A user message (A_MSG).
struct UserMessage {
  Bytes body;
  friend bool operator==(const UserMessage&, const UserMessage&) = default;
};
using AMessage = std::variant<HelloMessage, ReplyMessage, UserMessage>;

struct AgentConnInfo {
  Bytes conn_info;
  friend bool operator==(const AgentConnInfo&, const AgentConnInfo&) = default;
};
struct AgentMessage {
  APrivHeader header;
  AMessage message;
  friend bool operator==(const AgentMessage&, const AgentMessage&) = default;
};
// What the ratchet encrypts: connection info in a confirmation, or an agent message.
using AgentPlaintext = std::variant<AgentConnInfo, AgentMessage>;

void write_a_priv_header(enc::Writer& w, const APrivHeader& header);
std::optional<APrivHeader> read_a_priv_header(enc::Reader& r);

// REPLY with no queues sets errc::bad_syntax; more than 255 sets value_too_large. A user
// message body is written as is (the size limit belongs to encode_agent_plaintext).
void write_a_message(enc::Writer& w, const AMessage& message);
// Reads to the end of input for a user message; sets errc::bad_tag for an unknown tag and
// bad_syntax for a REPLY with no queues.
std::optional<AMessage> read_a_message(enc::Reader& r);

// errc::crypto_large_msg when conn_info is over kMaxConnInfoSize, a user message body is over
// kMaxUserMessageSize, or the whole AgentMessage does not fit kUserMsgPaddedLength.
Result<Bytes> encode_agent_plaintext(const AgentPlaintext& plaintext);
// The whole input; errc::bad_tag for an unknown tag.
Result<AgentPlaintext> decode_agent_plaintext(ByteView bytes);

}  // namespace smp::agent
