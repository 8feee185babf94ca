// The machinery behind Agent (agent.h), split by job over agent_core.cpp (lifecycle, command
// loop), agent_commands.cpp (§7.2 commands), agent_handshake.cpp (queues,
// confirmations, invitations: §7.6), agent_receive.cpp (§7.5 dispatch, §7.8) and
// agent_delivery.cpp (§7.7 workers), agent_reconnect.cpp (§7.11), agent_durability.cpp
// (waiting for the store's syncs; the sink).
// Strand-bound: apart from submit() and close(), every member runs on strand(). Coroutines
// hold a shared_ptr to the core, so it lives while any of them runs.
// Durability: nothing is told to the client before every store write made before it is
// durable (emit), and nothing that depends on the store goes to a server (SEND, KEY, ACK)
// before what was committed is durable (durable()); see SharedAgentStore.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/result.hpp>

#include "smp/agent/agent_api.h"
#include "smp/agent/agent_config.h"
#include "smp/agent/agent_envelope.h"
#include "smp/agent/agent_message.h"
#include "smp/agent/async_mutex.h"
#include "smp/agent/client_envelope.h"
#include "smp/agent/ratchet.h"
#include "smp/agent/retry_schedule.h"
#include "smp/agent/server_clients.h"
#include "smp/agent/shared_agent_store.h"
#include "smp/agent/work_queue.h"
#include "smp/client/client_types.h"
#include "smp/common/try.h"

namespace smp::agent {

// Internal results carry the error the client will see.
template <class T>
using AResult = boost::system::result<T, AgentError>;

// What boost::system::result<T, AgentError>::value() throws on an error (never used on
// purpose: the agent checks every result).
[[noreturn]] void throw_exception_from_error(const AgentError& e,
                                             const boost::source_location& loc);

// Store errors as the reference's withStore maps them (spec §7.3): not_found → CONN NOT_FOUND,
// already_exists → CONN DUPLICATE, wrong_state → CONN SIMPLEX, others INTERNAL.
AgentError store_agent_error(error_code e);
// SMP client errors (smpClientError): server ERR → SMP e; unparsable answer → BROKER RESPONSE;
// wrong answer → BROKER UNEXPECTED; timeout → BROKER TIMEOUT; transport → BROKER TRANSPORT;
// connect failures → BROKER NETWORK; crypto errors as crypto_agent_error.
AgentError smp_agent_error(error_code e);

// Any library error: crypto errors as crypto_agent_error, store errors as store_agent_error,
// the rest as smp_agent_error.
AgentError to_agent_error(error_code e);

template <class T>
AResult<T> from_store(Result<T> r) {
  if (!r) return store_agent_error(r.error());
  if constexpr (std::is_void_v<T>) {
    return {};
  } else {
    return std::move(*r);
  }
}

namespace detail {

class AgentCore : public std::enable_shared_from_this<AgentCore> {
 public:
  using Strand = net::strand<net::any_io_executor>;
  using Reply = std::function<void(AgentEvent)>;

  AgentCore(net::any_io_executor ex, AgentConfig config, std::shared_ptr<SharedAgentStore> store,
            AgentEventSink sink);

  // Spawns the command and event loops. REQUIRES: called once, right after construction.
  void start();
  // Thread-safe. `reply`, when set, receives the answer instead of the sink.
  void submit(std::string corr_id, ConnId conn_id, AgentCommand command, Reply reply = {});
  // Thread-safe; see Agent::close.
  void close();
  const Strand& strand() const { return strand_; }
  // Agent::call; runs on strand().
  net::awaitable<AgentEvent> call(ConnId conn_id, AgentCommand command);

 private:
  struct PendingCommand {
    std::string corr_id;
    ConnId conn_id;
    AgentCommand command;
    Reply reply;
  };
  struct ServerMessage {
    protocol::SmpServer server;
    client::ServerEvent event;
  };
  struct Worker;
  // A queue made with SMP NEW, and its URI for the other party.
  struct NewRcvQueue {
    RcvQueue queue;
    protocol::SmpQueueUri uri;
  };

  // ---- agent_core.cpp: loops, helpers ----
  net::awaitable<void> command_loop();
  net::awaitable<void> event_loop();
  void notify(const ConnId& conn_id, AgentCommand command);
  bool closing() const { return closing_; }
  // store_->with(f)
  template <class F>
  auto db(F&& f) -> decltype(f(std::declval<AgentStore&>())) {
    return store_->with(std::forward<F>(f));
  }
  const protocol::SmpServer& pick_server();
  net::awaitable<AResult<std::shared_ptr<client::SmpClient>>> smp(
      const protocol::SmpServer& server);
  // Waits `delay` unless the agent closes first; false when it did.
  net::awaitable<bool> sleep(std::chrono::microseconds delay);
  // Writes the store's deferred deletions within kStoreFlushDelay, unless a write does first.
  void flush_store_soon();
  // Waits on a timer that close() cancels too.
  net::awaitable<void> wait_on(net::steady_timer& timer);
  // Runs coroutine_fn() on the strand; an exception is logged.
  template <class F>
  void spawn(F&& coroutine_fn) {
    net::co_spawn(strand_, std::forward<F>(coroutine_fn), log_failure);
  }
  static void log_failure(std::exception_ptr e);

