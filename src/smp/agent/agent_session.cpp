#include "smp/agent/agent_session.h"

#include <array>
#include <exception>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "smp/transport/deadline.h"

namespace smp::agent {

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;
// Queued transmissions sent by one write (one TLS record each, at most).
constexpr std::size_t kMaxGather = 16;

void log_exception(std::exception_ptr e, const char* what) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("agent session {}: {}", what, ex.what());
  } catch (...) {
    spdlog::error("agent session {}: unknown exception", what);
  }
}

Bytes welcome_line() {
  Bytes line = to_bytes(as_bytes(kAgentWelcome));
  append(line, as_bytes(std::string_view("\r\n")));
  return line;
}

}  // namespace

std::shared_ptr<AgentSession> AgentSession::create(
    std::unique_ptr<transport::StreamTransport> transport, AgentSessionLimits limits,
    std::function<void()> on_closed) {
  return std::shared_ptr<AgentSession>(
      new AgentSession(std::move(transport), limits, std::move(on_closed)));
}

AgentSession::AgentSession(std::unique_ptr<transport::StreamTransport> transport,
                           AgentSessionLimits limits, std::function<void()> on_closed)
    : on_closed_(std::move(on_closed)),
      transport_(std::move(transport)),
      executor_(transport_->get_executor()),
      limits_(limits),
      parser_(Party::client, limits.protocol),
      writer_wake_(executor_, std::chrono::steady_clock::time_point::max()),
      reader_wake_(executor_, std::chrono::steady_clock::time_point::max()),
      drain_deadline_(executor_) {}

AgentSession::~AgentSession() {
  if (!closed_ && on_closed_) on_closed_();  // never started
}

void AgentSession::start(const AgentFactory& factory) {
  enqueue(welcome_line());
  // The sink may be called from any thread and after the session is gone: it holds a weak
  // reference and hops onto the strand, which keeps the agent's order.
  AgentEventSink sink = [weak = weak_from_this(), ex = executor_](AgentEvent event) {
    net::post(ex, [weak, event = std::move(event)]() mutable {
      if (auto self = weak.lock()) self->on_event(std::move(event));
    });
  };
  agent_ = factory ? factory(std::move(sink)) : nullptr;
  if (!agent_) {
    spdlog::error("agent session: no agent for the new client; closing the connection");
    close();
    return;
  }
  spawn(reader(), "reader");
  spawn(writer(), "writer");
}

void AgentSession::post_stop(std::chrono::steady_clock::duration drain_timeout) {
  net::post(executor_, [self = shared_from_this(), drain_timeout] { self->drain(drain_timeout); });
}

void AgentSession::drain(std::chrono::steady_clock::duration timeout) {
  if (closed_ || draining_) return;
  draining_ = true;
  // Stops the agent (this session holds it). Once that has returned the agent gives no more
  // events, and those it gave are already posted to this strand, ahead of the marker below.
  agent_.reset();
  net::post(executor_, [self = shared_from_this()] {
    self->drained_ = true;
    self->writer_wake_.cancel();
  });
  drain_deadline_.expires_after(timeout);
  drain_deadline_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      if (!self->closed_) spdlog::info("agent session: output not written in time; closing");
      self->close();
    }
  });
}

void AgentSession::spawn(net::awaitable<void> coroutine, const char* name) {
  net::co_spawn(executor_, std::move(coroutine),
                [self = shared_from_this(), name](std::exception_ptr e) {
                  log_exception(e, name);
                  self->close();
                });
}

void AgentSession::close() {
  if (closed_) return;
  closed_ = true;
  transport_->close();
  writer_wake_.cancel();
  reader_wake_.cancel();
  drain_deadline_.cancel();
  // Queued buffers stay until the writer has finished with them (a write may be pending).
  agent_.reset();
  if (on_closed_) on_closed_();
}

