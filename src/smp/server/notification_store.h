// NotificationStore: notifications (NMSG) waiting for their notifier (the reference's
// NtfStore, Server/NtfStore.hs at simplexmq 6.5.5): when a message with the notification flag
// is stored, its id and time are sealed for the notifier (protocol/rcv_message.h) and kept
// here until a connection subscribed to the notifier takes them, or until they expire (24
// hours in the reference). A notification server that reconnects thus gets what arrived
// meanwhile. Only notifiers with a DH secret (6.5.5's NKEY) have notifications kept: an SMP
// v1 notifier is told at once or not at all, as v1.0.0 did.
//
// Thread-safe (sharded by notifier id, one mutex per shard). At most kMaxPerNotifier are
// kept per notifier; the oldest goes first.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "smp/crypto/cbox.h"
#include "smp/protocol/rcv_message.h"
#include "smp/server/queue_record.h"

namespace smp::server {

struct StoredNotification {
  std::int64_t timestamp = 0;  // of the message, seconds since the epoch (for expiry)
  crypto::CbNonce nonce{};
  std::array<std::uint8_t, protocol::kSealedNtfMetaSize> enc_meta{};
};

class NotificationStore {
 public:
  static constexpr std::size_t kMaxPerNotifier = 512;

  NotificationStore();
  ~NotificationStore();
  NotificationStore(const NotificationStore&) = delete;
  NotificationStore& operator=(const NotificationStore&) = delete;

  void add(const QueueId& nid, const StoredNotification& n);
  // Removes and returns up to `max` of the notifier's notifications, oldest first.
  std::vector<StoredNotification> take(const QueueId& nid, std::size_t max);
  // Puts notifications taken but not sent back in front, in order.
  void put_back(const QueueId& nid, std::vector<StoredNotification> ns);
  // NDEL, DEL: forgets the notifier's notifications; returns how many.
  std::size_t remove(const QueueId& nid);
  // Drops notifications of messages older than ts; returns how many.
  std::size_t expire_older_than(std::int64_t ts);
  std::size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smp::server
