#include "smp/server/queue_store.h"

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <array>
#include <mutex>
#include <utility>
#include <vector>

#include "smp/server/queue_slots.h"

namespace smp::server {
namespace {

using detail::QueueSlot;
using detail::QueueSlotArena;

// Layout (memory matters: ~215 bytes per queue at 1M queues, see bench/queue_store_bench.cpp).
// Each queue is one QueueSlot in a shared arena. A shard holds the recipient-id index and
// the sender-id index as flat sets of 4-byte slot numbers, hashed and compared through the
// arena, so an index entry costs ~5 bytes plus load-factor slack. Notifier credentials live
// in a side map of the recipient's shard; the notifier-id index maps nid -> rid.
//
// Locking: a queue's mutable fields (sender key, status, notifier) are guarded by the shard
// of its recipient id. An operation touching several shards locks them in index order
// (ShardLocks); the arena's mutex is taken last. Immutable slot fields (rid, sid) may be read
// under the lock of any shard whose index holds the slot: a slot is released only after it
// left every index.

constexpr std::size_t kShards = 64;

std::size_t id_hash(const QueueId& id) { return QueueIdHash{}(id); }

// The top 6 bits pick the shard, so a shard's own table (which boost mixes) sees no bias.
static_assert(kShards == 64 && sizeof(std::size_t) == 8);
std::size_t shard_of(const QueueId& id) { return id_hash(id) >> 58; }

// Hash and equality of slot numbers by one of their ids; transparent, so a set of slot
// numbers is searched with a QueueId.
template <QueueId QueueSlot::*Field>
struct SlotHash {
  using is_transparent = void;
  const QueueSlotArena* arena;
  std::size_t operator()(std::uint32_t slot) const noexcept {
    return id_hash(arena->at(slot).*Field);
  }
  std::size_t operator()(const QueueId& id) const noexcept { return id_hash(id); }
};

template <QueueId QueueSlot::*Field>
struct SlotEq {
  using is_transparent = void;
  const QueueSlotArena* arena;
  bool operator()(std::uint32_t a, std::uint32_t b) const noexcept { return a == b; }
  bool operator()(std::uint32_t a, const QueueId& id) const noexcept {
    return arena->at(a).*Field == id;
  }
  bool operator()(const QueueId& id, std::uint32_t a) const noexcept {
    return arena->at(a).*Field == id;
  }
};

template <QueueId QueueSlot::*Field>
using SlotIndex = boost::unordered_flat_set<std::uint32_t, SlotHash<Field>, SlotEq<Field>>;

struct Shard {
  explicit Shard(const QueueSlotArena* arena)
      : by_rid(0, SlotHash<&QueueSlot::rid>{arena}, SlotEq<&QueueSlot::rid>{arena}),
        by_sid(0, SlotHash<&QueueSlot::sid>{arena}, SlotEq<&QueueSlot::sid>{arena}) {}

  mutable std::mutex mu;
  SlotIndex<&QueueSlot::rid> by_rid;                                    // guarded by mu
  SlotIndex<&QueueSlot::sid> by_sid;                                    // guarded by mu
  boost::unordered_flat_map<QueueId, QueueId, QueueIdHash> nid_to_rid;  // guarded by mu
  boost::unordered_flat_map<QueueId, NotifierCredentials, QueueIdHash> notifiers;  // by rid; mu
};

bool is_signature_key(const crypto::PublicKey& k) {
  return crypto::is_signature_algorithm(k.algorithm());
}

}  // namespace

struct QueueStore::Impl {
  QueueSlotArena arena;
  std::array<std::unique_ptr<Shard>, kShards> shards;

  Impl() {
    for (auto& s : shards) s = std::make_unique<Shard>(&arena);
  }

  Shard& shard(const QueueId& id) { return *shards[shard_of(id)]; }
  const Shard& shard(const QueueId& id) const { return *shards[shard_of(id)]; }

