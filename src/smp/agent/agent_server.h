// AgentServer: the agent's client port (spec §7.1, §3.1): a TLS 1.2 listener presenting the
// 2-certificate chain, one AgentSession (with its own agent from the factory) per TCP client.
// Accepting never waits for a handshake: each connection does its TLS handshake on its own
// strand under config.handshake_timeout, so a stalled client delays no other; at most
// config.max_clients connections are held at once.
//
// Runs on an io_context the caller owns and runs (one or more threads); every pending
// operation keeps what it uses alive, so the AgentServer may be destroyed before the
// io_context. Thread-safe: all members may be called from any thread. Not copyable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "smp/agent/agent_session.h"
#include "smp/common/app_error.h"
#include "smp/transport/tls.h"

namespace smp::agent {

inline constexpr std::uint16_t kDefaultAgentPort = 5224;

struct AgentServerConfig {
  std::string host = "127.0.0.1";          // address to listen on; "" = every interface
  std::uint16_t port = kDefaultAgentPort;  // 0 = any free port (see AgentServer::port())
  // TLS handshake of a new connection; then it is closed.
  std::chrono::steady_clock::duration handshake_timeout = std::chrono::seconds(10);
  // Connections at once, in their handshake or served; more are closed as they are accepted.
  std::size_t max_clients = 1024;
  AgentSessionLimits session = {};
};

class AgentServer {
 public:
  // Nothing runs until start().
  AgentServer(net::io_context& io, AgentServerConfig config,
              transport::ServerCredentials credentials, AgentFactory factory);
  ~AgentServer();  // stop()
  AgentServer(const AgentServer&) = delete;
  AgentServer& operator=(const AgentServer&) = delete;

  // Makes the TLS context, binds and starts accepting. Errors, one line each: credentials
  // that do not load or match; a host that does not resolve or a port that cannot be bound
  // ("cannot listen on 127.0.0.1:5224: Address already in use"); a second call.
  AppResult<void> start();

  // The bound port (the actual one when config.port is 0); 0 before start().
  std::uint16_t port() const;

  // Stops accepting and stops every session: each stops its agent, writes the answers and
  // notifications already given (for up to a second) and closes. Returns at once; `on_stopped` (optional) runs on an io_context thread once
  // the acceptor and every session are closed. Idempotent: later calls only add callbacks.
  void stop(std::function<void()> on_stopped = {});

  // Blocks until stop() has completed, at most `timeout`; false on timeout. Never call it
  // from a thread that runs the io_context.
  bool wait_stopped(std::chrono::steady_clock::duration timeout) const;

  // Connections past their TLS handshake and not closed yet.
  std::size_t session_count() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace smp::agent
