// What the agent's store keeps (spec §7.6–§7.8, §7.12): queues, connections of each type,
// confirmations, contact invitations and message records, as the store API takes and returns
// them. Types holding private keys, secrets or ratchet states are move-only (clone() where a
// copy is needed); the rest are copyable values. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "smp/agent/agent_message.h"
#include "smp/agent/connection_request.h"
#include "smp/agent/msg_meta.h"
#include "smp/agent/ratchet_state.h"
#include "smp/common/bytes.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/iso8601.h"
#include "smp/encoding/version.h"
#include "smp/protocol/server_address.h"

namespace smp::agent {

// Connection, confirmation and invitation ids: generated ones are base64url of 12 random
// bytes (16 characters); a client may choose a connection id (any line content).
using ConnId = std::string;
using ConfirmationId = std::string;
using InvitationId = std::string;

// Stored as "new", "confirmed", "secured", "active", "disabled" (the reference's text).
enum class QueueStatus : std::uint8_t { new_, confirmed, secured, active, disabled };
std::string_view queue_status_text(QueueStatus status);
std::optional<QueueStatus> parse_queue_status(std::string_view text);

// A queue the agent receives from. Move-only.
struct RcvQueue {
  protocol::SmpServer server;
  Bytes rcv_id;
  crypto::PrivateKey rcv_private_key;        // signs our commands (Ed25519 / Ed448)
  SecretBytes rcv_dh_secret;                 // server → recipient body encryption (32 bytes)
  crypto::PrivateKey e2e_priv_key;           // X25519; its public key went out in the queue URI
  std::optional<SecretBytes> e2e_dh_secret;  // set once the sender's confirmation is accepted
  Bytes snd_id;
  QueueStatus status = QueueStatus::new_;
  enc::Version client_version = 1;

  RcvQueue clone() const;
};

// A queue the agent sends to. Move-only.
struct SndQueue {
  protocol::SmpServer server;
  Bytes snd_id;
  crypto::PrivateKey snd_private_key;  // signs SEND once the recipient has secured the queue
  SecretBytes e2e_dh_secret;           // per-queue E2E secret with the recipient
  // Our X25519 public key sent in the confirmation's PubHeader (kept to send it again).
  std::optional<crypto::PublicKey> e2e_pub_key;
  QueueStatus status = QueueStatus::new_;
  enc::Version client_version = 1;