  // Full record of a slot found in `s` (the recipient's shard). REQUIRES: s.mu held.
  QueueRecord record(const Shard& s, std::uint32_t slot) const {
    const QueueSlot& qs = arena.at(slot);
    QueueRecord q = qs.record();
    if (qs.has_notifier()) {
      auto it = s.notifiers.find(qs.rid);
      if (it != s.notifiers.end()) q.notifier = it->second;
    }
    return q;
  }

  // The recipient id of the queue whose `Field` index in its shard holds `id`.
  template <QueueId QueueSlot::*Field>
  std::optional<QueueId> rid_by(const SlotIndex<Field> Shard::*index, const QueueId& id) const {
    const Shard& s = shard(id);
    std::lock_guard lock(s.mu);
    auto it = (s.*index).find(id);
    if (it == (s.*index).end()) return std::nullopt;
    return arena.at(*it).rid;
  }
};

namespace {

// Locks up to three shards, each once, in shard order.
class ShardLocks {
 public:
  ShardLocks(const std::array<std::unique_ptr<Shard>, kShards>& shards,
             std::initializer_list<std::size_t> indexes) {
    for (std::size_t i : indexes) insert(i);
    for (std::size_t k = 0; k < n_; ++k) {
      mutexes_[k] = &shards[held_[k]]->mu;
      mutexes_[k]->lock();
    }
  }
  ~ShardLocks() {
    for (std::size_t k = n_; k > 0; --k) mutexes_[k - 1]->unlock();
  }
  ShardLocks(const ShardLocks&) = delete;
  ShardLocks& operator=(const ShardLocks&) = delete;

 private:
  // Keeps held_[0..n_) sorted and without duplicates.
  void insert(std::size_t i) {
    std::size_t k = 0;
    while (k < n_ && held_[k] < i) ++k;
    if (k < n_ && held_[k] == i) return;
    for (std::size_t j = n_; j > k; --j) held_[j] = held_[j - 1];
    held_[k] = i;
    ++n_;
  }

