// The fixture of the client library's integration tests: the in-process server over real TLS
// on 127.0.0.1 and blocking clients connected to it, in either generation. Not thread-safe;
// the test thread only.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "smp/client/blocking_client.h"
#include "smp/client/message_crypto.h"
#include "smp/protocol/rcv_message.h"
#include "smp/protocol/wire_format.h"
#include "support/test_server.h"

namespace smp::test {

class ClientFixture : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.started()); }

  protocol::SmpServer address() const {
    return protocol::SmpServer{"127.0.0.1", std::to_string(server_.port()), server_.key_hash()};
  }
  std::unique_ptr<client::BlockingSmpClient> connect(client::ClientConfig config = {}) {
    auto c = client::BlockingSmpClient::connect(address(), config);
    EXPECT_TRUE(c) << c.error().message();
    return c ? std::move(*c) : nullptr;
  }
  // A client that offers ALPN "smp/1" (the current generation, with the v1 fallback).
  std::unique_ptr<client::BlockingSmpClient> connect_current() {
    return connect(client::ClientConfig{.protocols = transport::ClientProtocols::current_and_v1});
  }
  // The next MSG event for `q`, checked (its queue, id and sealed size) and opened; nullopt
  // (and a test failure) when none arrives or it does not open.
  std::optional<client::MessageContent> receive(client::BlockingSmpClient& c,
                                                const client::NewQueue& q,
                                                Bytes* msg_id = nullptr) {
    using namespace std::chrono_literals;
    auto event = c.next_event(3s);
    if (!event) {
      ADD_FAILURE() << "no event: " << event.error().message();
      return std::nullopt;
    }
    EXPECT_EQ(event->kind, client::EventKind::message);
    EXPECT_EQ(event->queue_id, q.ids.recipient_id);
    EXPECT_EQ(event->message.msg_id.size(), protocol::kMsgIdBytes);
    // SMP v1: the padded body; 6..18: the padded (timestamp, flags, body), 16 bytes more.
    EXPECT_EQ(event->message.body.size(), event->message.sealed_header
                                              ? protocol::kSealedRcvMessageSize
                                              : protocol::kServerEncryptedBodyLength);
    if (msg_id != nullptr) *msg_id = event->message.msg_id;
    auto content = client::open_message(q.dh_secret.view(), event->message);
    EXPECT_TRUE(content) << "MSG does not open";
    if (!content) return std::nullopt;
    return std::move(*content);
  }
  // The next MSG event for `q`, decrypted ("" and a test failure when there is none).
  std::string receive_text(client::BlockingSmpClient& c, const client::NewQueue& q,
                           Bytes* msg_id = nullptr) {
    auto content = receive(c, q, msg_id);
    return content ? std::string(as_chars(content->body)) : std::string();
  }

  TestServer server_;
};

}  // namespace smp::test
