// What an agent does with messages that do not belong (spec §7.5 dispatch table): garbage,
// wrong keys and the wrong envelope for the queue's state are reported as ERR on the
// connection and dropped (ACKed), and the connection still works afterwards.
#include "smp/agent/agent.h"

#include <gtest/gtest.h>

#include "smp/agent/agent_envelope.h"
#include "smp/agent/agent_test_util.h"
#include "smp/agent/client_envelope.h"
#include "smp/client/blocking_client.h"
#include "smp/crypto/hash.h"

namespace smp::agent {
namespace {

using test::connect_pair;
using test::error_of;
using test::expect_next;
using test::to_bytes;

class AgentReceiveTest : public test::AgentPairTest {
 protected:
  // Alice's new invitation and an outsider who knows its queue address.
  void SetUp() override {
    auto inv = alice_.command("a", cmd::New{ConnectionMode::invitation});
    ASSERT_TRUE(std::holds_alternative<cmd::Inv>(inv.command));
    request_ = std::get<cmd::Inv>(inv.command).request;
    auto c = client::BlockingSmpClient::connect(test::server_of(server_));
    ASSERT_TRUE(c);
    outsider_ = std::move(*c);
  }

  const protocol::SmpQueueUri& queue() const { return request_->queues.front(); }

  void send_raw(const Bytes& body) {
    ASSERT_TRUE(outsider_->send_message(nullptr, queue().sender_id, body));
  }

  // A ClientMessage sealed for Alice's queue with a one-time key in the PubHeader, as a
  // confirmation or contact invitation is.
  Bytes sealed_for_queue(const ClientMessage& m) {
    auto once = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
    auto key = crypto::CbKey::from_keys(queue().dh_public_key, once.private_key).value();
    return seal_client_message(key, PubHeader{1, once.public_key}, m).value();
  }

  AgentError next_error() {
    auto e = alice_.events().next("a");
    if (!e) {
      ADD_FAILURE() << "no event";
      return InternalError{""};
    }
    return error_of(*e);
  }

  // The garbage was ACKed: a real JOIN still gets through.
  void expect_queue_still_works() {
    bob_.ok("b", cmd::Join{*request_, to_bytes("bob")});
    auto conf = expect_next<cmd::Conf>(alice_.events(), "a");
    EXPECT_EQ(conf.conn_info, to_bytes("bob"));
  }

  std::optional<ConnectionRequest> request_;
  std::unique_ptr<client::BlockingSmpClient> outsider_;
};

TEST_F(AgentReceiveTest, GarbageIsAMessageErrorAndDropped) {
  // Random, but where the envelope's Maybe tag goes a byte that is none ('0' or '1'): with
  // '0' there (1 run in 256) it parsed as an envelope of some random version, A_VERSION.
  Bytes garbage = crypto::random_bytes(100);
  garbage[2] = 0xff;
  send_raw(garbage);
  EXPECT_EQ(next_error(), AgentError(PeerError{PeerErrorType::a_message}));
  expect_queue_still_works();
}

TEST_F(AgentReceiveTest, EnvelopeSealedWithAnotherKeyIsAnEncryptionError) {
  auto stranger = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto once = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto key = crypto::CbKey::from_keys(stranger.public_key, once.private_key).value();
  send_raw(seal_client_message(key, PubHeader{1, once.public_key},
                               ClientMessage{PrivHeader{}, to_bytes("x")})
               .value());
  EXPECT_EQ(next_error(), AgentError(PeerError{PeerErrorType::a_encryption}));
  expect_queue_still_works();
}

TEST_F(AgentReceiveTest, UnknownPubHeaderVersionIsAVersionError) {
  auto once = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto key = crypto::CbKey::from_keys(queue().dh_public_key, once.private_key).value();
  send_raw(seal_client_message(key, PubHeader{2, once.public_key},
                               ClientMessage{PrivHeader{}, to_bytes("x")})
               .value());
  EXPECT_EQ(next_error(), AgentError(PeerError{PeerErrorType::a_version}));
  expect_queue_still_works();
}

TEST_F(AgentReceiveTest, InvitationToAnInvitationQueueIsProhibited) {
  // Contact invitations belong on contact addresses only.
  auto own = bob_.command("x", cmd::New{ConnectionMode::invitation});
  auto body = encode_agent_envelope(
                  AgentInvitation{1, std::get<cmd::Inv>(own.command).request, to_bytes("hi")})
                  .value();
  send_raw(sealed_for_queue(ClientMessage{PrivHeader{}, body}));
  EXPECT_EQ(next_error(), AgentError(PeerError{PeerErrorType::a_prohibited}));
  expect_queue_still_works();
}

TEST_F(AgentReceiveTest, RatchetMessageBeforeAnyConfirmationIsProhibited) {
  auto body = encode_agent_envelope(AgentMsgEnvelope{1, Bytes(200, 7)}).value();
  send_raw(sealed_for_queue(ClientMessage{PrivHeader{}, body}));
  EXPECT_EQ(next_error(), AgentError(PeerError{PeerErrorType::a_prohibited}));
  expect_queue_still_works();
}

TEST_F(AgentReceiveTest, ConfirmationThatDoesNotDecryptIsReportedAndDropped) {
  auto sender = crypto::generate_key_pair(crypto::KeyAlgorithm::ed448);
  auto x1 = crypto::generate_key_pair(crypto::KeyAlgorithm::x448);
  auto x2 = crypto::generate_key_pair(crypto::KeyAlgorithm::x448);
  auto body = encode_agent_envelope(
                  AgentConfirmation{1, E2ERatchetParams{1, x1.public_key, x2.public_key},
                                    Bytes(300, 1)})
                  .value();
  send_raw(sealed_for_queue(ClientMessage{PrivHeader{sender.public_key}, body}));
  auto e = alice_.events().next("a");
  ASSERT_TRUE(e);
  EXPECT_TRUE(std::holds_alternative<cmd::Err>(e->command)) << test::describe(*e);
  expect_queue_still_works();
}

TEST_F(AgentReceiveTest, NewerAgentVersionIsAVersionError) {
  auto sender = crypto::generate_key_pair(crypto::KeyAlgorithm::ed448);
  auto body = encode_agent_envelope(AgentConfirmation{2, std::nullopt, Bytes(10, 1)}).value();
  send_raw(sealed_for_queue(ClientMessage{PrivHeader{sender.public_key}, body}));
  EXPECT_EQ(next_error(), AgentError(PeerError{PeerErrorType::a_version}));
  expect_queue_still_works();
}

}  // namespace
}  // namespace smp::agent
