#include "smp/server/queue_slots.h"

#include <algorithm>
#include <cstring>

namespace smp::server::detail {
namespace {

template <std::size_t N>
void copy_key(std::array<std::uint8_t, N>& out, const crypto::PublicKey& key) {
  out.fill(0);
  ByteView raw = key.raw();
  std::copy(raw.begin(), raw.end(), out.begin());
}

crypto::PublicKey load_key(std::uint8_t alg_byte, const std::uint8_t* raw) {
  auto alg = static_cast<crypto::KeyAlgorithm>(alg_byte);
  // Cannot fail: the bytes were copied from a key of this algorithm.
  return crypto::PublicKey::from_raw(alg, ByteView(raw, crypto::public_key_size(alg))).value();
}

}  // namespace

void QueueSlot::assign(const QueueRecord& q) {
  rid = q.recipient_id;
  sid = q.sender_id;
  std::copy(q.recipient_dh_secret.view().begin(), q.recipient_dh_secret.view().end(), dh.begin());
  copy_key(recipient_key, q.recipient_key);
  recipient_key_alg = static_cast<std::uint8_t>(q.recipient_key.algorithm());
  flags = 0;
  sender_key.fill(0);
  if (q.sender_key) set_sender_key(*q.sender_key);
  if (q.status == QueueStatus::off) flags |= kOff;
  if (q.notifier) flags |= kHasNotifier;
}

void QueueSlot::set_sender_key(const crypto::PublicKey& key) {
  copy_key(sender_key, key);
  flags = static_cast<std::uint8_t>(
      (flags & ~(3u << kSenderKeyAlgShift)) | kHasSenderKey |
      (static_cast<unsigned>(key.algorithm()) << kSenderKeyAlgShift));
}

QueueRecord QueueSlot::record() const {
  QueueRecord q{.recipient_id = rid,
                .sender_id = sid,
                .recipient_key = load_key(recipient_key_alg, recipient_key.data()),
                .recipient_dh_secret = DhSecret25519::from(dh).value_or(DhSecret25519()),
                .sender_key = std::nullopt,
                .notifier = std::nullopt,
                .status = (flags & kOff) != 0 ? QueueStatus::off : QueueStatus::active};
  if ((flags & kHasSenderKey) != 0) {
    auto alg = static_cast<std::uint8_t>((flags >> kSenderKeyAlgShift) & 3u);
    q.sender_key = load_key(alg, sender_key.data());
  }
  return q;
}

void QueueSlot::wipe() { secure_wipe(this, sizeof *this); }

QueueSlotArena::QueueSlotArena()
    : chunks_(std::make_unique<std::unique_ptr<QueueSlot[]>[]>(kMaxChunks)) {}

QueueSlotArena::~QueueSlotArena() {
  for (std::uint32_t c = 0; c < kMaxChunks && chunks_[c]; ++c)
    secure_wipe(chunks_[c].get(), sizeof(QueueSlot) * kChunkSlots);
}

std::optional<std::uint32_t> QueueSlotArena::allocate() {
  std::lock_guard lock(mu_);
  if (!free_.empty()) {
    std::uint32_t i = free_.back();
    free_.pop_back();
    return i;
  }
  if (next_ == kCapacity) return std::nullopt;
  std::uint32_t i = next_++;
  auto& chunk = chunks_[i >> kChunkBits];
  if (!chunk) chunk = std::make_unique<QueueSlot[]>(kChunkSlots);
  return i;
}

void QueueSlotArena::release(std::uint32_t index) {
  at(index).wipe();
  std::lock_guard lock(mu_);
  free_.push_back(index);
}

}  // namespace smp::server::detail