net::awaitable<void> AgentSession::reader() {
  std::array<std::uint8_t, kReadChunk> buffer{};
  while (!closed_) {
    if (queued_bytes_ >= limits_.read_pause_bytes) {
      co_await reader_wake_.async_wait(kUseTuple);  // woken when the queue drains, or closed
      continue;
    }
    auto [ec, n] = co_await transport_->tls().async_read_some(
        net::buffer(buffer.data(), buffer.size()), kUseTuple);
    if (closed_) break;
    if (ec) {
      if (parser_.in_progress()) spdlog::debug("agent session: closed inside a transmission");
      spdlog::debug("agent session: client closed ({})", ec.message());
      break;
    }
    handle_input(ByteView(buffer.data(), n));
  }
  close();
}

void AgentSession::handle_input(ByteView input) {
  while (!input.empty() && !closed_ && !draining_) {
    ParseStep step = parser_.parse(input);
    input = input.subspan(step.consumed);
    if (step.transmission) {
      on_transmission(std::move(*step.transmission));
    } else if (step.consumed == 0) {
      break;  // cannot happen with input left; never spin
    }
  }
}

void AgentSession::on_transmission(ReceivedTransmission t) {
  if (t.ok()) {
    agent_->submit(std::move(t.corr_id), std::move(t.conn_id),
                   std::get<AgentCommand>(std::move(t.result)));
    return;
  }
  // Answered with the corrId and connId read. Posted like the agent's own events, so that it
  // follows the answers an agent gives from within submit(); answers an agent gives later
  // may come after it (in the reference too: both share the output queue).
  AgentEvent event{std::move(t.corr_id), std::move(t.conn_id), cmd::Err{t.error()}};
  net::post(executor_, [self = shared_from_this(), event = std::move(event)]() mutable {
    self->on_event(std::move(event));
  });
}

void AgentSession::on_event(AgentEvent event) {
  if (closed_) return;
  Transmission t{std::move(event.corr_id), std::move(event.conn_id), std::move(event.command)};
  auto encoded = encode_transmission(t);
  if (!encoded) {
    // The client still gets an answer for its corrId where one can be written at all.
    spdlog::error("agent session: cannot encode an agent event: {}", encoded.error().message());
    t.command = cmd::Err{InternalError{"cannot encode the response"}};
    encoded = encode_transmission(t);
    if (!encoded) return;
  }
  enqueue(std::move(*encoded));
}

void AgentSession::enqueue(Bytes data) {
  if (closed_) return;
  if (queued_bytes_ + data.size() > limits_.max_queued_bytes) {
    spdlog::info("agent session: client is not reading its responses; closing the connection");
    close();
    return;
  }
  queued_bytes_ += data.size();
  queue_.push_back(std::move(data));
  writer_wake_.cancel();
}

net::awaitable<Result<void>> AgentSession::write_front(std::size_t count) {
  std::vector<net::const_buffer> buffers;
  buffers.reserve(count);
  for (std::size_t i = 0; i < count; ++i) buffers.emplace_back(queue_[i].data(), queue_[i].size());
  auto [ec, n] = co_await net::async_write(transport_->tls(), buffers, kUseTuple);
  if (ec) co_return make_error_code(errc::connection_closed);
  co_return Result<void>{};
}

net::awaitable<void> AgentSession::writer() {
  for (;;) {
    while (queue_.empty() && !closed_) {
      if (drained_) {
        close();
        co_return;
      }
      writer_wake_.expires_at(std::chrono::steady_clock::time_point::max());
      co_await writer_wake_.async_wait(kUseTuple);
    }
    if (closed_) break;
    const std::size_t count = std::min(queue_.size(), kMaxGather);
    auto written = co_await transport::with_deadline(write_front(count), limits_.send_timeout,
                                                     [this] { transport_->close(); });
    if (!written) {
      if (written.error() == errc::timeout) {
        spdlog::info("agent session: client stopped reading; closing the connection");
      }
      break;
    }
    for (std::size_t i = 0; i < count; ++i) {
      queued_bytes_ -= queue_.front().size();
      queue_.pop_front();
    }
    if (queued_bytes_ < limits_.read_pause_bytes) reader_wake_.cancel();
  }
  close();
}

}  // namespace smp::agent
