// Running the smp-agent executable (spec §7.10): load or create the TLS credentials, listen,
// make the agent factory, print "SMP agent listening on port N" (the actual port), serve until
// SIGINT or SIGTERM, stop cleanly. Logs go to stderr at the chosen level.
//
// A failure to start is one "Error: …" line on `err` and status 1, never an exception. Not
// thread-safe: call once, from main (it installs the signal handlers).
#pragma once

#include <functional>
#include <ostream>

#include <boost/asio/any_io_executor.hpp>

#include "smp/agent/agent_options.h"
#include "smp/agent/agent_session.h"
#include "smp/common/app_error.h"

namespace smp::agent {

// Makes the factory of the agents the sessions use; they run on `executor` (an io_context
// with one thread). A failure (say, a database that cannot be opened) is one line.
using AgentFactoryMaker = std::function<AppResult<AgentFactory>(
    const AgentOptions& options, boost::asio::any_io_executor executor)>;

// Blocks until a signal stops the agent. Returns 0 after a clean stop, 1 when it could not
// start.
int run_agent(const AgentOptions& options, const AgentFactoryMaker& make_factory, std::ostream& out,
              std::ostream& err);

}  // namespace smp::agent
