#include "smp/server/queue_store.h"

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "smp/server/queue_slots.h"

namespace smp::server {
namespace {

using detail::QueueExtras;
using detail::QueueSlot;
using detail::QueueSlotArena;

// Layout (memory matters: ~227 bytes per queue at 1M queues, see bench/queue_store_bench.cpp).
// Each queue is one QueueSlot in a shared arena. A shard holds the recipient-id index and
// the sender-id index as flat sets of 4-byte slot numbers, hashed and compared through the
// arena, so an index entry costs ~5 bytes plus load-factor slack. What few queues have
// (QueueExtras: a notifier; behind another pointer link data, more recipient keys, blocking
// information, a service) is allocated apart and found through a side map of the
// recipient's shard; the notifier-id and link-id indexes map those ids to slot numbers in
// the shard of the id.
//
// Locking: a queue's mutable fields (slot and extras) are guarded by the shard of its
// recipient id. An operation touching several shards locks them in index order (ShardLocks);
// then the services mutex; the arena's mutex is taken last. Immutable slot fields (rid, sid)
// may be read under the lock of any shard whose index holds the slot: a slot is released
// only after it left every index.

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
using SlotMap = boost::unordered_flat_map<QueueId, std::uint32_t, QueueIdHash>;

struct Shard {
  explicit Shard(const QueueSlotArena* arena)
      : by_rid(0, SlotHash<&QueueSlot::rid>{arena}, SlotEq<&QueueSlot::rid>{arena}),
        by_sid(0, SlotHash<&QueueSlot::sid>{arena}, SlotEq<&QueueSlot::sid>{arena}) {}

  mutable std::mutex mu;
  SlotIndex<&QueueSlot::rid> by_rid;  // guarded by mu
  SlotIndex<&QueueSlot::sid> by_sid;  // guarded by mu
  SlotMap nid_to_slot;                // guarded by mu
  SlotMap link_to_slot;               // guarded by mu
  boost::unordered_flat_map<QueueId, std::unique_ptr<QueueExtras>, QueueIdHash> extras;  // by rid; mu
};

using Shards = std::array<std::unique_ptr<Shard>, kShards>;

bool is_auth_key(const crypto::PublicKey& k) { return is_auth_key_algorithm(k.algorithm()); }

bool has_auth_keys(const QueueRecord& q) {
  if (!is_auth_key(q.recipient_key)) return false;
  for (const auto& k : q.more_recipient_keys)
    if (!is_auth_key(k)) return false;
  if (q.sender_key && !is_auth_key(*q.sender_key)) return false;
  return !q.notifier || is_auth_key(q.notifier->notifier_key);
}

// Locks up to five shards, each once, in shard order.
class ShardLocks {
 public:
  static constexpr std::size_t kMax = 5;

  ShardLocks(const Shards& shards, std::span<const std::size_t> indexes) {
    for (std::size_t i : indexes) insert(i);
    for (std::size_t k = 0; k < n_; ++k) {
      mutexes_[k] = &shards[held_[k]]->mu;
      mutexes_[k]->lock();
    }
  }
  ShardLocks(const Shards& shards, std::initializer_list<std::size_t> indexes)
      : ShardLocks(shards, std::span<const std::size_t>(indexes.begin(), indexes.size())) {}
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

  std::array<std::size_t, kMax> held_{};
  std::array<std::mutex*, kMax> mutexes_{};
  std::size_t n_ = 0;
};

// The ids besides the recipient id whose shards an operation must hold.
using OtherIds = std::array<std::optional<QueueId>, ShardLocks::kMax - 1>;

}  // namespace

struct QueueStore::Impl {
  struct ServiceEntry {
    ServiceRecord record;
    std::size_t recipient_queues = 0;
    std::size_t notifier_queues = 0;
  };

  QueueSlotArena arena;
  Shards shards;
  mutable std::mutex services_mu;
  std::map<ServiceId, ServiceEntry> services;   // guarded by services_mu
  // By certificate hash, kept as a string of its bytes.
  boost::unordered_flat_map<std::string, ServiceId> service_by_cert;  // guarded by services_mu

