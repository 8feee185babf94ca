// Internal to QueueStore: the packed form of a QueueRecord (QueueSlot, 205 bytes, no heap),
// the rarely used fields kept beside it (QueueExtras), and the arena that holds the slots at
// stable 32-bit indexes (QueueSlotArena).
//
// QueueSlotArena is thread-safe for allocate()/release() (its own mutex, always taken last)
// and for at(i) on an index the caller obtained under a lock that orders it after allocate(i)
// and before release(i). Chunks are never moved or freed before the arena, so slot addresses
// are stable. The slots themselves are not synchronised: QueueStore's shard locks guard them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "smp/server/queue_record.h"

namespace smp::server::detail {

// What fewer queues have still: extra recipient keys (RKEY), link data, the blocking
// information of a blocked queue and the recipient's service.
struct RareExtras {
  std::vector<crypto::PublicKey> more_recipient_keys;
  std::shared_ptr<const QueueLinkData> link;
  BlockingInfo blocking;  // meaningful while the slot's status is blocked
  std::optional<ServiceId> recipient_service;

  bool empty(QueueStatus status) const {
    return more_recipient_keys.empty() && !link && !recipient_service &&
           status != QueueStatus::blocked;
  }
};

// What few queues have, kept beside the slot: the notifier (NKEY), and the rare fields
// behind one more pointer, so that a queue with only a notifier costs the notifier's
// credentials and little else. A queue has extras (and QueueSlot::has_extras()) only while
// one of these is set.
struct QueueExtras {
  std::optional<NotifierCredentials> notifier;
  std::unique_ptr<RareExtras> rare;  // null while none of its fields is set

  // The extras of q; nullptr if q needs none.
  static std::unique_ptr<QueueExtras> of(const QueueRecord& q);
  // Whether q has anything QueueExtras holds (without copying it).
  static bool needed_by(const QueueRecord& q) {
    return q.notifier || !q.more_recipient_keys.empty() || q.link || q.recipient_service ||
           q.status == QueueStatus::blocked;
  }
  const QueueLinkData* link() const { return rare ? rare->link.get() : nullptr; }
  // The rare fields, created empty if absent.
  RareExtras& rare_fields() {
    if (!rare) rare = std::make_unique<RareExtras>();
    return *rare;
  }
  // Forgets the rare fields once none is set; then whether nothing at all is set.
  bool tidy(QueueStatus status) {
    if (rare && rare->empty(status)) rare.reset();
    return !notifier && !rare;
  }
  void apply_to(QueueRecord& q) const;
};

// Everything a queue always has, packed; the extras are found through has_extras().
struct QueueSlot {
  // flags
  static constexpr std::uint8_t kHasSenderKey = 1;
  static constexpr unsigned kSenderKeyAlgShift = 1;  // two bits: crypto::KeyAlgorithm
  static constexpr unsigned kStatusShift = 3;        // two bits: QueueStatus
  static constexpr std::uint8_t kHasExtras = 1u << 5;
  static constexpr unsigned kModeShift = 6;  // two bits: 0 none, 1 messaging, 2 contact
  // more_flags
  static constexpr std::uint8_t kHasUpdatedAt = 1;

  QueueId rid;
  QueueId sid;
  std::array<std::uint8_t, DhSecret25519::kSize> dh;
  std::array<std::uint8_t, crypto::kMaxPublicKeySize> recipient_key;
  std::array<std::uint8_t, crypto::kMaxPublicKeySize> sender_key;
  std::array<std::uint8_t, 8> updated_at;  // little-endian i64, valid with kHasUpdatedAt
  std::uint8_t recipient_key_alg;
  std::uint8_t flags;
  std::uint8_t more_flags;

  // Fills every field from q except the extras (sets kHasExtras if q needs some).
  void assign(const QueueRecord& q);
  // The record without its extras.
  QueueRecord record() const;

  void set_recipient_key(const crypto::PublicKey& key);
  void set_sender_key(const crypto::PublicKey& key);
  bool has_sender_key() const { return (flags & kHasSenderKey) != 0; }
  std::optional<crypto::PublicKey> sender() const;
  QueueStatus status() const { return static_cast<QueueStatus>((flags >> kStatusShift) & 3u); }
  void set_status(QueueStatus s);
  std::optional<QueueMode> mode() const;
  std::optional<SystemDate> date() const;
  void set_date(SystemDate d);
  bool has_extras() const { return (flags & kHasExtras) != 0; }
  void set_has_extras(bool on);
  // Zeroes the slot (wipes the DH secret).
  void wipe();
};
static_assert(sizeof(QueueSlot) == 205, "QueueSlot must stay packed");

class QueueSlotArena {
 public:
  static constexpr std::uint32_t kChunkBits = 11;
  static constexpr std::uint32_t kChunkSlots = 1u << kChunkBits;  // ~420 KB per chunk
  static constexpr std::uint32_t kMaxChunks = 1u << 15;           // 67M queues
  static constexpr std::uint32_t kCapacity = kChunkSlots * kMaxChunks;

  QueueSlotArena();
  ~QueueSlotArena();
  QueueSlotArena(const QueueSlotArena&) = delete;
  QueueSlotArena& operator=(const QueueSlotArena&) = delete;

  // A free slot index (reusing released ones first); nullopt when all kCapacity are in use.
  std::optional<std::uint32_t> allocate();
  // Wipes the slot and makes it available again. REQUIRES: no index refers to it.
  void release(std::uint32_t index);

  QueueSlot& at(std::uint32_t index) { return chunks_[index >> kChunkBits][index & (kChunkSlots - 1)]; }
  const QueueSlot& at(std::uint32_t index) const {
    return chunks_[index >> kChunkBits][index & (kChunkSlots - 1)];
  }

 private:
  std::mutex mu_;
  std::uint32_t next_ = 0;               // guarded by mu_: slots below it were handed out once
  std::vector<std::uint32_t> free_;      // guarded by mu_
  // Written under mu_ when a chunk is created, before any index into it is handed out.
  std::unique_ptr<std::unique_ptr<QueueSlot[]>[]> chunks_;
};

}  // namespace smp::server::detail
