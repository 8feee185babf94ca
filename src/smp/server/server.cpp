// Server: listeners, io_context threads, connection start-up, message expiry and shutdown.


#include "smp/server/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include <pthread.h>
#include <sched.h>

#include "smp/server/server_context.h"
#include "smp/server/session.h"
#include "smp/transport/connect.h"
#include "smp/transport/current_handshake.h"
#include "smp/transport/listen.h"
#include "smp/transport/tls.h"

namespace smp::server {

namespace {

// The CPUs this process may run on (taskset / cgroup cpusets), at least 1.
std::size_t usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
    return static_cast<std::size_t>(CPU_COUNT(&set));
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

namespace net = boost::asio;
using transport::Tcp;
using IoExecutor = net::io_context::executor_type;

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
// stop(): how long sessions may take to write what they have queued, then to close.
constexpr auto kDrainGrace = std::chrono::seconds(1);
constexpr auto kCloseGrace = std::chrono::milliseconds(200);
// After a failed accept (e.g. out of descriptors), pause before accepting again.
constexpr auto kAcceptRetryPause = std::chrono::milliseconds(100);

void log_exception(std::exception_ptr e, const char* what) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("{}: {}", what, ex.what());
  } catch (...) {
    spdlog::error("{}: unknown exception", what);
  }
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Binds a listening socket: host "" = every interface (IPv6 dual-stack when available).
Result<void> open_acceptor(Tcp::acceptor& acceptor, const ListenEndpoint& ep) {
  std::uint16_t port = 0;
  auto [end, ec] = std::from_chars(ep.port.data(), ep.port.data() + ep.port.size(), port);
  if (ec != std::errc() || end != ep.port.data() + ep.port.size()) {
    spdlog::error("invalid listening port '{}'", ep.port);
    return make_error_code(errc::config_invalid);
  }
  auto listening = transport::listen_on(acceptor, ep.host, port);
  if (!listening) {
    spdlog::error("{}", listening.error());
    return make_error_code(errc::io_error);
  }
  return {};
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerConfig cfg, QueueStore& queues, MessageStore& messages, StoreLog* log)
      : ctx_(std::move(cfg), queues, messages, log) {}
  ~Impl() {
    stop();
    if (stopper_.joinable()) stopper_.join();
  }

  Result<void> start();
  std::vector<std::uint16_t> bound_ports() const {
    std::lock_guard lock(mu_);
    return ports_;
  }
  void stop();
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return state_ == State::idle || state_ == State::stopped; });
  }

  ServerContext ctx_;
  // Both handshakes' identity (the key hash; the online key and chain that sign each
  // current-generation connection's key); set by start() before any connection.
  std::optional<transport::ServerHandshakeIdentity> identity_;

 private:
  enum class State { idle, running, stopping, stopped };
  // One io_context per server thread: a connection lives on one of them from accept to
  // close, so its handlers never move between threads and need no strand; sessions on
  // different threads meet only through the shared stores and posted notifications.
  // shut_down() calls shutdown() on every context before any is destroyed, so a pending
  // handler of one may still hold a socket of another.
  class ThreadIo : public net::io_context {
   public:
    ThreadIo() : net::io_context(1) {}
    void shut_down_services() { shutdown(); }
  };
  struct Listener {
    Listener(net::io_context& io, transport::TransportKind k)
        : executor(io.get_executor()), acceptor(io), kind(k) {}
    IoExecutor executor;
    Tcp::acceptor acceptor;
    transport::TransportKind kind;
  };

  Result<void> load_tls();
  Result<void> bind_listeners();
  net::awaitable<void> accept_loop(Listener& l);
  net::awaitable<void> run_connection(Tcp::socket socket, transport::TransportKind kind);
  net::awaitable<void> expire_loop();
  void run_thread(net::io_context& io);
  net::io_context& next_io();
  void shut_down();
  bool on_server_thread() const;
  void wait_for_sessions(std::chrono::steady_clock::duration limit) const;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  State state_ = State::idle;                 // guarded by mu_
  std::vector<std::uint16_t> ports_;          // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::optional<transport::ssl::context> tls_;
  std::vector<std::thread> threads_;
  std::vector<std::thread::id> thread_ids_;
  std::thread stopper_;  // runs shut_down() when stop() is called on a server thread

  // Destroyed in this order (reverse of declaration) by shut_down(): timers and acceptors
  // first, then the io_contexts with every handler still pending (handshakes in progress).
  std::vector<std::unique_ptr<ThreadIo>> ios_;
  std::vector<net::executor_work_guard<IoExecutor>> work_;
  std::size_t next_io_ = 0;  // only the first context's thread (the accept loops) uses it
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::optional<net::steady_timer> expiry_timer_;  // on the first context
};