  Impl() {
    for (auto& s : shards) s = std::make_unique<Shard>(&arena);
  }

  Shard& shard(const QueueId& id) { return *shards[shard_of(id)]; }
  const Shard& shard(const QueueId& id) const { return *shards[shard_of(id)]; }

  // REQUIRES: the shard of qs.rid (s) is locked.
  QueueExtras* extras_of(const Shard& s, const QueueSlot& qs) const {
    if (!qs.has_extras()) return nullptr;
    auto it = s.extras.find(qs.rid);
    return it == s.extras.end() ? nullptr : it->second.get();
  }
  // The queue's extras, created empty if absent. REQUIRES: s locked.
  QueueExtras& ensure_extras(Shard& s, QueueSlot& qs) {
    qs.set_has_extras(true);
    auto& e = s.extras[qs.rid];
    if (!e) e = std::make_unique<QueueExtras>();
    return *e;
  }
  // Forgets what in the extras is no longer set. REQUIRES: s locked.
  void drop_extras_if_empty(Shard& s, QueueSlot& qs) {
    auto it = s.extras.find(qs.rid);
    if (it == s.extras.end() || it->second->tidy(qs.status())) {
      if (it != s.extras.end()) s.extras.erase(it);
      qs.set_has_extras(false);
    }
  }

