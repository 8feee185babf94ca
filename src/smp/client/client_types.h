// Values the SMP client hands to its caller (spec §4.2): owned copies of what the server sent,
// so they outlive the receive buffer. Plain value types, copyable except those holding a
// secret (NotifierCreds and QueueIds, which may hold one: move-only); not synchronised.
//
// ServerEvent is what arrives without a request waiting for it: a MSG (pushed after a
// subscription, or the answer to a SUB/ACK), END (another connection took the subscription)
// or NMSG (a notifier subscription saw a message).
#pragma once

#include <cstdint>
#include <variant>

#include <optional>
#include <string>

#include "smp/common/bytes.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/command.h"

namespace smp::client {

// NID: the answer to NKEY. server_dh_key (SMP 6+) with the recipient's notification DH key
// gives the secret that opens NMSG metadata.
struct NotifierIds {
  Bytes notifier_id;
  std::optional<crypto::PublicKey> server_dh_key;  // X25519; nullopt at SMP v1
};

// NotifierIds with the secret that opens NMSG metadata (open_notification_meta in
// message_crypto.h): NKEY's answer (SmpClient::enable_notifications) or the notifier NEW made
// (QueueIds::notifier). Move-only (holds a secret).
struct NotifierCreds {
  NotifierIds ids;
  SecretBytes dh_secret;  // DH(ids.server_dh_key, the recipient's notification DH key); empty at v1
};

// IDS: the answer to NEW.
struct QueueIds {
  Bytes recipient_id;
  Bytes sender_id;
  crypto::PublicKey server_dh_key;  // X25519; DH with the recipient's private DH key
  // SMP 9+: the queue's mode as the server stored it (a messaging queue's sender may secure
  // it with SKEY); nullopt at SMP v1 and when NEW asked for none.
  std::optional<protocol::QueueMode> queue_mode;
  // SMP 15+: the short link's id when NEW carried link data; empty otherwise.
  Bytes link_id;
  // SMP 17+: the notifier NEW made when it carried notifier credentials (the reference's
  // ServerNtfCreds); nullopt otherwise. dh_secret is filled by SmpClient::create_queue.
  std::optional<NotifierCreds> notifier;
};

// MSG: one message as the server stores it. `body` is encrypted for the recipient
// (open_message / decrypt_message_body in message_crypto.h).
struct ReceivedMessage {
  Bytes msg_id;
  std::int64_t timestamp = 0;  // seconds since the Unix epoch (SMP v1; 0 from SMP 6 on)
  Bytes body;
  // SMP 6..18: the sealed body carries the timestamp and flags before the message
  // (open_message takes them off).
  bool sealed_header = false;
};

// A queue's short-link data as LNK carries it (both parts encrypted by the queue's owner).
struct QueueLink {
  Bytes sender_id;
  Bytes fixed_data;
  Bytes user_data;
};

// NMSG: the notified message's id and timestamp (the reference's NMsgMeta), encrypted for the
// recipient's notification DH secret (open_notification_meta in message_crypto.h). Both
// empty at SMP v1, whose NMSG carries nothing.
struct ReceivedNotification {
  Bytes nonce;           // 24 bytes
  Bytes encrypted_meta;  // 144 bytes from the reference's server and ours
};

enum class EventKind : std::uint8_t { message, end, notification };

struct ServerEvent {
  EventKind kind = EventKind::message;
  // Recipient id for MSG and END after SUB; notifier id for NMSG and END after NSUB.
  Bytes queue_id;
  ReceivedMessage message;  // set only when kind == EventKind::message
  ReceivedNotification notification{};  // set only when kind == EventKind::notification
};

// One broker answer matched to a request, owned. ERR never appears here: it becomes the
// request's error value.
namespace reply {
struct Ok {};
struct Pong {};
struct End {};
struct NMsg {};
// INFO: QUE's answer, the queue's state as JSON text.
struct Info {
  std::string json;
};
// PKEY: a proxy's answer to PRXY, not yet checked (proxied_relay.h checks it).
struct ProxyKey {
  Bytes session_id;  // of the proxy's connection to the destination
  enc::VersionRange versions = enc::VersionRange::single(1);
  Bytes cert_chain_pub_key;  // the destination's chain and signed key, as encoded
};
// PRES: the destination's answer to a PFWD, still sealed for the sender.
struct ProxyResponse {
  Bytes encrypted;
};
}  // namespace reply

// reply::Ok first: a default-constructed Reply (which Asio's co_spawn needs) is OK.
using Reply = std::variant<reply::Ok, QueueIds, ReceivedMessage, NotifierIds, reply::Pong,
                           reply::End, reply::NMsg, QueueLink, reply::Info, reply::ProxyKey,
                           reply::ProxyResponse>;

// Counters of one connection, for tests and diagnostics. A snapshot; copyable.
struct ClientStats {
  std::uint64_t requests = 0;        // commands sent, keep-alive PINGs included
  std::uint64_t timeouts = 0;        // commands that got no answer in time
  std::uint64_t events = 0;          // MSG/END/NMSG delivered to the event sink
  std::uint64_t pings_sent = 0;      // keep-alive PINGs
  std::uint64_t pongs_received = 0;  // keep-alive PONGs
};

}  // namespace smp::client
