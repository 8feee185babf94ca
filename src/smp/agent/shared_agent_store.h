// One AgentStore shared by every Agent of a process (the smp-agent executable runs one Agent
// per TCP client): a mutex serializes all access, so there is exactly one SQLite writer and no
// "database is locked". Thread-safe. Held by shared_ptr; each Agent keeps a reference.
// with(f) runs f(AgentStore&) under the lock and returns what f returns; f must only make
// synchronous store calls (no awaiting, no network).
//
// Durability. The store commits without syncing (AgentStore); SharedAgentStore makes commits
// durable on request, by syncing the WAL (sqlite::WalSync) on a thread of its own in rounds
// (GroupSync): one round, one fsync, answers every request made before it began, whichever
// Agent made it. The agent asks before it reports anything to its client and before it sends
// anything that depends on its store (SEND, KEY, ACK), so what it has reported or used on the
// wire survives a power loss, and many messages under load share one fsync.
// A failed sync is final: an fsync error may have dropped written pages that a later fsync
// would then report as synced, so every later request fails too (errc::io_error) until the
// store is opened again, which recovers from what the disk holds.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include "smp/agent/agent_store.h"
#include "smp/agent/group_sync.h"
#include "smp/agent/sqlite_wal_sync.h"
#include "smp/common/error.h"

namespace smp::agent {

// What a durability request covers: everything committed before it, and with
// commits_and_deletions also the deferred deletions made before it (AgentStore), which the
// round writes first.
enum class SyncScope { commits, commits_and_deletions };

class SharedAgentStore {
 public:
  // AgentStore::open, plus the WAL handle the syncs use; errc::io_error when that cannot be
  // opened. A read-only or in-memory store has nothing to sync: it is always durable.
  static Result<std::shared_ptr<SharedAgentStore>> open(const std::filesystem::path& path,
                                                        const StoreOptions& options = {});

  SharedAgentStore(const SharedAgentStore&) = delete;
  SharedAgentStore& operator=(const SharedAgentStore&) = delete;
  // Waits for a round in progress and answers the requests still waiting (not from a callback
  // of when_durable).
  ~SharedAgentStore() = default;

  template <class F>
  auto with(F&& f) -> decltype(f(std::declval<AgentStore&>())) {
    std::lock_guard lock(mutex_);
    return f(store_);
  }

  // True when what `scope` covers is durable already (nothing to wait for); false after a
  // failed sync.
  bool durable(SyncScope scope);
  // Calls done(error) on the store's sync thread once what `scope` covers is durable (see
  // GroupSync for what done may do). errc::io_error after a failed sync, or when the deferred
  // deletions could not be written.
  void when_durable(SyncScope scope, std::function<void(error_code)> done);
  // AgentStore::write_mark() now, and as the last successful sync covered it (with the
  // deferred deletions): an event reported after a mark no greater than synced_mark() is
  // about writes that are on disk.
  std::uint64_t write_mark();
  std::uint64_t synced_mark() const { return synced_mark_; }
  // fsyncs of the WAL made so far for requests (not the one opening made), for measurements.
  std::uint64_t syncs() const { return syncs_; }

 private:
  SharedAgentStore(AgentStore store, sqlite::WalSync wal);
  // One round of sync_ (on its thread): writes the deferred deletions, syncs the WAL if
  // anything was committed since the last sync.
  error_code sync_round();

  std::mutex mutex_;  // guards store_
  AgentStore store_;
  sqlite::WalSync wal_;  // the sync thread's
  // What the last successful sync covered (AgentStore::commits() / deletion_flushes()).
  std::atomic<std::uint64_t> synced_commits_{0};
  std::atomic<std::uint64_t> synced_flushes_{0};
  std::atomic<std::uint64_t> synced_mark_{0};
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> syncs_{0};
  error_code flush_error_;  // of the current round; the sync thread's
  GroupSync sync_;          // last: its thread stops before the rest is destroyed
};

}  // namespace smp::agent
