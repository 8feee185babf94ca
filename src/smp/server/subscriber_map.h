// SubscriberMap: which connection is subscribed to each queue (the reference's
// `subscribers` / `notifiers` maps), so that a SEND finds the connection to deliver to and a
// new subscription finds the connection to send END to.
//
// Thread-safe: sharded by the id's first bytes (ids are random), one mutex per shard, held
// only to copy a pointer in or out; callers act on the returned subscriber after the lock is
// released. Entries hold weak references: the map never keeps a connection alive.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "smp/server/queue_record.h"

namespace smp::server {

template <class T>
class SubscriberMap {
 public:
  // Makes `subscriber` the one of `id`. Returns the previous subscriber when it is a
  // different object that is still alive (it is to receive END), else null.
  std::shared_ptr<T> replace(const QueueId& id, const std::shared_ptr<T>& subscriber) {
    Shard& s = shard(id);
    std::weak_ptr<T> previous;
    {
      std::lock_guard lock(s.mu);
      Entry& e = s.entries[id];
      if (e.owner != subscriber.get()) previous = std::move(e.ref);
      e.owner = subscriber.get();
      e.ref = subscriber;
    }
    return previous.lock();
  }

  // The live subscriber of `id`, or null.
  std::shared_ptr<T> find(const QueueId& id) const {
    const Shard& s = shard(id);
    std::lock_guard lock(s.mu);
    auto it = s.entries.find(id);
    return it == s.entries.end() ? nullptr : it->second.ref.lock();
  }

  // Removes the entry of `id` if `owner` holds it (a connection cleaning up after itself
  // must not remove a newer subscriber's entry).
  void remove_if_owner(const QueueId& id, const T* owner) {
    Shard& s = shard(id);
    std::lock_guard lock(s.mu);
    auto it = s.entries.find(id);
    if (it != s.entries.end() && it->second.owner == owner) s.entries.erase(it);
  }

  // Removes the entry of `id` whoever holds it; returns that subscriber if alive.
  std::shared_ptr<T> remove(const QueueId& id) {
    Shard& s = shard(id);
    std::weak_ptr<T> previous;
    {
      std::lock_guard lock(s.mu);
      auto it = s.entries.find(id);
      if (it == s.entries.end()) return nullptr;
      previous = std::move(it->second.ref);
      s.entries.erase(it);
    }
    return previous.lock();
  }

  // How many entries each owner holds (owners are identities only and may be gone).
  std::unordered_map<const T*, std::size_t> count_by_owner() const {
    std::unordered_map<const T*, std::size_t> counts;
    for (const Shard& s : shards_) {
      std::lock_guard lock(s.mu);
      for (const auto& [id, e] : s.entries) ++counts[e.owner];
    }
    return counts;
  }

  std::size_t size() const {
    std::size_t n = 0;
    for (const Shard& s : shards_) {
      std::lock_guard lock(s.mu);
      n += s.entries.size();
    }
    return n;
  }

 private:
  struct Entry {
    const T* owner = nullptr;  // identity only, never dereferenced
    std::weak_ptr<T> ref;
  };
  struct alignas(64) Shard {
    mutable std::mutex mu;
    std::unordered_map<QueueId, Entry, QueueIdHash> entries;  // guarded by mu
  };
  static constexpr std::size_t kShards = 64;

  Shard& shard(const QueueId& id) { return shards_[id[kQueueIdSize - 1] % kShards]; }
  const Shard& shard(const QueueId& id) const { return shards_[id[kQueueIdSize - 1] % kShards]; }

  std::array<Shard, kShards> shards_;
};

}  // namespace smp::server
