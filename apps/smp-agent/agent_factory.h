// Where smp-agent gets its agents from: one factory function, so that the executable does not
// depend on how the agent is built.
//
// Thread rule: call once, from run_agent, before the io_context runs.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include "smp/agent/agent_options.h"
#include "smp/agent/agent_session.h"
#include "smp/server/app_error.h"

namespace smp::agent {

// The factory of the agents that the executable's sessions use (one per client connection),
// all running on `executor`. A failure to set up (say, the database) is one line.
server::AppResult<AgentFactory> make_agent_factory(const AgentOptions& options,
                                                   boost::asio::any_io_executor executor);

}  // namespace smp::agent
