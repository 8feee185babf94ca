// Every SMP command through the client library (SmpClient and its blocking facade) against
// the in-process server over real TLS: answers, server errors as errc values, MSG bodies that
// decrypt, server events (MSG, END, NMSG), keep-alive and disconnects.

#include <atomic>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <gtest/gtest.h>

#include "smp/protocol/batch.h"
#include "smp/protocol/rcv_message.h"

#include "client_fixture.h"
#include "client_test_util.h"
#include "smp/client/blocking_client.h"
#include "smp/client/message_crypto.h"
#include "smp/client/smp_client.h"
#include "smp/protocol/transmission.h"
#include "smp/protocol/wire_format.h"

namespace smp::client {
namespace {

using namespace std::chrono_literals;
using crypto::KeyAlgorithm;
namespace net = boost::asio;

class ClientCommandsTest : public test::ClientFixture {};

TEST_F(ClientCommandsTest, CreateSendReceiveAcknowledge) {
  auto recipient = connect();
  auto sender = connect();
  ASSERT_TRUE(recipient && sender);
  auto q = recipient->create_queue();
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_EQ(q->ids.recipient_id.size(), 24u);
  EXPECT_EQ(q->ids.sender_id.size(), 24u);
  EXPECT_EQ(q->dh_secret.size(), 32u);

  ASSERT_TRUE(sender->send_message(nullptr, q->ids.sender_id, as_bytes("hello")));
  ASSERT_TRUE(sender->send_message(nullptr, q->ids.sender_id, as_bytes("world")));
  // NEW subscribed the creating connection.
  EXPECT_EQ(receive_text(*recipient, *q), "hello");
  EXPECT_EQ(recipient->next_event(200ms).error(), errc::timeout);  // one unACKed at a time
  // The next message is ACK's answer; it arrives as an event too.
  ASSERT_TRUE(recipient->ack(q->recipient_key, q->ids.recipient_id));
  EXPECT_EQ(receive_text(*recipient, *q), "world");
  ASSERT_TRUE(recipient->ack(q->recipient_key, q->ids.recipient_id));
  EXPECT_EQ(recipient->ack(q->recipient_key, q->ids.recipient_id).error(), errc::smp_no_msg);
}

TEST_F(ClientCommandsTest, SubscribeAnswersWithTheWaitingMessage) {
  auto creator = connect();
  ASSERT_TRUE(creator);
  auto q = creator->create_queue(KeyAlgorithm::ed448);
  ASSERT_TRUE(q);
  ASSERT_TRUE(creator->send_message(nullptr, q->ids.sender_id, as_bytes("waiting")));
  EXPECT_EQ(receive_text(*creator, *q), "waiting");

  // Another connection takes the subscription: SUB is answered by the unACKed message and the
  // first connection gets END.
  auto other = connect();
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->subscribe(q->recipient_key, q->ids.recipient_id));
  EXPECT_EQ(receive_text(*other, *q), "waiting");
  auto end = creator->next_event(3s);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->kind, EventKind::end);
  EXPECT_EQ(end->queue_id, q->ids.recipient_id);
}

TEST_F(ClientCommandsTest, SecuredQueueAcceptsOnlySignedSends) {
  auto recipient = connect();
  auto sender = connect();
  ASSERT_TRUE(recipient && sender);
  auto q = recipient->create_queue();
  ASSERT_TRUE(q);
  auto sender_key = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  ASSERT_TRUE(
      recipient->secure_queue(q->recipient_key, q->ids.recipient_id, sender_key.public_key));
  EXPECT_EQ(
      recipient->secure_queue(q->recipient_key, q->ids.recipient_id, sender_key.public_key).error(),
      errc::smp_auth);
  EXPECT_EQ(sender->send_message(nullptr, q->ids.sender_id, as_bytes("x")).error(), errc::smp_auth);
  auto wrong = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(sender->send_message(&wrong.private_key, q->ids.sender_id, as_bytes("x")).error(),
            errc::smp_auth);
  ASSERT_TRUE(sender->send_message(&sender_key.private_key, q->ids.sender_id, as_bytes("signed")));
  EXPECT_EQ(receive_text(*recipient, *q), "signed");
}

