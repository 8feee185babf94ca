// Each version of the current generation (6..18) in its own form, over real TLS 1.3 to an
// in-process server: a client whose range ends at version v gets v, and the commands and
// answers take v's encoding and v's behaviour (Protocol.hs at simplexmq 6.5.5: block encryption
// from encryptedBlockSMPVersion 11, DELD from deletedEventSMPVersion 10 (END before), BLOCKED
// from blockedEntitySMPVersion 12 (AUTH before), SOK from serviceCertsSMPVersion 16 (OK
// before), the queue mode from sndAuthKeySMPVersion 9, the session id implied from
// authCmdsSMPVersion 7).

#include <gtest/gtest.h>

#include "smp/protocol/rcv_message.h"
#include "support/current_test_client.h"
#include "support/test_server.h"

namespace smp::test {
namespace {

namespace proto = smp::protocol;
namespace cmd = smp::protocol::cmd;
namespace msg = smp::protocol::msg;

class ServerCurrentVersionsTest : public ::testing::TestWithParam<std::uint16_t> {
 protected:
  std::unique_ptr<CurrentTestClient> connect() {
    transport::ClientHandshakeOptions options;
    options.versions = *enc::VersionRange::make(proto::kCurrentMinVersion, GetParam());
    return CurrentTestClient::connect(server_.port(), server_.key_hash(), options);
  }
  std::uint16_t version() const { return GetParam(); }

  TestServer server_;
};

TEST_P(ServerCurrentVersionsTest, TheWholeQueueLifeInThisVersionsForm) {
  auto rcv = connect();
  auto snd = connect();
  ASSERT_TRUE(rcv && snd);
  const transport::SessionParams& p = rcv->params();
  EXPECT_EQ(p.version, version());
  EXPECT_EQ(p.block_encryption, version() >= 11);

  // NEW in this version's form; from v9 the queue mode travels (as sndSecure below v15).
  CurrentQueue q =
      create_current_queue(*rcv, "new", crypto::KeyAlgorithm::ed25519, [&](cmd::New& n) {
        if (version() >= 9) {
          n.queue_request = proto::QueueRequest{.mode = proto::QueueMode::messaging};
        }
      });
  ASSERT_EQ(q.rid.size(), 24u);

  // The sender secures the queue itself from v9 (SKEY), as a v9+ client does.
  auto sender_key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  if (version() >= 9) {
    auto skey =
        snd->request("skey", q.sid, cmd::SKey{sender_key.public_key}, &sender_key.private_key);
    ASSERT_TRUE(skey);
    EXPECT_EQ(skey->tag(), "OK");
  } else {
    auto key = rcv->request("key", q.rid, cmd::Key{sender_key.public_key}, q.key());
    ASSERT_TRUE(key);
    EXPECT_EQ(key->tag(), "OK");
  }
  auto sent =
      snd->request("send", q.sid, cmd::Send{.body = as_bytes("in form")}, &sender_key.private_key);
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->tag(), "OK");
  auto m = rcv->receive();
  ASSERT_TRUE(m && m->as<msg::Msg>()) << (m ? m->tag() : "none");
  auto opened = open_current_message(q, *m->as<msg::Msg>());
  ASSERT_TRUE(opened);
  EXPECT_EQ(std::string(as_chars(opened->message.body)), "in form");
  auto ack = rcv->request("ack", q.rid, cmd::Ack{.msg_id = m->as<msg::Msg>()->msg_id}, q.key());
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->tag(), "OK");

  // Another connection takes the subscription: SOK from v16 (OK before); the first hears END.
  auto other = connect();
  ASSERT_TRUE(other);
  auto sub = other->request("sub", q.rid, cmd::Sub{}, q.key());
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->tag(), version() >= 16 ? "SOK" : "OK");
  auto end = rcv->receive();
  ASSERT_TRUE(end);
  EXPECT_EQ(end->tag(), "END");

  // Blocked by the operator: BLOCKED from v12, AUTH before.
  auto rid = server::queue_id_from(q.rid);
  ASSERT_TRUE(rid);
  ASSERT_TRUE(
      server_.queues().block(*rid, server::BlockingInfo{.reason = server::BlockingReason::spam}));
  auto blocked =
      snd->request("send2", q.sid, cmd::Send{.body = as_bytes("x")}, &sender_key.private_key);
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->err().code, version() >= 12 ? errc::smp_blocked : errc::smp_auth);
  ASSERT_TRUE(server_.queues().unblock(*rid));

  // Deleted by its recipient: the subscriber hears DELD from v10, END before.
  auto del = rcv->request("del", q.rid, cmd::Del{}, q.key());
  ASSERT_TRUE(del);
  EXPECT_EQ(del->tag(), "OK");
  auto gone = other->receive();
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->tag(), version() >= 10 ? "DELD" : "END");
  EXPECT_EQ(gone->entity_id(), q.rid);
}

std::string version_name(const ::testing::TestParamInfo<std::uint16_t>& p) {
  std::string name = "v";
  name += std::to_string(p.param);
  return name;
}

INSTANTIATE_TEST_SUITE_P(EachVersion, ServerCurrentVersionsTest,
                         ::testing::Values(6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18),
                         version_name);

}  // namespace
}  // namespace smp::test
