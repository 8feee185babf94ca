#include "smp/server/queue_store.h"

#include <array>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace smp::server {
namespace {

constexpr std::size_t kShards = 32;

struct IdHash {
  std::size_t operator()(const QueueId& id) const noexcept {
    std::uint64_t h;
    std::memcpy(&h, id.data(), sizeof h);
    return static_cast<std::size_t>(h);
  }
};

std::size_t shard_of(const QueueId& id) { return IdHash{}(id) % kShards; }

struct Shard {
  mutable std::mutex mu;
  std::unordered_map<QueueId, QueueRecord, IdHash> by_rid;
  std::unordered_map<QueueId, QueueId, IdHash> sid_to_rid;
  std::unordered_map<QueueId, QueueId, IdHash> nid_to_rid;
};

}  // namespace

// Interim layout: one global lock order is kept by holding one shard at a time.
struct QueueStore::Impl {
  std::mutex write_mu;  // serialises mutations that touch several shards
  std::array<Shard, kShards> shards;

  Shard& shard(const QueueId& id) { return shards[shard_of(id)]; }
  const Shard& shard(const QueueId& id) const { return shards[shard_of(id)]; }

  std::optional<QueueId> index(const QueueId& id, bool sender) const {
    const Shard& s = shard(id);
    std::lock_guard lock(s.mu);
    const auto& m = sender ? s.sid_to_rid : s.nid_to_rid;
    auto it = m.find(id);
    if (it == m.end()) return std::nullopt;
    return it->second;
  }
  std::optional<QueueRecord> get(const QueueId& rid) const {
    const Shard& s = shard(rid);
    std::lock_guard lock(s.mu);
    auto it = s.by_rid.find(rid);
    if (it == s.by_rid.end()) return std::nullopt;
    return it->second;
  }
};

QueueStore::QueueStore() : impl_(std::make_unique<Impl>()) {}
QueueStore::~QueueStore() = default;

Result<void> QueueStore::add(QueueRecord q) {
  std::lock_guard w(impl_->write_mu);
  if (impl_->get(q.recipient_id) || impl_->index(q.sender_id, true) ||
      (q.notifier && impl_->index(q.notifier->notifier_id, false)))
    return make_error_code(errc::already_exists);
  {
    Shard& s = impl_->shard(q.sender_id);
    std::lock_guard lock(s.mu);
    s.sid_to_rid.emplace(q.sender_id, q.recipient_id);
  }
  if (q.notifier) {
    Shard& s = impl_->shard(q.notifier->notifier_id);
    std::lock_guard lock(s.mu);
    s.nid_to_rid.emplace(q.notifier->notifier_id, q.recipient_id);
  }
  Shard& s = impl_->shard(q.recipient_id);
  std::lock_guard lock(s.mu);
  s.by_rid.emplace(q.recipient_id, std::move(q));
  return {};
}

std::optional<QueueRecord> QueueStore::by_recipient(const QueueId& rid) const {
  return impl_->get(rid);
}
std::optional<QueueRecord> QueueStore::by_sender(const QueueId& sid) const {
  auto rid = impl_->index(sid, true);
  return rid ? impl_->get(*rid) : std::nullopt;
}
std::optional<QueueRecord> QueueStore::by_notifier(const QueueId& nid) const {
  auto rid = impl_->index(nid, false);
  return rid ? impl_->get(*rid) : std::nullopt;
}

Result<void> QueueStore::secure(const QueueId& rid, const crypto::PublicKey& sender_key) {
  Shard& s = impl_->shard(rid);
  std::lock_guard lock(s.mu);
  auto it = s.by_rid.find(rid);
  if (it == s.by_rid.end() || it->second.sender_key) return make_error_code(errc::smp_auth);
  it->second.sender_key = sender_key;
  return {};
}

Result<void> QueueStore::add_notifier(const QueueId& rid, const NotifierCredentials& creds) {
  std::lock_guard w(impl_->write_mu);
  auto q = impl_->get(rid);
  if (!q || q->notifier) return make_error_code(errc::smp_auth);
  if (impl_->index(creds.notifier_id, false)) return make_error_code(errc::already_exists);
  {
    Shard& s = impl_->shard(creds.notifier_id);
    std::lock_guard lock(s.mu);
    s.nid_to_rid.emplace(creds.notifier_id, rid);
  }
  Shard& s = impl_->shard(rid);
  std::lock_guard lock(s.mu);
  s.by_rid.at(rid).notifier = creds;
  return {};
}

Result<void> QueueStore::suspend(const QueueId& rid) {
  Shard& s = impl_->shard(rid);
  std::lock_guard lock(s.mu);
  auto it = s.by_rid.find(rid);
  if (it == s.by_rid.end()) return make_error_code(errc::smp_auth);
  it->second.status = QueueStatus::off;
  return {};
}

Result<void> QueueStore::remove(const QueueId& rid) {
  std::lock_guard w(impl_->write_mu);
  auto q = impl_->get(rid);
  if (!q) return make_error_code(errc::smp_auth);
  {
    Shard& s = impl_->shard(q->sender_id);
    std::lock_guard lock(s.mu);
    s.sid_to_rid.erase(q->sender_id);
  }
  if (q->notifier) {
    Shard& s = impl_->shard(q->notifier->notifier_id);
    std::lock_guard lock(s.mu);
    s.nid_to_rid.erase(q->notifier->notifier_id);
  }
  Shard& s = impl_->shard(rid);
  std::lock_guard lock(s.mu);
  s.by_rid.erase(rid);
  return {};
}

std::size_t QueueStore::size() const {
  std::size_t n = 0;
  for (const Shard& s : impl_->shards) {
    std::lock_guard lock(s.mu);
    n += s.by_rid.size();
  }
  return n;
}

void QueueStore::for_each(const std::function<void(const QueueRecord&)>& f) const {
  for (const Shard& s : impl_->shards) {
    std::lock_guard lock(s.mu);
    for (const auto& [rid, q] : s.by_rid) f(q);
  }
}

}  // namespace smp::server
