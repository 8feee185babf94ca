// Internal to QueueStore: the packed form of a QueueRecord (QueueSlot, 196 bytes, no heap) and
// the arena that holds them at stable 32-bit indexes (QueueSlotArena).
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

// The notifier is kept outside the slot (few queues have one); has_notifier says to look.
struct QueueSlot {
  static constexpr std::uint8_t kHasSenderKey = 1;
  static constexpr std::uint8_t kSenderKeyAlgShift = 1;  // two bits: crypto::KeyAlgorithm
  static constexpr std::uint8_t kOff = 8;
  static constexpr std::uint8_t kHasNotifier = 16;

  QueueId rid;
  QueueId sid;
  std::array<std::uint8_t, DhSecret25519::kSize> dh;
  std::array<std::uint8_t, crypto::kMaxPublicKeySize> recipient_key;
  std::array<std::uint8_t, crypto::kMaxPublicKeySize> sender_key;
  std::uint8_t recipient_key_alg;
  std::uint8_t flags;

  // Fills every field from q except the notifier (sets kHasNotifier if q has one).
  void assign(const QueueRecord& q);
  void set_sender_key(const crypto::PublicKey& key);
  // The record without its notifier.
  QueueRecord record() const;
  bool has_notifier() const { return (flags & kHasNotifier) != 0; }
  // Zeroes the slot (wipes the DH secret).
  void wipe();
};
static_assert(sizeof(QueueSlot) == 196, "QueueSlot must stay packed");

class QueueSlotArena {
 public:
  static constexpr std::uint32_t kChunkBits = 11;
  static constexpr std::uint32_t kChunkSlots = 1u << kChunkBits;  // ~400 KB per chunk
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
