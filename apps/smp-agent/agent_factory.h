// Where smp-agent gets its agents from: one factory function, so that the executable does not
// depend on how the agent is built.
//
// Thread rule: call once, from run_agent, before the io_context runs.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include "smp/agent/agent_config.h"
#include "smp/agent/agent_options.h"
#include "smp/agent/agent_session.h"
#include "smp/common/app_error.h"

namespace smp::agent {

// The settings of every agent of the executable: the options' servers, key algorithm and
// database file; the reference's defaults for everything else.
AgentConfig agent_config_of(const AgentOptions& options);

// Opens (or creates) the database file once, then makes the factory of the agents that the
// executable's sessions use (one per client connection, all sharing that database), running
// on `executor`. A database that cannot be opened is one line.
AppResult<AgentFactory> make_agent_factory(const AgentOptions& options,
                                                   boost::asio::any_io_executor executor);

}  // namespace smp::agent