TEST_F(ClientCommandsTest, CreateWithCallerKeysReturnsTheServerDhKey) {
  auto c = connect();
  ASSERT_TRUE(c);
  auto rk = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto dh = crypto::generate_key_pair(KeyAlgorithm::x25519);
  auto ids = c->create_queue(rk.private_key, dh.public_key);
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids->server_dh_key.algorithm(), KeyAlgorithm::x25519);
  auto secret = queue_dh_secret(ids->server_dh_key, dh.private_key);
  ASSERT_TRUE(secret);
  ASSERT_TRUE(c->send_message(nullptr, ids->sender_id, as_bytes("mine")));
  auto event = c->next_event(3s);
  ASSERT_TRUE(event);
  auto body = decrypt_message_body(secret->view(), event->message);
  ASSERT_TRUE(body);
  EXPECT_EQ(as_chars(*body), "mine");
  // A DH key of the wrong algorithm is the server's CMD SYNTAX... or refused before sending.
  auto not_dh = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_FALSE(c->create_queue(rk.private_key, not_dh.public_key));
}

TEST_F(ClientCommandsTest, WrongOrUnknownKeysAreAuth) {
  auto c = connect();
  ASSERT_TRUE(c);
  auto q = c->create_queue();
  ASSERT_TRUE(q);
  auto stranger = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(c->subscribe(stranger.private_key, q->ids.recipient_id).error(), errc::smp_auth);
  EXPECT_EQ(c->delete_queue(stranger.private_key, q->ids.recipient_id).error(), errc::smp_auth);
  Bytes unknown(24, 0x77);
  EXPECT_EQ(c->subscribe(q->recipient_key, unknown).error(), errc::smp_auth);
  EXPECT_EQ(c->send_message(nullptr, unknown, as_bytes("x")).error(), errc::smp_auth);
  EXPECT_EQ(c->ack(q->recipient_key, unknown).error(), errc::smp_auth);
  EXPECT_TRUE(c->is_open());
}

TEST_F(ClientCommandsTest, SuspendStopsSendsButQueuedMessagesArrive) {
  auto recipient = connect();
  auto sender = connect();
  ASSERT_TRUE(recipient && sender);
  auto q = recipient->create_queue();
  ASSERT_TRUE(q);
  ASSERT_TRUE(sender->send_message(nullptr, q->ids.sender_id, as_bytes("before")));
  EXPECT_EQ(receive_text(*recipient, *q), "before");
  ASSERT_TRUE(recipient->suspend_queue(q->recipient_key, q->ids.recipient_id));
  EXPECT_EQ(sender->send_message(nullptr, q->ids.sender_id, as_bytes("after")).error(),
            errc::smp_auth);
  ASSERT_TRUE(recipient->ack(q->recipient_key, q->ids.recipient_id));
}

TEST_F(ClientCommandsTest, DeleteRemovesTheQueue) {
  auto c = connect();
  ASSERT_TRUE(c);
  auto q = c->create_queue();
  ASSERT_TRUE(q);
  ASSERT_TRUE(c->delete_queue(q->recipient_key, q->ids.recipient_id));
  EXPECT_EQ(c->subscribe(q->recipient_key, q->ids.recipient_id).error(), errc::smp_auth);
  EXPECT_EQ(c->send_message(nullptr, q->ids.sender_id, as_bytes("x")).error(), errc::smp_auth);
  EXPECT_EQ(c->delete_queue(q->recipient_key, q->ids.recipient_id).error(), errc::smp_auth);
}

TEST_F(ClientCommandsTest, NotifierSubscriptionSeesNewMessages) {
  auto recipient = connect();
  auto notifier = connect();
  auto sender = connect();
  ASSERT_TRUE(recipient && notifier && sender);
  auto q = recipient->create_queue();
  ASSERT_TRUE(q);
  auto nk = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto nid = recipient->enable_notifications(q->recipient_key, q->ids.recipient_id, nk.public_key);
  ASSERT_TRUE(nid);
  EXPECT_EQ(nid->size(), 24u);
  EXPECT_EQ(
      recipient->enable_notifications(q->recipient_key, q->ids.recipient_id, nk.public_key).error(),
      errc::smp_auth);
  EXPECT_EQ(notifier->subscribe_notifications(q->recipient_key, *nid).error(), errc::smp_auth);
  ASSERT_TRUE(notifier->subscribe_notifications(nk.private_key, *nid));
  ASSERT_TRUE(sender->send_message(nullptr, q->ids.sender_id, as_bytes("ring")));
  auto event = notifier->next_event(3s);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, EventKind::notification);
  EXPECT_EQ(event->queue_id, *nid);
  EXPECT_EQ(receive_text(*recipient, *q), "ring");
}

