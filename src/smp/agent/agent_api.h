// The agent as its front ends see it (spec §7.1–§7.2): a client submits commands tagged with
// a correlation id and a connection id; everything the agent says — the answer to each
// command (same corr_id, the possibly new conn_id) and asynchronous notifications (empty
// corr_id) — arrives at one sink, in the order the agent produced it. So MID for a SEND is
// always delivered before its SENT, and INV before any CONF of that connection.
//
// The TLS front end (smp-agent) and in-process applications both use this interface; tests
// may substitute a fake. Implementations say their own thread rules; the sink must not block.
#pragma once

#include <functional>
#include <string>

#include "smp/agent/agent_command.h"
#include "smp/agent/agent_store_types.h"

namespace smp::agent {

// One thing the agent says to its client: an answer (corr_id of the command) or a
// notification (corr_id empty). Copyable.
struct AgentEvent {
  std::string corr_id;
  ConnId conn_id;
  AgentCommand command;
};

using AgentEventSink = std::function<void(AgentEvent)>;

class AgentApi {
 public:
  virtual ~AgentApi() = default;

  // Queues a client command (command_party(command) == Party::client). Commands run one at a
  // time in submission order; each gets exactly one answer at the sink (ERR on failure). An
  // empty conn_id is allowed for NEW, JOIN and ACPT (the agent generates one).
  virtual void submit(std::string corr_id, ConnId conn_id, AgentCommand command) = 0;
};

}  // namespace smp::agent