Result<void> Server::Impl::load_tls() {
  const ServerConfig& cfg = ctx_.config;
  auto credentials = transport::load_server_credentials(cfg.ca_cert_file, cfg.server_cert_file,
                                                        cfg.server_key_file);
  if (!credentials) {
    spdlog::error("cannot read the server certificates ({}, {}, {}): {}",
                  cfg.ca_cert_file.string(), cfg.server_cert_file.string(),
                  cfg.server_key_file.string(), credentials.error().message());
    return credentials.error();
  }
  auto context = transport::make_server_context(*credentials);
  if (!context) {
    spdlog::error("cannot use the server certificates: {}", context.error().message());
    return context.error();
  }
  auto identity = transport::server_handshake_identity(*credentials);
  if (!identity) {
    spdlog::error("cannot use the server key to sign handshakes: {}",
                  identity.error().message());
    return identity.error();
  }
  tls_.emplace(std::move(*context));
  identity->versions = cfg.current_versions;
  identity_.emplace(std::move(*identity));
  return {};
}

Result<void> Server::Impl::bind_listeners() {
  for (const ListenEndpoint& ep : ctx_.config.listeners) {
    auto l = std::make_unique<Listener>(*ios_.front(), ep.kind);
    if (auto r = open_acceptor(l->acceptor, ep); !r) return r;
    ports_.push_back(l->acceptor.local_endpoint().port());
    listeners_.push_back(std::move(l));
  }
  return {};
}

Result<void> Server::Impl::start() {
  std::lock_guard lock(mu_);
  if (state_ != State::idle) {
    spdlog::error("the server was already started");
    return make_error_code(errc::config_invalid);
  }
  if (ctx_.config.listeners.empty()) {
    spdlog::error("no listening port configured");
    return make_error_code(errc::config_invalid);
  }
  if (auto r = load_tls(); !r) return r;

  std::size_t threads = ctx_.config.threads;
  if (threads == 0) threads = usable_cpus();
  for (std::size_t i = 0; i < threads; ++i) ios_.push_back(std::make_unique<ThreadIo>());
  if (auto r = bind_listeners(); !r) {
    listeners_.clear();
    ports_.clear();
    ios_.clear();
    return r;
  }
  for (auto& io : ios_) work_.emplace_back(io->get_executor());
  for (auto& l : listeners_) {
    net::co_spawn(l->executor, accept_loop(*l),
                  [](std::exception_ptr e) { log_exception(e, "accept loop"); });
  }
  if (ctx_.config.expire_interval.count() > 0) {
    expiry_timer_.emplace(*ios_.front());
    net::co_spawn(*ios_.front(), expire_loop(),
                  [](std::exception_ptr e) { log_exception(e, "message expiry"); });
  }
  // spdlog makes its registry on first use, and the already-made check is inlined in the
  // library; make it here, before the threads that log, so that their first lines (possibly
  // at once on every thread) all follow its construction.
  (void)spdlog::default_logger_raw();
  for (auto& io : ios_) threads_.emplace_back([this, &io = *io] { run_thread(io); });
  for (const auto& t : threads_) thread_ids_.push_back(t.get_id());
  state_ = State::running;
  return {};
}

void Server::Impl::run_thread(net::io_context& io) {
  pthread_setname_np(pthread_self(), "smp-server");  // for top, perf and the benchmarks
  for (;;) {
    try {
      io.run();
      return;
    } catch (...) {
      log_exception(std::current_exception(), "server thread");
    }
  }
}

// The server threads take new connections in turn.
net::io_context& Server::Impl::next_io() {
  net::io_context& io = *ios_[next_io_];
  next_io_ = (next_io_ + 1) % ios_.size();
  return io;
}

