#include "smp/server/control_port.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "smp/common/bytes.h"
#include "smp/transport/listen.h"

namespace smp::server {

namespace net = boost::asio;
namespace beast = boost::beast;
using Tcp = net::ip::tcp;

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
// The reference listens on loopback only (runLocalTCPServer).
constexpr std::string_view kControlHost = "127.0.0.1";

}  // namespace

struct detail::ControlPortState {
  ControlPortState(net::any_io_executor executor, const ControlPortOptions& o, ServerControl& c,
                   const ControlPasswords& p)
      : acceptor(std::move(executor)), options(o), control(c), passwords(p) {}
  Tcp::acceptor acceptor;
  const ControlPortOptions options;
  ServerControl& control;
  const ControlPasswords& passwords;
  std::size_t connections = 0;  // open now; only the executor's thread touches it
};

namespace {

using State = detail::ControlPortState;

// Keeps the count of open connections while a connection runs.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(State& state) : state_(state) { ++state_.connections; }
  ~ConnectionSlot() { --state_.connections; }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  State& state_;
};

net::awaitable<bool> write_text(beast::tcp_stream& stream, std::string_view text,
                                std::chrono::seconds timeout) {
  stream.expires_after(timeout);
  auto [ec, n] = co_await net::async_write(stream, net::buffer(text.data(), text.size()),
                                           kUseTuple);
  co_return !ec;
}

// One connection: the greeting, then a line, its answer, the next line, ...
net::awaitable<void> serve(Tcp::socket socket, std::shared_ptr<State> state) {
  const ControlPortOptions& o = state->options;
  if (state->connections >= o.max_connections) {
    // Closed at once, so that a flood of connections holds nothing: the send buffer of a
    // new socket is empty, so this short write does not wait.
    spdlog::debug("control port: too many connections, one refused");
    beast::error_code ignored;
    net::write(socket, net::buffer(std::string_view("error: too many connections\n")), ignored);
    co_return;
  }
  beast::tcp_stream stream(std::move(socket));
  ConnectionSlot slot(*state);
  ControlSession session(state->control, state->passwords);
  if (!co_await write_text(stream, kControlPortGreeting, o.write_timeout)) co_return;
  std::string input;
  for (;;) {
    stream.expires_after(o.idle_timeout);
    auto [ec, n] = co_await net::async_read_until(
        stream, net::dynamic_buffer(input, o.max_line_length + 1), '\n', kUseTuple);
    if (ec == net::error::not_found) {  // the buffer filled up without a newline
      co_await write_text(stream, "error: line too long\n", o.write_timeout);
      break;
    }
    if (ec) break;  // closed, reset or timed out
    ControlSession::Answer a = session.answer(std::string_view(input).substr(0, n - 1));
    secure_wipe(input.data(), n);  // the line may have been `auth <password>`
    input.erase(0, n);
    if (a.close) break;
    if (!a.text.empty() && !co_await write_text(stream, a.text, o.write_timeout)) break;
  }
  secure_wipe(input.data(), input.size());
  beast::error_code ignored;
  stream.socket().shutdown(Tcp::socket::shutdown_both, ignored);
}

net::awaitable<void> accept_loop(std::shared_ptr<State> state) {
  for (;;) {
    auto [ec, socket] = co_await state->acceptor.async_accept(kUseTuple);
    if (!state->acceptor.is_open()) co_return;
    if (ec) {
      spdlog::warn("control port: accept failed: {}", ec.message());
      continue;
    }
    net::co_spawn(state->acceptor.get_executor(), serve(std::move(socket), state),
                  net::detached);
  }
}

}  // namespace

AppResult<std::unique_ptr<ControlPort>> ControlPort::listen(net::any_io_executor executor,
                                                            const ControlPortOptions& options,
                                                            ServerControl& control,
                                                            const ControlPasswords& passwords) {
  auto state = std::make_shared<State>(executor, options, control, passwords);
  auto listening = transport::listen_on(state->acceptor, std::string(kControlHost), options.port);
  if (!listening) return AppError{listening.error() + " (control port)"};
  beast::error_code ec;
  std::uint16_t bound = state->acceptor.local_endpoint(ec).port();
  if (ec) return AppError{"cannot listen for the control port: " + ec.message()};
  net::co_spawn(executor, accept_loop(state), net::detached);
  return std::unique_ptr<ControlPort>(new ControlPort(std::move(state), bound));
}

ControlPort::ControlPort(std::shared_ptr<detail::ControlPortState> state, std::uint16_t port)
    : state_(std::move(state)), port_(port) {}

ControlPort::~ControlPort() { close(); }

void ControlPort::close() {
  beast::error_code ignored;
  if (state_->acceptor.is_open()) state_->acceptor.close(ignored);
}

}  // namespace smp::server