  std::array<std::size_t, 3> held_{};
  std::array<std::mutex*, 3> mutexes_{};
  std::size_t n_ = 0;
};

}  // namespace

QueueStore::QueueStore() : impl_(std::make_unique<Impl>()) {}
QueueStore::~QueueStore() = default;

Result<void> QueueStore::add(QueueRecord q) {
  if (!is_signature_key(q.recipient_key) || (q.sender_key && !is_signature_key(*q.sender_key)) ||
      (q.notifier && !is_signature_key(q.notifier->notifier_key)))
    return make_error_code(errc::wrong_algorithm);
  Shard& rs = impl_->shard(q.recipient_id);
  Shard& ss = impl_->shard(q.sender_id);
  std::size_t nid_shard = q.notifier ? shard_of(q.notifier->notifier_id) : shard_of(q.recipient_id);
  Shard& ns = *impl_->shards[nid_shard];
  ShardLocks locks(impl_->shards, {shard_of(q.recipient_id), shard_of(q.sender_id), nid_shard});
  if (rs.by_rid.contains(q.recipient_id) || ss.by_sid.contains(q.sender_id) ||
      (q.notifier && ns.nid_to_rid.contains(q.notifier->notifier_id)))
    return make_error_code(errc::already_exists);
  auto slot = impl_->arena.allocate();
  if (!slot) return make_error_code(errc::smp_internal);
  impl_->arena.at(*slot).assign(q);
  rs.by_rid.insert(*slot);
  ss.by_sid.insert(*slot);
  if (q.notifier) {
    ns.nid_to_rid.emplace(q.notifier->notifier_id, q.recipient_id);
    rs.notifiers.emplace(q.recipient_id, *q.notifier);
  }
  return {};
}

std::optional<QueueRecord> QueueStore::by_recipient(const QueueId& rid) const {
  const Shard& s = impl_->shard(rid);
  std::lock_guard lock(s.mu);
  auto it = s.by_rid.find(rid);
  if (it == s.by_rid.end()) return std::nullopt;
  return impl_->record(s, *it);
}

bool QueueStore::contains(const QueueId& rid) const {
  const Shard& s = impl_->shard(rid);
  std::lock_guard lock(s.mu);
  return s.by_rid.find(rid) != s.by_rid.end();
}

std::optional<QueueRecord> QueueStore::by_sender(const QueueId& sid) const {
  auto rid = impl_->rid_by<&QueueSlot::sid>(&Shard::by_sid, sid);
  if (!rid) return std::nullopt;
  auto q = by_recipient(*rid);
  // The queue may have been removed (and its rid reused) between the two lookups.
  if (!q || q->sender_id != sid) return std::nullopt;
  return q;
}

std::optional<QueueRecord> QueueStore::by_notifier(const QueueId& nid) const {
  std::optional<QueueId> rid;
  {
    const Shard& s = impl_->shard(nid);
    std::lock_guard lock(s.mu);
    auto it = s.nid_to_rid.find(nid);
    if (it == s.nid_to_rid.end()) return std::nullopt;
    rid = it->second;
  }
  auto q = by_recipient(*rid);
  if (!q || !q->notifier || q->notifier->notifier_id != nid) return std::nullopt;
  return q;
}

Result<void> QueueStore::secure(const QueueId& rid, const crypto::PublicKey& sender_key) {
  if (!is_signature_key(sender_key)) return make_error_code(errc::wrong_algorithm);
  Shard& s = impl_->shard(rid);
  std::lock_guard lock(s.mu);
  auto it = s.by_rid.find(rid);
  if (it == s.by_rid.end()) return make_error_code(errc::smp_auth);
  QueueSlot& qs = impl_->arena.at(*it);
  if ((qs.flags & QueueSlot::kHasSenderKey) != 0) return make_error_code(errc::smp_auth);
  qs.set_sender_key(sender_key);
  return {};
}

Result<void> QueueStore::add_notifier(const QueueId& rid, const NotifierCredentials& creds) {
  if (!is_signature_key(creds.notifier_key)) return make_error_code(errc::wrong_algorithm);
  Shard& rs = impl_->shard(rid);
  Shard& ns = impl_->shard(creds.notifier_id);
  ShardLocks locks(impl_->shards, {shard_of(rid), shard_of(creds.notifier_id)});
  auto it = rs.by_rid.find(rid);
  if (it == rs.by_rid.end()) return make_error_code(errc::smp_auth);
  QueueSlot& qs = impl_->arena.at(*it);
  if (qs.has_notifier()) return make_error_code(errc::smp_auth);
  if (ns.nid_to_rid.contains(creds.notifier_id)) return make_error_code(errc::already_exists);
  ns.nid_to_rid.emplace(creds.notifier_id, rid);
  rs.notifiers.emplace(rid, creds);
  qs.flags |= QueueSlot::kHasNotifier;
  return {};
}

Result<void> QueueStore::suspend(const QueueId& rid) {
  Shard& s = impl_->shard(rid);
  std::lock_guard lock(s.mu);
  auto it = s.by_rid.find(rid);
  if (it == s.by_rid.end()) return make_error_code(errc::smp_auth);
  impl_->arena.at(*it).flags |= QueueSlot::kOff;
  return {};
}

Result<void> QueueStore::remove(const QueueId& rid) {
  Shard& rs = impl_->shard(rid);
  for (;;) {
    // Learn which shards hold the queue's other ids, then lock them all and check again:
    // the queue may have changed (or gone) in between.
    QueueId sid;
    std::optional<QueueId> nid;
    {
      std::lock_guard lock(rs.mu);
      auto it = rs.by_rid.find(rid);
      if (it == rs.by_rid.end()) return make_error_code(errc::smp_auth);
      sid = impl_->arena.at(*it).sid;
      auto n = rs.notifiers.find(rid);
      if (n != rs.notifiers.end()) nid = n->second.notifier_id;
    }
    std::size_t nid_shard = nid ? shard_of(*nid) : shard_of(rid);
    ShardLocks locks(impl_->shards, {shard_of(rid), shard_of(sid), nid_shard});
    auto it = rs.by_rid.find(rid);
    if (it == rs.by_rid.end()) return make_error_code(errc::smp_auth);
    std::uint32_t slot = *it;
    auto n = rs.notifiers.find(rid);
    std::optional<QueueId> nid_now;
    if (n != rs.notifiers.end()) nid_now = n->second.notifier_id;
    if (impl_->arena.at(slot).sid != sid || nid_now != nid) continue;
    rs.by_rid.erase(it);
    impl_->shard(sid).by_sid.erase(sid);
    if (nid) {
      impl_->shards[nid_shard]->nid_to_rid.erase(*nid);
      rs.notifiers.erase(n);
    }
    impl_->arena.release(slot);
    return {};
  }
}

std::size_t QueueStore::size() const {
  std::size_t n = 0;
  for (const auto& s : impl_->shards) {
    std::lock_guard lock(s->mu);
    n += s->by_rid.size();
  }
  return n;
}

void QueueStore::for_each(const std::function<void(const QueueRecord&)>& f) const {
  for (const auto& s : impl_->shards) {
    std::lock_guard lock(s->mu);
    for (std::uint32_t slot : s->by_rid) f(impl_->record(*s, slot));
  }
}

void QueueStore::reserve(std::size_t queues) {
  // Ids are random, so each shard gets its share; a little over, for the spread.
  const std::size_t per_shard = queues / kShards + queues / kShards / 8 + 16;
  for (auto& s : impl_->shards) {
    std::lock_guard lock(s->mu);
    s->by_rid.reserve(per_shard);
    s->by_sid.reserve(per_shard);
  }
}

namespace {

// Sorts by the first 8 bytes of the recipient id read big-endian (bytewise order); ids are
// random, so equal prefixes are rare and then the whole ids are compared.
struct SortEntry {
  std::uint64_t prefix;
  std::uint32_t slot;
};

std::uint64_t big_endian_prefix(const QueueId& id) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | id[i];
  return v;
}

}  // namespace