// Accepting never waits for a handshake: each socket gets a coroutine of its own on the
// next thread's io_context.
net::awaitable<void> Server::Impl::accept_loop(Listener& l) {
  for (;;) {
    auto [ec, socket] =
        co_await l.acceptor.async_accept(net::any_io_executor(next_io().get_executor()), kUseTuple);
    if (stopping_ || !l.acceptor.is_open()) co_return;
    if (ec) {
      spdlog::warn("accept failed: {}", ec.message());
      net::steady_timer pause(l.executor, kAcceptRetryPause);
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    auto ex = socket.get_executor();
    net::co_spawn(ex, run_connection(std::move(socket), l.kind),
                  [](std::exception_ptr e) { log_exception(e, "connection start"); });
  }
}

net::awaitable<void> Server::Impl::run_connection(Tcp::socket socket,
                                                  transport::TransportKind kind) {
  auto t = co_await transport::accept_connection(
      std::move(socket), *tls_, *identity_, kind,
      std::chrono::duration_cast<transport::Duration>(ctx_.config.handshake_timeout));
  if (!t) {
    bump(ctx_.stats.handshakes_failed);
    co_return;
  }
  if (stopping_) co_return;  // the transport closes as it goes out of scope
  // One Session type for both generations: it reads the transport's params() (ALPN smp/1
  // and what the current handshake agreed) and runs that generation's commands.
  Session::create(ctx_, std::move(*t))->start();
}

constexpr std::int64_t kNotificationTtlSeconds = 24 * 3600;

net::awaitable<void> Server::Impl::expire_loop() {
  for (;;) {
    expiry_timer_->expires_after(ctx_.config.expire_interval);
    auto [ec] = co_await expiry_timer_->async_wait(kUseTuple);
    if (ec || stopping_) co_return;
    std::size_t n = ctx_.messages.expire_older_than(now_seconds() - ctx_.config.message_ttl_seconds);
    if (n > 0) {
      bump(ctx_.stats.msgs_expired, static_cast<std::uint64_t>(n));
      spdlog::info("expired {} messages", n);
    }
    // Notifications are kept a day, as the reference's notificationExpiration.
    (void)ctx_.notifications.expire_older_than(now_seconds() - kNotificationTtlSeconds);
  }
}

bool Server::Impl::on_server_thread() const {
  auto self = std::this_thread::get_id();
  return std::find(thread_ids_.begin(), thread_ids_.end(), self) != thread_ids_.end();
}

void Server::Impl::stop() {
  {
    std::unique_lock lock(mu_);
    if (state_ == State::idle) {
      state_ = State::stopped;
      cv_.notify_all();
      return;
    }
    if (state_ != State::running) {
      if (!on_server_thread()) {
        cv_.wait(lock, [&] { return state_ == State::stopped; });
      }
      return;
    }
    state_ = State::stopping;
  }
  stopping_ = true;
  if (on_server_thread()) {
    // A server thread cannot join itself: another thread finishes the job (wait() returns
    // when it is done; the destructor joins it).
    stopper_ = std::thread([this] { shut_down(); });
    return;
  }
  shut_down();
}

void Server::Impl::wait_for_sessions(std::chrono::steady_clock::duration limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (ctx_.session_count() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Server::Impl::shut_down() {
  for (auto& l : listeners_) {
    net::post(l->executor, [l = l.get()] {
      error_code ignored;
      l->acceptor.close(ignored);
    });
  }
  if (expiry_timer_) net::post(*ios_.front(), [this] { expiry_timer_->cancel(); });
  ctx_.proxy.close_all();
  for (auto& s : ctx_.live_sessions()) s->post_stop(true);
  wait_for_sessions(kDrainGrace);
  for (auto& s : ctx_.live_sessions()) s->post_stop(false);
  wait_for_sessions(kCloseGrace);

  work_.clear();
  for (auto& io : ios_) io->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  expiry_timer_.reset();
  listeners_.clear();
  // Destroys what is still pending (handshakes in progress, stray handlers) in every
  // context before any context's services go away.
  for (auto& io : ios_) io->shut_down_services();
  ios_.clear();

  std::lock_guard lock(mu_);
  state_ = State::stopped;
  cv_.notify_all();
}

Server::Server(ServerConfig cfg, QueueStore& queues, MessageStore& messages, StoreLog* log)
    : impl_(std::make_unique<Impl>(std::move(cfg), queues, messages, log)) {}

Server::~Server() = default;

Result<void> Server::start() { return impl_->start(); }
std::vector<std::uint16_t> Server::bound_ports() const { return impl_->bound_ports(); }
void Server::stop() { impl_->stop(); }
void Server::wait() { impl_->wait(); }
const ServerStats& Server::stats() const { return impl_->ctx_.stats; }
ServerContext& Server::context() { return impl_->ctx_; }
const Bytes& Server::key_hash() const {
  static const Bytes none;
  return impl_->identity_ ? impl_->identity_->key_hash : none;
}

}  // namespace smp::server
