#include "smp/server/message_store.h"

#include <algorithm>
#include <unordered_map>

namespace smp::server {

namespace {
constexpr std::size_t kMinRing = 4;
}  // namespace

void MessageQueue::grow() {
  std::vector<Message> bigger(std::max(kMinRing, ring_.size() * 2));
  for (std::size_t i = 0; i < count_; ++i)
    bigger[i] = std::move(ring_[(head_ + i) % ring_.size()]);
  ring_ = std::move(bigger);
  head_ = 0;
}

Result<bool> MessageQueue::push(Message m, std::size_t quota, QuotaRule rule) {
  // (in_place_error: a bool result is also constructible from an error_code)
  const Result<bool> over_quota(boost::system::in_place_error, make_error_code(errc::smp_quota));
  std::lock_guard lock(mu_);
  const bool was_empty = count_ == 0;
  if (rule == QuotaRule::refuse) {
    if (count_ >= quota) return over_quota;
  } else {
    if (!can_write_ && !was_empty) return over_quota;
    can_write_ = count_ < quota;
    if (!can_write_) {
      m.kind = MessageKind::quota;
      m.flags = MsgFlags{};
      m.body.reset();
    }
  }
  if (count_ == ring_.size()) grow();
  ring_[(head_ + count_) % ring_.size()] = std::move(m);
  ++count_;
  if (rule == QuotaRule::mark && !can_write_) return over_quota;
  return was_empty;
}

void MessageQueue::pop_head() {
  ring_[head_] = Message{};  // drops the body now
  head_ = (head_ + 1) % ring_.size();
  if (--count_ == 0) {
    std::vector<Message>().swap(ring_);
    head_ = 0;
  }
}

void MessageQueue::drop_head_quota_marker() {
  std::lock_guard lock(mu_);
  if (count_ > 0 && ring_[head_].is_quota()) pop_head();
}

void MessageQueue::set_over_quota() {
  std::lock_guard lock(mu_);
  can_write_ = false;
}

std::optional<Message> MessageQueue::peek() const {
  std::lock_guard lock(mu_);
  if (count_ == 0) return std::nullopt;
  return ring_[head_];
}

bool MessageQueue::pop_if_head(const MsgId& id) {
  std::lock_guard lock(mu_);
  if (count_ == 0 || ring_[head_].id != id) return false;
  pop_head();
  return true;
}

std::size_t MessageQueue::size() const {
  std::lock_guard lock(mu_);
  return count_;
}

std::size_t MessageQueue::expire_older_than(std::int64_t ts) {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  while (count_ > 0 && !ring_[head_].is_quota() && ring_[head_].timestamp < ts) {
    pop_head();
    ++n;
  }
  return n;
}

std::size_t MessageQueue::clear() {
  std::lock_guard lock(mu_);
  std::size_t n = count_;
  std::vector<Message>().swap(ring_);
  head_ = 0;
  count_ = 0;
  return n;
}

std::vector<Message> MessageQueue::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<Message> out;
  out.reserve(count_);
  for (std::size_t i = 0; i < count_; ++i) out.push_back(at(i));
  return out;
}

namespace {

constexpr std::size_t kShards = 32;

std::size_t shard_of(const QueueId& id) { return QueueIdHash{}(id) % kShards; }

struct Shard {
  mutable std::mutex mu;
  std::unordered_map<QueueId, std::shared_ptr<MessageQueue>, QueueIdHash> queues;  // guarded by mu
};

}  // namespace

struct MessageStore::Impl {
  std::array<Shard, kShards> shards;
  Shard& shard(const QueueId& id) { return shards[shard_of(id)]; }
  const Shard& shard(const QueueId& id) const { return shards[shard_of(id)]; }
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