  SndQueue clone() const;
};

// Copyable.
struct ConnData {
  ConnId conn_id;
  ConnectionMode mode = ConnectionMode::invitation;
  friend bool operator==(const ConnData&, const ConnData&) = default;
};

// A connection without queues yet (its id reserved before talking to a server).
struct NewConnection {
  ConnData data;
};
// The inviting party before the joining party's reply queue arrives.
struct RcvConnection {
  ConnData data;
  RcvQueue rcv_queue;
};
// The joining party before it creates its reply queue.
struct SndConnection {
  ConnData data;
  SndQueue snd_queue;
};
struct DuplexConnection {
  ConnData data;
  RcvQueue rcv_queue;
  SndQueue snd_queue;
};
// A contact address: a receive queue in contact mode; never gets a send queue.
struct ContactConnection {
  ConnData data;
  RcvQueue rcv_queue;
};
using Connection =
    std::variant<NewConnection, RcvConnection, SndConnection, DuplexConnection, ContactConnection>;

enum class ConnType : std::uint8_t { new_, rcv, snd, duplex, contact };
ConnType conn_type(const Connection& conn);
// An independent copy (queues cloned: secrets copied, loaded keys shared read-only).
Connection clone_connection(const Connection& conn);
const ConnData& conn_data(const Connection& conn);
// nullptr when the connection has no queue of that direction.
const RcvQueue* rcv_queue_of(const Connection& conn);
const SndQueue* snd_queue_of(const Connection& conn);

// A confirmation received on a new receive queue (spec §7.6 step 3). Move-only.
struct NewConfirmation {
  ConnId conn_id;
  crypto::PublicKey sender_key;   // to secure the queue with (KEY)
  crypto::PublicKey e2e_pub_key;  // the sender's per-queue X25519 key
  Bytes conn_info;                // the sender's connection info
  Ratchet ratchet;                // initialised from X3DH and advanced by the decryption
};

// Move-only.
struct AcceptedConfirmation {
  ConfirmationId confirmation_id;
  ConnId conn_id;
  crypto::PublicKey sender_key;
  crypto::PublicKey e2e_pub_key;
  Bytes conn_info;
  Ratchet ratchet;
  Bytes own_conn_info;  // what LET gave
};

// An invitation received on a contact connection (spec §7.6 contact mode). Copyable.
struct NewInvitation {
  ConnId contact_conn_id;
  ConnectionRequest conn_req;  // the other party's invitation
  Bytes recipient_conn_info;
};

struct Invitation {
  InvitationId invitation_id;
  ConnId contact_conn_id;
  ConnectionRequest conn_req;
  Bytes recipient_conn_info;
  std::optional<Bytes> own_conn_info;  // set by ACPT
  bool accepted = false;
};

// AMessage kinds, stored as 'H', 'R', 'M' (the reference's AMsgType).
enum class AgentMsgType : std::uint8_t { hello, reply, a_msg };
char agent_msg_type_char(AgentMsgType type);
std::optional<AgentMsgType> parse_agent_msg_type(char c);
AgentMsgType agent_msg_type_of(const AMessage& message);

// The ids the next sent message gets (spec §7.7 step 2). Copyable.
struct SndMsgIds {
  std::int64_t internal_id;      // shared by sent and received messages (MID / SENT)
  std::int64_t internal_snd_id;  // sndMsgId in the AgentMessage header
  Bytes prev_msg_hash;           // prevMsgHash: empty before the first message
  friend bool operator==(const SndMsgIds&, const SndMsgIds&) = default;
};

// What the agent builds once the ids are known (see AgentStore::create_snd_message).
// Move-only.
struct SndMsgContent {
  // What the delivery worker sends, the AgentMsgEnvelope; or, with body_keys, the AgentMessage
  // it encrypts when it sends it.
  Bytes body;
  Bytes internal_hash;  // SHA-256 of the AgentMessage; the next message's prevMsgHash
  // The ratchet after encrypting body (or taking body_keys), saved in the same transaction.
  std::optional<Ratchet> ratchet;
  // encode_body_keys (ratchet_codec.h), or empty when body is already encrypted.
  SecretBytes body_keys{};
};

// Move-only.
struct SndMessage {
  std::int64_t internal_id;
  std::int64_t internal_snd_id;
  enc::Timestamp internal_ts;
  AgentMsgType type;
  Bytes body;  // as SndMsgContent::body
  Bytes internal_hash;
  Bytes prev_msg_hash;
  SecretBytes body_keys{};  // as SndMsgContent::body_keys
  friend bool operator==(const SndMessage& a, const SndMessage& b) {
    return a.internal_id == b.internal_id && a.internal_snd_id == b.internal_snd_id &&
           a.internal_ts == b.internal_ts && a.type == b.type && a.body == b.body &&
           a.internal_hash == b.internal_hash && a.prev_msg_hash == b.prev_msg_hash &&
           std::ranges::equal(a.body_keys.view(), b.body_keys.view());
  }
};

// A message waiting for delivery. Copyable.
struct PendingSndMessage {
  std::int64_t internal_id;
  AgentMsgType type;
  friend bool operator==(const PendingSndMessage&, const PendingSndMessage&) = default;
};

// The counters a received message is checked against (spec §7.8). Copyable.
struct RcvMsgIds {
  std::int64_t internal_id;               // the id the next message gets
  std::int64_t internal_rcv_id;           // likewise, counting received messages only
  std::int64_t last_external_snd_msg_id;  // P: the sender's id of the last message
  Bytes last_rcv_msg_hash;                // H: SHA-256 of the last AgentMessage received
  friend bool operator==(const RcvMsgIds&, const RcvMsgIds&) = default;
};

// A decrypted AgentMessage to record. Copyable.
struct NewRcvMessage {
  enc::Timestamp internal_ts;
  AgentMsgType type;
  Bytes body;                // the AgentMessage bytes; their SHA-256 is the internal hash
  std::int64_t snd_msg_id;   // from its header
  Bytes prev_msg_hash;       // from its header
  Bytes broker_id;           // the server's message id
  enc::Timestamp broker_ts;  // the server's timestamp
};

// Copyable.
struct RcvMessage {
  std::int64_t internal_id;
  std::int64_t internal_rcv_id;
  enc::Timestamp internal_ts;
  AgentMsgType type;
  Bytes body;
  std::int64_t snd_msg_id;
  Bytes broker_id;
  enc::Timestamp broker_ts;
  Bytes internal_hash;
  Bytes prev_msg_hash;
  MsgIntegrity integrity;
  friend bool operator==(const RcvMessage&, const RcvMessage&) = default;
};

// What create_rcv_message recorded. Copyable.
struct RcvMsgResult {
  std::int64_t internal_id;
  std::int64_t internal_rcv_id;
  MsgIntegrity integrity;
  friend bool operator==(const RcvMsgResult&, const RcvMsgResult&) = default;
};

// The integrity check of spec §7.8, in its order: (P+1, H) → OK; id < P → ERR ID id;
// id == P → ERR DUPLICATE; id > P+1 → ERR NO_ID P+1 id-1; else (hash differs) → ERR HASH.
// Hashes are compared in constant time.
MsgIntegrity check_msg_integrity(std::int64_t last_external_snd_msg_id, ByteView last_rcv_msg_hash,
                                 std::int64_t snd_msg_id, ByteView prev_msg_hash);

}  // namespace smp::agent
