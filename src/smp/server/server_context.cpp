#include "smp/server/server_context.h"

#include <spdlog/spdlog.h>

#include "smp/server/session.h"

namespace smp::server {

void ServerContext::append_log(const StoreLogRecord& record) {
  if (log_ == nullptr) return;
  if (auto r = log_->append(record); !r) {
    spdlog::error("store log append failed: {}", r.error().message());
  }
}

Result<std::size_t> ServerContext::remove_queue(const QueueRecord& q, const Session* by) {
  const QueueId& rid = q.recipient_id;
  if (auto r = queues.remove(rid); !r) return r.error();
  std::size_t deleted = 0;
  if (auto mq = messages.find(rid)) deleted = mq->clear();
  messages.remove(rid);
  append_log(StoreLogDelete{rid});
  bump(stats.queues_deleted);
  if (auto holder = subscribers.remove(rid); holder && holder.get() != by) {
    holder->post_deleted(rid, false);
  }
  if (q.notifier) {
    const QueueId& nid = q.notifier->notifier_id;
    if (auto holder = notifiers.remove(nid); holder && holder.get() != by) {
      holder->post_deleted(nid, true);
    }
    (void)notifications.remove(nid);
  }
  return deleted;
}

void ServerContext::add_session(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(mu_);
  sessions_.emplace(s.get(), s);
}

void ServerContext::remove_session(const Session* s) {
  std::lock_guard lock(mu_);
  sessions_.erase(s);
}

std::vector<std::shared_ptr<Session>> ServerContext::live_sessions() const {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(mu_);
  out.reserve(sessions_.size());
  for (const auto& [p, w] : sessions_) {
    if (auto s = w.lock()) out.push_back(std::move(s));
  }
  return out;
}

std::size_t ServerContext::session_count() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace smp::server
