#include "smp/agent/shared_agent_store.h"

namespace smp::agent {

Result<std::shared_ptr<SharedAgentStore>> SharedAgentStore::open(const std::filesystem::path& path,
                                                                 const StoreOptions& options) {
  auto store = AgentStore::open(path, options);
  if (!store) return store.error();
  return std::make_shared<SharedAgentStore>(std::move(*store));
}

}  // namespace smp::agent