  // ---- agent_commands.cpp ----
  net::awaitable<AResult<std::pair<ConnId, AgentCommand>>> run_command(ConnId conn_id,
                                                                       AgentCommand command);
  net::awaitable<AResult<std::pair<ConnId, ConnectionRequest>>> new_conn(ConnId conn_id,
                                                                         ConnectionMode mode);
  net::awaitable<AResult<void>> allow_connection(const ConnId& conn_id, const std::string& conf_id,
                                                 const Bytes& own_info);
  net::awaitable<AResult<ConnId>> accept_contact(ConnId conn_id, const std::string& inv_id,
                                                 const Bytes& own_info);
  net::awaitable<AResult<void>> subscribe_connection(const ConnId& conn_id);
  net::awaitable<AResult<std::int64_t>> send_message(const ConnId& conn_id, const Bytes& body);
  net::awaitable<AResult<void>> ack_message(const ConnId& conn_id, std::int64_t msg_id);
  net::awaitable<AResult<void>> suspend_connection(const ConnId& conn_id);
  net::awaitable<AResult<void>> delete_connection(const ConnId& conn_id);

  // ---- agent_handshake.cpp ----
  net::awaitable<AResult<NewRcvQueue>> new_rcv_queue(const protocol::SmpServer& server);
  net::awaitable<AResult<void>> subscribe_queue(const RcvQueue& rq, const ConnId& conn_id);
  net::awaitable<AResult<ConnId>> join_conn(ConnId conn_id, const ConnectionRequest& request,
                                            const Bytes& conn_info);
  // The joining party's confirmation (spec §7.6 steps 2 and 7): conn info encrypted with the
  // connection's ratchet (saved first), sent unsigned; the send queue becomes confirmed.
  net::awaitable<AResult<void>> confirm_queue(const ConnId& conn_id, const SndQueue& sq,
                                              const Bytes& conn_info,
                                              std::optional<E2ERatchetParams> e2e);
  net::awaitable<AResult<void>> send_invitation(const protocol::SmpQueueUri& queue,
                                                const ConnectionRequest& request,
                                                const Bytes& conn_info);
  // LET and the confirmation on a reply queue: E2E secret, KEY, status secured.
  net::awaitable<AResult<void>> secure_rcv_queue(const RcvQueue& rq,
                                                 const crypto::PublicKey& sender_key,
                                                 const crypto::PublicKey& e2e_pub_key);
  // KEY with the sender's key, then status secured. `again`: for a copy of a confirmation
  // handled before the agent stopped, so a KEY refused with AUTH was sent then.
  net::awaitable<AResult<void>> key_rcv_queue(const RcvQueue& rq,
                                              const crypto::PublicKey& sender_key, bool again);
  // After the joining party's HELLO went through: reply queue, duplex, REPLY enqueued.
  net::awaitable<AResult<void>> create_reply_queue(const ConnId& conn_id, const SndQueue& sq);
  AResult<SndQueue> new_snd_queue(const protocol::SmpQueueUri& queue);
  // Stores the message to send (ratchet-encrypted now, spec §7.7) and wakes the worker.
  AResult<std::int64_t> enqueue_message(const ConnId& conn_id, const SndQueue& sq,
                                        const AMessage& message);

  // ---- agent_receive.cpp ----
  net::awaitable<void> process_event(ServerMessage message);
  // `acked`: set once the server message was ACKed (an error must not ACK it again).
  net::awaitable<AResult<void>> process_msg(const Connection& conn,
                                            const client::ReceivedMessage& msg, bool& acked);
  net::awaitable<AResult<void>> process_agent_message(const Connection& conn,
                                                      const client::ReceivedMessage& msg,
                                                      const Bytes& enc_agent_message, bool& acked);
  net::awaitable<AResult<void>> process_confirmation(const Connection& conn,
                                                     const crypto::PublicKey& sender_key,
                                                     const crypto::PublicKey& e2e_pub_key,
                                                     const AgentConfirmation& confirmation);
  AResult<void> process_invitation(const Connection& conn, const AgentInvitation& invitation);
  // A copy of the inviting party's confirmation on our reply queue (step 8) that was handled
  // before the agent stopped short of its ACK: its key gives the E2E secret stored then.
  bool confirmation_again(const Connection& conn, const ClientMsgEnvelope& env) const;
  // HELLO / REPLY once stored; also for a stored one the server delivers again.
  // `again`: the server delivered it again after the agent stored it, so what was done
  // before the agent stopped is not an error.
  net::awaitable<AResult<void>> handle_control_message(const ConnId& conn_id,
                                                       const AMessage& message, bool again);
  // Decrypts with the connection's ratchet; the caller saves the new state. nullopt when the
  // message key was used already: a copy of a message received before.
  AResult<std::optional<DecryptResult>> open_ratchet(const ConnId& conn_id, const Bytes& enc);
  // Saves what a decryption changed.
  AResult<void> save_ratchet(const ConnId& conn_id, const DecryptResult& dec);
  // A message the server delivered again after the agent stored it (crash before ACK).
  net::awaitable<AResult<void>> redelivered(const Connection& conn, std::int64_t internal_id,
                                            bool& acked);
  net::awaitable<AResult<void>> ack_queue(const RcvQueue& rq);
  // The ACK after a message was fully handled: a failure is only logged, since the server
  // then delivers the message again and the copy is recognised and dropped.
  net::awaitable<AResult<void>> ack_handled(const RcvQueue& rq);
  // Waits until every event emitted so far is told (or the agent closes): what handling a
  // message told (CONF, INFO, CON, an ERR) reaches the client before the agent's own ACK lets
  // the server forget the message, so that an agent stopped in between tells it again after
  // the server's next delivery rather than never.
  net::awaitable<void> all_told();

