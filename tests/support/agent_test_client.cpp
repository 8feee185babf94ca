#include "support/agent_test_client.h"

#include <array>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include "smp/transport/connect.h"
#include "support/run_awaitable.h"

namespace smp::test {

namespace net = boost::asio;

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

std::string describe(const agent::ReceivedTransmission& t) {
  std::string what;
  if (t.ok()) {
    auto encoded = agent::encode_command(t.command());
    what = encoded ? std::string(as_chars(*encoded)) : "<unencodable command>";
  } else {
    what = "<parse error " + agent::encode_agent_error(t.error()) + ">";
  }
  return "(" + t.corr_id + ", " + t.conn_id + ", " + what + ")";
}

}  // namespace

Result<std::unique_ptr<AgentTestClient>> AgentTestClient::try_connect(
    std::uint16_t port, const Bytes& key_hash, std::chrono::milliseconds timeout,
    const std::string& host) {
  std::unique_ptr<AgentTestClient> c(new AgentTestClient());
  auto ctx = transport::shared_client_context();
  if (!ctx) return ctx.error();
  std::optional<Result<std::unique_ptr<transport::StreamTransport>>> t;
  net::co_spawn(c->io_,
                transport::connect_stream(c->io_.get_executor(), **ctx, host, std::to_string(port),
                                          key_hash, transport::TransportKind::tls, timeout, false),
                [&](std::exception_ptr e, Result<std::unique_ptr<transport::StreamTransport>> r) {
                  if (e) {
                    t.emplace(make_error_code(errc::network));
                  } else {
                    t.emplace(std::move(r));
                  }
                });
  c->io_.run_for(timeout + 1s);
  if (!t) return make_error_code(errc::timeout);
  if (!*t) return t->error();
  c->transport_ = std::move(**t);
  c->start_reader();
  return c;
}

std::unique_ptr<AgentTestClient> AgentTestClient::connect(std::uint16_t port, const Bytes& key_hash,
                                                          std::chrono::milliseconds timeout) {
  auto c = try_connect(port, key_hash, timeout);
  if (!c) {
    ADD_FAILURE() << "connect to the agent failed: " << c.error().message();
    return nullptr;
  }
  auto welcome = (*c)->read_line(timeout);
  if (!welcome) {
    ADD_FAILURE() << "no welcome line";
    return nullptr;
  }
  EXPECT_EQ(*welcome, std::string(agent::kAgentWelcome) + "\r");
  return std::move(*c);
}

AgentTestClient::~AgentTestClient() {
  if (!transport_) return;
  transport_->close();
  pump_until([this] { return reader_done_; }, 1s);
}

void AgentTestClient::start_reader() {
  auto reader = [](AgentTestClient& self) -> net::awaitable<void> {
    std::array<char, 16 * 1024> buffer{};
    for (;;) {
      auto [ec, n] =
          co_await self.transport_->tls().async_read_some(net::buffer(buffer), kUseTuple);
      if (ec) break;
      self.inbox_.append(buffer.data(), n);
    }
    self.closed_ = true;
    self.reader_done_ = true;
  };
  net::co_spawn(io_, reader(*this), net::detached);
}

template <class Done>
bool AgentTestClient::pump_until(Done done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    if (io_.stopped()) io_.restart();
    if (io_.run_one_for(deadline - now) == 0 && io_.stopped()) {
      return done();  // out of work: nothing more will arrive
    }
  }
  return true;
}

void AgentTestClient::send(std::string_view corr_id, std::string_view conn_id,
                           const agent::AgentCommand& c) {
  auto bytes = agent::encode_transmission(
      agent::Transmission{std::string(corr_id), std::string(conn_id), c});
  ASSERT_TRUE(bytes) << bytes.error().message();
  EXPECT_TRUE(send_raw(as_chars(*bytes))) << "the agent closed the connection";
}

bool AgentTestClient::send_raw(std::string_view bytes) {
  std::optional<bool> ok;
  auto op = [](AgentTestClient& self, std::string_view b) -> net::awaitable<bool> {
    auto [ec, n] = co_await net::async_write(self.transport_->tls(), net::buffer(b), kUseTuple);
    co_return !ec;
  };
  net::co_spawn(io_, op(*this, bytes), [&](std::exception_ptr e, bool r) { ok = !e && r; });
  pump_until([&] { return ok.has_value(); }, 10s);
  return ok.value_or(false);
}

std::optional<agent::ReceivedTransmission> AgentTestClient::receive(
    std::chrono::milliseconds timeout) {
  std::optional<agent::ReceivedTransmission> out;
  auto take = [&] {
    while (!out && !inbox_.empty()) {
      agent::ParseStep step = parser_.parse(as_bytes(inbox_));
      inbox_.erase(0, step.consumed);
      if (step.transmission) out = std::move(step.transmission);
      if (step.consumed == 0) break;
    }
    return out.has_value();
  };
  pump_until(take, timeout);
  return out;
}

std::optional<agent::ReceivedTransmission> AgentTestClient::request(
    std::string_view corr_id, std::string_view conn_id, const agent::AgentCommand& c,
    std::chrono::milliseconds timeout) {
  send(corr_id, conn_id, c);
  return receive(timeout);
}

std::optional<std::string> AgentTestClient::read_line(std::chrono::milliseconds timeout) {
  if (!pump_until([&] { return inbox_.find('\n') != std::string::npos; }, timeout)) {
    return std::nullopt;
  }
  std::size_t lf = inbox_.find('\n');
  std::string line = inbox_.substr(0, lf);
  inbox_.erase(0, lf + 1);
  return line;
}

std::optional<std::string> AgentTestClient::read_bytes(std::size_t n,
                                                       std::chrono::milliseconds timeout) {
  if (!pump_until([&] { return inbox_.size() >= n; }, timeout)) return std::nullopt;
  std::string out = inbox_.substr(0, n);
  inbox_.erase(0, n);
  return out;
}

bool AgentTestClient::nothing_within(std::chrono::milliseconds wait) {
  pump_until([&] { return !inbox_.empty(); }, wait);
  return inbox_.empty();
}

bool AgentTestClient::wait_closed(std::chrono::milliseconds timeout) {
  bool done = pump_until(
      [&] {
        inbox_.clear();
        return closed_;
      },
      timeout);
  return done;
}

void expect_transmission(const std::optional<agent::ReceivedTransmission>& t,
                         std::string_view corr_id, std::string_view conn_id,
                         const agent::AgentCommand& command) {
  ASSERT_TRUE(t) << "no transmission from the agent";
  EXPECT_EQ(t->corr_id, corr_id) << describe(*t);
  EXPECT_EQ(t->conn_id, conn_id) << describe(*t);
  ASSERT_TRUE(t->ok()) << describe(*t);
  EXPECT_EQ(t->command(), command) << describe(*t);
}

void expect_cmd_error(const std::optional<agent::ReceivedTransmission>& t, std::string_view corr_id,
                      std::string_view conn_id, agent::CommandErrorType type) {
  expect_transmission(t, corr_id, conn_id, agent::cmd::Err{agent::cmd_error(type)});
}

}  // namespace smp::test
