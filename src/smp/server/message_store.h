// MessageStore: the undelivered messages of every queue (the reference's MsgStore/STM.hs),
// one FIFO MessageQueue per recipient id, in memory.
//
// Thread-safe: MessageStore and every MessageQueue lock internally. A Message is an immutable
// value whose body is shared (std::shared_ptr<const Bytes>), so copying or delivering a message
// never copies the body. Queues are handed out as shared_ptr: one stays valid after remove().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/server/queue_record.h"

namespace smp::server {

inline constexpr std::size_t kMsgIdSize = 24;
using MsgId = std::array<std::uint8_t, kMsgIdSize>;

struct Message {
  MsgId id;
  std::int64_t timestamp = 0;          // seconds since the Unix epoch (SEND time)
  std::shared_ptr<const Bytes> body;   // server-encrypted body (16106 bytes in v1); never null
};

class MessageQueue {
 public:
  MessageQueue() = default;
  MessageQueue(const MessageQueue&) = delete;
  MessageQueue& operator=(const MessageQueue&) = delete;

  // Appends m. errc::smp_quota (queue unchanged) when size() >= quota; the delivered but
  // unacknowledged head counts, as in the reference.
  Result<void> push(Message m, std::size_t quota);
  // The head message (sharing its body), or nullopt when empty.
  std::optional<Message> peek() const;
  // Removes the head if its id is `id`; false (nothing removed) otherwise.
  bool pop_if_head(const MsgId& id);
  std::size_t size() const;
  // Drops messages from the head while their timestamp < ts; returns how many.
  std::size_t expire_older_than(std::int64_t ts);
  // A copy of every message, head first (bodies shared).
  std::vector<Message> snapshot() const;

 private:
  const Message& at(std::size_t i) const { return ring_[(head_ + i) % ring_.size()]; }
  void grow();

  mutable std::mutex mu_;
  // A ring buffer (guarded by mu_): messages are ring_[head_], ring_[head_+1], ... (mod
  // capacity), count_ of them. Its memory is released when the queue empties, so an idle
  // queue costs no more than this object.
  std::vector<Message> ring_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

class MessageStore {
 public:
  MessageStore();
  ~MessageStore();
  MessageStore(const MessageStore&) = delete;
  MessageStore& operator=(const MessageStore&) = delete;

  // The queue of `rid`, created empty if absent. Never null.
  std::shared_ptr<MessageQueue> get_or_create(const QueueId& rid);
  // The queue of `rid`, or null if none was created.
  std::shared_ptr<MessageQueue> find(const QueueId& rid) const;
  // Forgets the queue of `rid` (no-op if absent); holders of its shared_ptr keep it alive.
  void remove(const QueueId& rid);
  // Drops every message with timestamp < ts from the head of each queue; returns how many.
  std::size_t expire_older_than(std::int64_t ts);
  // Number of queues (including empty ones).
  std::size_t size() const;
  // Calls f for every queue, one shard at a time, under that shard's lock: f must not call
  // back into this MessageStore (it may lock the MessageQueue, e.g. snapshot()).
  void for_each(const std::function<void(const QueueId&, const MessageQueue&)>& f) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smp::server
