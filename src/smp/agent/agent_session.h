// AgentSession: one client of the agent's TLS port (spec §7.1), after the TLS handshake. It
// writes the welcome line, then runs a reader coroutine (bytes → TransmissionParser → the
// session's own AgentApi, or ERR CMD … for what does not parse) and a writer coroutine
// draining a bounded queue of encoded transmissions: the welcome line, parse errors and
// everything the agent says at its sink, in order.
//
// Backpressure: the reader reads on only while fewer than limits.read_pause_bytes wait to be
// written; an event that would queue more than limits.max_queued_bytes, or a write that makes
// no progress for limits.send_timeout, closes the connection (a client that stops reading is
// dropped, never buffered without limit).
//
// Strand-bound: everything runs on the transport's executor (a strand); post_stop() and the
// sink may be called from any thread. Owned by shared_ptrs held by its own pending work; the
// agent's sink holds only a weak reference. On close the session drops its agent.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "smp/agent/agent_api.h"
#include "smp/agent/agent_protocol.h"
#include "smp/transport/stream_transport.h"

namespace smp::agent {

namespace net = boost::asio;

// Gives each client connection its own agent, which talks back through the sink it is given
// (the reference gives each TCP client its own agent client). Called on the new session's
// strand; returning null refuses the connection (it is closed).
using AgentFactory = std::function<std::shared_ptr<AgentApi>(AgentEventSink)>;

struct AgentSessionLimits {
  // Bytes waiting to be written above which the reader stops reading.
  std::size_t read_pause_bytes = 256 * 1024;
  // Bytes waiting to be written above which the client counts as not reading: closed.
  std::size_t max_queued_bytes = 4 * 1024 * 1024;
  // How long one write may take before the client counts as not reading: closed.
  std::chrono::steady_clock::duration send_timeout = std::chrono::seconds(30);
  ProtocolLimits protocol = {};
};

class AgentSession : public std::enable_shared_from_this<AgentSession> {
 public:
  // REQUIRES: the TLS handshake of `transport` is done. `on_closed` runs once, on the
  // session's strand, when the session closes (it must not block).
  static std::shared_ptr<AgentSession> create(std::unique_ptr<transport::StreamTransport> transport,
                                              AgentSessionLimits limits,
                                              std::function<void()> on_closed);
  ~AgentSession();
  AgentSession(const AgentSession&) = delete;
  AgentSession& operator=(const AgentSession&) = delete;

  // Queues the welcome line, makes the agent and starts the coroutines. Call once, on the
  // session's strand.
  void start(const AgentFactory& factory);

  // From any thread: stops taking commands and stops the agent, writes what it has already
  // answered or notified (for at most `drain_timeout`), then closes the connection. A MSG
  // the agent reported is not lost to a stopping agent this way.
  void post_stop(std::chrono::steady_clock::duration drain_timeout = std::chrono::seconds(1));

 private:
  AgentSession(std::unique_ptr<transport::StreamTransport> transport, AgentSessionLimits limits,
               std::function<void()> on_closed);

  net::awaitable<void> reader();
  net::awaitable<void> writer();
  net::awaitable<Result<void>> write_front(std::size_t count);
  void spawn(net::awaitable<void> coroutine, const char* name);
  void handle_input(ByteView input);
  void on_transmission(ReceivedTransmission t);
  void on_event(AgentEvent event);
  void enqueue(Bytes data);
  void close();
  void drain(std::chrono::steady_clock::duration timeout);

  const std::function<void()> on_closed_;  // declared before transport_: outlives it
  const std::unique_ptr<transport::StreamTransport> transport_;
  const net::any_io_executor executor_;
  const AgentSessionLimits limits_;

  std::shared_ptr<AgentApi> agent_;
  TransmissionParser parser_;
  std::deque<Bytes> queue_;        // encoded transmissions waiting to be written
  std::size_t queued_bytes_ = 0;   // their total size
  net::steady_timer writer_wake_;  // parked at max(); cancelled when the queue gains a record
  net::steady_timer reader_wake_;  // parked at max(); cancelled when the queue drains
  net::steady_timer drain_deadline_;
  bool draining_ = false;  // stopping: input is ignored, the agent is gone
  bool drained_ = false;   // ...and every event it gave is queued: close once written
  bool closed_ = false;
};

}  // namespace smp::agent
