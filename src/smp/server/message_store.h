// MessageStore: the undelivered messages of every queue (the reference's MsgStore/STM.hs),
// one FIFO MessageQueue per recipient id, in memory.
//
// A Message is what the sender sent, not yet encrypted for the recipient (the reference's
// Message): the server encrypts it when it delivers it, in the recipient connection's format.
// A queue that reached its quota may end in a quota marker (MessageQuota), delivered to the
// recipient like a message.
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

// MsgFlags of SEND (SMP v2+): whether the recipient's notifier is to be told.
struct MsgFlags {
  bool notification = false;
  friend bool operator==(const MsgFlags&, const MsgFlags&) = default;
};

enum class MessageKind : std::uint8_t {
  message,  // a message from the sender
  quota,    // MessageQuota: the queue was full; the id and time are those of the refused SEND
};

struct Message {
  MsgId id{};
  // SEND time, seconds since the Unix epoch. The reference keeps nanoseconds in memory, but
  // every form a client or the messages log sees has whole seconds (only QUE's debugging
  // output shows more).
  std::int64_t timestamp = 0;
  MsgFlags flags = {};
  MessageKind kind = MessageKind::message;
  // The body as the sender sent it (at most 16088 bytes in SMP v1); null for a quota marker.
  std::shared_ptr<const Bytes> body = nullptr;

  bool is_quota() const { return kind == MessageKind::quota; }
};

// How a queue at its quota treats one more message.
enum class QuotaRule : std::uint8_t {
  // SMP v1: refused (smp_quota), nothing stored.
  refuse,
  // The reference's writeMsg (MsgStore/STM.hs at 6.5.5): while the queue may be written (or
  // is empty), a message is stored if the queue holds fewer than `quota`; otherwise a quota
  // marker with the message's id and time is stored instead, the answer is smp_quota, and
  // the queue takes nothing more (smp_quota) until it is empty again. A full queue therefore
  // holds `quota` messages and one marker.
  mark,
};

class MessageQueue {
 public:
  MessageQueue() = default;
  MessageQueue(const MessageQueue&) = delete;
  MessageQueue& operator=(const MessageQueue&) = delete;

  // Appends m by `rule`; the delivered but unacknowledged head counts, as in the reference.
  // Returns whether the queue was empty before (the reference delivers to a waiting
  // subscriber only then). errc::smp_quota when refused (with QuotaRule::mark a marker may
  // have been stored: the queue is then not unchanged).
  Result<bool> push(Message m, std::size_t quota, QuotaRule rule);
  // Restoring saved messages only: a restored quota marker replaces one at the head
  // (the reference's mergeQuotaMsgs), and once every message is restored the queue is over
  // quota (setOverQuota_) if it had a marker.
  void drop_head_quota_marker();
  void set_over_quota();
  // The head message (sharing its body), or nullopt when empty.
  std::optional<Message> peek() const;
  // Removes the head if its id is `id`; false (nothing removed) otherwise.
  bool pop_if_head(const MsgId& id);
  std::size_t size() const;
  // Drops messages from the head while their timestamp < ts, stopping at a quota marker (as
  // the reference's deleteExpireMsgs_); returns how many.
  std::size_t expire_older_than(std::int64_t ts);
  // Removes every message and marker; returns how many.
  std::size_t clear();
  // A copy of every message, head first (bodies shared).
  std::vector<Message> snapshot() const;

 private:
  const Message& at(std::size_t i) const { return ring_[(head_ + i) % ring_.size()]; }
  void grow();
  // Removes the head, releasing the ring once empty. REQUIRES: mu_ held, count_ > 0.
  void pop_head();

  mutable std::mutex mu_;
  // A ring buffer (guarded by mu_): messages are ring_[head_], ring_[head_+1], ... (mod
  // capacity), count_ of them. Its memory is released when the queue empties, so an idle
  // queue costs no more than this object.
  std::vector<Message> ring_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  bool can_write_ = true;  // guarded by mu_: QuotaRule::mark's canWrite
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
