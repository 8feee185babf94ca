// The per-queue end-to-end layer (spec §7.5): every SMP SEND body an agent produces is a
// ClientMsgEnvelope
//   PubHeader(u16 version ‖ Maybe short(SPKI X25519)) ‖ nonce(24) ‖ Tail(crypto_box)
// whose box holds a pad()-ed ClientMessage
//   PrivHeader('K' ‖ short(SPKI Ed25519|Ed448 sender key) | '_') ‖ Tail(agent envelope).
// seal_client_message / open_client_message do the crypto_box step: 15936-byte padding when
// the PubHeader carries a key, 16032 otherwise. Plain value types, pure functions;
// thread-safe (the random nonce comes from libsodium).
#pragma once

#include <optional>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/cbox.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/binary.h"
#include "smp/encoding/version.h"

namespace smp::agent {

// Copyable value type. e2e_key (the sender's X25519 key) is present in confirmations and
// contact invitations, absent in ratchet messages.
struct PubHeader {
  enc::Version version;
  std::optional<crypto::PublicKey> e2e_key;
  friend bool operator==(const PubHeader&, const PubHeader&) = default;
};

// Copyable value type.
struct ClientMsgEnvelope {
  PubHeader header;
  crypto::CbNonce nonce;
  Bytes enc_body;  // tag(16) ‖ ciphertext of the padded ClientMessage
  friend bool operator==(const ClientMsgEnvelope&, const ClientMsgEnvelope&) = default;
};

// 'K' with the key the sender will sign its commands with (PHConfirmation), or '_' (PHEmpty).
struct PrivHeader {
  std::optional<crypto::PublicKey> sender_key;  // Ed25519 or Ed448
  friend bool operator==(const PrivHeader&, const PrivHeader&) = default;
};

// Copyable value type; body is the encoded agent envelope.
struct ClientMessage {
  PrivHeader header;
  Bytes body;
  friend bool operator==(const ClientMessage&, const ClientMessage&) = default;
};

// Writers fail with errc::wrong_algorithm for a key of the wrong kind; readers set
// errc::bad_tag for an unknown Maybe/PrivHeader tag, bad_der/wrong_algorithm for bad keys.
void write_pub_header(enc::Writer& w, const PubHeader& header);
std::optional<PubHeader> read_pub_header(enc::Reader& r);
void write_priv_header(enc::Writer& w, const PrivHeader& header);
std::optional<PrivHeader> read_priv_header(enc::Reader& r);

Result<Bytes> encode_client_msg_envelope(const ClientMsgEnvelope& envelope);
// The whole input; the encrypted body is everything after the nonce (it may be empty).
Result<ClientMsgEnvelope> decode_client_msg_envelope(ByteView bytes);

Result<Bytes> encode_client_message(const ClientMessage& message);
Result<ClientMessage> decode_client_message(ByteView bytes);

// 15936 when the header carries a key, else 16032.
std::size_t client_message_padded_length(const PubHeader& header);

// The encoded ClientMsgEnvelope: `message` encoded, padded to
// client_message_padded_length(header) and boxed under `key` with `nonce`.
// errc::crypto_large_msg when the message does not fit (never truncated).
Result<Bytes> seal_client_message(const crypto::CbKey& key, const PubHeader& header,
                                  const ClientMessage& message, const crypto::CbNonce& nonce);
// The same with a fresh random nonce (what every send attempt uses).
Result<Bytes> seal_client_message(const crypto::CbKey& key, const PubHeader& header,
                                  const ClientMessage& message);

// Opens the box of a decoded envelope and decodes the ClientMessage inside.
// errc::cb_decrypt for a wrong key or tampered box, crypto_large_msg for bad padding, and the
// decoding errors of decode_client_message.
Result<ClientMessage> open_client_message(const crypto::CbKey& key,
                                          const ClientMsgEnvelope& envelope);

}  // namespace smp::agent
