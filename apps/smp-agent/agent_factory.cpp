// PLACEHOLDER until the agent (src/smp/agent, Agent implementing AgentApi) is merged: every
// command is answered with ERR INTERNAL "agent not available". Replace the body of
// make_agent_factory with the real agent; nothing else in the executable changes.
#include "agent_factory.h"

#include <memory>
#include <string>
#include <utility>

namespace smp::agent {

namespace {

class UnavailableAgent final : public AgentApi {
 public:
  explicit UnavailableAgent(AgentEventSink sink) : sink_(std::move(sink)) {}

  void submit(std::string corr_id, ConnId conn_id, AgentCommand) override {
    sink_(AgentEvent{std::move(corr_id), std::move(conn_id),
                     cmd::Err{InternalError{"agent not available"}}});
  }

 private:
  const AgentEventSink sink_;
};

}  // namespace

server::AppResult<AgentFactory> make_agent_factory(const AgentOptions&,
                                                   boost::asio::any_io_executor) {
  return AgentFactory([](AgentEventSink sink) -> std::shared_ptr<AgentApi> {
    return std::make_shared<UnavailableAgent>(std::move(sink));
  });
}

}  // namespace smp::agent
