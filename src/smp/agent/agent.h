// Agent: the SMP agent (spec §7) behind AgentApi: connections kept in a SharedAgentStore, one
// SMP connection per server, the duplex handshake (§7.6), deliveries with retries (§7.7),
// integrity of what arrives (§7.8), DOWN / UP around lost servers (§7.11).
// Thread-safe entry points (submit, call, close); everything else runs on the agent's own
// strand, and so does the sink: in order, never concurrently, and it must not block.
// Owned by shared_ptr; close() (or dropping the last reference) stops it, and once close()
// has returned the sink is never called again. The store may be shared with other Agents.
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

// Commands run one at a time in submission order (a command may await SMP calls); received
// messages, reconnection and the follow-ups of delivery interleave with them under one agent
// lock. Subscriptions are not restored by create(): the client SUBs each connection after a
// restart, which also resumes its pending deliveries (as the reference). What the server
// delivers again after a stop (the agent had stored it but its ACK was lost) is told again
// as itself: a MSG under its id marked DUPLICATE, a confirmation as the same CONF (same id).
class Agent : public AgentApi {
 public:
  // An Agent on `store`, running on a new strand of `ex`. errc::config_invalid when
  // config.servers is empty or the queue key algorithm cannot sign; a null store is
  // errc::config_invalid too. Nothing connects until a command needs a server.
  // REQUIRES: the execution context of `ex` outlives the Agent (close() posts to it).
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
