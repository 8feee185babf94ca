// Opening MSG bodies (spec §4.6, last line): the server encrypts each stored message with
// crypto_box under the queue's DH secret, nonce = the 24-byte msgId, over a body padded to
// 16090 bytes. The recipient's secret is DH(server DH key from IDS, own X25519 private key).
// And opening NMSG metadata (SMP 6+) with the notifier's secret (NotifierCreds::dh_secret).
// Pure functions; thread-safe.
#pragma once

#include "smp/client/client_types.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/rcv_message.h"

namespace smp::client {

// The raw X25519 secret (32 bytes). errc::wrong_algorithm unless both keys are X25519;
// errc::crypto_failure for a small-order server key.
Result<SecretBytes> queue_dh_secret(const crypto::PublicKey& server_dh_key,
                                    const crypto::PrivateKey& recipient_dh_key);

// A MSG opened: what the sender sent and what the server stamped on it.
struct MessageContent {
  std::int64_t timestamp = 0;  // seconds since the Unix epoch, as the server stored it
  bool notification = false;   // the sender's SEND flag (SMP 6..18; false at v1)
  Bytes body;                  // as the sender gave it to SEND
};

// The message opened with the queue's DH secret, in either generation's format: at SMP v1
// the timestamp comes from the MSG itself, from SMP 6 on from inside the sealed body. Errors
// as decrypt_message_body.
Result<MessageContent> open_message(ByteView dh_secret, const ReceivedMessage& message);

// The body as the sender gave it to SEND, in either generation's format. errc::cb_decrypt
// for a wrong secret or a damaged body; errc::crypto_large_msg when the authenticated padding
// is invalid; errc::bad_key_size unless dh_secret is 32 bytes; SMP 6..18 only: errc::smp_quota
// for the quota marker (the queue was full), errc::bad_syntax for a malformed header.
Result<Bytes> decrypt_message_body(ByteView dh_secret, const ReceivedMessage& message);

// An NMSG event's metadata opened with the notification DH secret (NotifierCreds::dh_secret
// from NKEY, or from NEW with notifier credentials: QueueIds::notifier): the id and
// timestamp of the message it notifies, as the recipient's MSG has them (the reference's
// NMsgMeta, which the agent opens with its rcvNtfDhSecret).
// errc::unsupported for SMP v1's NMSG (it carries no metadata); errc::bad_syntax for a nonce
// that is not 24 bytes or metadata that does not parse; errc::cb_decrypt for a wrong secret
// or damaged metadata; errc::bad_key_size unless dh_secret is 32 bytes.
Result<protocol::NtfMeta> open_notification_meta(ByteView dh_secret,
                                                 const ReceivedNotification& notification);

}  // namespace smp::client
