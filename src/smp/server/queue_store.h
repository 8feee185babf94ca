// QueueStore: the server's queues and services in memory (the reference's QueueStore/STM.hs at
// simplexmq 6.5.5), queues looked up by recipient, sender, notifier or link id. No I/O: the
// caller writes the store log (each operation below names the record it is logged as).
//
// Thread-safe: every method may be called from any thread. Records are kept once, compactly
// (about 230 bytes per queue at 1M queues with Ed448 keys and no link data), in 64 shards
// each with its own mutex, chosen by the id's first 8 bytes, which are random. Lookups return
// copies, so nothing returned aliases the store.
//
// Errors, as the reference's store returns them: errc::smp_auth when there is no queue with
// that recipient id (the reference's AUTH), or an operation is not allowed in the queue's
// state; errc::already_exists when an id is already used (DUPLICATE_: the caller retries with
// fresh random ids, or answers AUTH when the ids were the client's); errc::wrong_algorithm
// for a key that cannot authorize commands (X448). The store is unchanged on any failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "smp/common/error.h"
#include "smp/server/queue_record.h"
#include "smp/server/service_record.h"

namespace smp::server {

// Which command secures a queue, and so what a second attempt gets.
enum class SecureCommand : std::uint8_t {
  v1_key,  // SMP v1 KEY: smp_auth whenever a sender key is already set
  key,     // KEY (v6+) and LKEY: idempotent for the same key, smp_auth for another
  skey,    // SKEY: as `key`, and smp_auth unless the queue is in messaging mode
};

// What NKEY does to a queue that already has a notifier.
enum class NotifierRule : std::uint8_t {
  refuse,   // SMP v1: smp_auth
  replace,  // v6+: the old notifier and its id are removed, and returned
};

class QueueStore {
 public:
  QueueStore();
  ~QueueStore();
  QueueStore(const QueueStore&) = delete;
  QueueStore& operator=(const QueueStore&) = delete;

  // NEW (logged as CREATE): inserts the queue with everything it carries. already_exists if its
  // recipient, sender, notifier or link id is already used (by any queue); wrong_algorithm for
  // a key outside kAuthKeyAlgorithms; smp_internal when the store holds its maximum (2^26).
  // Services named by the queue are counted only if known (as the reference does).
  Result<void> add(QueueRecord q);

  // A copy of the queue, or nullopt if no queue has that id.
  std::optional<QueueRecord> by_recipient(const QueueId& rid) const;
  // Whether a queue with this recipient id exists (without decoding its record).
  bool contains(const QueueId& rid) const;
  std::optional<QueueRecord> by_sender(const QueueId& sid) const;
  std::optional<QueueRecord> by_notifier(const QueueId& nid) const;
  // LGET / LKEY: the queue whose link data has this link id.
  std::optional<QueueRecord> by_link(const LinkId& link_id) const;

  // KEY / SKEY / LKEY (SECURE): sets the sender key, by the rule of `command`.
  Result<void> secure(const QueueId& rid, const crypto::PublicKey& sender_key,
                      SecureCommand command);
  // RKEY (KEYS): replaces the recipient keys. REQUIRES: keys is not empty (smp_auth if it is).
  // Whether the queue is a contact queue is the caller's check, as in the reference.
  Result<void> update_recipient_keys(const QueueId& rid, const std::vector<crypto::PublicKey>& keys);

  // LSET (LINK), the reference's addQueueLinkData: allowed when the queue has no link data,
  // or has data with the same link id and the same fixed data (the user data is replaced);
  // smp_auth otherwise. already_exists if another queue has this link id (the reference would
  // take the id over). The command's own checks (a secured messaging queue gets AUTH) are the
  // caller's.
  Result<void> set_link(const QueueId& rid, QueueLinkData link);
  // LDEL and SEND to a secured messaging queue (LDELETE): removes the link data and its id;
  // succeeds when there is none.
  Result<void> delete_link(const QueueId& rid);

  // NKEY (NOTIFIER): sets the notifier credentials. already_exists if the notifier id is in
  // use (also by this queue). With NotifierRule::replace an existing notifier is replaced and
  // returned (its subscribers are to be told); with refuse it is smp_auth.
  Result<std::optional<NotifierCredentials>> add_notifier(const QueueId& rid,
                                                          const NotifierCredentials& creds,
                                                          NotifierRule rule);
  // NDEL (NDELETE): removes the notifier and returns it (nullopt when there was none).
  Result<std::optional<NotifierCredentials>> delete_notifier(const QueueId& rid);

  // OFF (SUSPEND): status off (idempotent, also for a blocked queue, as the reference).
  Result<void> suspend(const QueueId& rid);
  // Control port block (BLOCK) and unblock (UNBLOCK): status blocked with `info`, or active.
  Result<void> block(const QueueId& rid, const BlockingInfo& info);
  Result<void> unblock(const QueueId& rid);
  // Access to a queue on a new day (TIME): sets updated_at. Returns whether it changed (the
  // reference logs TIME only then).
  Result<bool> update_time(const QueueId& rid, SystemDate date);
  // DEL (DELETE): removes the queue and its sender, notifier and link ids; returns the record.
  Result<QueueRecord> remove(const QueueId& rid);

  // The queue's association with a service (QUEUE_SERVICE): the recipient's (rcvServiceId)
  // or the notifier's (ntfServiceId; smp_auth if the queue has no notifier). nullopt removes it.
  Result<void> set_queue_service(const QueueId& rid, ServiceParty party,
                                 const std::optional<ServiceId>& service_id);

  // The handshake of a service (NEW_SERVICE when created), the reference's getCreateService:
  // the service with this certificate hash if it exists and has this role (its id, false);
  // service_role_mismatch if it has another role; otherwise `service` is added (its id, true)
  // unless its id is in use (already_exists).
  Result<std::pair<ServiceId, bool>> get_or_create_service(const ServiceRecord& service);
  std::optional<ServiceRecord> service(const ServiceId& id) const;
  // Queues (recipient party) or notifiers (notifier party) associated with the service;
  // smp_auth for an unknown service.
  Result<std::size_t> service_queue_count(ServiceParty party, const ServiceId& id) const;
  // Every service, in id order.
  std::vector<ServiceRecord> services() const;

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
  // wait). f must not call back into this store. Sorting takes 16 bytes per queue.
  void for_each_sorted(const std::function<void(const QueueRecord&)>& f) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smp::server