  // ---- agent_delivery.cpp ----
  // Starts the send queue's worker unless it runs, and wakes it.
  void resume_delivery(const ConnId& conn_id, const SndQueue& sq);
  // Stops the connection's workers (every worker when conn_id is empty).
  void stop_delivery(const ConnId& conn_id);
  // Workers waiting to retry a send to `server` try again at once.
  void retry_deliveries_now(const protocol::SmpServer& server);
  net::awaitable<void> delivery_loop(std::shared_ptr<Worker> worker);
  net::awaitable<void> deliver(const std::shared_ptr<Worker>& worker, const PendingSndMessage& p);
  net::awaitable<Result<void>> send_agent_message(const SndQueue& sq, const Bytes& body);
  net::awaitable<void> delivered(const ConnId& conn_id, const SndMessage& msg);

  // ---- agent_durability.cpp ----
  // Tells the client `event` (to `reply` when set, else to the sink) once every store write
  // made before this call, deferred deletions included, is durable: at once when it is, else
  // after the sync, in order with every other event.
  void emit(AgentEvent event, Reply reply = {});
  // Waits until what `scope` covers is durable. INTERNAL "closed" when the agent closes
  // meanwhile, the store's error when it cannot sync.
  net::awaitable<AResult<void>> durable(SyncScope scope);
  // Tells the held events, in order, as syncs cover them.
  net::awaitable<void> release_held();
  void deliver(AgentEvent event, const Reply& reply);
  // A sync request of this core was answered (posted by the store's sync thread).
  void sync_answered(std::uint64_t id, error_code e);
  // start() opens the mailbox; close() closes it, after which the store's sync thread posts
  // nothing more to the strand (whose io_context may then go away).
  void open_sync_mailbox();
  void close_sync_mailbox();
  struct SyncMailbox;
  struct HeldEvent {
    AgentEvent event;
    Reply reply;
    std::uint64_t mark;  // the store's write mark when it was emitted
  };

  // ---- agent_reconnect.cpp ----
  void server_down(const protocol::SmpServer& server,
                   std::vector<ServerClients::Subscription> subs);
  net::awaitable<void> reconnect(protocol::SmpServer server,
                                 std::vector<ServerClients::Subscription> subs);
  net::awaitable<bool> resubscribe(const protocol::SmpServer& server,
                                   const std::vector<ServerClients::Subscription>& subs);

  const Strand strand_;
  const AgentConfig config_;
  const std::shared_ptr<SharedAgentStore> store_;
  const AgentEventSink sink_;
  std::shared_ptr<ServerClients> clients_;

  WorkQueue<PendingCommand> commands_;
  WorkQueue<ServerMessage> events_;
  AsyncMutex lock_;                                         // the agent lock
  std::map<std::string, std::shared_ptr<Worker>> workers_;  // by send queue
  std::minstd_rand server_rng_;

  bool closing_ = false;                      // strand-bound
  bool flush_scheduled_ = false;              // strand-bound: flush_store_soon() is waiting
  // Durability (strand-bound, apart from the mailbox, which is thread-safe).
  std::shared_ptr<SyncMailbox> sync_mailbox_;  // where the store's sync thread answers
  net::steady_timer synced_;                   // parked; cancelled when an answer arrives
  std::uint64_t sync_requests_ = 0;            // requests made, numbered from 1
  std::uint64_t syncs_answered_ = 0;           // answers arrive in order of request
  std::map<std::uint64_t, error_code> sync_failures_;  // failed answers not yet read
  std::deque<HeldEvent> held_;                 // events waiting for a sync, in order
  bool releasing_ = false;                     // release_held() runs
  std::uint64_t events_emitted_ = 0;           // emit() calls while open; all but held_ are told
  net::steady_timer told_;                     // parked; cancelled when held events are told
  std::vector<net::steady_timer*> sleepers_;  // timers close() cancels
  // Guards the sink against close(): once closed_ is set under it, nothing is emitted.
  std::recursive_mutex sink_mutex_;
  std::atomic<bool> closed_{false};  // also read by the loops, to stop before close() lands
};

}  // namespace detail
}  // namespace smp::agent