void QueueStore::for_each_sorted(const std::function<void(const QueueRecord&)>& f) const {
  // All shards, in index order as ShardLocks takes them.
  std::array<std::unique_lock<std::mutex>, kShards> locks;
  for (std::size_t i = 0; i < kShards; ++i) locks[i] = std::unique_lock(impl_->shards[i]->mu);
  const QueueSlotArena& arena = impl_->arena;
  std::size_t total = 0;
  for (const auto& s : impl_->shards) total += s->by_rid.size();
  std::vector<SortEntry> order;
  order.reserve(total);
  for (const auto& s : impl_->shards)
    for (std::uint32_t slot : s->by_rid) order.push_back({0, slot});
  // Read the ids in memory order, then visit the slots in id order fetching a few ahead.
  std::sort(order.begin(), order.end(),
            [](const SortEntry& a, const SortEntry& b) { return a.slot < b.slot; });
  for (SortEntry& e : order) e.prefix = big_endian_prefix(arena.at(e.slot).rid);
  constexpr std::size_t kAhead = 16;
  std::sort(order.begin(), order.end(), [&](const SortEntry& a, const SortEntry& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return arena.at(a.slot).rid < arena.at(b.slot).rid;
  });
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i + kAhead < order.size()) {
      const auto* p = reinterpret_cast<const char*>(&arena.at(order[i + kAhead].slot));
      static_assert(sizeof(QueueSlot) <= 4 * 64);
      __builtin_prefetch(p);
      __builtin_prefetch(p + 64);
      __builtin_prefetch(p + 128);
      __builtin_prefetch(p + sizeof(QueueSlot) - 1);
    }
    const QueueSlot& qs = arena.at(order[i].slot);
    f(impl_->record(impl_->shard(qs.rid), order[i].slot));
  }
}

}  // namespace smp::server
