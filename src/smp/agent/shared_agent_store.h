// One AgentStore shared by every Agent of a process (the smp-agent executable runs one Agent
// per TCP client): a mutex serializes all access, so there is exactly one SQLite writer and no
// "database is locked". Thread-safe. Held by shared_ptr; each Agent keeps a reference.
// with(f) runs f(AgentStore&) under the lock and returns what f returns; f must only make
// synchronous store calls (no awaiting, no network).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <utility>

#include "smp/agent/agent_store.h"
#include "smp/common/error.h"

namespace smp::agent {

class SharedAgentStore {
 public:
  // AgentStore::open, wrapped.
  static Result<std::shared_ptr<SharedAgentStore>> open(const std::filesystem::path& path,
                                                        const StoreOptions& options = {});

  explicit SharedAgentStore(AgentStore store) : store_(std::move(store)) {}
  SharedAgentStore(const SharedAgentStore&) = delete;
  SharedAgentStore& operator=(const SharedAgentStore&) = delete;

  template <class F>
  auto with(F&& f) -> decltype(f(std::declval<AgentStore&>())) {
    std::lock_guard lock(mutex_);
    return f(store_);
  }

 private:
  std::mutex mutex_;
  AgentStore store_;
};

}  // namespace smp::agent
