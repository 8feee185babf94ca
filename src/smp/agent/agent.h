// Agent: the SMP agent (spec §7) behind AgentApi. It keeps connections in a SharedAgentStore,
// talks to SMP servers over its own connections (one per server), runs the duplex handshake
// (§7.6), delivers messages with retries (§7.7), checks integrity of what it receives (§7.8),
// and reports DOWN / UP when a server goes away and comes back (§7.11).
//
// Thread safety: submit(), call() and close() may be called from any thread. Everything else
// runs on the agent's own strand of the executor given to create(): commands one at a time in
// submission order (a command may await SMP calls), received messages, reconnection and
// delivery interleaving with them under one agent lock. The sink is called on that strand,
// never concurrently with itself, in the order events are produced; it must not block.
//
// Lifetime: create() returns a shared_ptr. close() (or destroying the last reference) stops
// the workers and closes every SMP connection; once close() has returned the sink is never
// called again. The store may be shared with other Agents (one per client of the smp-agent
// executable); what one Agent writes the others see.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "smp/agent/agent_api.h"
#include "smp/agent/agent_config.h"
#include "smp/agent/shared_agent_store.h"
#include "smp/common/error.h"

namespace smp::agent {

namespace net = boost::asio;

namespace detail {
class AgentCore;
}

class Agent : public AgentApi {
 public:
  // An Agent on `store`, running on a new strand of `ex`. errc::config_invalid when
  // config.servers is empty or the queue key algorithm cannot sign; a null store is
  // errc::config_invalid too. Nothing connects until a command needs a server.
  static Result<std::shared_ptr<Agent>> create(net::any_io_executor ex, AgentConfig config,
                                               std::shared_ptr<SharedAgentStore> store,
                                               AgentEventSink sink);
  // The same, opening (or creating) the store at config.store_path with
  // config.store_options; the errors of AgentStore::open too.
  static Result<std::shared_ptr<Agent>> create(net::any_io_executor ex, AgentConfig config,
                                               AgentEventSink sink);

  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;
  ~Agent() override;

  void submit(std::string corr_id, ConnId conn_id, AgentCommand command) override;

  // Runs one command and returns its answer (the event submit() would have sent to the sink,
  // with an internal corr_id); that answer does not go to the sink, notifications still do.
  // Resumes the caller on its own executor. After close(), answers ERR INTERNAL "closed".
  net::awaitable<AgentEvent> call(ConnId conn_id, AgentCommand command);

  // Stops everything (see above). Idempotent; returns at once.
  void close();

 private:
  explicit Agent(std::shared_ptr<detail::AgentCore> core);
  const std::shared_ptr<detail::AgentCore> core_;
};

}  // namespace smp::agent