  // Full record of a slot found in `s` (the recipient's shard). REQUIRES: s.mu held.
  QueueRecord record(const Shard& s, std::uint32_t slot) const {
    const QueueSlot& qs = arena.at(slot);
    QueueRecord q = qs.record();
    if (const QueueExtras* e = extras_of(s, qs)) e->apply_to(q);
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

  // The recipient id of the queue whose slot `map` in the shard of `id` maps it to.
  std::optional<QueueId> rid_in(SlotMap Shard::*map, const QueueId& id) const {
    const Shard& s = shard(id);
    std::lock_guard lock(s.mu);
    auto it = (s.*map).find(id);
    if (it == (s.*map).end()) return std::nullopt;
    return arena.at(it->second).rid;
  }

  // Counts a queue in or out of a service; an unknown service is not counted (the reference's
  // addServiceQueue). Takes services_mu: call it with shard locks held, never the reverse.
  void count_service(const std::optional<ServiceId>& id, ServiceParty party, int delta) {
    if (!id) return;
    std::lock_guard lock(services_mu);
    auto it = services.find(*id);
    if (it == services.end()) return;
    std::size_t& n = party == ServiceParty::recipient ? it->second.recipient_queues
                                                      : it->second.notifier_queues;
    if (delta > 0) {
      ++n;
    } else if (n > 0) {
      --n;
    }
  }

  // Runs f(recipient's shard, slot) with the recipient's shard and the shards of the ids
  // ids_of(shard, slot) names locked: learns the ids under the recipient's lock, locks them
  // all, and starts again if the queue changed in between. smp_auth if there is no queue.
  template <class IdsOf, class F>
  auto with_queue(const QueueId& rid, IdsOf ids_of, F f)
      -> decltype(f(std::declval<Shard&>(), std::uint32_t{})) {
    using R = decltype(f(std::declval<Shard&>(), std::uint32_t{}));
    // (in_place_error: a Result<bool> is also constructible from an error_code)
    const R no_queue(boost::system::in_place_error, make_error_code(errc::smp_auth));
    Shard& rs = shard(rid);
    for (;;) {
      OtherIds ids;
      {
        std::lock_guard lock(rs.mu);
        auto it = rs.by_rid.find(rid);
        if (it == rs.by_rid.end()) return no_queue;
        ids = ids_of(rs, *it);
      }
      std::array<std::size_t, ShardLocks::kMax> indexes{shard_of(rid)};
      std::size_t n = 1;
      for (const auto& id : ids)
        if (id) indexes[n++] = shard_of(*id);
      ShardLocks locks(shards, std::span<const std::size_t>(indexes.data(), n));
      auto it = rs.by_rid.find(rid);
      if (it == rs.by_rid.end()) return no_queue;
      if (ids_of(rs, *it) != ids) continue;
      return f(rs, *it);
    }
  }

  // Runs f(shard, slot) under the recipient's shard lock; smp_auth if there is no queue.
  template <class F>
  auto with_queue(const QueueId& rid, F f) -> decltype(f(std::declval<Shard&>(), std::uint32_t{})) {
    using R = decltype(f(std::declval<Shard&>(), std::uint32_t{}));
    Shard& rs = shard(rid);
    std::lock_guard lock(rs.mu);
    auto it = rs.by_rid.find(rid);
    if (it == rs.by_rid.end()) return R(boost::system::in_place_error, make_error_code(errc::smp_auth));
    return f(rs, *it);
  }

  // The notifier and link ids of a queue. REQUIRES: s locked.
  OtherIds notifier_and_link_ids(Shard& s, std::uint32_t slot) {
    OtherIds ids;
    if (const QueueExtras* e = extras_of(s, arena.at(slot))) {
      if (e->notifier) ids[0] = e->notifier->notifier_id;
      if (const QueueLinkData* link = e->link()) ids[1] = link->link_id;
    }
    return ids;
  }
};

QueueStore::QueueStore() : impl_(std::make_unique<Impl>()) {}
QueueStore::~QueueStore() = default;

Result<void> QueueStore::add(QueueRecord q) {
  if (!has_auth_keys(q)) return make_error_code(errc::wrong_algorithm);
  std::optional<QueueId> nid, link_id;
  if (q.notifier) nid = q.notifier->notifier_id;
  if (q.link) link_id = q.link->link_id;
  std::array<std::size_t, 4> indexes{shard_of(q.recipient_id), shard_of(q.sender_id),
                                     shard_of(nid.value_or(q.recipient_id)),
                                     shard_of(link_id.value_or(q.recipient_id))};
  ShardLocks locks(impl_->shards, indexes);
  Shard& rs = impl_->shard(q.recipient_id);
  Shard& ss = impl_->shard(q.sender_id);
  if (rs.by_rid.contains(q.recipient_id) || ss.by_sid.contains(q.sender_id) ||
      (nid && impl_->shard(*nid).nid_to_slot.contains(*nid)) ||
      (link_id && impl_->shard(*link_id).link_to_slot.contains(*link_id)))
    return make_error_code(errc::already_exists);
  auto slot = impl_->arena.allocate();
  if (!slot) return make_error_code(errc::smp_internal);
  QueueSlot& qs = impl_->arena.at(*slot);
  qs.assign(q);
  rs.by_rid.insert(*slot);
  ss.by_sid.insert(*slot);
  if (nid) impl_->shard(*nid).nid_to_slot.emplace(*nid, *slot);
  if (link_id) impl_->shard(*link_id).link_to_slot.emplace(*link_id, *slot);
  if (qs.has_extras()) rs.extras.insert_or_assign(q.recipient_id, QueueExtras::of(q));
  impl_->count_service(q.recipient_service, ServiceParty::recipient, 1);
  if (q.notifier) impl_->count_service(q.notifier->service_id, ServiceParty::notifier, 1);
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
  auto rid = impl_->rid_in(&Shard::nid_to_slot, nid);
  if (!rid) return std::nullopt;
  auto q = by_recipient(*rid);
  if (!q || !q->notifier || q->notifier->notifier_id != nid) return std::nullopt;
  return q;
}

std::optional<QueueRecord> QueueStore::by_link(const LinkId& link_id) const {
  auto rid = impl_->rid_in(&Shard::link_to_slot, link_id);
  if (!rid) return std::nullopt;
  auto q = by_recipient(*rid);
  if (!q || !q->link || q->link->link_id != link_id) return std::nullopt;
  return q;
}

Result<void> QueueStore::secure(const QueueId& rid, const crypto::PublicKey& sender_key,
                                SecureCommand command) {
  if (!is_auth_key(sender_key)) return make_error_code(errc::wrong_algorithm);
  return impl_->with_queue(rid, [&](Shard&, std::uint32_t slot) -> Result<void> {
    QueueSlot& qs = impl_->arena.at(slot);
    if (command == SecureCommand::skey && qs.mode() != QueueMode::messaging)
      return make_error_code(errc::smp_auth);
    if (qs.has_sender_key()) {
      if (command == SecureCommand::v1_key || *qs.sender() != sender_key)
        return make_error_code(errc::smp_auth);
      return {};
    }
    qs.set_sender_key(sender_key);
    return {};
  });
}

Result<void> QueueStore::update_recipient_keys(const QueueId& rid,
                                               const std::vector<crypto::PublicKey>& keys) {
  if (keys.empty()) return make_error_code(errc::smp_auth);
  for (const auto& k : keys)
    if (!is_auth_key(k)) return make_error_code(errc::wrong_algorithm);
  return impl_->with_queue(rid, [&](Shard& s, std::uint32_t slot) -> Result<void> {
    QueueSlot& qs = impl_->arena.at(slot);
    qs.set_recipient_key(keys.front());
    if (keys.size() > 1) {
      impl_->ensure_extras(s, qs).rare_fields().more_recipient_keys.assign(keys.begin() + 1,
                                                                         keys.end());
    } else if (QueueExtras* e = impl_->extras_of(s, qs); e && e->rare) {
      e->rare->more_recipient_keys.clear();
      impl_->drop_extras_if_empty(s, qs);
    }
    return {};
  });
}

Result<void> QueueStore::set_link(const QueueId& rid, QueueLinkData link) {
  const LinkId link_id = link.link_id;
  auto ids_of = [&](Shard& s, std::uint32_t slot) {
    OtherIds ids{link_id};
    ids[1] = impl_->notifier_and_link_ids(s, slot)[1];
    return ids;
  };
  return impl_->with_queue(rid, ids_of, [&](Shard& s, std::uint32_t slot) -> Result<void> {
    QueueSlot& qs = impl_->arena.at(slot);
    const QueueExtras* e = impl_->extras_of(s, qs);
    const QueueLinkData* current = e ? e->link() : nullptr;
    if (current && (current->link_id != link_id || current->fixed_data != link.fixed_data))
      return make_error_code(errc::smp_auth);
    Shard& ls = impl_->shard(link_id);
    auto owner = ls.link_to_slot.find(link_id);
    if (owner != ls.link_to_slot.end() && owner->second != slot)
      return make_error_code(errc::already_exists);
    impl_->ensure_extras(s, qs).rare_fields().link =
        std::make_shared<const QueueLinkData>(std::move(link));
    ls.link_to_slot.insert_or_assign(link_id, slot);
    return {};
  });
}

Result<void> QueueStore::delete_link(const QueueId& rid) {
  auto ids_of = [&](Shard& s, std::uint32_t slot) {
    OtherIds ids;
    ids[0] = impl_->notifier_and_link_ids(s, slot)[1];
    return ids;
  };
  return impl_->with_queue(rid, ids_of, [&](Shard& s, std::uint32_t slot) -> Result<void> {
    QueueSlot& qs = impl_->arena.at(slot);
    QueueExtras* e = impl_->extras_of(s, qs);
    if (!e || !e->link()) return {};
    Shard& ls = impl_->shard(e->link()->link_id);
    auto owner = ls.link_to_slot.find(e->link()->link_id);
    if (owner != ls.link_to_slot.end() && owner->second == slot) ls.link_to_slot.erase(owner);
    e->rare->link.reset();
    impl_->drop_extras_if_empty(s, qs);
    return {};
  });
}

Result<std::optional<NotifierCredentials>> QueueStore::add_notifier(
    const QueueId& rid, const NotifierCredentials& creds, NotifierRule rule) {
  if (!is_auth_key(creds.notifier_key)) return make_error_code(errc::wrong_algorithm);
  auto ids_of = [&](Shard& s, std::uint32_t slot) {
    OtherIds ids{creds.notifier_id};
    ids[1] = impl_->notifier_and_link_ids(s, slot)[0];
    return ids;
  };
  using R = Result<std::optional<NotifierCredentials>>;
  return impl_->with_queue(rid, ids_of, [&](Shard& s, std::uint32_t slot) -> R {
    QueueSlot& qs = impl_->arena.at(slot);
    QueueExtras* e = impl_->extras_of(s, qs);
    std::optional<NotifierCredentials> old;
    if (e && e->notifier) {
      if (rule == NotifierRule::refuse) return make_error_code(errc::smp_auth);
      old = e->notifier;
    }
    Shard& ns = impl_->shard(creds.notifier_id);
    if (ns.nid_to_slot.contains(creds.notifier_id)) return make_error_code(errc::already_exists);
    if (old) {
      impl_->shard(old->notifier_id).nid_to_slot.erase(old->notifier_id);
      impl_->count_service(old->service_id, ServiceParty::notifier, -1);
    }
    impl_->ensure_extras(s, qs).notifier = creds;
    ns.nid_to_slot.emplace(creds.notifier_id, slot);
    impl_->count_service(creds.service_id, ServiceParty::notifier, 1);
    return old;
  });
}

Result<std::optional<NotifierCredentials>> QueueStore::delete_notifier(const QueueId& rid) {
  auto ids_of = [&](Shard& s, std::uint32_t slot) {
    OtherIds ids;
    ids[0] = impl_->notifier_and_link_ids(s, slot)[0];
    return ids;
  };
  using R = Result<std::optional<NotifierCredentials>>;
  return impl_->with_queue(rid, ids_of, [&](Shard& s, std::uint32_t slot) -> R {
    QueueSlot& qs = impl_->arena.at(slot);
    QueueExtras* e = impl_->extras_of(s, qs);
    if (!e || !e->notifier) return std::optional<NotifierCredentials>();
    std::optional<NotifierCredentials> old = std::move(e->notifier);
    e->notifier.reset();
    impl_->shard(old->notifier_id).nid_to_slot.erase(old->notifier_id);
    impl_->count_service(old->service_id, ServiceParty::notifier, -1);
    impl_->drop_extras_if_empty(s, qs);
    return old;
  });
}

Result<void> QueueStore::suspend(const QueueId& rid) {
  return impl_->with_queue(rid, [&](Shard& s, std::uint32_t slot) -> Result<void> {
    QueueSlot& qs = impl_->arena.at(slot);
    qs.set_status(QueueStatus::off);
    if (qs.has_extras()) impl_->drop_extras_if_empty(s, qs);
    return {};
  });
}

Result<void> QueueStore::block(const QueueId& rid, const BlockingInfo& info) {
  return impl_->with_queue(rid, [&](Shard& s, std::uint32_t slot) -> Result<void> {
    QueueSlot& qs = impl_->arena.at(slot);
    impl_->ensure_extras(s, qs).rare_fields().blocking = info;
    qs.set_status(QueueStatus::blocked);
    return {};
  });
}

Result<void> QueueStore::unblock(const QueueId& rid) {
  return impl_->with_queue(rid, [&](Shard& s, std::uint32_t slot) -> Result<void> {
    QueueSlot& qs = impl_->arena.at(slot);
    qs.set_status(QueueStatus::active);
    if (qs.has_extras()) impl_->drop_extras_if_empty(s, qs);
    return {};
  });
}

Result<bool> QueueStore::update_time(const QueueId& rid, SystemDate date) {
  return impl_->with_queue(rid, [&](Shard&, std::uint32_t slot) -> Result<bool> {
    QueueSlot& qs = impl_->arena.at(slot);
    if (qs.date() == date) return false;
    qs.set_date(date);
    return true;
  });
}

Result<QueueRecord> QueueStore::remove(const QueueId& rid) {
  auto ids_of = [&](Shard& s, std::uint32_t slot) {
    OtherIds ids = impl_->notifier_and_link_ids(s, slot);
    ids[2] = impl_->arena.at(slot).sid;
    return ids;
  };
  return impl_->with_queue(rid, ids_of, [&](Shard& s, std::uint32_t slot) -> Result<QueueRecord> {
    QueueRecord q = impl_->record(s, slot);
    s.by_rid.erase(rid);
    impl_->shard(q.sender_id).by_sid.erase(q.sender_id);
    if (q.notifier) {
      impl_->shard(q.notifier->notifier_id).nid_to_slot.erase(q.notifier->notifier_id);
      impl_->count_service(q.notifier->service_id, ServiceParty::notifier, -1);
    }
    if (q.link) {
      Shard& ls = impl_->shard(q.link->link_id);
      auto owner = ls.link_to_slot.find(q.link->link_id);
      if (owner != ls.link_to_slot.end() && owner->second == slot) ls.link_to_slot.erase(owner);
    }
    impl_->count_service(q.recipient_service, ServiceParty::recipient, -1);
    s.extras.erase(rid);
    impl_->arena.release(slot);
    return q;
  });
}

Result<void> QueueStore::set_queue_service(const QueueId& rid, ServiceParty party,
                                           const std::optional<ServiceId>& service_id) {
  return impl_->with_queue(rid, [&](Shard& s, std::uint32_t slot) -> Result<void> {
    QueueSlot& qs = impl_->arena.at(slot);
    QueueExtras* e = impl_->extras_of(s, qs);
    if (party == ServiceParty::notifier) {
      if (!e || !e->notifier) return make_error_code(errc::smp_auth);
      if (e->notifier->service_id == service_id) return {};
      impl_->count_service(e->notifier->service_id, party, -1);
      impl_->count_service(service_id, party, 1);
      e->notifier->service_id = service_id;
      return {};
    }
    std::optional<ServiceId> current = e && e->rare ? e->rare->recipient_service : std::nullopt;
    if (current == service_id) return {};
    impl_->count_service(current, party, -1);
    impl_->count_service(service_id, party, 1);
    impl_->ensure_extras(s, qs).rare_fields().recipient_service = service_id;
    impl_->drop_extras_if_empty(s, qs);
    return {};
  });
}

Result<std::pair<ServiceId, bool>> QueueStore::get_or_create_service(const ServiceRecord& service) {
  const std::string cert_hash(as_chars(service.certificate_hash));
  std::lock_guard lock(impl_->services_mu);
  auto by_cert = impl_->service_by_cert.find(cert_hash);
  if (by_cert != impl_->service_by_cert.end()) {
    auto known = impl_->services.find(by_cert->second);
    if (known != impl_->services.end()) {
      if (known->second.record.role != service.role)
        return make_error_code(errc::service_role_mismatch);
      return std::make_pair(known->first, false);
    }
  } else if (impl_->services.contains(service.id)) {
    return make_error_code(errc::already_exists);
  }
  impl_->services.insert_or_assign(service.id, Impl::ServiceEntry{service});
  impl_->service_by_cert.insert_or_assign(cert_hash, service.id);
  return std::make_pair(service.id, true);
}

std::optional<ServiceRecord> QueueStore::service(const ServiceId& id) const {
  std::lock_guard lock(impl_->services_mu);
  auto it = impl_->services.find(id);
  if (it == impl_->services.end()) return std::nullopt;
  return it->second.record;
}

Result<std::size_t> QueueStore::service_queue_count(ServiceParty party, const ServiceId& id) const {
  std::lock_guard lock(impl_->services_mu);
  auto it = impl_->services.find(id);
  if (it == impl_->services.end()) return make_error_code(errc::smp_auth);
  return party == ServiceParty::recipient ? it->second.recipient_queues
                                          : it->second.notifier_queues;
}

std::vector<ServiceRecord> QueueStore::services() const {
  std::lock_guard lock(impl_->services_mu);
  std::vector<ServiceRecord> out;
  out.reserve(impl_->services.size());
  for (const auto& [id, entry] : impl_->services) out.push_back(entry.record);
  return out;
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
