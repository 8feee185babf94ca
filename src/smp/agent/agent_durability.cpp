// What the agent tells and sends waits for the store's syncs (SharedAgentStore): events are
// held in order until a sync covers the writes made before them, and server commands that
// depend on the store wait for the commits before them. The store answers on its own thread;
// the answer comes to the strand through a mailbox that close() shuts, so that nothing is
// posted to the strand once the agent is closed.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "smp/agent/agent_core.h"

namespace smp::agent::detail {

namespace {

// How long held events wait before the store is asked again after a failed request.
constexpr std::chrono::seconds kSyncRetryDelay{1};

}  // namespace

struct AgentCore::SyncMailbox {
  std::mutex mutex;
  std::optional<Strand> strand;  // empty once closed
  std::weak_ptr<AgentCore> core;

  // On the store's sync thread. Holds no reference to the core beyond the posted job, so the
  // sync thread never destroys it (and with it, perhaps, the store).
  void answer(std::uint64_t id, error_code e) {
    std::lock_guard lock(mutex);
    if (!strand) return;
    net::post(*strand, [core = core, id, e] {
      if (auto c = core.lock()) c->sync_answered(id, e);
    });
  }
};

void AgentCore::open_sync_mailbox() {
  sync_mailbox_ = std::make_shared<SyncMailbox>();
  sync_mailbox_->strand = strand_;
  sync_mailbox_->core = weak_from_this();
}

void AgentCore::close_sync_mailbox() {
  if (!sync_mailbox_) return;
  std::lock_guard lock(sync_mailbox_->mutex);
  sync_mailbox_->strand.reset();
}

void AgentCore::sync_answered(std::uint64_t id, error_code e) {
  syncs_answered_ = std::max(syncs_answered_, id);
  if (e) sync_failures_[id] = e;
  synced_.cancel();
}

net::awaitable<AResult<void>> AgentCore::durable(SyncScope scope) {
  if (store_->durable(scope)) co_return AResult<void>{};
  auto self = shared_from_this();
  const std::uint64_t id = ++sync_requests_;
  store_->when_durable(scope,
                       [mailbox = sync_mailbox_, id](error_code e) { mailbox->answer(id, e); });
  while (syncs_answered_ < id && !closing_) {
    co_await synced_.async_wait(net::as_tuple(net::use_awaitable));
  }
  auto failed = sync_failures_.find(id);
  if (failed != sync_failures_.end()) {
    error_code e = failed->second;
    sync_failures_.erase(failed);
    co_return store_agent_error(e);
  }
  if (syncs_answered_ < id) co_return AgentError(InternalError{"closed"});
  co_return AResult<void>{};
}

void AgentCore::emit(AgentEvent event, Reply reply) {
  if (closed_) return;  // nothing is told any more
  ++events_emitted_;
  if (held_.empty() && store_->durable(SyncScope::commits_and_deletions)) {
    deliver(std::move(event), reply);
    return;
  }
  held_.push_back(HeldEvent{std::move(event), std::move(reply), store_->write_mark()});
  if (releasing_) return;
  releasing_ = true;
  auto self = shared_from_this();
  spawn([self]() { return self->release_held(); });
}

net::awaitable<void> AgentCore::release_held() {
  auto self = shared_from_this();
  while (!held_.empty() && !closing_) {
    // The request covers the events held now. A later one is told with them when the sync
    // covered its writes as well (its mark): waiting for the next sync instead would leave
    // it untold if that one failed, though what it reports is on disk.
    const std::size_t requested = held_.size();
    auto synced = co_await durable(SyncScope::commits_and_deletions);
    if (closing_) break;
    if (!synced) {
      // Not durable, so not told. After a failed fsync every later request fails too: the
      // events stay untold (and the agent says so once in its log).
      if (!co_await sleep(kSyncRetryDelay)) break;
      continue;
    }
    const std::uint64_t covered = store_->synced_mark();
    for (std::size_t i = 0; !held_.empty() && (i < requested || held_.front().mark <= covered);
         ++i) {
      HeldEvent h = std::move(held_.front());
      held_.pop_front();
      deliver(std::move(h.event), h.reply);
    }
    told_.cancel();
  }
  releasing_ = false;
}

net::awaitable<void> AgentCore::all_told() {
  const std::uint64_t emitted = events_emitted_;
  auto self = shared_from_this();
  // Everything emitted is told or held, and held events are told in order.
  while (events_emitted_ - held_.size() < emitted && !closing_) {
    co_await told_.async_wait(net::as_tuple(net::use_awaitable));
  }
}

void AgentCore::deliver(AgentEvent event, const Reply& reply) {
  if (reply) {
    reply(std::move(event));
    return;
  }
  std::lock_guard lock(sink_mutex_);
  if (closed_ || !sink_) return;
  sink_(std::move(event));
}

}  // namespace smp::agent::detail
