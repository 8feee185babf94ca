#include "smp/agent/agent_server.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "smp/transport/connect.h"
#include "smp/transport/listen.h"

namespace smp::agent {

namespace {

using transport::Tcp;
using Strand = net::strand<net::io_context::executor_type>;

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
// After a failed accept (e.g. out of descriptors), pause before accepting again.
constexpr auto kAcceptRetryPause = std::chrono::milliseconds(100);

void log_exception(std::exception_ptr e, const char* what) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("agent server {}: {}", what, ex.what());
  } catch (...) {
    spdlog::error("agent server {}: unknown exception", what);
  }
}

}  // namespace

// Shared by the AgentServer and everything it started: the accept loop, connections in
// their handshake (the TLS context) and sessions (their on_closed callbacks).
struct AgentServer::State : std::enable_shared_from_this<State> {
  State(net::io_context& io_context, AgentServerConfig cfg, transport::ServerCredentials creds,
        AgentFactory agent_factory)
      : io(io_context),
        config(std::move(cfg)),
        credentials(std::move(creds)),
        factory(std::move(agent_factory)),
        strand(net::make_strand(io_context)),
        acceptor(strand) {}

  net::awaitable<void> accept_loop();
  // A connection counted against config.max_clients until the last owner lets it go: the
  // handshake coroutine, then the session (through its on_closed callback).
  struct Slot {
    explicit Slot(std::shared_ptr<State> s) : state(std::move(s)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
      std::lock_guard lock(state->mu);
      --state->connections;
    }
    const std::shared_ptr<State> state;
  };
  // A slot for a new connection, or null when max_clients are held.
  std::shared_ptr<Slot> take_slot();
  net::awaitable<void> run_connection(Tcp::socket socket, std::shared_ptr<Slot> slot);
  void on_session_closed(std::uint64_t id);
  // REQUIRES: mu held. The callbacks to run when everything is closed now.
  std::vector<std::function<void()>> take_if_stopped();
  static void run_all(std::vector<std::function<void()>> callbacks) {
    for (auto& f : callbacks) f();
  }

  net::io_context& io;
  const AgentServerConfig config;
  const transport::ServerCredentials credentials;
  const AgentFactory factory;
  std::optional<transport::ssl::context> tls;  // set by start() before any accept
  Strand strand;                               // the acceptor's
  Tcp::acceptor acceptor;

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  bool started = false;         // guarded by mu
  bool stopping = false;        // guarded by mu
  bool accepting = false;       // guarded by mu: the accept loop runs
  bool stopped = false;         // guarded by mu
  std::uint16_t port = 0;       // guarded by mu
  std::uint64_t next_id = 0;    // guarded by mu
  std::size_t connections = 0;  // guarded by mu: Slots alive
  std::unordered_map<std::uint64_t, std::weak_ptr<AgentSession>> sessions;  // guarded by mu
  std::vector<std::function<void()>> on_stopped;                            // guarded by mu
};

std::vector<std::function<void()>> AgentServer::State::take_if_stopped() {
  if (!stopping || stopped || accepting || !sessions.empty()) return {};
  stopped = true;
  cv.notify_all();
  return std::move(on_stopped);
}

net::awaitable<void> AgentServer::State::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    auto [ec, socket] =
        co_await acceptor.async_accept(net::any_io_executor(net::make_strand(io)), kUseTuple);
    {
      std::lock_guard lock(mu);
      if (stopping) break;
    }
    if (ec) {
      if (!acceptor.is_open()) break;
      spdlog::warn("agent: accept failed: {}", ec.message());
      net::steady_timer pause(strand, kAcceptRetryPause);
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    auto slot = take_slot();
    if (!slot) {
      spdlog::warn("agent: {} clients connected; refusing another", config.max_clients);
      continue;  // the socket closes as it goes out of scope
    }
    auto ex = socket.get_executor();
    net::co_spawn(ex, run_connection(std::move(socket), std::move(slot)),
                  [self](std::exception_ptr e) { log_exception(e, "connection start"); });
  }
  std::vector<std::function<void()>> done;
  {
    std::lock_guard lock(mu);
    accepting = false;
    done = take_if_stopped();
  }
  run_all(std::move(done));
}

