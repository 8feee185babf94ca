#include "smp/client/correlation.h"

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include "smp/protocol/transmission.h"
#include "support/run_awaitable.h"
#include "support/vectors.h"

namespace smp::client {
namespace {

using protocol::BrokerMessage;
using protocol::ReceivedBrokerMessage;
namespace msg = protocol::msg;

const Bytes kSession = to_bytes(std::string_view("session-id12"));
const Bytes kQueue(24, 0x51);
const Bytes kOtherQueue(24, 0x52);

class Correlation : public ::testing::Test {
 protected:
  // A transmission as the server would send it, parsed by the client pipeline. The content
  // is kept alive in the fixture because the result views it.
  ReceivedBrokerMessage receive(std::string_view corr_id, ByteView queue_id,
                                const BrokerMessage& m) {
    auto content = protocol::encode_broker_transmission({kSession, as_bytes(corr_id), queue_id}, m);
    EXPECT_TRUE(content.has_value());
    return receive_raw(std::move(*content));
  }
  ReceivedBrokerMessage receive_raw(Bytes content) {
    contents_.push_back(std::make_unique<Bytes>(std::move(content)));
    return protocol::receive_broker_message(*contents_.back(), kSession);
  }
  std::shared_ptr<PendingRequest> add(ByteView queue_id, bool forward = false) {
    auto corr_id = table_.next_corr_id();
    auto request =
        std::make_shared<PendingRequest>(io_.get_executor(), to_bytes(queue_id), forward);
    table_.add(corr_id, request);
    return request;
  }