TEST_F(ClientCommandsTest, MessageSizeLimitIs16088Bytes) {
  auto c = connect();
  ASSERT_TRUE(c);
  auto q = c->create_queue();
  ASSERT_TRUE(q);
  std::string largest(protocol::kMaxMessageLength, 'a');
  std::string too_large(protocol::kMaxMessageLength + 1, 'b');
  EXPECT_EQ(c->send_message(nullptr, q->ids.sender_id, as_bytes(too_large)).error(),
            errc::smp_large_msg);
  ASSERT_TRUE(c->send_message(nullptr, q->ids.sender_id, as_bytes(largest)));
  EXPECT_EQ(receive_text(*c, *q), largest);
  // A body that cannot fit a block is refused before sending; the connection stays usable.
  std::string unsendable(protocol::kBlockSize, 'c');
  EXPECT_EQ(c->send_message(nullptr, q->ids.sender_id, as_bytes(unsendable)).error(),
            errc::transport_large_msg);
  EXPECT_TRUE(c->ping());
}

TEST_F(ClientCommandsTest, TheCurrentGenerationCarriesTheCommandsInsideBlockEncryption) {
  auto current = connect(ClientConfig{.protocols = transport::ClientProtocols::current_and_v1});
  auto v1 = connect();
  ASSERT_TRUE(current && v1);
  const transport::SessionParams& p = current->async_client().params();
  EXPECT_TRUE(p.current);
  EXPECT_EQ(p.version, protocol::kSmpCurrentVersionMax);
  EXPECT_TRUE(p.block_encryption);
  EXPECT_EQ(current->async_client().session_id().size(), protocol::kTls13SessionIdSize);
  EXPECT_FALSE(v1->async_client().params().current);
  EXPECT_EQ(v1->async_client().session_id().size(), protocol::kTls12SessionIdSize);

  // A queue made over the current connection takes a message from the v1 one.
  auto q = current->create_queue();
  ASSERT_TRUE(q) << q.error().message();
  ASSERT_TRUE(v1->send_message(nullptr, q->ids.sender_id, as_bytes("across")));
  Bytes msg_id;
  EXPECT_EQ(receive_text(*current, *q, &msg_id), "across");
  ASSERT_TRUE(current->ack(q->recipient_key, q->ids.recipient_id, msg_id));

  // Block encryption leaves 16366 bytes for a block's content instead of 16382: a SEND
  // whose transmission falls between the two is refused before it is sent on the current
  // connection, and goes out on the v1 one (where the server refuses the body).
  // The current generation's SEND is a batch of one (protocol/batch.h).
  protocol::TransmissionIds ids{current->async_client().session_id(), as_bytes("9"),
                                q->ids.sender_id};
  std::string body(16000, 'x');
  Bytes probe(protocol::kMaxBatchContent);
  auto probe_size = protocol::encode_command_batch1(
      protocol::TransmissionParams::for_version(p.version, ids.session_id), ids,
      protocol::cmd::Send{as_bytes(body)}, {}, probe);
  ASSERT_TRUE(probe_size);
  body.resize(body.size() + (protocol::kMaxEncryptedBlockContent + 8) - *probe_size, 'x');
  EXPECT_EQ(current->send_message(nullptr, q->ids.sender_id, as_bytes(body)).error(),
            errc::transport_large_msg);
  EXPECT_EQ(v1->send_message(nullptr, q->ids.sender_id, as_bytes(body)).error(),
            errc::smp_large_msg);
  EXPECT_TRUE(current->ping());
}

TEST_F(ClientCommandsTest, PingAnswersAndCorrIdsCountFromZero) {
  auto c = connect(ClientConfig{.ping_interval = 0s});
  ASSERT_TRUE(c);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c->ping());
  EXPECT_EQ(c->async_client().stats().requests, 3u);
  EXPECT_EQ(c->async_client().session_id().size(), protocol::kTls12SessionIdSize);
}

