// Transmissions of the current generation (SMP 6..18, Protocol.hs tParse / transmissionP /
// tDecodeServer / tDecodeClient / batchTransmissions_, simplexmq 6.5.5). Every block's content
// is a batch:
//
//   u8 count (1..255) ‖ count × Large( authorization ‖ [short(sessionId)] ‖ short(corrId) ‖
//                                      short(entityId) ‖ command or broker message )
//
// authorization = short(authenticator) — empty, a 64/114-byte Ed25519/Ed448 signature or an
// 80-byte crypto_box authenticator — followed, from v16 and only after a non-empty
// authenticator, by Maybe(service signature): '0', or '1' ‖ short(64-byte Ed25519 signature).
// The session id is sent only below v7; from v7 it is implied: signed as if it were there.
//
// Receiving never fails as a whole: a block that is not a batch is one BLOCK error; each
// transmission yields a Received value with the error to answer with, in the order the
// reference checks (structure → BLOCK with empty ids, session id → SESSION, authorization
// size → BLOCK, command parse → CMD UNKNOWN / SYNTAX, credentials → CMD …). Authorizations are
// decoded, not verified (that needs the queue's keys). Results view the input.
// Pure functions and value types; thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/command.h"
#include "smp/protocol/transmission.h"
#include "smp/protocol/versions.h"

namespace smp::protocol {

// The per-connection parameters of the codec (the reference's THandleParams fields it uses).
struct TransmissionParams {
  SmpVersion version = kCurrentMinVersion;
  ByteView session_id;
  bool implied_session_id = false;  // v7+
  bool service_auth = false;        // v16+

  static TransmissionParams for_version(SmpVersion v, ByteView session_id) {
    return {v, session_id, v >= kAuthCmdsVersion, v >= kServiceCertsVersion};
  }
};

// The size of a crypto_box authenticator: crypto_box of the SHA-512 of the authorized bytes.
inline constexpr std::size_t kCbAuthenticatorSize = 80;

// The reference packs the Large-encoded transmissions of a batch into at most this many
// bytes (blockSize − 19: two bytes of padding length, the count byte and a 16-byte block
// encryption tag), at most 255 per block.
inline constexpr std::size_t kBatchTransmissionsRoom = 16365;
inline constexpr std::size_t kMaxBatchCount = 255;
// The content a batch occupies at most: the count byte and the transmissions.
inline constexpr std::size_t kMaxBatchContent = 1 + kBatchTransmissionsRoom;

// Server side: appends one Received per transmission of the block's content to `out`
// (which is not cleared). A content that is not a batch appends a single BLOCK.
void receive_command_batch(ByteView content, const TransmissionParams& params,
                           std::vector<ReceivedCommand>& out);
// Client side: the same with broker messages (their authorization is ignored, as the
// reference's client does).
void receive_broker_batch(ByteView content, const TransmissionParams& params,
                          std::vector<ReceivedBrokerMessage>& out);

// How a client command is authorized: nothing, a signature with an Ed25519/Ed448 key, or
// (key X25519) a crypto_box authenticator made with the queue's private key, the server's
// session key from the handshake (server_key) and cbNonce(corrId).
struct CommandAuthorizer {
  const crypto::PrivateKey* key = nullptr;
  const crypto::PublicKey* server_key = nullptr;  // X25519 authenticators only
};

// Appends transmissions to a batch being laid out in a block's content area (after the
// padding length), in place. Not thread-safe; `content` must outlive the writer.
class BatchWriter {
 public:
  // REQUIRES: content.size() >= 1.
  explicit BatchWriter(std::span<std::uint8_t> content);

  // Appends a broker transmission (never authorized). Returns false, writing nothing, when
  // it does not fit the batch's room (kBatchTransmissionsRoom, the content span, or 255
  // transmissions): start a new block. Errors: errc::transport_large_msg when it could not
  // fit even an empty batch, errc::value_too_large / bad_tag / wrong_algorithm from the
  // message's encoder.
  Result<bool> add(const TransmissionParams& params, const TransmissionIds& ids,
                   const BrokerMessage& m);
  // Appends a client transmission, authorized as `auth` says. Same results; also
  // errc::wrong_algorithm for a key that cannot authorize or an X25519 key without
  // server_key, errc::crypto_failure if signing fails.
  Result<bool> add(const TransmissionParams& params, const TransmissionIds& ids,
                   const Command& c, const CommandAuthorizer& auth);
  // Appends a broker transmission whose message `encode` writes into the span it is given
  // and returns the size of (errc::transport_large_msg when it does not fit): for messages
  // encoded ahead of time, or encrypted in place (MSG). Same results as add.
  using MessageEncoder = std::function<Result<std::size_t>(std::span<std::uint8_t>)>;
  Result<bool> add_encoded(const TransmissionParams& params, const TransmissionIds& ids,
                           const MessageEncoder& encode);

  std::size_t count() const { return count_; }
  // Bytes of the content used: the count byte and every transmission so far.
  std::size_t size() const { return count_ == 0 ? 0 : used_; }
  bool empty() const { return count_ == 0; }

 private:
  template <class EncodeBody>
  Result<bool> append(const TransmissionParams& params, const TransmissionIds& ids,
                      const CommandAuthorizer* auth, EncodeBody encode_body);

  std::span<std::uint8_t> content_;
  std::size_t used_ = 1;  // the count byte
  std::size_t count_ = 0;
};

// One transmission as a batch of one (tEncodeBatch1): the content of a block, or of a
// proxied transmission. Errors as BatchWriter::add, plus errc::transport_large_msg when it
// does not fit `out`.
Result<std::size_t> encode_broker_batch1(const TransmissionParams& params,
                                         const TransmissionIds& ids, const BrokerMessage& m,
                                         std::span<std::uint8_t> out);
Result<std::size_t> encode_command_batch1(const TransmissionParams& params,
                                          const TransmissionIds& ids, const Command& c,
                                          const CommandAuthorizer& auth,
                                          std::span<std::uint8_t> out);

// The bytes an authorization covers: short(session id) ‖ signed_part when the session id is
// implied, else signed_part (tForAuth), written into `scratch` when a copy is needed.
// Returns a view of `scratch` or of the transmission itself.
ByteView authorized_bytes(const ReceivedCommand& rc, Bytes& scratch);

}  // namespace smp::protocol