  boost::asio::io_context io_;
  RequestTable table_;
  std::vector<std::unique_ptr<Bytes>> contents_;
};

TEST_F(Correlation, CorrIdsAreDecimalCounterFromZero) {
  EXPECT_EQ(table_.next_corr_id(), "0");
  EXPECT_EQ(table_.next_corr_id(), "1");
  for (int i = 2; i < 10; ++i) table_.next_corr_id();
  EXPECT_EQ(table_.next_corr_id(), "10");
}

TEST_F(Correlation, TakeRemovesTheRequestOnce) {
  auto request = add(kQueue);
  EXPECT_EQ(table_.size(), 1u);
  EXPECT_EQ(table_.take("0"), request);
  EXPECT_EQ(table_.take("0"), nullptr);
  EXPECT_EQ(table_.take("7"), nullptr);
  EXPECT_EQ(table_.size(), 0u);
}

TEST_F(Correlation, OkWithMatchingCorrIdAndQueueResolvesTheRequest) {
  auto request = add(kQueue);
  Routed r = route(table_, receive("0", kQueue, msg::Ok{}));
  EXPECT_EQ(r.request, request);
  ASSERT_TRUE(r.reply.has_value());
  EXPECT_TRUE(std::holds_alternative<reply::Ok>(*r.reply));
  EXPECT_FALSE(r.event.has_value());
  EXPECT_EQ(table_.size(), 0u);
}

TEST_F(Correlation, AnswersMatchByCorrIdNotByOrder) {
  auto first = add(kQueue);
  auto second = add(kOtherQueue);
  Routed r = route(table_, receive("1", kOtherQueue, msg::Ok{}));
  EXPECT_EQ(r.request, second);
  EXPECT_TRUE(r.reply.has_value());
  EXPECT_EQ(table_.size(), 1u);
  EXPECT_EQ(route(table_, receive("0", kQueue, msg::Ok{})).request, first);
}

TEST_F(Correlation, AnswerForAnotherQueueIsUnexpectedResponse) {
  add(kQueue);
  Routed r = route(table_, receive("0", kOtherQueue, msg::Ok{}));
  ASSERT_NE(r.request, nullptr);
  EXPECT_EQ(r.reply.error(), errc::unexpected_response);
  EXPECT_EQ(table_.size(), 0u);
}

TEST_F(Correlation, ErrForAnotherQueueIsUnexpectedResponse) {
  add(kQueue);
  Routed r = route(table_, receive("0", kOtherQueue, msg::Err{errc::smp_auth}));
  EXPECT_EQ(r.reply.error(), errc::unexpected_response);
}

TEST_F(Correlation, ErrWithoutQueueIdIsTheServerError) {
  add(kQueue);
  Routed r = route(table_, receive("0", {}, msg::Err{errc::smp_session}));
  EXPECT_EQ(r.reply.error(), errc::smp_session);
}

TEST_F(Correlation, UnparsableAnswerIsResponseParseError) {
  add(kQueue);
  Bytes content;
  content.push_back(0);  // no signature
  for (ByteView field : {ByteView(kSession), as_bytes("0"), ByteView(kQueue)}) {
    content.push_back(static_cast<std::uint8_t>(field.size()));
    append(content, field);
  }
  append(content, as_bytes("HELLO"));
  Routed r = route(table_, receive_raw(std::move(content)));
  ASSERT_NE(r.request, nullptr);
  EXPECT_EQ(r.reply.error(), errc::response_parse);
  EXPECT_FALSE(r.event.has_value());
}

TEST_F(Correlation, PongToPingHasNoQueueId) {
  add({});
  Routed r = route(table_, receive("0", {}, msg::Pong{}));
  ASSERT_TRUE(r.reply.has_value());
  EXPECT_TRUE(std::holds_alternative<reply::Pong>(*r.reply));
}

TEST_F(Correlation, MsgWithEmptyCorrIdIsAnEvent) {
  add(kQueue);
  Bytes id(24, 7), body = to_bytes(std::string_view("sealed"));
  Routed r = route(table_, receive("", kQueue, msg::Msg{id, 1641034800, body}));
  EXPECT_EQ(r.request, nullptr);
  ASSERT_TRUE(r.event.has_value());
  EXPECT_EQ(r.event->kind, EventKind::message);
  EXPECT_EQ(r.event->queue_id, kQueue);
  EXPECT_EQ(r.event->message.msg_id, id);
  EXPECT_EQ(r.event->message.timestamp, 1641034800);
  EXPECT_EQ(r.event->message.body, body);
  EXPECT_EQ(table_.size(), 1u);  // the waiting request is untouched
}

TEST_F(Correlation, MsgWithUnknownCorrIdIsAnEvent) {
  Routed r = route(table_, receive("42", kQueue, msg::Msg{Bytes(24, 1), 5, {}}));
  EXPECT_EQ(r.request, nullptr);
  ASSERT_TRUE(r.event.has_value());
  EXPECT_EQ(r.event->kind, EventKind::message);
}

TEST_F(Correlation, EndAndNMsgAreEvents) {
  Routed end = route(table_, receive("", kQueue, msg::End{}));
  ASSERT_TRUE(end.event.has_value());
  EXPECT_EQ(end.event->kind, EventKind::end);
  EXPECT_EQ(end.event->queue_id, kQueue);
  Routed nmsg = route(table_, receive("", kOtherQueue, msg::NMsg{}));
  ASSERT_TRUE(nmsg.event.has_value());
  EXPECT_EQ(nmsg.event->kind, EventKind::notification);
  EXPECT_EQ(nmsg.event->queue_id, kOtherQueue);
  EXPECT_TRUE(nmsg.event->notification.nonce.empty());  // SMP v1's NMSG carries nothing
}

// The current generation's forms, as the transmission pipeline would hand them over: IDS
// with notifier credentials (v17+) and NMSG with its nonce and encrypted metadata (v6+).
TEST_F(Correlation, IdsKeepTheNotifierAndNMsgItsMetadata) {
  auto request = add(kQueue);
  const Bytes rid(24, 1), sid(24, 2), nid(24, 3);
  auto server_dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key;
  auto ntf_dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key;
  ReceivedBrokerMessage ids;
  ids.corr_id = as_bytes("0");
  ids.queue_id = kQueue;
  ids.message = BrokerMessage{msg::Ids{.rcv_id = rid,
                                       .snd_id = sid,
                                       .srv_dh_key = server_dh,
                                       .ntf_creds = msg::Ids::NtfCreds{nid, ntf_dh}}};
  Routed r = route(table_, ids, true);
  ASSERT_EQ(r.request, request);
  ASSERT_TRUE(r.reply.has_value());
  const auto& q = std::get<QueueIds>(*r.reply);
  ASSERT_TRUE(q.notifier.has_value());
  EXPECT_EQ(q.notifier->ids.notifier_id, nid);
  EXPECT_EQ(q.notifier->ids.server_dh_key, ntf_dh);
  EXPECT_EQ(q.notifier->dh_secret.size(), 0u);  // SmpClient::create_queue computes it

  const Bytes nonce(24, 7), meta(144, 9);
  ReceivedBrokerMessage nmsg;
  nmsg.queue_id = nid;
  nmsg.message = BrokerMessage{msg::NMsg{.nonce = nonce, .enc_meta = meta}};
  Routed event = route(table_, nmsg, true);
  ASSERT_TRUE(event.event.has_value());
  EXPECT_EQ(event.event->kind, EventKind::notification);
  EXPECT_EQ(event.event->queue_id, nid);
  EXPECT_EQ(event.event->notification.nonce, nonce);
  EXPECT_EQ(event.event->notification.encrypted_meta, meta);
}

TEST_F(Correlation, OkOrErrWithoutRequestIsDropped) {
  EXPECT_FALSE(route(table_, receive("", kQueue, msg::Ok{})).event.has_value());
  EXPECT_FALSE(route(table_, receive("9", kQueue, msg::Err{errc::smp_auth})).event.has_value());
  EXPECT_FALSE(route(table_, receive("", {}, msg::Err{errc::smp_block})).event.has_value());
}

TEST_F(Correlation, MsgAnsweringSubscriptionIsForwardedAndRequestSeesOk) {
  auto request = add(kQueue, /*forward=*/true);
  Bytes id(24, 9);
  Routed r = route(table_, receive("0", kQueue, msg::Msg{id, 3, as_bytes("x")}));
  EXPECT_EQ(r.request, request);
  ASSERT_TRUE(r.reply.has_value());
  EXPECT_TRUE(std::holds_alternative<reply::Ok>(*r.reply));
  ASSERT_TRUE(r.event.has_value());
  EXPECT_EQ(r.event->queue_id, kQueue);
  EXPECT_EQ(r.event->message.msg_id, id);
}

TEST_F(Correlation, MsgAnsweringOtherCommandIsItsReply) {
  add(kQueue, /*forward=*/false);
  Routed r = route(table_, receive("0", kQueue, msg::Msg{Bytes(24, 9), 3, {}}));
  ASSERT_TRUE(r.reply.has_value());
  EXPECT_TRUE(std::holds_alternative<ReceivedMessage>(*r.reply));
  EXPECT_FALSE(r.event.has_value());
}

TEST_F(Correlation, PendingRequestFirstCompletionWins) {
  auto request = add(kQueue);
  request->complete(make_error_code(errc::smp_auth));
  request->complete(Reply{reply::Ok{}});
  auto result = test::run_awaitable(io_, request->wait(std::chrono::seconds(5)));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error(), errc::smp_auth);
}

TEST_F(Correlation, PendingRequestTimesOut) {
  auto request = add(kQueue);
  auto started = std::chrono::steady_clock::now();
  auto result = test::run_awaitable(io_, request->wait(std::chrono::milliseconds(20)));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error(), errc::timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(20));
}

