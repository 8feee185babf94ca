#include "smp/agent/agent_store_types.h"

#include <limits>

#include <gtest/gtest.h>

namespace smp::agent {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

TEST(MsgIntegrity, NextIdWithTheSameHashIsOk) {
  Bytes h(32, 1);
  EXPECT_EQ(check_msg_integrity(0, {}, 1, {}), MsgIntegrity(MsgOk{}));
  EXPECT_EQ(check_msg_integrity(7, h, 8, h), MsgIntegrity(MsgOk{}));
}

TEST(MsgIntegrity, ChecksRunInTheReferenceOrder) {
  Bytes h(32, 1), other(32, 2);
  EXPECT_EQ(check_msg_integrity(7, h, 3, h), MsgIntegrity(MsgBadId{3}));
  EXPECT_EQ(check_msg_integrity(7, h, 3, other), MsgIntegrity(MsgBadId{3}));  // id first
  EXPECT_EQ(check_msg_integrity(7, h, 7, h), MsgIntegrity(MsgDuplicate{}));
  EXPECT_EQ(check_msg_integrity(7, h, 10, h), MsgIntegrity(MsgSkipped{8, 9}));
  EXPECT_EQ(check_msg_integrity(7, h, 9, other), MsgIntegrity(MsgSkipped{8, 8}));
  EXPECT_EQ(check_msg_integrity(7, h, 8, other), MsgIntegrity(MsgBadHash{}));
  EXPECT_EQ(check_msg_integrity(7, h, 8, Bytes(31, 1)), MsgIntegrity(MsgBadHash{}));
  EXPECT_EQ(check_msg_integrity(0, {}, 1, h), MsgIntegrity(MsgBadHash{}));
}

TEST(MsgIntegrity, ExtremeIdsFromThePeerDoNotOverflow) {
  EXPECT_EQ(check_msg_integrity(kMax, {}, kMax, {}), MsgIntegrity(MsgDuplicate{}));
  EXPECT_EQ(check_msg_integrity(kMax, {}, kMin, {}), MsgIntegrity(MsgBadId{kMin}));
  EXPECT_EQ(check_msg_integrity(kMax - 1, {}, kMax, {}), MsgIntegrity(MsgOk{}));
  EXPECT_EQ(check_msg_integrity(kMin, {}, kMax, {}), MsgIntegrity(MsgSkipped{kMin + 1, kMax - 1}));
  EXPECT_EQ(check_msg_integrity(-5, {}, -4, {}), MsgIntegrity(MsgOk{}));
  EXPECT_EQ(check_msg_integrity(0, {}, -1, {}), MsgIntegrity(MsgBadId{-1}));
}

TEST(QueueStatusText, RoundTripsTheReferenceWords) {
  for (auto [status, text] :
       {std::pair{QueueStatus::new_, "new"}, std::pair{QueueStatus::confirmed, "confirmed"},
        std::pair{QueueStatus::secured, "secured"}, std::pair{QueueStatus::active, "active"},
        std::pair{QueueStatus::disabled, "disabled"}}) {
    EXPECT_EQ(queue_status_text(status), text);
    EXPECT_EQ(parse_queue_status(text), status);
  }
  EXPECT_FALSE(parse_queue_status("New"));
  EXPECT_FALSE(parse_queue_status(""));
}

TEST(AgentMsgTypeChar, RoundTripsAndNamesEachMessage) {
  for (auto [type, c] : {std::pair{AgentMsgType::hello, 'H'}, std::pair{AgentMsgType::reply, 'R'},
                         std::pair{AgentMsgType::a_msg, 'M'}}) {
    EXPECT_EQ(agent_msg_type_char(type), c);
    EXPECT_EQ(parse_agent_msg_type(c), type);
  }
  EXPECT_FALSE(parse_agent_msg_type('h'));
  EXPECT_EQ(agent_msg_type_of(HelloMessage{}), AgentMsgType::hello);
  EXPECT_EQ(agent_msg_type_of(ReplyMessage{}), AgentMsgType::reply);
  EXPECT_EQ(agent_msg_type_of(UserMessage{}), AgentMsgType::a_msg);
}

TEST(ConnectionAccessors, ReportTypeDataAndQueues) {
  auto rq = RcvQueue{protocol::SmpServer{"h", "", {}},
                     to_bytes("r"),
                     crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519).private_key,
                     SecretBytes(Bytes(32, 1)),
                     crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).private_key,
                     std::nullopt,
                     to_bytes("s"),
                     QueueStatus::new_,
                     1};
  auto sq = SndQueue{protocol::SmpServer{"h", "", {}},
                     to_bytes("s"),
                     crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519).private_key,
                     SecretBytes(Bytes(32, 2)),
                     std::nullopt,
                     QueueStatus::active,
                     1};
  ConnData data{"c", ConnectionMode::invitation};
  Connection duplex = DuplexConnection{data, rq.clone(), sq.clone()};
  EXPECT_EQ(conn_type(duplex), ConnType::duplex);
  EXPECT_EQ(conn_data(duplex), data);
  EXPECT_EQ(rcv_queue_of(duplex)->rcv_id, to_bytes("r"));
  EXPECT_EQ(snd_queue_of(duplex)->status, QueueStatus::active);
  Connection contact = ContactConnection{ConnData{"k", ConnectionMode::contact}, rq.clone()};
  EXPECT_EQ(conn_type(contact), ConnType::contact);
  EXPECT_EQ(snd_queue_of(contact), nullptr);
  Connection snd = SndConnection{data, sq.clone()};
  EXPECT_EQ(rcv_queue_of(snd), nullptr);
  EXPECT_EQ(conn_type(Connection(NewConnection{data})), ConnType::new_);
  EXPECT_EQ(conn_type(Connection(RcvConnection{data, std::move(rq)})), ConnType::rcv);
}

TEST(QueueClone, IsAnIndependentEqualCopy) {
  auto rq = RcvQueue{protocol::SmpServer{"h", "1", Bytes(32, 3)},
                     to_bytes("r"),
                     crypto::generate_key_pair(crypto::KeyAlgorithm::ed448).private_key,
                     SecretBytes(Bytes(32, 1)),
                     crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).private_key,
                     SecretBytes(Bytes(32, 4)),
                     to_bytes("s"),
                     QueueStatus::secured,
                     1};
  RcvQueue copy = rq.clone();
  EXPECT_EQ(copy.server, rq.server);
  EXPECT_TRUE(constant_time_equal(copy.rcv_private_key.raw(), rq.rcv_private_key.raw()));
  EXPECT_TRUE(constant_time_equal(copy.e2e_dh_secret->view(), rq.e2e_dh_secret->view()));
  EXPECT_NE(copy.e2e_dh_secret->data(), rq.e2e_dh_secret->data());
  EXPECT_EQ(copy.status, QueueStatus::secured);
}

}  // namespace
}  // namespace smp::agent
