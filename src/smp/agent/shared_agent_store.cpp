#include "smp/agent/shared_agent_store.h"

#include <spdlog/spdlog.h>

namespace smp::agent {

Result<std::shared_ptr<SharedAgentStore>> SharedAgentStore::open(const std::filesystem::path& path,
                                                                 const StoreOptions& options) {
  auto store = AgentStore::open(path, options);
  if (!store) return store.error();
  auto wal = sqlite::WalSync::open(store->database());
  if (!wal) {
    spdlog::error("agent store {}: cannot sync it: {}", path.string(), wal.error().message());
    return wal.error();
  }
  return std::shared_ptr<SharedAgentStore>(
      new SharedAgentStore(std::move(*store), std::move(*wal)));
}

SharedAgentStore::SharedAgentStore(AgentStore store, sqlite::WalSync wal)
    : store_(std::move(store)), wal_(std::move(wal)), sync_([this] { return sync_round(); }) {
  // Opening synced the WAL: what is committed now is durable.
  synced_commits_ = store_.commits();
  synced_flushes_ = store_.deletion_flushes();
  synced_mark_ = store_.write_mark();
}

std::uint64_t SharedAgentStore::write_mark() {
  std::lock_guard lock(mutex_);
  return store_.write_mark();
}

bool SharedAgentStore::durable(SyncScope scope) {
  if (failed_) return false;
  std::lock_guard lock(mutex_);
  if (store_.commits() > synced_commits_) return false;
  return scope == SyncScope::commits ||
         (!store_.has_deferred_deletions() && store_.deletion_flushes() <= synced_flushes_);
}

void SharedAgentStore::when_durable(SyncScope scope, std::function<void(error_code)> done) {
  if (scope == SyncScope::commits_and_deletions) {
    // flush_error_ belongs to the round that runs just before this callback, on its thread.
    done = [this, done = std::move(done)](error_code e) { done(e ? e : flush_error_); };
  }
  sync_.request(std::move(done));
}

error_code SharedAgentStore::sync_round() {
  std::uint64_t commits = 0, flushes = 0, mark = 0;
  {
    std::lock_guard lock(mutex_);
    auto flushed = store_.flush_deferred_deletions();
    flush_error_ = flushed ? error_code{} : flushed.error();
    if (!flushed)
      spdlog::warn("agent: cannot delete finished messages: {}", flush_error_.message());
    commits = store_.commits();
    flushes = store_.deletion_flushes();
    mark = store_.write_mark();
  }
  if (failed_) return make_error_code(errc::io_error);
  if (commits > synced_commits_ || flushes > synced_flushes_) {
    if (auto r = wal_.sync(); !r) {
      failed_ = true;
      spdlog::error(
          "agent store: the database cannot be synced; nothing more is reported or sent "
          "until the agent is started again");
      return r.error();
    }
    synced_commits_ = commits;
    synced_flushes_ = flushes;
    ++syncs_;
  }
  // With the deferred deletions unwritten, the mark is not covered. The mark only grows, and
  // rounds run one at a time.
  if (!flush_error_) synced_mark_ = mark;
  return {};
}

}  // namespace smp::agent