TEST_F(Correlation, FailAllCompletesEveryWaiter) {
  auto a = add(kQueue);
  auto b = add(kOtherQueue);
  table_.fail_all(errc::connection_closed);
  EXPECT_EQ(table_.size(), 0u);
  for (auto& request : {a, b}) {
    auto result = test::run_awaitable(io_, request->wait(std::chrono::seconds(5)),
                                      std::chrono::milliseconds(500));
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->error(), errc::connection_closed);
  }
}

// The reference's broker transmissions, answered to a request for their own queue id.
class CorrelationVectors : public Correlation {};

TEST_F(CorrelationVectors, ReferenceAnswersResolveAsTheReferenceClientDoes) {
  SMP_LOAD_VECTORS(v, "transmissions.json");
  int errors_seen = 0;
  for (const auto& c : v.at("broker_messages").as_array()) {
    std::string name = test::str(c.at("name"));
    Bytes session = test::hex(c.at("session_id"));
    Bytes block = test::hex(c.at("padded_block"));
    Bytes queue = test::hex(c.at("queue_id"));
    std::string corr = test::str(c.at("corr_id").at("ascii"));
    auto rx = protocol::receive_broker_message_block(block, session);
    ASSERT_TRUE(rx.message.has_value()) << name;

    RequestTable table;
    std::shared_ptr<PendingRequest> request;
    if (!corr.empty()) {
      // Make the counter reach the vector's corrId, then register the request under it.
      while (table.next_corr_id() != corr) {
      }
      request = std::make_shared<PendingRequest>(io_.get_executor(), queue,
                                                 name.find("SUB") != std::string::npos);
      table.add(corr, request);
    }
    Routed r = route(table, rx);
    if (corr.empty()) {
      EXPECT_EQ(r.request, nullptr) << name;
      bool is_event =
          name.rfind("MSG", 0) == 0 || name.rfind("NMSG", 0) == 0 || name.rfind("END", 0) == 0;
      EXPECT_EQ(r.event.has_value(), is_event) << name;
      continue;
    }
    ASSERT_EQ(r.request, request) << name;
    if (name.rfind("ERR ", 0) == 0) {
      ++errors_seen;
      ASSERT_FALSE(r.reply.has_value()) << name;
      auto token = name.substr(4);
      EXPECT_EQ(errc_name(static_cast<errc>(r.reply.error().value())), token) << name;
    } else {
      EXPECT_TRUE(r.reply.has_value()) << name;
    }
    if (name.rfind("IDS", 0) == 0) {
      const auto& ids = std::get<QueueIds>(*r.reply);
      EXPECT_EQ(ids.recipient_id.size(), 24u);
      EXPECT_EQ(ids.sender_id.size(), 24u);
      EXPECT_EQ(ids.server_dh_key.algorithm(), crypto::KeyAlgorithm::x25519);
    }
    if (name.rfind("NID", 0) == 0) {
      EXPECT_EQ(std::get<NotifierIds>(*r.reply).notifier_id.size(), 24u);
    }
  }
  EXPECT_GE(errors_seen, 10);
}

}  // namespace
}  // namespace smp::client
