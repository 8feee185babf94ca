// The client library against servers that misbehave: closing mid-command, never answering,
// answering for another queue or with the wrong message, and connection failures (nothing
// listening, a wrong fingerprint, a silent peer). Every case ends in a typed error, never a hang.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "client_fake_server.h"
#include "client_test_util.h"
#include "smp/client/blocking_client.h"

namespace smp::client {
namespace {

using namespace std::chrono_literals;
using test::FakeSmpServer;
namespace msg = protocol::msg;

// Reads one command and returns it parsed, or nullopt when the client went away. The
// content it views lives in `storage`.
net::awaitable<std::optional<protocol::ReceivedCommand>> next_command(transport::BlockTransport& t,
                                                                      Bytes& storage) {
  auto block = co_await t.read_block();
  if (!block) co_return std::nullopt;
  storage = std::move(*block);
  co_return protocol::receive_command(storage, t.session_id());
}

// A script answering every command with answer(command).
using Answerer =
    std::function<std::pair<Bytes, protocol::BrokerMessage>(const protocol::ReceivedCommand&)>;
FakeSmpServer::Script answer_each(Answerer answerer) {
  return [answerer](transport::BlockTransport& t) -> net::awaitable<void> {
    Bytes storage;
    while (auto cmd = co_await next_command(t, storage)) {
      auto [queue_id, m] = answerer(*cmd);
      co_await FakeSmpServer::answer(t, cmd->corr_id, queue_id, m);
    }
  };
}

std::unique_ptr<BlockingSmpClient> connect(const FakeSmpServer& server, ClientConfig config = {}) {
  auto c = BlockingSmpClient::connect(server.address(), config);
  EXPECT_TRUE(c) << c.error().message();
  return c ? std::move(*c) : nullptr;
}

const Bytes kQueue(24, 0x11);

TEST(ClientFailures, ServerClosingMidCommandFailsItAtOnce) {
  FakeSmpServer server([](transport::BlockTransport& t) -> net::awaitable<void> {
    (void)co_await t.read_block();  // take the command, then hang up without answering
  });
  auto c = connect(server, ClientConfig{.command_timeout = 30s});
  ASSERT_TRUE(c);
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(c->ping().error(), errc::connection_closed);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_FALSE(c->is_open());
  EXPECT_EQ(c->next_event(2s).error(), errc::connection_closed);
  EXPECT_EQ(c->ping().error(), errc::connection_closed);
}

TEST(ClientFailures, DisconnectCallbackRunsOnceWithPendingRequestsFailed) {
  FakeSmpServer server([](transport::BlockTransport& t) -> net::awaitable<void> {
    Bytes storage;
    co_await next_command(t, storage);
    co_await next_command(t, storage);  // two commands outstanding, then close
  });
  net::io_context io;
  std::atomic<int> disconnects{0};
  ClientCallbacks callbacks;
  callbacks.on_disconnect = [&](error_code) { ++disconnects; };
  auto client = test::await_done(
      io, SmpClient::connect(io.get_executor(), server.address(),
                             ClientConfig{.command_timeout = 30s}, std::move(callbacks)));
  ASSERT_TRUE(client && *client);
  std::shared_ptr<SmpClient> c = std::move(**client);
  std::vector<error_code> results;
  for (int i = 0; i < 2; ++i) {
    net::co_spawn(io, c->ping(),
                  [&](std::exception_ptr, Result<void> r) { results.push_back(r.error()); });
  }
  EXPECT_TRUE(test::run_until(io, [&] { return results.size() == 2 && disconnects > 0; }));
  ASSERT_EQ(results.size(), 2u);
  for (auto& e : results) EXPECT_EQ(e, errc::connection_closed);
  EXPECT_EQ(disconnects.load(), 1);
}

TEST(ClientFailures, UnansweredCommandTimesOutAndConnectionStays) {
  FakeSmpServer server([](transport::BlockTransport& t) -> net::awaitable<void> {
    Bytes storage;
    while (co_await next_command(t, storage)) {
    }
  });
  auto c = connect(server, ClientConfig{.command_timeout = 200ms, .ping_interval = 0s});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ping().error(), errc::timeout);
  EXPECT_EQ(c->ping().error(), errc::timeout);
  EXPECT_TRUE(c->is_open());
  EXPECT_EQ(c->async_client().stats().timeouts, 2u);
}

TEST(ClientFailures, AnswerForAnotherQueueIsUnexpectedResponse) {
  FakeSmpServer server(answer_each([](const protocol::ReceivedCommand&) {
    return std::pair<Bytes, protocol::BrokerMessage>{Bytes(24, 0x22), msg::Ok{}};
  }));
  auto c = connect(server);
  ASSERT_TRUE(c);
  auto key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  EXPECT_EQ(c->subscribe(key.private_key, kQueue).error(), errc::unexpected_response);
  EXPECT_EQ(c->send_message(nullptr, kQueue, as_bytes("x")).error(), errc::unexpected_response);
}

TEST(ClientFailures, AnswerOfTheWrongKindIsUnexpectedResponse) {
  static const Bytes kNotifierId(24, 3);  // outlives the answers, which view it
  FakeSmpServer server(answer_each([](const protocol::ReceivedCommand& cmd) {
    if (cmd.message && std::holds_alternative<protocol::cmd::New>(*cmd.message)) {
      return std::pair<Bytes, protocol::BrokerMessage>{{}, msg::Pong{}};
    }
    return std::pair<Bytes, protocol::BrokerMessage>{to_bytes(cmd.queue_id), msg::Nid{kNotifierId}};
  }));
  auto c = connect(server);
  ASSERT_TRUE(c);
  auto key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  EXPECT_EQ(c->create_queue().error(), errc::unexpected_response);
  EXPECT_EQ(c->subscribe(key.private_key, kQueue).error(), errc::unexpected_response);
  EXPECT_EQ(c->ack(key.private_key, kQueue).error(), errc::unexpected_response);
  EXPECT_TRUE(c->is_open());
}

TEST(ClientFailures, UnparsableAnswerIsResponseParse) {
  FakeSmpServer server([](transport::BlockTransport& t) -> net::awaitable<void> {
    Bytes storage;
    while (auto cmd = co_await next_command(t, storage)) {
      Bytes content{0};  // unsigned
      for (ByteView field : {t.session_id(), cmd->corr_id, cmd->queue_id}) {
        content.push_back(static_cast<std::uint8_t>(field.size()));
        append(content, field);
      }
      append(content, as_bytes("HELLO there"));
      (void)co_await t.write_block(content);
    }
  });
  auto c = connect(server);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ping().error(), errc::response_parse);
  EXPECT_TRUE(c->is_open());
}

