#include "smp/server/notification_store.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace smp::server {

namespace {
constexpr std::size_t kShards = 16;
}

struct NotificationStore::Impl {
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<QueueId, std::deque<StoredNotification>, QueueIdHash> by_notifier;
  };
  std::array<Shard, kShards> shards;

  Shard& shard(const QueueId& id) { return shards[id[8] % kShards]; }
};

NotificationStore::NotificationStore() : impl_(std::make_unique<Impl>()) {}
NotificationStore::~NotificationStore() = default;

void NotificationStore::add(const QueueId& nid, const StoredNotification& n) {
  auto& s = impl_->shard(nid);
  std::lock_guard lock(s.mu);
  auto& q = s.by_notifier[nid];
  if (q.size() >= kMaxPerNotifier) q.pop_front();
  q.push_back(n);
}

std::vector<StoredNotification> NotificationStore::take(const QueueId& nid, std::size_t max) {
  std::vector<StoredNotification> out;
  auto& s = impl_->shard(nid);
  std::lock_guard lock(s.mu);
  auto it = s.by_notifier.find(nid);
  if (it == s.by_notifier.end()) return out;
  auto& q = it->second;
  const std::size_t n = std::min(max, q.size());
  out.assign(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
  q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
  if (q.empty()) s.by_notifier.erase(it);
  return out;
}

void NotificationStore::put_back(const QueueId& nid, std::vector<StoredNotification> ns) {
  if (ns.empty()) return;
  auto& s = impl_->shard(nid);
  std::lock_guard lock(s.mu);
  auto& q = s.by_notifier[nid];
  q.insert(q.begin(), ns.begin(), ns.end());
  while (q.size() > kMaxPerNotifier) q.pop_front();
}

std::size_t NotificationStore::remove(const QueueId& nid) {
  auto& s = impl_->shard(nid);
  std::lock_guard lock(s.mu);
  auto it = s.by_notifier.find(nid);
  if (it == s.by_notifier.end()) return 0;
  std::size_t n = it->second.size();
  s.by_notifier.erase(it);
  return n;
}

std::size_t NotificationStore::expire_older_than(std::int64_t ts) {
  std::size_t dropped = 0;
  for (auto& s : impl_->shards) {
    std::lock_guard lock(s.mu);
    for (auto it = s.by_notifier.begin(); it != s.by_notifier.end();) {
      auto& q = it->second;
      while (!q.empty() && q.front().timestamp < ts) {
        q.pop_front();
        ++dropped;
      }
      it = q.empty() ? s.by_notifier.erase(it) : std::next(it);
    }
  }
  return dropped;
}

std::size_t NotificationStore::size() const {
  std::size_t n = 0;
  for (const auto& s : impl_->shards) {
    std::lock_guard lock(s.mu);
    for (const auto& [id, q] : s.by_notifier) n += q.size();
  }
  return n;
}

}  // namespace smp::server