TEST_F(ClientCommandsTest, KeepAlivePingsOnItsInterval) {
  auto c = connect(ClientConfig{.ping_interval = 50ms});
  ASSERT_TRUE(c);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (c->async_client().stats().pongs_received < 3 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  auto stats = c->async_client().stats();
  EXPECT_GE(stats.pongs_received, 3u);
  EXPECT_GE(stats.pings_sent, stats.pongs_received);
  EXPECT_EQ(stats.timeouts, 0u);
}

TEST_F(ClientCommandsTest, ServerStopFailsCallsAndReportsTheDisconnect) {
  net::io_context io;
  std::atomic<int> disconnects{0};
  ClientCallbacks callbacks;
  callbacks.on_disconnect = [&](error_code) { ++disconnects; };
  auto client = test::await_done(
      io, SmpClient::connect(io.get_executor(), address(), {}, std::move(callbacks)));
  ASSERT_TRUE(client && *client);
  SmpClient& c = ***client;
  ASSERT_TRUE(test::await_done(io, c.ping())->has_value());

  server_.server().stop();
  EXPECT_TRUE(test::run_until(io, [&] { return disconnects.load() > 0; }));
  EXPECT_EQ(disconnects.load(), 1);
  EXPECT_FALSE(c.is_open());
  auto after = test::await_done(io, c.ping());
  ASSERT_TRUE(after);
  EXPECT_EQ(after->error(), errc::connection_closed);
}

TEST_F(ClientCommandsTest, OverlappingCommandsEachGetTheirAnswer) {
  net::io_context io;
  auto client = test::await_done(io, SmpClient::connect(io.get_executor(), address()));
  ASSERT_TRUE(client && *client);
  std::shared_ptr<SmpClient> c = std::move(**client);
  auto q = test::await_done(io, c->create_queue());
  ASSERT_TRUE(q && *q);
  const Bytes sid = (*q)->ids.sender_id;

  constexpr int kCount = 40;
  int ok = 0, failed = 0;
  for (int i = 0; i < kCount; ++i) {
    net::co_spawn(
        io,
        [c, sid, i]() -> net::awaitable<Result<void>> {
          if (i % 2 == 0) co_return co_await c->ping();
          std::string body = fmt::format("m{}", i);
          co_return co_await c->send_message(nullptr, sid, as_bytes(body));
        },
        [&](std::exception_ptr e, Result<void> r) { (!e && r) ? ++ok : ++failed; });
  }
  EXPECT_TRUE(test::run_until(io, [&] { return ok + failed == kCount; }));
  EXPECT_EQ(ok, kCount);
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(c->stats().requests, static_cast<std::uint64_t>(kCount) + 1);
}

TEST_F(ClientCommandsTest, EventsCanGoToACallerOwnedChannel) {
  net::io_context io;
  auto channel = std::make_shared<EventChannel>(io, 4);
  ClientCallbacks callbacks;
  callbacks.event_channel = channel;
  auto client = test::await_done(
      io, SmpClient::connect(io.get_executor(), address(), {}, std::move(callbacks)));
  ASSERT_TRUE(client && *client);
  SmpClient& c = ***client;
  auto q = test::await_done(io, c.create_queue());
  ASSERT_TRUE(q && *q);
  ASSERT_TRUE(
      test::await_done(io, c.send_message(nullptr, (*q)->ids.sender_id, as_bytes("via channel")))
          ->has_value());
  auto event = test::await_done(io, [&]() -> net::awaitable<ServerEvent> {
    co_return co_await channel->async_receive(net::use_awaitable);
  }());
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, EventKind::message);
  auto body = decrypt_message_body((*q)->dh_secret.view(), event->message);
  ASSERT_TRUE(body);
  EXPECT_EQ(as_chars(*body), "via channel");
}

TEST_F(ClientCommandsTest, CloseFailsLaterCallsAndEndsTheEventStream) {
  auto c = connect();
  ASSERT_TRUE(c);
  c->close();
  EXPECT_EQ(c->next_event(2s).error(), errc::connection_closed);
  EXPECT_EQ(c->ping().error(), errc::connection_closed);
  EXPECT_FALSE(c->is_open());
}

}  // namespace
}  // namespace smp::client
