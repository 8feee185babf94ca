// The real agent behind the TLS port: one SharedAgentStore for the process (the --db file),
// one Agent per client connection, with its own SMP connections (as the reference gives each
// TCP client its own agent client), all on the executor run_agent gives.
#include "agent_factory.h"

#include <memory>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "smp/agent/agent.h"
#include "smp/agent/shared_agent_store.h"

namespace smp::agent {

AgentConfig agent_config_of(const AgentOptions& options) {
  AgentConfig config;
  config.servers = options.servers;
  config.queue_key_algorithm = options.key_algorithm;
  config.store_path = options.db_file;
  return config;
}

AppResult<AgentFactory> make_agent_factory(const AgentOptions& options,
                                                   boost::asio::any_io_executor executor) {
  AgentConfig config = agent_config_of(options);
  auto store = SharedAgentStore::open(config.store_path, config.store_options);
  if (!store) {
    return AppError{fmt::format("cannot open the agent database {}: {}",
                                        options.db_file.string(), store.error().message())};
  }
  return AgentFactory(
      [executor = std::move(executor), config = std::move(config),
       store = std::move(*store)](AgentEventSink sink) -> std::shared_ptr<AgentApi> {
        auto agent = Agent::create(executor, config, store, std::move(sink));
        if (!agent) {
          spdlog::error("cannot create an agent: {}", agent.error().message());
          return nullptr;
        }
        return std::move(*agent);
      });
}

}  // namespace smp::agent