std::shared_ptr<AgentServer::State::Slot> AgentServer::State::take_slot() {
  {
    std::lock_guard lock(mu);
    if (connections >= config.max_clients) return nullptr;
    ++connections;
  }
  return std::make_shared<Slot>(shared_from_this());
}

// On the connection's own strand: a stalled handshake holds up nothing else.
net::awaitable<void> AgentServer::State::run_connection(Tcp::socket socket,
                                                        std::shared_ptr<Slot> slot) {
  auto self = shared_from_this();  // keeps the TLS context alive under the stream
  auto t = co_await transport::accept_stream(
      std::move(socket), *tls, transport::TransportKind::tls,
      std::chrono::duration_cast<transport::Duration>(config.handshake_timeout));
  if (!t) {
    spdlog::debug("agent: TLS handshake failed: {}", t.error().message());
    co_return;
  }
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mu);
    if (stopping) co_return;  // the transport closes as it goes out of scope
    id = next_id++;
  }
  auto session = AgentSession::create(std::move(*t), config.session, [self, id, slot] {
    (void)slot;  // held by the session until it is gone
    self->on_session_closed(id);
  });
  {
    std::lock_guard lock(mu);
    if (stopping) co_return;  // the session's destructor reports it closed
    sessions.emplace(id, session);
  }
  spdlog::debug("agent: client connected");
  session->start(factory);
}

void AgentServer::State::on_session_closed(std::uint64_t id) {
  std::vector<std::function<void()>> done;
  {
    std::lock_guard lock(mu);
    sessions.erase(id);
    done = take_if_stopped();
  }
  run_all(std::move(done));
}

AgentServer::AgentServer(net::io_context& io, AgentServerConfig config,
                         transport::ServerCredentials credentials, AgentFactory factory)
    : state_(std::make_shared<State>(io, std::move(config), std::move(credentials),
                                     std::move(factory))) {}

AgentServer::~AgentServer() { stop(); }

AppResult<void> AgentServer::start() {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  if (s.started || s.stopping) return AppError{"the agent server was already started"};
  auto context = transport::make_server_context(s.credentials);
  if (!context) {
    return AppError{"cannot use the agent's TLS credentials: " + context.error().message()};
  }
  s.tls.emplace(std::move(*context));
  auto listening = transport::listen_on(s.acceptor, s.config.host, s.config.port);
  if (!listening) return AppError{listening.error()};
  boost::system::error_code ec;
  s.port = s.acceptor.local_endpoint(ec).port();
  s.started = true;
  s.accepting = true;
  net::co_spawn(s.strand, s.accept_loop(),
                [](std::exception_ptr e) { log_exception(e, "accept loop"); });
  return {};
}

std::uint16_t AgentServer::port() const {
  std::lock_guard lock(state_->mu);
  return state_->port;
}

void AgentServer::stop(std::function<void()> on_stopped) {
  State& s = *state_;
  std::vector<std::shared_ptr<AgentSession>> sessions;
  std::vector<std::function<void()>> done;
  bool first = false;
  {
    std::lock_guard lock(s.mu);
    if (on_stopped) s.on_stopped.push_back(std::move(on_stopped));
    if (!s.stopping) {
      first = true;
      s.stopping = true;
      for (auto& [id, weak] : s.sessions) {
        if (auto session = weak.lock()) sessions.push_back(std::move(session));
      }
    }
    done = s.take_if_stopped();
    if (s.stopped && done.empty()) done = std::move(s.on_stopped);  // stopped earlier
  }
  if (first && s.started) {
    net::post(s.strand, [state = state_] {
      boost::system::error_code ignored;
      state->acceptor.close(ignored);  // the accept loop ends
    });
  }
  for (auto& session : sessions) session->post_stop();
  State::run_all(std::move(done));
}

bool AgentServer::wait_stopped(std::chrono::steady_clock::duration timeout) const {
  std::unique_lock lock(state_->mu);
  return state_->cv.wait_for(lock, timeout, [&] { return state_->stopped; });
}

std::size_t AgentServer::session_count() const {
  std::lock_guard lock(state_->mu);
  return state_->sessions.size();
}

}  // namespace smp::agent
