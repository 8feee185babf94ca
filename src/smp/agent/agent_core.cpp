#include "smp/agent/agent_core.h"

#include <algorithm>
#include <exception>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace smp::agent {

void throw_exception_from_error(const AgentError& e, const boost::source_location&) {
  throw std::runtime_error("agent error: " + encode_agent_error(e));
}

AgentError store_agent_error(error_code e) {
  if (e == make_error_code(errc::not_found)) return ConnError{ConnectionErrorType::not_found};
  if (e == make_error_code(errc::already_exists)) return ConnError{ConnectionErrorType::duplicate};
  if (e == make_error_code(errc::wrong_state)) return ConnError{ConnectionErrorType::simplex};
  if (e.category() == smp_category()) {
    return InternalError{std::string(errc_name(static_cast<errc>(e.value())))};
  }
  return InternalError{e.message()};
}

AgentError smp_agent_error(error_code e) {
  if (e.category() != smp_category()) return BrokerError{BrokerErrorKind::network};
  const auto v = static_cast<errc>(e.value());
  const int n = e.value();
  if (n >= static_cast<int>(errc::smp_block) && n <= static_cast<int>(errc::smp_internal)) {
    return SmpError{v};
  }
  if (n >= static_cast<int>(errc::crypto_large_msg) && n < static_cast<int>(errc::smp_block)) {
    return crypto_agent_error(v);
  }
  switch (v) {
    case errc::response_parse:
      return broker_response(errc::smp_cmd_syntax);
    case errc::unexpected_response:
      return BrokerError{BrokerErrorKind::unexpected};
    case errc::timeout:
      return BrokerError{BrokerErrorKind::timeout};
    case errc::transport_large_msg:
      return broker_transport(TransportErrorType::large_msg);
    case errc::transport_bad_block:
      return broker_transport(TransportErrorType::block);
    case errc::bad_session:
      return broker_transport(TransportErrorType::session);
    case errc::handshake_parse:
      return broker_transport(TransportErrorType::parse);
    case errc::handshake_version:
      return broker_transport(TransportErrorType::version);
    case errc::handshake_identity:
      return broker_transport(TransportErrorType::identity);
    case errc::network:
    case errc::connection_closed:
    case errc::tls_failure:
      return BrokerError{BrokerErrorKind::network};
    default:
      return InternalError{std::string(errc_name(v))};
  }
}

AgentError to_agent_error(error_code e) {
  if (e.category() == smp_category()) {
    const int n = e.value();
    if (n >= static_cast<int>(errc::crypto_large_msg) && n < static_cast<int>(errc::smp_block)) {
      return crypto_agent_error(static_cast<errc>(n));
    }
    if (n >= static_cast<int>(errc::io_error)) return store_agent_error(e);
    if (n < static_cast<int>(errc::crypto_large_msg)) {
      return InternalError{std::string(errc_name(static_cast<errc>(n)))};
    }
  }
  return smp_agent_error(e);
}

namespace detail {

void AgentCore::log_failure(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    spdlog::error("agent: task failed: {}", x.what());
  } catch (...) {
    spdlog::error("agent: task failed");
  }
}

AgentCore::AgentCore(net::any_io_executor ex, AgentConfig config,
                     std::shared_ptr<SharedAgentStore> store, AgentEventSink sink)
    : strand_(net::make_strand(ex)),
      config_(std::move(config)),
      store_(std::move(store)),
      sink_(std::move(sink)),
      commands_(strand_),
      events_(strand_),
      server_rng_(std::random_device{}()),
      synced_(strand_, net::steady_timer::time_point::max()),
      told_(strand_, net::steady_timer::time_point::max()) {}

void AgentCore::start() {
  std::weak_ptr<AgentCore> weak = weak_from_this();
  ServerClients::Handlers handlers;
  handlers.on_event = [weak](const protocol::SmpServer& server, client::ServerEvent event) {
    if (auto self = weak.lock()) self->events_.push(ServerMessage{server, std::move(event)});
  };
  handlers.on_down = [weak](const protocol::SmpServer& server,
                            std::vector<ServerClients::Subscription> subs) {
    if (auto self = weak.lock()) self->server_down(server, std::move(subs));
  };
  clients_ = std::make_shared<ServerClients>(strand_, config_.smp_client, std::move(handlers));
  open_sync_mailbox();
  auto self = shared_from_this();
  spawn([self]() { return self->command_loop(); });
  spawn([self]() { return self->event_loop(); });
}

