// SMP v1 client commands and broker messages (spec §4.2) as typed values: binary encode and
// parse, and the per-command credential rules (spec §4.3).
//
// Values are small, copyable and non-owning: ByteView fields (SEND/MSG bodies, ids) borrow from
// the parsed input or the caller's buffers and are valid only while those are; keys are
// crypto::PublicKey values with inline storage, so parsing allocates nothing. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"

namespace smp::protocol {

// --- Client commands -------------------------------------------------------------------------

namespace cmd {
// NEW rcvKey dhKey — create a queue. rcv_key: Ed25519/Ed448; rcv_dh_key: X25519.
struct New {
  crypto::PublicKey rcv_key;
  crypto::PublicKey rcv_dh_key;
};
struct Sub {};
// KEY senderKey — secure the queue. Ed25519/Ed448.
struct Key {
  crypto::PublicKey sender_key;
};
// NKEY notifierKey — enable notifications. Ed25519/Ed448.
struct NKey {
  crypto::PublicKey notifier_key;
};
struct Ack {};
struct Off {};
struct Del {};
// SEND body — the body is the rest of the transmission (Tail); may be empty.
struct Send {
  ByteView body;
};
struct Ping {};
struct NSub {};
}  // namespace cmd

using Command = std::variant<cmd::New, cmd::Sub, cmd::Key, cmd::NKey, cmd::Ack, cmd::Off,
                             cmd::Del, cmd::Send, cmd::Ping, cmd::NSub>;

// Which queue id a command addresses (the reference's Party): recipient id for NEW…DEL,
// sender id for SEND (and PING, which carries none), notifier id for NSUB.
enum class Party : std::uint8_t { recipient, sender, notifier };
Party party_of(const Command& c) noexcept;

// "NEW", "SUB", ... — for logs and metrics.
std::string_view tag_of(const Command& c) noexcept;

// --- Broker messages -------------------------------------------------------------------------

namespace msg {
// IDS rcvId sndId srvDhKey — answer to NEW. srv_dh_key: X25519.
struct Ids {
  ByteView rcv_id;
  ByteView snd_id;
  crypto::PublicKey srv_dh_key;
};
// MSG msgId ts body — body is the server-encrypted message (Tail).
struct Msg {
  ByteView msg_id;
  std::int64_t timestamp = 0;  // seconds since the Unix epoch (SystemTime, nanoseconds dropped)
  ByteView body;
};
// NID notifierId — answer to NKEY.
struct Nid {
  ByteView notifier_id;
};
struct NMsg {};
struct End {};
struct Ok {};
// ERR errorType — error is one of the smp_* values (see error_type.h); encoding maps any
// other value to INTERNAL.
struct Err {
  errc error = errc::smp_internal;
};
struct Pong {};
}  // namespace msg

using BrokerMessage = std::variant<msg::Ids, msg::Msg, msg::Nid, msg::NMsg, msg::End, msg::Ok,
                                   msg::Err, msg::Pong>;

std::string_view tag_of(const BrokerMessage& m) noexcept;

// --- Encoding --------------------------------------------------------------------------------

// An upper bound on the encoded size (the exact size for a SEND or MSG is at most a few
// hundred bytes less): for sizing buffers.
std::size_t max_encoded_size(const Command& c) noexcept;
std::size_t max_encoded_size(const BrokerMessage& m) noexcept;

// Writes the command bytes into out; returns how many were written.
// errc::transport_large_msg when out is too small.
Result<std::size_t> encode_command(const Command& c, std::span<std::uint8_t> out);
Result<Bytes> encode_command(const Command& c);

// Writes the broker message bytes into out; returns how many were written.
// errc::transport_large_msg when out is too small; errc::value_too_large for an id over
// 255 bytes.
Result<std::size_t> encode_broker_message(const BrokerMessage& m, std::span<std::uint8_t> out);
Result<Bytes> encode_broker_message(const BrokerMessage& m);

// --- Parsing ---------------------------------------------------------------------------------

// Parses the whole input as a client command, as the reference's parseProtocol does: the tag
// is the bytes up to the first space; an unknown tag (a broker tag included) is
// errc::smp_cmd_unknown; a known tag whose params do not parse exactly (missing or extra
// space, trailing bytes, bad key DER, a key of the wrong algorithm) is errc::smp_cmd_syntax.
// Views in the result borrow from `bytes`.
Result<Command> parse_command(ByteView bytes);

// Parses the whole input as a broker message (client side). Same rules, errors and lifetime;
// a client command tag is errc::smp_cmd_unknown.
Result<BrokerMessage> parse_broker_message(ByteView bytes);

// --- Credential checks -----------------------------------------------------------------------

// Server side (spec §4.3, checkCredentials): errc::ok, or the CMD error to answer with.
//   NEW: signature required (NO_AUTH), queueId must be empty (HAS_AUTH);
//   SEND: queueId required (NO_QUEUE), signature optional;
//   PING: no signature and empty queueId (HAS_AUTH);
//   others: signature and queueId required (NO_AUTH).
errc check_credentials(const Command& c, bool is_signed, ByteView queue_id) noexcept;

// Client side (spec §4.2): PONG needs an empty queueId (HAS_AUTH); MSG, NID, NMSG, END, OK
// need one (NO_QUEUE); IDS and ERR are unrestricted.
errc check_credentials(const BrokerMessage& m, ByteView queue_id) noexcept;

}  // namespace smp::protocol
