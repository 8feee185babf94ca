// QueueStore: the server's queues in memory, looked up by recipient, sender or notifier id
// (the reference's QueueStore/STM.hs). No I/O: the caller writes the store log.
//
// Thread-safe: every method may be called from any thread. Records are kept once, compactly
// (about 220 bytes per queue at 1M queues with Ed448 keys), in 64 shards each with its own
// mutex, chosen by the id's first 8 bytes, which are random. Lookups return copies, so
// nothing returned aliases the store.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>

#include "smp/common/error.h"
#include "smp/server/queue_record.h"

namespace smp::server {

class QueueStore {
 public:
  QueueStore();
  ~QueueStore();
  QueueStore(const QueueStore&) = delete;
  QueueStore& operator=(const QueueStore&) = delete;

  // Inserts a new queue (with its sender key and notifier, if set).
  // errc::already_exists if its recipient or sender id (or notifier id) is already used;
  // errc::wrong_algorithm if a key is not Ed25519/Ed448; errc::smp_internal when the store
  // holds its maximum (2^26 queues). The store is unchanged on failure.
  Result<void> add(QueueRecord q);

  // A copy of the queue, or nullopt if no queue has that id.
  std::optional<QueueRecord> by_recipient(const QueueId& rid) const;
  // Whether a queue with this recipient id exists (without decoding its record).
  bool contains(const QueueId& rid) const;
  std::optional<QueueRecord> by_sender(const QueueId& sid) const;
  std::optional<QueueRecord> by_notifier(const QueueId& nid) const;

  // KEY: sets the sender key. errc::smp_auth if there is no such queue or it already has a
  // sender key; errc::wrong_algorithm for a non-signature key.
  Result<void> secure(const QueueId& rid, const crypto::PublicKey& sender_key);
  // NKEY: sets the notifier credentials. errc::smp_auth if there is no such queue or it
  // already has a notifier; errc::already_exists if the notifier id is in use;
  // errc::wrong_algorithm for a non-signature key.
  Result<void> add_notifier(const QueueId& rid, const NotifierCredentials& creds);
  // OFF: status off (idempotent). errc::smp_auth if there is no such queue.
  Result<void> suspend(const QueueId& rid);
  // DEL: removes the queue and its sender and notifier ids. errc::smp_auth if missing.
  Result<void> remove(const QueueId& rid);

  std::size_t size() const;
  // Makes room for `queues` queues in the id indexes, so that loading that many does not
  // rehash them as they grow. Only a hint: the store stays correct whatever the count.
  void reserve(std::size_t queues);

  // Calls f with a copy of every queue, one shard at a time (a queue added or removed
  // concurrently may or may not be seen). f runs under a shard lock: it must not call back
  // into this store.
  void for_each(const std::function<void(const QueueRecord&)>& f) const;
  // Calls f with a copy of every queue in ascending recipient-id order (bytewise), a snapshot:
  // every shard stays locked until it returns, so nothing changes meanwhile (other callers
  // wait). f must not call back into this store. Sorting takes 28 bytes per queue.
  void for_each_sorted(const std::function<void(const QueueRecord&)>& f) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smp::server