void AgentCore::submit(std::string corr_id, ConnId conn_id, AgentCommand command, Reply reply) {
  net::post(strand_, [self = shared_from_this(),
                      c = PendingCommand{std::move(corr_id), std::move(conn_id), std::move(command),
                                         std::move(reply)}]() mutable {
    if (self->closing_) {
      // Answer so that a caller waiting for it is not left hanging (the sink is closed).
      if (c.reply) c.reply(AgentEvent{c.corr_id, c.conn_id, cmd::Err{InternalError{"closed"}}});
      return;
    }
    self->commands_.push(std::move(c));
  });
}

void AgentCore::close() {
  {
    std::lock_guard lock(sink_mutex_);
    if (closed_) return;
    closed_ = true;
  }
  close_sync_mailbox();
  net::post(strand_, [self = shared_from_this()] {
    self->closing_ = true;
    self->synced_.cancel();
    self->told_.cancel();
    self->commands_.close();
    self->events_.close();
    if (self->clients_) self->clients_->close();
    for (auto* t : self->sleepers_) t->cancel();
    self->stop_delivery({});
  });
}

net::awaitable<AgentEvent> AgentCore::call(ConnId conn_id, AgentCommand command) {
  auto self = shared_from_this();
  auto answer = std::make_shared<std::optional<AgentEvent>>();
  auto done = std::make_shared<net::steady_timer>(strand_, net::steady_timer::time_point::max());
  if (!closing_) {
    commands_.push(PendingCommand{"", conn_id, std::move(command), [answer, done](AgentEvent e) {
                                    *answer = std::move(e);
                                    done->cancel();
                                  }});
  }
  while (!answer->has_value() && !closing_) co_await wait_on(*done);
  if (!answer->has_value()) co_return AgentEvent{"", conn_id, cmd::Err{InternalError{"closed"}}};
  co_return std::move(**answer);
}

net::awaitable<void> AgentCore::command_loop() {
  auto self = shared_from_this();
  for (;;) {
    auto c = co_await commands_.pop();
    if (!c) break;
    auto guard = co_await lock_.lock();
    if (closing_ || closed_) break;
    AResult<std::pair<ConnId, AgentCommand>> r = AgentError(InternalError{"command failed"});
    try {
      r = co_await run_command(c->conn_id, std::move(c->command));
    } catch (const std::exception& e) {
      // A bug must not stop the loop: this command fails, the next ones run.
      spdlog::error("agent: command failed: {}", e.what());
    }
    guard.release();
    AgentEvent event =
        r ? AgentEvent{std::move(c->corr_id), std::move(r->first), std::move(r->second)}
          : AgentEvent{std::move(c->corr_id), std::move(c->conn_id), cmd::Err{r.error()}};
    emit(std::move(event), std::move(c->reply));
  }
}

net::awaitable<void> AgentCore::event_loop() {
  auto self = shared_from_this();
  for (;;) {
    auto m = co_await events_.pop();
    if (!m) break;
    auto guard = co_await lock_.lock();
    if (closing_ || closed_) break;
    try {
      co_await process_event(std::move(*m));
    } catch (const std::exception& e) {
      spdlog::error("agent: server event failed: {}", e.what());
    }
  }
}

void AgentCore::notify(const ConnId& conn_id, AgentCommand command) {
  emit(AgentEvent{"", conn_id, std::move(command)});
}

const protocol::SmpServer& AgentCore::pick_server() {
  std::uniform_int_distribution<std::size_t> pick(0, config_.servers.size() - 1);
  return config_.servers[pick(server_rng_)];
}

net::awaitable<AResult<std::shared_ptr<client::SmpClient>>> AgentCore::smp(
    const protocol::SmpServer& server) {
  auto c = co_await clients_->get(server);
  if (!c) co_return smp_agent_error(c.error());
  co_return std::move(*c);
}

net::awaitable<void> AgentCore::wait_on(net::steady_timer& timer) {
  sleepers_.push_back(&timer);
  co_await timer.async_wait(net::as_tuple(net::use_awaitable));
  std::erase(sleepers_, &timer);
}

// Short enough that an idle connection's last message is gone at once; on a busy one the next
// message's transaction has taken the deletions long before.
constexpr std::chrono::milliseconds kStoreFlushDelay{20};

void AgentCore::flush_store_soon() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  auto self = shared_from_this();
  spawn([self]() -> net::awaitable<void> {
    (void)co_await self->sleep(kStoreFlushDelay);  // closing: flushed now, the store stays open
    self->flush_scheduled_ = false;
    auto r = self->db([](AgentStore& s) { return s.flush_deferred_deletions(); });
    if (!r) spdlog::warn("agent: cannot delete finished messages: {}", r.error().message());
  });
}

net::awaitable<bool> AgentCore::sleep(std::chrono::microseconds delay) {
  if (closing_) co_return false;
  net::steady_timer timer(strand_, delay);
  co_await wait_on(timer);
  co_return !closing_;
}

}  // namespace detail
}  // namespace smp::agent
