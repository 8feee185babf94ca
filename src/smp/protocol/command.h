// SMP client commands and broker messages as typed values, for both generations: SMP v1
// (spec §4.2) and the current SMP 6..18 (Protocol.hs, simplexmq 6.5.5). Binary encode and
// parse take the agreed version and follow the reference's encodeProtocol / protocolP for
// it; the functions without a version speak SMP v1.
//
// Values are small, copyable and non-owning: ByteView fields (bodies, ids, link data)
// borrow from the parsed input or the caller's buffers and are valid only while those are;
// keys are crypto::PublicKey values with inline storage. Parsing allocates nothing, except
// RKEY's key list and the payload of a parsed ERR. Pure functions; thread-safe.
//
// A field of a version-dependent command that the agreed version does not carry is ignored
// by the encoder (as the reference's encoder ignores it) and left at its default by the
// parser: e.g. cmd::Ack::msg_id is not sent at v1, cmd::New::queue_request below v9.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/version.h"
#include "smp/protocol/error_type.h"
#include "smp/protocol/versions.h"

namespace smp::protocol {

// --- shared field types ----------------------------------------------------------------------

// NEW's subscribe mode: subscribe the creating connection ('S'), or only create ('C').
enum class SubscriptionMode : std::uint8_t { subscribe, only_create };

// Whether a queue is a messaging queue (its sender may secure it with SKEY) or a contact
// address (many senders; LGET reads its link data). 'M' / 'C' on the wire.
enum class QueueMode : std::uint8_t { messaging, contact };

// A queue's short-link data (QueueLinkData): both parts encrypted by the client, each a
// Large byte string on the wire.
struct LinkData {
  ByteView fixed_data{};
  ByteView user_data{};
};

// NEW's queue request (QueueReqData, v15+): the mode, and for a short link the ids the
// client chose: sender id (sha3-384 of the corrId, first 24 bytes) and, for a contact queue,
// the link id; with the link data. Below v15 only the mode travels (as the sndSecure flag,
// v9-14).
struct QueueRequest {
  QueueMode mode = QueueMode::messaging;
  struct Link {
    ByteView link_id{};  // contact mode only (messaging queues get a server-chosen link id)
    ByteView sender_id{};
    LinkData data{};
  };
  std::optional<Link> link{};
};

// An SMP server as PRXY names it (ProtocolServer's binary form): hosts, port, CA key hash.
struct ServerRef {
  static constexpr std::size_t kMaxHosts = 8;
  std::array<ByteView, kMaxHosts> hosts{};  // each a host name or IP literal, as text
  std::size_t host_count = 0;
  ByteView port{};
  ByteView key_hash{};
};

// --- client commands -------------------------------------------------------------------------

namespace cmd {
// NEW rcvAuthKey rcvDhKey … — create a queue. rcv_key: Ed25519/Ed448 (v1: only these),
// or X25519 (v7+, crypto_box authenticators); rcv_dh_key: X25519.
struct New {
  crypto::PublicKey rcv_key;
  crypto::PublicKey rcv_dh_key;
  std::optional<ByteView> basic_auth{};  // v6+: the server password (create_password)
  SubscriptionMode sub_mode = SubscriptionMode::subscribe;  // v6+
  std::optional<QueueRequest> queue_request{};                // v9+
  struct NtfCreds {
    crypto::PublicKey notifier_key;
    crypto::PublicKey rcv_ntf_dh_key;  // X25519
  };
  std::optional<NtfCreds> ntf_creds{};  // v17+
};
struct Sub {};
struct Subs {};  // service subscription (not offered: no service sessions)
// KEY senderKey — the recipient secures the queue.
struct Key {
  crypto::PublicKey sender_key;
};
// RKEY rcvKeys — replace the recipient keys of a contact queue (1..255 keys).
struct RKey {
  std::vector<crypto::PublicKey> keys{};
};
// LSET linkId linkData — set a queue's short-link data.
struct LSet {
  ByteView link_id{};
  LinkData data{};
};
struct LDel {};
// NKEY notifierKey [rcvNtfDhKey] — enable notifications (the DH key from v6 on).
struct NKey {
  crypto::PublicKey notifier_key;
  std::optional<crypto::PublicKey> rcv_ntf_dh_key{};  // X25519; required from v6
};
struct NDel {};
struct Get {};
// ACK [msgId] — the message id from v6 on (an empty id acknowledges whatever was delivered).
struct Ack {
  ByteView msg_id{};
};
struct Off {};
struct Del {};
struct Que {};
// SKEY senderKey — the sender secures a messaging queue (v9+).
struct SKey {
  crypto::PublicKey sender_key;
};
// SEND [flags] body — flags from v6 on (notification 'T'/'F'); the body is the rest (Tail).
struct Send {
  ByteView body{};
  bool notification = false;
};
struct Ping {};
// LKEY senderKey / LGET — short-link access by link id.
struct LKey {
  crypto::PublicKey sender_key;
};
struct LGet {};
struct NSub {};
struct NSubs {};
// PRXY server [basicAuth] — open a proxy session to a destination server.
struct Prxy {
  ServerRef server{};
  std::optional<ByteView> basic_auth{};
};
// PFWD version key encTransmission — a transmission for the destination, through a proxy.
struct PFwd {
  SmpVersion version = 0;
  crypto::PublicKey key;  // X25519
  ByteView encrypted{};     // Tail
};
// RFWD encForwarded — a proxy forwards a client's transmission to this (destination) server.
struct RFwd {
  ByteView encrypted{};  // Tail
};
}  // namespace cmd

using Command =
    std::variant<cmd::New, cmd::Sub, cmd::Key, cmd::NKey, cmd::Ack, cmd::Off, cmd::Del,
                 cmd::Send, cmd::Ping, cmd::NSub,
                 // current generation only:
                 cmd::Subs, cmd::RKey, cmd::LSet, cmd::LDel, cmd::NDel, cmd::Get, cmd::Que,
                 cmd::SKey, cmd::LKey, cmd::LGet, cmd::NSubs, cmd::Prxy, cmd::PFwd, cmd::RFwd>;

// Which entity a command addresses (the reference's Party, without the service parties):
// recipient id for NEW…QUE, sender id for SEND/SKEY, notifier id for NSUB, link id for
// LKEY/LGET; PING, PRXY, PFWD, RFWD, SUBS, NSUBS address no queue (`none`). SMP v1 counts PING
// as a sender command (its v1 dispatch); party_of keeps that.
enum class Party : std::uint8_t { recipient, sender, notifier, link, none };
Party party_of(const Command& c) noexcept;

// "NEW", "SUB", ... — for logs and metrics.
std::string_view tag_of(const Command& c) noexcept;

// --- broker messages -------------------------------------------------------------------------

namespace msg {
// IDS rcvId sndId srvDhKey … — answer to NEW.
struct Ids {
  ByteView rcv_id{};
  ByteView snd_id{};
  crypto::PublicKey srv_dh_key;  // X25519
  std::optional<QueueMode> queue_mode{};  // v9+ (v9-14 as the sndSecure flag)
  std::optional<ByteView> link_id{};      // v15+
  std::optional<ByteView> service_id{};   // v16+
  struct NtfCreds {
    ByteView notifier_id{};
    crypto::PublicKey srv_ntf_dh_key;  // X25519
  };
  std::optional<NtfCreds> ntf_creds{};  // v17+
};
// LNK senderId linkData — answer to LKEY / LGET.
struct Lnk {
  ByteView sender_id{};
  LinkData data{};
};
// SOK [serviceId] — answer to SUB / NSUB from v16 on (sent as OK before).
struct Sok {
  std::optional<ByteView> service_id{};
};
struct Soks {
  std::int64_t count = 0;
};
// MSG msgId … — v1: timestamp and the body encrypted by the server; current: the
// encrypted (timestamp ‖ flags ‖ body) or QUOTA marker (Tail).
struct Msg {
  ByteView msg_id{};
  std::int64_t timestamp = 0;  // v1 only: seconds since the Unix epoch
  ByteView body{};
};
// NID notifierId [srvNtfDhKey] — answer to NKEY (the DH key from v6 on).
struct Nid {
  ByteView notifier_id{};
  std::optional<crypto::PublicKey> srv_ntf_dh_key{};
};
// NMSG [nonce encMeta] — a notification (the nonce and encrypted metadata from v6 on).
struct NMsg {
  ByteView nonce{};     // 24 bytes
  ByteView enc_meta{};  // short
};
// PKEY sessionId versionRange certChainPubKey — the destination's key, from a proxy.
struct PKey {
  ByteView session_id{};
  enc::VersionRange versions = enc::VersionRange::single(kCurrentMinVersion);
  ByteView cert_chain_pub_key{};  // the CertChainPubKey as encoded (chain, then signed key)
};
struct RRes {
  ByteView encrypted{};  // Tail
};
struct PRes {
  ByteView encrypted{};  // Tail
};
struct End {};
struct Ends {
  std::int64_t count = 0;
};
struct Deld {};  // sent as END below v10
// INFO queueInfo — QUE's answer: QueueInfo as JSON text.
struct Info {
  ByteView json{};
};
struct Ok {};
// ERR errorType.
struct Err {
  SmpError error = errc::smp_internal;
};
struct Pong {};
}  // namespace msg

using BrokerMessage =
    std::variant<msg::Ids, msg::Msg, msg::Nid, msg::NMsg, msg::End, msg::Ok, msg::Err,
                 msg::Pong,
                 // current generation only:
                 msg::Lnk, msg::Sok, msg::Soks, msg::PKey, msg::RRes, msg::PRes, msg::Ends,
                 msg::Deld, msg::Info>;

std::string_view tag_of(const BrokerMessage& m) noexcept;

// --- encoding --------------------------------------------------------------------------------

// An upper bound on the encoded size, for sizing buffers.
std::size_t max_encoded_size(const Command& c) noexcept;
std::size_t max_encoded_size(const BrokerMessage& m) noexcept;

// Writes the command or message as version v encodes it into out; returns how many bytes.
// errc::transport_large_msg when out is too small; errc::value_too_large for a short field
// over 255 bytes (or a Large one over 65535); errc::wrong_algorithm for a value v cannot
// carry (a current-generation command at v1, an X25519 key where v1 needs a signature key).
Result<std::size_t> encode_command(SmpVersion v, const Command& c, std::span<std::uint8_t> out);
Result<Bytes> encode_command(SmpVersion v, const Command& c);
Result<std::size_t> encode_broker_message(SmpVersion v, const BrokerMessage& m,
                                          std::span<std::uint8_t> out);
Result<Bytes> encode_broker_message(SmpVersion v, const BrokerMessage& m);

// SMP v1.
inline Result<std::size_t> encode_command(const Command& c, std::span<std::uint8_t> out) {
  return encode_command(kSmpV1, c, out);
}
inline Result<Bytes> encode_command(const Command& c) { return encode_command(kSmpV1, c); }
inline Result<std::size_t> encode_broker_message(const BrokerMessage& m,
                                                 std::span<std::uint8_t> out) {
  return encode_broker_message(kSmpV1, m, out);
}
inline Result<Bytes> encode_broker_message(const BrokerMessage& m) {
  return encode_broker_message(kSmpV1, m);
}

// --- parsing ---------------------------------------------------------------------------------

// Parses the whole input as a client command of version v, as the reference's parseProtocol
// does: the tag is the bytes up to the first space; an unknown tag (a broker tag, or a
// command v does not have, included) is errc::smp_cmd_unknown; a known tag whose params do
// not parse exactly (missing or extra space, trailing bytes, bad key DER, a key of the
// wrong algorithm) is errc::smp_cmd_syntax. Views in the result borrow from `bytes`.
Result<Command> parse_command(SmpVersion v, ByteView bytes);
inline Result<Command> parse_command(ByteView bytes) { return parse_command(kSmpV1, bytes); }

// Parses the whole input as a broker message of version v (client side). Same rules, errors
// and lifetime; a client command tag is errc::smp_cmd_unknown.
Result<BrokerMessage> parse_broker_message(SmpVersion v, ByteView bytes);
inline Result<BrokerMessage> parse_broker_message(ByteView bytes) {
  return parse_broker_message(kSmpV1, bytes);
}

// --- credential checks -----------------------------------------------------------------------

// Server side, SMP v1 (spec §4.3, checkCredentials): errc::ok, or the CMD error to answer
// with.
//   NEW: signature required (NO_AUTH), queueId must be empty (HAS_AUTH);
//   SEND: queueId required (NO_QUEUE), signature optional;
//   PING: no signature and empty queueId (HAS_AUTH);
//   others: signature and queueId required (NO_AUTH).
errc check_credentials(const Command& c, bool is_signed, ByteView queue_id) noexcept;

// Server side, current generation (checkCredentials for Command p, 6.5.5): as v1, plus
//   LGET, PFWD: entity id required (NO_ENTITY), no authorization (HAS_AUTH);
//   PRXY, RFWD: neither (HAS_AUTH);
//   SUB, NSUB and every other queue command: both (NO_AUTH).
// (NO_ENTITY is errc::smp_cmd_no_queue, sent under its current name.)
errc check_credentials_current(const Command& c, bool is_authorized, ByteView entity_id) noexcept;

// Client side (spec §4.2; both generations): IDS and ERR are unrestricted; PONG, PKEY and
// RRES need an empty entity id (HAS_AUTH); every other message needs one (NO_QUEUE).
errc check_credentials(const BrokerMessage& m, ByteView queue_id) noexcept;

}  // namespace smp::protocol
