#include "smp/server/server_context.h"

#include <spdlog/spdlog.h>

namespace smp::server {

void ServerContext::append_log(const StoreLogRecord& record) {
  if (log_ == nullptr) return;
  if (auto r = log_->append(record); !r) {
    spdlog::error("store log append failed: {}", r.error().message());
  }
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
