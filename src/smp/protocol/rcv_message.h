// What the server encrypts for a queue's recipient, in both generations, and what it
// encrypts for a notifier (Protocol.hs encodeRcvMsgBody / clientRcvMsgBodyP / NMsgMeta,
// Server.hs encryptMsg / mkMessageNotification; simplexmq 6.5.5 and v1.0.0).
//
// MSG body, crypto_box under the queue's DH secret (rcvDhSecret), nonce = the message id:
//   SMP v1:   pad(body, 16090)                                            → 16106 bytes
//   current:  pad(i64 ts ‖ 'T'|'F' ‖ ' ' ‖ body, 16106)                   → 16122 bytes
//             or, for the QUOTA marker, pad("QUOTA " ‖ i64 ts, 16106)
// NMSG metadata, crypto_box under the notifier DH secret (rcvNtfDhSecret), a random nonce:
//   pad(short(msgId) ‖ i64 ts, 128)                                      → 144 bytes
//
// Sealing writes into the caller's buffer (the block being sent), so nothing is copied
// twice. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/cbox.h"
#include "smp/protocol/versions.h"

namespace smp::protocol {

// Sizes of the sealed MSG body, tag included.
inline constexpr std::size_t kV1SealedMessageSize = 16106;       // v1: 16090 + 2 + 16 − 2
inline constexpr std::size_t kV1MessagePaddedLength = 16090;     // v1: pad length
inline constexpr std::size_t kRcvMessagePaddedLength = kMaxRcvMessageLength + 2;  // 16106
inline constexpr std::size_t kSealedRcvMessageSize = kRcvMessagePaddedLength + 16;  // 16122
// NMSG metadata.
inline constexpr std::size_t kNtfMetaPaddedLength = 128;
inline constexpr std::size_t kSealedNtfMetaSize = kNtfMetaPaddedLength + 16;  // 144

// The size the sealed MSG body has at version v.
constexpr std::size_t sealed_message_size(SmpVersion v) {
  return v == kSmpV1 ? kV1SealedMessageSize : kSealedRcvMessageSize;
}

// What a stored message is to the recipient.
struct RcvMessage {
  std::int64_t timestamp = 0;  // seconds since the Unix epoch (SystemTime's seconds)
  bool notification = false;   // MsgFlags
  bool quota = false;          // the QUOTA marker: no body, no flags
  ByteView body;               // the sender's body (SEND's Tail)
};

// Seals `m` for the recipient at version v into out, whose size must be
// sealed_message_size(v). At v1 only the body is sealed (the timestamp travels in MSG;
// a QUOTA marker cannot be sent at v1: errc::bad_tag). errc::crypto_large_msg when the
// body does not fit.
Result<void> seal_rcv_message(SmpVersion v, const crypto::CbKey& key, ByteView msg_id,
                              const RcvMessage& m, std::span<std::uint8_t> out);

// The recipient's side, current generation: the body decrypted and parsed. Views borrow from
// `plain`, which receives the decrypted bytes. errc::cb_decrypt / crypto_large_msg from the
// cipher, errc::bad_syntax when the plaintext is not a (ts, flags, body) or QUOTA marker.
Result<RcvMessage> open_rcv_message(const crypto::CbKey& key, ByteView msg_id,
                                    ByteView sealed, Bytes& plain);

// NMSG: seals (msgId, ts) for the notifier into out (kSealedNtfMetaSize bytes).
Result<void> seal_ntf_meta(const crypto::CbKey& key, const crypto::CbNonce& nonce,
                           ByteView msg_id, std::int64_t ts, std::span<std::uint8_t> out);

struct NtfMeta {
  Bytes msg_id;
  std::int64_t timestamp = 0;
};
// The notifier's side (NMsgMeta's parser: trailing bytes after ts are allowed).
Result<NtfMeta> open_ntf_meta(const crypto::CbKey& key, const crypto::CbNonce& nonce,
                              ByteView sealed);

}  // namespace smp::protocol