TEST(ClientFailures, ServerErrorWithoutQueueIdIsReturnedAsIs) {
  FakeSmpServer server(answer_each([](const protocol::ReceivedCommand&) {
    return std::pair<Bytes, protocol::BrokerMessage>{{}, msg::Err{errc::smp_session}};
  }));
  auto c = connect(server);
  ASSERT_TRUE(c);
  auto key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  EXPECT_EQ(c->subscribe(key.private_key, kQueue).error(), errc::smp_session);
}

TEST(ClientFailures, AnswersOutOfOrderReachTheirRequests) {
  // Reads two commands, answers the second first: PING gets PONG, SEND gets OK.
  FakeSmpServer server([](transport::BlockTransport& t) -> net::awaitable<void> {
    Bytes first_storage, second_storage;
    auto first = co_await next_command(t, first_storage);
    auto second = co_await next_command(t, second_storage);
    if (!first || !second) co_return;
    for (const auto* cmd : {&*second, &*first}) {
      bool is_ping = cmd->message && std::holds_alternative<protocol::cmd::Ping>(*cmd->message);
      if (is_ping) {
        co_await FakeSmpServer::answer(t, cmd->corr_id, {}, msg::Pong{});
      } else {
        co_await FakeSmpServer::answer(t, cmd->corr_id, cmd->queue_id, msg::Ok{});
      }
    }
    Bytes rest;
    while (co_await next_command(t, rest)) {
    }
  });
  net::io_context io;
  auto client = test::await_done(io, SmpClient::connect(io.get_executor(), server.address(),
                                                        ClientConfig{.ping_interval = 0s}));
  ASSERT_TRUE(client && *client);
  std::shared_ptr<SmpClient> c = std::move(**client);
  std::optional<Result<void>> ping, send;
  net::co_spawn(io, c->ping(), [&](std::exception_ptr, Result<void> r) { ping = r; });
  net::co_spawn(io, c->send_message(nullptr, kQueue, as_bytes("x")),
                [&](std::exception_ptr, Result<void> r) { send = r; });
  EXPECT_TRUE(test::run_until(io, [&] { return ping && send; }));
  ASSERT_TRUE(ping && send);
  EXPECT_TRUE(ping->has_value());
  EXPECT_TRUE(send->has_value());
}

TEST(ClientFailures, NothingListeningIsNetworkError) {
  std::uint16_t port = 0;
  {
    net::io_context io;
    net::ip::tcp::acceptor probe(io, {net::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  protocol::SmpServer address{"127.0.0.1", std::to_string(port), Bytes(32, 1)};
  EXPECT_EQ(BlockingSmpClient::connect(address).error(), errc::network);
}

TEST(ClientFailures, WrongFingerprintIsTlsFailure) {
  FakeSmpServer server([](transport::BlockTransport&) -> net::awaitable<void> { co_return; });
  auto address = server.address();
  address.key_hash[0] ^= 0x80;
  EXPECT_EQ(BlockingSmpClient::connect(address).error(), errc::tls_failure);
}

TEST(ClientFailures, SilentPeerTimesOutConnecting) {
  FakeSmpServer server({}, FakeSmpServer::Mode::tcp_only);
  auto started = std::chrono::steady_clock::now();
  auto c = BlockingSmpClient::connect(server.address(), ClientConfig{.connect_timeout = 300ms});
  EXPECT_EQ(c.error(), errc::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

}  // namespace
}  // namespace smp::client
