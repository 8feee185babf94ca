// SendQueue: a connection's bounded queue of broker transmissions waiting for its writer
// (the reference's sndQ of tbqSize), kept as small records, not as encoded blocks: each is
// encoded straight into the transport's block buffer when its turn comes, so a queued MSG
// costs a reference to the stored body, not 16 KB. A MSG body is encrypted for the recipient
// only then, in place in the block.
//
// Strand-bound (owned by one Session). The ring starts small on first use and grows up to
// its capacity (a client that sends one command at a time never needs more than two slots);
// it is released whenever the queue empties, so an idle connection holds no slots.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/batch.h"
#include "smp/server/message_store.h"
#include "smp/server/queue_record.h"

namespace smp::server {

// A short byte string (corrId, queueId) held inline: at most 255 bytes, as on the wire.
class ShortField {
 public:
  void assign(ByteView v);  // REQUIRES: v.size() <= 255
  ByteView view() const { return ByteView(bytes_.data(), len_); }

 private:
  std::uint8_t len_ = 0;
  std::array<std::uint8_t, 255> bytes_;
};

// One broker transmission to send: (corrId, queueId, message).
struct Outgoing {
  // ok … nmsg: both generations. sok, deld: the current generation (written as OK and END
  // below the versions that have them). encoded: a message of the current generation encoded
  // when it was queued (rarer answers: IDS, NID, LNK, INFO, NMSG, ERR with details).
  enum class Kind : std::uint8_t { ok, err, pong, ids, nid, msg, end, nmsg, sok, deld, encoded };

  Kind kind = Kind::ok;
  errc error = errc::ok;  // Kind::err
  ShortField corr_id;     // empty for notifications (async MSG, END, NMSG)
  ShortField queue_id;
  QueueId id_a{};  // IDS: recipient id; NID: notifier id
  QueueId id_b{};  // IDS: sender id
  std::optional<crypto::PublicKey> key;  // IDS: the server's DH public key
  Message message;                       // MSG (holds the shared body until sent)
  DhSecret25519 recipient_dh;            // MSG: the queue's rcvDhSecret, to encrypt the body
  Bytes encoded;                         // Kind::encoded: the broker message as encoded
};

class SendQueue {
 public:
  // Holds at most `capacity` records (REQUIRES: capacity >= 1).
  explicit SendQueue(std::size_t capacity) : capacity_(capacity) {}

  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::size_t capacity() const { return capacity_; }
  // Slots currently allocated (0 while empty).
  std::size_t allocated_slots() const { return allocated_; }

  // A cleared slot at the back to fill in. REQUIRES: size() < capacity().
  Outgoing& push_back();
  // REQUIRES: !empty().
  Outgoing& front() { return slots_[head_]; }
  void pop_front();
  void clear();

 private:
  void grow();

  const std::size_t capacity_;
  std::unique_ptr<Outgoing[]> slots_;
  std::size_t allocated_ = 0;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

// Writes `o` as a whole padded block (server transmissions are unsigned) into `block`
// (kBlockSize bytes). Errors as protocol::encode_broker_block; errc::smp_internal for a quota
// marker, which SMP v1 cannot carry.
//
// SMP v1's MSG body is crypto_box(pad(body, 16090)) under the queue's DH secret with the
// message id as nonce (16106 bytes), the tail of the block's content: the MSG is encoded
// with an empty body, and the body is then encrypted straight into the block behind it and
// the length prefix grown (u16 length ‖ content ‖ '#' padding, spec §3.4), with no copy of
// the body elsewhere.
Result<void> encode_outgoing(const Outgoing& o, ByteView session_id,
                             std::span<std::uint8_t> block);

// The current generation: appends `o` to the batch being written (protocol/batch.h).
// Returns false when it does not fit there (start a new block). A MSG's body is sealed for
// the recipient straight into the batch (protocol/rcv_message.h: timestamp, flags and body,
// or the quota marker).
Result<bool> add_outgoing(const Outgoing& o, const protocol::TransmissionParams& params,
                          protocol::BatchWriter& batch);

}  // namespace smp::server
