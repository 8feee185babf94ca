// SMP v1 transmissions (spec §4.1), the content of one transport block:
//   short(signature) ‖ short(sessionId) ‖ short(corrId) ‖ short(queueId) ‖ command
// The receive pipelines of both sides (the reference's tGet) return what to answer with;
// signatures are decoded but not verified (that needs the queue's keys, spec §4.5). Encoders
// write in place into caller buffers (only signing and key DER allocate). Results view the
// input and are valid only while it is. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/command.h"

namespace smp::protocol {

// The three short fields in front of every command or broker message.
struct TransmissionIds {
  ByteView session_id;
  ByteView corr_id;
  ByteView queue_id;
};

// The fields of a transmission, not yet interpreted (the reference's RawTransmission).
struct RawTransmission {
  ByteView signature;    // any length 0..255 at this stage
  ByteView signed_part;  // everything after the signature field: what a signature covers
  ByteView session_id;
  ByteView corr_id;
  ByteView queue_id;
  ByteView command;  // the rest
};

// Splits block content into its fields. errc::smp_block when a length runs past the end.
Result<RawTransmission> parse_transmission(ByteView content);

// One received transmission as the receiving side sees it. On success `message` holds the
// parsed command or broker message; on failure it holds the smp_* error to answer with
// (`ERR error`) — in both cases with `corr_id` and `queue_id` as given here. The steps:
//   content structure      → BLOCK     (corrId "", queueId "")
//   sessionId ≠ ours       → SESSION   (corrId kept, queueId "")
//   signature not 0/64/114 → BLOCK     (corrId kept, queueId "")
//   command parse          → CMD UNKNOWN / CMD SYNTAX     (both ids kept)
//   credential checks      → CMD NO_AUTH / HAS_AUTH / NO_QUEUE (both ids kept)
template <class Message>
struct Received {
  // How the transmission is authorized, by the algorithm of the key that must verify it:
  // Ed25519 / Ed448 for a signature, X25519 for an 80-byte crypto_box authenticator (current
  // generation only). nullopt: unauthorized, or the pipeline stopped before the field was
  // decoded.
  std::optional<crypto::KeyAlgorithm> signature_algorithm;
  ByteView signature;    // the signature or authenticator bytes (empty when unauthorized)
  // What the authorization covers: short(implied_session_id) ‖ signed_part when the session
  // id is implied (v7+: it is signed but not sent), else signed_part alone. signed_part is
  // empty when the pipeline stopped at BLOCK or SESSION.
  ByteView implied_session_id;
  ByteView signed_part;
  // The service signature field (v16+, after a non-empty authenticator): present only when
  // the client sent one ('1' + a 64-byte Ed25519 signature).
  std::optional<ByteView> service_signature;
  ByteView corr_id;
  ByteView queue_id;
  Result<Message> message = make_error_code(errc::smp_block);

  bool is_signed() const { return signature_algorithm.has_value(); }
  // errc::ok, or the smp_* value to answer with (`ERR error`, with corr_id and queue_id).
  errc error() const {
    return message ? errc::ok : static_cast<errc>(message.error().value());
  }
};

using ReceivedCommand = Received<Command>;
using ReceivedBrokerMessage = Received<BrokerMessage>;

// Server pipeline over block content (already unpadded). `session_id` is the connection's.
ReceivedCommand receive_command(ByteView content, ByteView session_id);
// The same over a whole padded block; a bad length prefix is BLOCK (as in the reference,
// where tGetBlock's TELargeMsg becomes ERR BLOCK with an empty corrId).
ReceivedCommand receive_command_block(ByteView block, ByteView session_id);

// Client pipeline: the same steps with the broker message grammar and the client-side
// credential checks (PONG without queueId; MSG/NID/NMSG/END/OK with one).
ReceivedBrokerMessage receive_broker_message(ByteView content, ByteView session_id);
ReceivedBrokerMessage receive_broker_message_block(ByteView block, ByteView session_id);

// --- Encoding --------------------------------------------------------------------------------
// Encoders write the content (signature field first) into `out` and return its length, or
// write a whole padded block: u16(length) ‖ content ‖ '#' fill up to block.size() (normally
// kBlockSize), with the content written in place (no intermediate copy).
// Errors: errc::transport_large_msg when the content does not fit; errc::value_too_large for
// an id over 255 bytes; errc::wrong_algorithm for a signing key that is not Ed25519/Ed448.

// Client transmission, signed with `signing_key` over the signed part, or unsigned (signature
// byte 00) when it is null.
Result<std::size_t> encode_command_transmission(const TransmissionIds& ids, const Command& c,
                                                const crypto::PrivateKey* signing_key,
                                                std::span<std::uint8_t> out);
Result<void> encode_command_block(const TransmissionIds& ids, const Command& c,
                                  const crypto::PrivateKey* signing_key,
                                  std::span<std::uint8_t> block);
Result<Bytes> encode_command_transmission(const TransmissionIds& ids, const Command& c,
                                          const crypto::PrivateKey* signing_key);

// Server transmission: never signed.
Result<std::size_t> encode_broker_transmission(const TransmissionIds& ids,
                                               const BrokerMessage& m,
                                               std::span<std::uint8_t> out);
Result<void> encode_broker_block(const TransmissionIds& ids, const BrokerMessage& m,
                                 std::span<std::uint8_t> block);
Result<Bytes> encode_broker_transmission(const TransmissionIds& ids, const BrokerMessage& m);

}  // namespace smp::protocol
