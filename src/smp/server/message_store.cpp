#include "smp/server/message_store.h"

#include <cstring>
#include <unordered_map>

namespace smp::server {

Result<void> MessageQueue::push(Message m, std::size_t quota) {
  std::lock_guard lock(mu_);
  if (messages_.size() >= quota) return make_error_code(errc::smp_quota);
  messages_.push_back(std::move(m));
  return {};
}

std::optional<Message> MessageQueue::peek() const {
  std::lock_guard lock(mu_);
  if (messages_.empty()) return std::nullopt;
  return messages_.front();
}

bool MessageQueue::pop_if_head(const MsgId& id) {
  std::lock_guard lock(mu_);
  if (messages_.empty() || messages_.front().id != id) return false;
  messages_.pop_front();
  return true;
}

std::size_t MessageQueue::size() const {
  std::lock_guard lock(mu_);
  return messages_.size();
}

std::size_t MessageQueue::expire_older_than(std::int64_t ts) {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  while (!messages_.empty() && messages_.front().timestamp < ts) {
    messages_.pop_front();
    ++n;
  }
  return n;
}

std::vector<Message> MessageQueue::snapshot() const {
  std::lock_guard lock(mu_);
  return std::vector<Message>(messages_.begin(), messages_.end());
}

namespace {

constexpr std::size_t kShards = 32;

struct IdHash {
  std::size_t operator()(const QueueId& id) const noexcept {
    std::uint64_t h;
    std::memcpy(&h, id.data(), sizeof h);
    return static_cast<std::size_t>(h);
  }
};

struct Shard {
  mutable std::mutex mu;
  std::unordered_map<QueueId, std::shared_ptr<MessageQueue>, IdHash> queues;  // guarded by mu
};

}  // namespace

struct MessageStore::Impl {
  std::array<Shard, kShards> shards;
  Shard& shard(const QueueId& id) { return shards[IdHash{}(id) % kShards]; }
  const Shard& shard(const QueueId& id) const { return shards[IdHash{}(id) % kShards]; }
};

MessageStore::MessageStore() : impl_(std::make_unique<Impl>()) {}
MessageStore::~MessageStore() = default;

std::shared_ptr<MessageQueue> MessageStore::get_or_create(const QueueId& rid) {
  Shard& s = impl_->shard(rid);
  std::lock_guard lock(s.mu);
  auto& q = s.queues[rid];
  if (!q) q = std::make_shared<MessageQueue>();
  return q;
}

std::shared_ptr<MessageQueue> MessageStore::find(const QueueId& rid) const {
  const Shard& s = impl_->shard(rid);
  std::lock_guard lock(s.mu);
  auto it = s.queues.find(rid);
  return it == s.queues.end() ? nullptr : it->second;
}

void MessageStore::remove(const QueueId& rid) {
  std::shared_ptr<MessageQueue> dropped;  // destroyed outside the lock
  Shard& s = impl_->shard(rid);
  std::lock_guard lock(s.mu);
  auto it = s.queues.find(rid);
  if (it == s.queues.end()) return;
  dropped = std::move(it->second);
  s.queues.erase(it);
}

std::size_t MessageStore::expire_older_than(std::int64_t ts) {
  std::size_t n = 0;
  for (Shard& s : impl_->shards) {
    std::lock_guard lock(s.mu);
    for (auto& [rid, q] : s.queues) n += q->expire_older_than(ts);
  }
  return n;
}

std::size_t MessageStore::size() const {
  std::size_t n = 0;
  for (const Shard& s : impl_->shards) {
    std::lock_guard lock(s.mu);
    n += s.queues.size();
  }
  return n;
}

void MessageStore::for_each(const std::function<void(const QueueId&, const MessageQueue&)>& f) const {
  for (const Shard& s : impl_->shards) {
    std::lock_guard lock(s.mu);
    for (const auto& [rid, q] : s.queues) f(rid, *q);
  }
}

}  // namespace smp::server
