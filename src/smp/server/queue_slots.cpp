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

std::unique_ptr<QueueExtras> QueueExtras::of(const QueueRecord& q) {
  if (!needed_by(q)) return nullptr;
  auto e = std::make_unique<QueueExtras>();
  e->notifier = q.notifier;
  RareExtras rare{q.more_recipient_keys, q.link, {}, q.recipient_service};
  if (q.status == QueueStatus::blocked) rare.blocking = q.blocking;
  if (!rare.empty(q.status)) e->rare = std::make_unique<RareExtras>(std::move(rare));
  return e;
}

void QueueExtras::apply_to(QueueRecord& q) const {
  q.notifier = notifier;
  if (!rare) return;
  q.more_recipient_keys = rare->more_recipient_keys;
  q.link = rare->link;
  if (q.status == QueueStatus::blocked) q.blocking = rare->blocking;
  q.recipient_service = rare->recipient_service;
}

void QueueSlot::assign(const QueueRecord& q) {
  rid = q.recipient_id;
  sid = q.sender_id;
  std::copy(q.recipient_dh_secret.view().begin(), q.recipient_dh_secret.view().end(), dh.begin());
  flags = 0;
  more_flags = 0;
  set_recipient_key(q.recipient_key);
  sender_key.fill(0);
  if (q.sender_key) set_sender_key(*q.sender_key);
  set_status(q.status);
  if (q.mode) {
    unsigned m = *q.mode == QueueMode::messaging ? 1u : 2u;
    flags = static_cast<std::uint8_t>(flags | (m << kModeShift));
  }
  updated_at.fill(0);
  if (q.updated_at) set_date(*q.updated_at);
  set_has_extras(QueueExtras::needed_by(q));
}

void QueueSlot::set_recipient_key(const crypto::PublicKey& key) {
  copy_key(recipient_key, key);
  recipient_key_alg = static_cast<std::uint8_t>(key.algorithm());
}

void QueueSlot::set_sender_key(const crypto::PublicKey& key) {
  copy_key(sender_key, key);
  flags = static_cast<std::uint8_t>(
      (flags & ~(3u << kSenderKeyAlgShift)) | kHasSenderKey |
      (static_cast<unsigned>(key.algorithm()) << kSenderKeyAlgShift));
}

std::optional<crypto::PublicKey> QueueSlot::sender() const {
  if (!has_sender_key()) return std::nullopt;
  auto alg = static_cast<std::uint8_t>((flags >> kSenderKeyAlgShift) & 3u);
  return load_key(alg, sender_key.data());
}

void QueueSlot::set_status(QueueStatus s) {
  flags = static_cast<std::uint8_t>((flags & ~(3u << kStatusShift)) |
                                    (static_cast<unsigned>(s) << kStatusShift));
}

std::optional<QueueMode> QueueSlot::mode() const {
  switch ((flags >> kModeShift) & 3u) {
    case 1: return QueueMode::messaging;
    case 2: return QueueMode::contact;
    default: return std::nullopt;
  }
}

std::optional<SystemDate> QueueSlot::date() const {
  if ((more_flags & kHasUpdatedAt) == 0) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < updated_at.size(); ++i) v |= std::uint64_t{updated_at[i]} << (8 * i);
  return static_cast<SystemDate>(v);
}

void QueueSlot::set_date(SystemDate d) {
  auto v = static_cast<std::uint64_t>(d);
  for (std::size_t i = 0; i < updated_at.size(); ++i)
    updated_at[i] = static_cast<std::uint8_t>(v >> (8 * i));
  more_flags = static_cast<std::uint8_t>(more_flags | kHasUpdatedAt);
}

void QueueSlot::set_has_extras(bool on) {
  flags = static_cast<std::uint8_t>(on ? (flags | kHasExtras) : (flags & ~kHasExtras));
}

QueueRecord QueueSlot::record() const {
  QueueRecord q{.recipient_id = rid,
                .sender_id = sid,
                .recipient_key = load_key(recipient_key_alg, recipient_key.data()),
                .recipient_dh_secret = DhSecret25519::from(dh).value_or(DhSecret25519()),
                .sender_key = sender(),
                .mode = mode(),
                .status = status(),
                .updated_at = date()};
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
