// ServerControl: what the control port's commands do to a running server, with the
// reference's output (runCPClient in Server.hs at simplexmq 6.5.5). Each method returns the
// whole answer: one or more lines, each ending in '\n'. Queues are named by their sender id,
// or failing that by their short-link id (the reference's getSenderQueue); an unknown id is
// answered "error: AUTH".
//
//   delete   removes the queue and its messages (logged DELETE; subscribers forget it):
//            "ok, <n> messages deleted"
//   status   "status: <status>, updatedAt: <date>, queueMode: <mode>" in Haskell's Show
//   block    status blocked (logged BLOCK); the subscribed connection is sent ERR BLOCKED:
//            "ok, queue blocked: EntityBlocked (BlockingInfo {…})", or "ok, already
//            inactive: …" when it was not active; at most daily_block_quota a day (UTC)
//   unblock  status active (logged UNBLOCK): "ok, queue unblocked, reason to block was: …",
//            "ok, queue was active", or "error, queue is inactive" for a suspended queue
//   save     writes the undelivered messages file now (the server keeps running)
//   stats, clients, server-info: counters and connections, never ids, keys or contents.
//
// Not thread-safe: one thread calls it (the control port's); the server it acts on runs on
// its own threads meanwhile (everything it touches there synchronises itself). `ctx` must
// outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/server/queue_record.h"
#include "smp/server/server_context.h"

namespace smp::server {

struct ServerControlOptions {
  // [AUTH] daily_block_queue_quota: queues `block` may block per UTC day; 0 = no limit,
  // negative = blocking refused.
  std::int64_t daily_block_quota = 20;
  // Writes the undelivered messages file and returns how many messages it holds; null when
  // messages are not saved (no store log, or restore_messages = off).
  std::function<Result<std::size_t>()> save_messages = {};
};

class ServerControl {
 public:
  ServerControl(ServerContext& ctx, ServerControlOptions options);
  ServerControl(const ServerControl&) = delete;
  ServerControl& operator=(const ServerControl&) = delete;

  std::string stats() const;
  std::string clients() const;
  std::string server_info() const;
  std::string delete_queue(ByteView id);
  std::string status(ByteView id) const;
  std::string block(ByteView id, const BlockingInfo& info);
  std::string unblock(ByteView id);
  std::string save();

 private:
  std::optional<QueueRecord> find(ByteView id) const;

  ServerContext& ctx_;
  const ServerControlOptions options_;
  std::int64_t block_day_ = 0;      // the UTC day blocked_today_ counts
  std::int64_t blocked_today_ = 0;  // active queues blocked that day
};

// Haskell's Show of what `status`, `block` and `unblock` print, for the reference's wording:
// "BlockingInfo {reason = BRSpam, notice = Just (ClientNotice {ttl = Just 3600})}".
std::string show_blocking_info(const BlockingInfo& info);
// "EntityActive", "EntityOff", "EntityBlocked (BlockingInfo {…})".
std::string show_queue_status(const QueueRecord& q);

}  // namespace smp::server
