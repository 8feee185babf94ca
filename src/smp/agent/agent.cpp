#include "smp/agent/agent.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "smp/agent/agent_core.h"

namespace smp::agent {

Result<std::shared_ptr<Agent>> Agent::create(net::any_io_executor ex, AgentConfig config,
                                             std::shared_ptr<SharedAgentStore> store,
                                             AgentEventSink sink) {
  if (config.servers.empty() || !store ||
      !crypto::is_signature_algorithm(config.queue_key_algorithm)) {
    return make_error_code(errc::config_invalid);
  }
  auto core = std::make_shared<detail::AgentCore>(std::move(ex), std::move(config),
                                                  std::move(store), std::move(sink));
  core->start();
  return std::shared_ptr<Agent>(new Agent(std::move(core)));
}

Result<std::shared_ptr<Agent>> Agent::create(net::any_io_executor ex, AgentConfig config,
                                             AgentEventSink sink) {
  auto store = SharedAgentStore::open(config.store_path, config.store_options);
  if (!store) return store.error();
  return create(std::move(ex), std::move(config), std::move(*store), std::move(sink));
}

Agent::Agent(std::shared_ptr<detail::AgentCore> core) : core_(std::move(core)) {}

Agent::~Agent() { close(); }

void Agent::submit(std::string corr_id, ConnId conn_id, AgentCommand command) {
  core_->submit(std::move(corr_id), std::move(conn_id), std::move(command));
}

net::awaitable<AgentEvent> Agent::call(ConnId conn_id, AgentCommand command) {
  auto core = core_;
  co_return co_await net::co_spawn(core->strand(), core->call(std::move(conn_id), std::move(command)),
                                   net::use_awaitable);
}

void Agent::close() { core_->close(); }

}  // namespace smp::agent
