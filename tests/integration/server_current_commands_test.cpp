// The server's commands for the current generation (ALPN smp/1, SMP 6..18) over real TLS 1.3
// connections to an in-process server: each command with the reference's semantics
// (Server.hs processCommand / verifyTransmission at simplexmq 6.5.5), batches, crypto_box
// authenticators, the 6.5.5 quota rule, notifications, blocking, short links and forwarded
// commands.

#include <gtest/gtest.h>

#include "smp/crypto/cbox.h"
#include "smp/crypto/hash.h"
#include "smp/protocol/forwarding.h"
#include "smp/protocol/queue_info.h"
#include "smp/protocol/rcv_message.h"
#include "support/current_test_client.h"
#include "support/smp_test_client.h"
#include "support/test_server.h"

namespace smp::test {
namespace {

namespace proto = smp::protocol;
namespace cmd = smp::protocol::cmd;
namespace msg = smp::protocol::msg;
using crypto::KeyAlgorithm;

class ServerCurrentCommandsTest : public ::testing::Test {
 protected:
  explicit ServerCurrentCommandsTest(std::function<void(server::ServerConfig&)> adjust = {})
      : server_(std::move(adjust)) {}

  std::unique_ptr<CurrentTestClient> connect(transport::ClientHandshakeOptions options = {}) {
    return CurrentTestClient::connect(server_.port(), server_.key_hash(), options);
  }

  // SEND on a new connection; returns its answer's tag.
  std::string send_from(CurrentTestClient& c, const CurrentQueue& q, std::string_view body,
                        const crypto::PrivateKey* key = nullptr, bool notify = false) {
    auto r = c.request("s", q.sid, cmd::Send{.body = as_bytes(body), .notification = notify}, key);
    return r ? r->tag() : "none";
  }

  TestServer server_;
};

// The MSG's body as the recipient reads it, or "" when it does not open.
std::string body_of(const CurrentQueue& q, const CurrentReply& r) {
  const auto* m = r.as<msg::Msg>();
  if (m == nullptr) return "";
  auto opened = open_current_message(q, *m);
  if (!opened || opened->message.quota) return "";
  return std::string(as_chars(opened->message.body));
}

TEST_F(ServerCurrentCommandsTest, PingsInOneBatchAreAnsweredInOneBlock) {
  auto c = connect();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->params().version, proto::kCurrentMaxVersion);
  std::vector<Outbound> batch;
  for (int i = 0; i < 5; ++i) batch.push_back({std::to_string(i), {}, cmd::Ping{}});
  c->send(batch);
  for (int i = 0; i < 5; ++i) {
    auto r = c->receive();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->tag(), "PONG");
    EXPECT_EQ(r->corr_id(), std::to_string(i));
    if (i == 0) {
      EXPECT_EQ(c->last_batch_size(), 5u);
    }
  }
}

TEST_F(ServerCurrentCommandsTest, NewSendDeliverAcknowledge) {
  auto rcv = connect();
  auto snd = connect();
  ASSERT_TRUE(rcv && snd);
  CurrentQueue q = create_current_queue(*rcv);
  ASSERT_EQ(q.rid.size(), 24u);

  EXPECT_EQ(send_from(*snd, q, "hello", nullptr, true), "OK");
  // NEW subscribed the creating connection: the message comes without a corrId.
  auto m = rcv->receive();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tag(), "MSG");
  EXPECT_EQ(m->corr_id(), "");
  EXPECT_EQ(m->entity_id(), q.rid);
  const auto* mm = m->as<msg::Msg>();
  ASSERT_TRUE(mm);
  auto opened = open_current_message(q, *mm);
  ASSERT_TRUE(opened);
  EXPECT_EQ(std::string(as_chars(opened->message.body)), "hello");
  EXPECT_TRUE(opened->message.notification);
  EXPECT_NEAR(static_cast<double>(opened->message.timestamp),
              static_cast<double>(std::time(nullptr)), 60.0);

  // ACK with another id: NO_MSG; with the id: OK (nothing more waits).
  auto wrong = rcv->request("a1", q.rid, cmd::Ack{.msg_id = as_bytes("not-the-id")}, q.key());
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->err().code, errc::smp_no_msg);
  auto empty = rcv->request("a0", q.rid, cmd::Ack{}, q.key());
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->err().code, errc::smp_no_msg);
  auto ack = rcv->request("a2", q.rid, cmd::Ack{.msg_id = mm->msg_id}, q.key());
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->tag(), "OK");
  auto again = rcv->request("a3", q.rid, cmd::Ack{.msg_id = mm->msg_id}, q.key());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->err().code, errc::smp_no_msg);
}

TEST_F(ServerCurrentCommandsTest, SubAnswersSokThenTheWaitingMessageApart) {
  auto creator = connect();
  ASSERT_TRUE(creator);
  CurrentQueue q = create_current_queue(*creator, "new", KeyAlgorithm::ed25519,
                                        [](cmd::New& n) {
                                          n.sub_mode = proto::SubscriptionMode::only_create;
                                        });
  auto snd = connect();
  ASSERT_TRUE(snd);
  EXPECT_EQ(send_from(*snd, q, "first"), "OK");
  EXPECT_EQ(send_from(*snd, q, "second"), "OK");
  EXPECT_TRUE(creator->nothing_within(300ms));  // only created, not subscribed

  auto rcv = connect();
  ASSERT_TRUE(rcv);
  rcv->send("sub", q.rid, cmd::Sub{}, q.key());
  auto sok = rcv->receive();
  ASSERT_TRUE(sok);
  EXPECT_EQ(sok->tag(), "SOK");
  EXPECT_EQ(sok->corr_id(), "sub");
  auto m = rcv->receive();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->corr_id(), "");
  EXPECT_EQ(body_of(q, *m), "first");
  // ACK delivers the next one with the ACK's corrId.
  auto next = rcv->request("ack", q.rid, cmd::Ack{.msg_id = m->as<msg::Msg>()->msg_id}, q.key());
  ASSERT_TRUE(next);
  EXPECT_EQ(body_of(q, *next), "second");
}

TEST_F(ServerCurrentCommandsTest, GetAndSubExcludeEachOtherOnAConnection) {
  auto c = connect();
  ASSERT_TRUE(c);
  CurrentQueue q = create_current_queue(*c, "new", KeyAlgorithm::ed25519, [](cmd::New& n) {
    n.sub_mode = proto::SubscriptionMode::only_create;
  });
  EXPECT_EQ(send_from(*c, q, "one"), "OK");
  auto got = c->request("g1", q.rid, cmd::Get{}, q.key());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->corr_id(), "g1");
  EXPECT_EQ(body_of(q, *got), "one");
  // GET again before ACK: the same message.
  auto again = c->request("g2", q.rid, cmd::Get{}, q.key());
  ASSERT_TRUE(again);
  EXPECT_EQ(body_of(q, *again), "one");
  auto sub = c->request("s", q.rid, cmd::Sub{}, q.key());
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->err().code, errc::smp_cmd_prohibited);
  auto ack = c->request("a", q.rid, cmd::Ack{.msg_id = again->as<msg::Msg>()->msg_id}, q.key());
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->tag(), "OK");  // GET's ACK does not deliver the next message
  auto empty = c->request("g3", q.rid, cmd::Get{}, q.key());
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->tag(), "OK");

  auto other = connect();
  ASSERT_TRUE(other);
  ASSERT_EQ(other->request("s", q.rid, cmd::Sub{}, q.key())->tag(), "SOK");
  auto get = other->request("g", q.rid, cmd::Get{}, q.key());
  ASSERT_TRUE(get);
  EXPECT_EQ(get->err().code, errc::smp_cmd_prohibited);
}

TEST_F(ServerCurrentCommandsTest, KeyAndSkeySecureTheQueue) {
  auto c = connect();
  ASSERT_TRUE(c);
  CurrentQueue q = create_current_queue(*c);
  auto sender = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto key = c->request("k", q.rid, cmd::Key{.sender_key = sender.public_key}, q.key());
  ASSERT_TRUE(key);
  EXPECT_EQ(key->tag(), "OK");
  // KEY with the same key again is accepted (6.5.5), another key is not.
  EXPECT_EQ(c->request("k2", q.rid, cmd::Key{.sender_key = sender.public_key}, q.key())->tag(),
            "OK");
  auto other = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(c->request("k3", q.rid, cmd::Key{.sender_key = other.public_key}, q.key())->err().code,
            errc::smp_auth);

  auto snd = connect();
  ASSERT_TRUE(snd);
  auto unsigned_send = snd->request("s1", q.sid, cmd::Send{.body = as_bytes("x")});
  ASSERT_TRUE(unsigned_send);
  EXPECT_EQ(unsigned_send->err().code, errc::smp_auth);
  EXPECT_EQ(send_from(*snd, q, "signed", &sender.private_key), "OK");

  // SKEY: a messaging queue secured by its sender.
  CurrentQueue mq = create_current_queue(*c, "new2", KeyAlgorithm::ed25519, [](cmd::New& n) {
    n.queue_request = proto::QueueRequest{.mode = proto::QueueMode::messaging};
  });
  auto skey = snd->request("sk", mq.sid, cmd::SKey{.sender_key = sender.public_key},
                           &sender.private_key);
  ASSERT_TRUE(skey);
  EXPECT_EQ(skey->tag(), "OK");
  EXPECT_EQ(send_from(*snd, mq, "after skey", &sender.private_key), "OK");
  // SKEY on a queue without a mode (or a contact queue) is AUTH.
  auto no_mode = snd->request("sk2", q.sid, cmd::SKey{.sender_key = other.public_key},
                              &other.private_key);
  ASSERT_TRUE(no_mode);
  EXPECT_EQ(no_mode->err().code, errc::smp_auth);
}

TEST_F(ServerCurrentCommandsTest, X25519KeysAuthorizeWithCryptoBoxAuthenticators) {
  auto c = connect();
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->params().server_dh_public);
  CurrentQueue q = create_current_queue(*c, "new", KeyAlgorithm::x25519);
  ASSERT_EQ(q.rid.size(), 24u);
  auto que = c->request("q", q.rid, cmd::Que{}, q.key());
  ASSERT_TRUE(que);
  EXPECT_EQ(que->tag(), "INFO");
  // An authenticator made with another X25519 key fails; a signature where an authenticator
  // is due fails.
  auto wrong = crypto::generate_key_pair(KeyAlgorithm::x25519);
  EXPECT_EQ(c->request("q2", q.rid, cmd::Que{}, &wrong.private_key)->err().code, errc::smp_auth);
  auto ed = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(c->request("q3", q.rid, cmd::Que{}, &ed.private_key)->err().code, errc::smp_auth);
}

TEST_F(ServerCurrentCommandsTest, MissingQueuesAnswerAuth) {
  auto c = connect();
  ASSERT_TRUE(c);
  auto key = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  Bytes unknown(24, 7);
  EXPECT_EQ(c->request("1", unknown, cmd::Sub{}, &key.private_key)->err().code, errc::smp_auth);
  EXPECT_EQ(c->request("2", unknown, cmd::Send{.body = as_bytes("x")})->err().code,
            errc::smp_auth);
  EXPECT_EQ(c->request("3", unknown, cmd::NSub{}, &key.private_key)->err().code, errc::smp_auth);
  EXPECT_EQ(c->request("4", unknown, cmd::LGet{})->err().code, errc::smp_auth);
}

class ServerCurrentQuotaTest : public ServerCurrentCommandsTest {
 protected:
  ServerCurrentQuotaTest()
      : ServerCurrentCommandsTest([](server::ServerConfig& c) { c.msg_queue_quota = 2; }) {}
};

// The 6.5.5 rule: the SEND that finds the queue full leaves a quota marker and answers
// QUOTA; nothing is taken until the recipient has emptied the queue.
TEST_F(ServerCurrentQuotaTest, AFullQueueEndsInAQuotaMarkerUntilEmptied) {
  auto rcv = connect();
  auto snd = connect();
  ASSERT_TRUE(rcv && snd);
  CurrentQueue q = create_current_queue(*rcv, "new", KeyAlgorithm::ed25519, [](cmd::New& n) {
    n.sub_mode = proto::SubscriptionMode::only_create;
  });
  EXPECT_EQ(send_from(*snd, q, "1"), "OK");
  EXPECT_EQ(send_from(*snd, q, "2"), "OK");
  auto full = snd->request("s3", q.sid, cmd::Send{.body = as_bytes("3")});
  ASSERT_TRUE(full);
  EXPECT_EQ(full->err().code, errc::smp_quota);
  EXPECT_EQ(snd->request("s4", q.sid, cmd::Send{.body = as_bytes("4")})->err().code,
            errc::smp_quota);

  rcv->send("sub", q.rid, cmd::Sub{}, q.key());
  ASSERT_EQ(rcv->receive()->tag(), "SOK");
  auto m1 = rcv->receive();
  ASSERT_TRUE(m1);
  EXPECT_EQ(body_of(q, *m1), "1");
  // Taken one off: still not writable until empty.
  auto m2 = rcv->request("a1", q.rid, cmd::Ack{.msg_id = m1->as<msg::Msg>()->msg_id}, q.key());
  ASSERT_TRUE(m2);
  EXPECT_EQ(body_of(q, *m2), "2");
  EXPECT_EQ(snd->request("s5", q.sid, cmd::Send{.body = as_bytes("5")})->err().code,
            errc::smp_quota);
  auto marker = rcv->request("a2", q.rid, cmd::Ack{.msg_id = m2->as<msg::Msg>()->msg_id}, q.key());
  ASSERT_TRUE(marker);
  const auto* mm = marker->as<msg::Msg>();
  ASSERT_TRUE(mm);
  auto opened = open_current_message(q, *mm);
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->message.quota);
  EXPECT_EQ(rcv->request("a3", q.rid, cmd::Ack{.msg_id = mm->msg_id}, q.key())->tag(), "OK");
  EXPECT_EQ(send_from(*snd, q, "6"), "OK");
}

// A notifier of q made by NKEY: its keys, id and the server's DH key for NMSG metadata.
struct Notifier {
  crypto::KeyPair key = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  crypto::KeyPair dh = crypto::generate_key_pair(KeyAlgorithm::x25519);
  Bytes id{};
  std::optional<crypto::PublicKey> server_dh{};
};

Notifier add_notifier(CurrentTestClient& rcv, const CurrentQueue& q) {
  Notifier n;
  auto reply = rcv.request(
      "n", q.rid, cmd::NKey{.notifier_key = n.key.public_key, .rcv_ntf_dh_key = n.dh.public_key},
      q.key());
  const auto* nid = reply ? reply->as<msg::Nid>() : nullptr;
  if (nid == nullptr || !nid->srv_ntf_dh_key) {
    ADD_FAILURE() << "NKEY was not answered with NID";
    return n;
  }
  n.id = to_bytes(nid->notifier_id);
  n.server_dh = *nid->srv_ntf_dh_key;
  return n;
}

// NEW with notifier credentials (v17+): the queue, with `n` its notifier as IDS names it.
CurrentQueue create_queue_with_notifier(CurrentTestClient& rcv, Notifier& n) {
  CurrentQueue q = create_current_queue(rcv, "new", KeyAlgorithm::ed25519, [&](cmd::New& c) {
    c.ntf_creds =
        cmd::New::NtfCreds{.notifier_key = n.key.public_key, .rcv_ntf_dh_key = n.dh.public_key};
  });
  if (q.notifier_id) n.id = *q.notifier_id;
  n.server_dh = q.server_ntf_dh;
  return q;
}

// An NMSG's metadata opened with n's secret: DH(the server's key from NID or IDS, n.dh).
// nullopt when it does not open (a test failure when `r` is no NMSG).
std::optional<proto::NtfMeta> open_nmsg(const Notifier& n, const CurrentReply& r) {
  const auto* nmsg = r.as<msg::NMsg>();
  if (nmsg == nullptr || !n.server_dh) {
    ADD_FAILURE() << "no NMSG for a notifier with a DH key: " << r.tag();
    return std::nullopt;
  }
  auto key = crypto::CbKey::from_keys(*n.server_dh, n.dh.private_key);
  if (!key || nmsg->nonce.size() != crypto::kCbNonceSize) return std::nullopt;
  auto meta = proto::open_ntf_meta(*key, crypto::cb_nonce(nmsg->nonce), nmsg->enc_meta);
  if (!meta) return std::nullopt;
  return std::move(*meta);
}

// QUE's qiNtf: whether the queue has a notifier (false, and a test failure, without an INFO).
bool has_notifier(CurrentTestClient& rcv, const CurrentQueue& q) {
  auto info = rcv.request("que", q.rid, cmd::Que{}, q.key());
  const auto* i = info ? info->as<msg::Info>() : nullptr;
  auto parsed = i != nullptr ? proto::parse_queue_info(as_chars(i->json))
                             : Result<proto::QueueInfo>(make_error_code(errc::response_parse));
  if (!parsed) {
    ADD_FAILURE() << "QUE was not answered with INFO";
    return false;
  }
  return parsed->notifier;
}

TEST_F(ServerCurrentCommandsTest, NotifierGetsEncryptedNotificationsAndDeld) {
  auto rcv = connect();
  ASSERT_TRUE(rcv);
  CurrentQueue q = create_current_queue(*rcv);
  Notifier notifier = add_notifier(*rcv, q);
  ASSERT_TRUE(notifier.server_dh);
  const Bytes& notifier_id = notifier.id;
  const auto& ntf_key = notifier.key;

  auto ntf = connect();
  ASSERT_TRUE(ntf);
  auto sok = ntf->request("ns", notifier_id, cmd::NSub{}, &ntf_key.private_key);
  ASSERT_TRUE(sok);
  EXPECT_EQ(sok->tag(), "SOK");

  auto snd = connect();
  ASSERT_TRUE(snd);
  EXPECT_EQ(send_from(*snd, q, "quiet", nullptr, false), "OK");
  // No notification flag, no NMSG: the next thing the notifier hears is its PONG.
  ntf->send("p", {}, cmd::Ping{});
  auto pong = ntf->receive();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->tag(), "PONG");
  EXPECT_EQ(send_from(*snd, q, "loud", nullptr, true), "OK");
  auto nmsg = ntf->receive();
  ASSERT_TRUE(nmsg);
  EXPECT_EQ(nmsg->tag(), "NMSG");
  EXPECT_EQ(nmsg->entity_id(), notifier_id);
  auto meta = open_nmsg(notifier, *nmsg);
  ASSERT_TRUE(meta);
  // The recipient receives both; the second's id is the one notified.
  auto first = rcv->receive();
  ASSERT_TRUE(first);
  auto second = rcv->request("a", q.rid, cmd::Ack{.msg_id = first->as<msg::Msg>()->msg_id},
                             q.key());
  ASSERT_TRUE(second && second->as<msg::Msg>());
  EXPECT_EQ(meta->msg_id, to_bytes(second->as<msg::Msg>()->msg_id));

  // NDEL: the notifier's subscriber hears DELD.
  EXPECT_EQ(rcv->request("nd", q.rid, cmd::NDel{}, q.key())->tag(), "OK");
  auto deld = ntf->receive();
  ASSERT_TRUE(deld);
  EXPECT_EQ(deld->tag(), "DELD");
  EXPECT_EQ(deld->entity_id(), notifier_id);
}

// Notifications of messages that arrive while no notifier is subscribed are kept and sent
// after its NSUB (the reference's NtfStore).
TEST_F(ServerCurrentCommandsTest, NotificationsWaitForTheNotifiersSubscription) {
  auto rcv = connect();
  ASSERT_TRUE(rcv);
  CurrentQueue q = create_current_queue(*rcv);
  Notifier notifier = add_notifier(*rcv, q);
  const Bytes& notifier_id = notifier.id;
  const auto& ntf_key = notifier.key;
  auto snd = connect();
  ASSERT_TRUE(snd);
  EXPECT_EQ(send_from(*snd, q, "one", nullptr, true), "OK");
  EXPECT_EQ(send_from(*snd, q, "two", nullptr, true), "OK");

  auto ntf = connect();
  ASSERT_TRUE(ntf);
  ntf->send("ns", notifier_id, cmd::NSub{}, &ntf_key.private_key);
  std::vector<std::string> tags;
  for (int i = 0; i < 3; ++i) {
    auto r = ntf->receive();
    ASSERT_TRUE(r);
    tags.push_back(r->tag());
  }
  EXPECT_EQ(tags, (std::vector<std::string>{"SOK", "NMSG", "NMSG"}));
  EXPECT_TRUE(ntf->nothing_within(300ms));
}

// NEW with notifier credentials (newNtfCredsSMPVersion 17): the server makes the notifier as
// NKEY would (Server.hs createQueue: a notifier id, its own DH key, the secret stored) and IDS
// returns the id and the DH key (ServerNtfCreds).
class ServerNewNtfCredsTest : public ServerCurrentCommandsTest,
                              public ::testing::WithParamInterface<std::uint16_t> {
 protected:
  std::unique_ptr<CurrentTestClient> connect_at_version() {
    transport::ClientHandshakeOptions options;
    options.versions = *enc::VersionRange::make(proto::kCurrentMinVersion, GetParam());
    return connect(options);
  }
};

TEST_P(ServerNewNtfCredsTest, NewMakesTheNotifierThatNmsgOpensFor) {
  auto rcv = connect_at_version();
  auto ntf = connect_at_version();
  auto snd = connect_at_version();
  ASSERT_TRUE(rcv && ntf && snd);
  ASSERT_EQ(rcv->params().version, GetParam());
  Notifier n;
  CurrentQueue q = create_queue_with_notifier(*rcv, n);
  ASSERT_TRUE(q.notifier_id && n.server_dh);
  EXPECT_EQ(n.id.size(), proto::kQueueIdBytes);
  EXPECT_NE(n.id, q.rid);
  EXPECT_NE(n.id, q.sid);
  EXPECT_TRUE(has_notifier(*rcv, q));

  // NSUB with the notifier's key only.
  auto stranger = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(ntf->request("n0", n.id, cmd::NSub{}, &stranger.private_key)->err().code,
            errc::smp_auth);
  EXPECT_EQ(ntf->request("n1", n.id, cmd::NSub{}, &n.key.private_key)->tag(), "SOK");

  EXPECT_EQ(send_from(*snd, q, "ring", nullptr, true), "OK");
  auto nmsg = ntf->receive();
  ASSERT_TRUE(nmsg);
  EXPECT_EQ(nmsg->tag(), "NMSG");
  EXPECT_EQ(nmsg->entity_id(), n.id);
  auto meta = open_nmsg(n, *nmsg);
  ASSERT_TRUE(meta);
  // The metadata is the MSG's id and timestamp, as the recipient gets them.
  auto m = rcv->receive();
  ASSERT_TRUE(m && m->as<msg::Msg>()) << (m ? m->tag() : "none");
  auto opened = open_current_message(q, *m->as<msg::Msg>());
  ASSERT_TRUE(opened);
  EXPECT_EQ(as_chars(opened->message.body), "ring");
  EXPECT_TRUE(opened->message.notification);
  EXPECT_EQ(meta->msg_id, to_bytes(m->as<msg::Msg>()->msg_id));
  EXPECT_EQ(meta->timestamp, opened->message.timestamp);
}

INSTANTIATE_TEST_SUITE_P(FromV17, ServerNewNtfCredsTest, ::testing::Values(17, 18),
                         [](const ::testing::TestParamInfo<std::uint16_t>& p) {
                           std::string name = "v";
                           name += std::to_string(p.param);
                           return name;
                         });

// A notifier NEW made is the queue's notifier like any other: NKEY replaces it (its
// subscriber hears DELD, its id is gone: Server.hs addQueueNotifier_), NDEL removes it, and
// NDEL without a notifier is OK (deleteQueueNotifier_'s Right Nothing).
TEST_F(ServerCurrentCommandsTest, NkeyReplacesTheNotifierNewMadeAndNdelRemovesIt) {
  auto rcv = connect();
  auto ntf = connect();
  auto snd = connect();
  ASSERT_TRUE(rcv && ntf && snd);
  Notifier first;
  CurrentQueue q = create_queue_with_notifier(*rcv, first);
  ASSERT_TRUE(q.notifier_id);
  EXPECT_EQ(ntf->request("n1", first.id, cmd::NSub{}, &first.key.private_key)->tag(), "SOK");

  Notifier second = add_notifier(*rcv, q);
  EXPECT_NE(second.id, first.id);
  auto deld = ntf->receive();
  ASSERT_TRUE(deld);
  EXPECT_EQ(deld->tag(), "DELD");
  EXPECT_EQ(deld->entity_id(), first.id);
  EXPECT_EQ(ntf->request("n2", first.id, cmd::NSub{}, &first.key.private_key)->err().code,
            errc::smp_auth);
  EXPECT_EQ(ntf->request("n3", second.id, cmd::NSub{}, &second.key.private_key)->tag(), "SOK");
  EXPECT_EQ(send_from(*snd, q, "ring", nullptr, true), "OK");
  auto nmsg = ntf->receive();
  ASSERT_TRUE(nmsg);
  EXPECT_EQ(nmsg->entity_id(), second.id);
  EXPECT_TRUE(open_nmsg(second, *nmsg));
  EXPECT_FALSE(open_nmsg(first, *nmsg));  // the first notifier's secret went with it

  EXPECT_EQ(rcv->request("nd", q.rid, cmd::NDel{}, q.key())->tag(), "OK");
  auto gone = ntf->receive();
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->tag(), "DELD");
  EXPECT_EQ(gone->entity_id(), second.id);
  EXPECT_FALSE(has_notifier(*rcv, q));
  EXPECT_EQ(rcv->request("nd2", q.rid, cmd::NDel{}, q.key())->tag(), "OK");
}

// Below v17 NEW has no notifier credentials: the encoder leaves them out (as the reference's
// encodeProtocol does), so IDS names no notifier; and NEW in v17's form on a v16 connection
// has bytes after v16's fields, which the reference's parser (parseAll) refuses as
// CMD SYNTAX.
TEST_F(ServerCurrentCommandsTest, NotifierCredentialsInNewNeedV17) {
  transport::ClientHandshakeOptions options;
  options.versions = *enc::VersionRange::make(proto::kCurrentMinVersion, 16);
  auto rcv = connect(options);
  ASSERT_TRUE(rcv);
  ASSERT_EQ(rcv->params().version, 16);
  Notifier n;
  CurrentQueue q = create_queue_with_notifier(*rcv, n);
  ASSERT_EQ(q.rid.size(), proto::kQueueIdBytes);
  EXPECT_FALSE(q.notifier_id);
  EXPECT_FALSE(has_notifier(*rcv, q));

  auto rk = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto dh = crypto::generate_key_pair(KeyAlgorithm::x25519);
  const cmd::New v17_new{.rcv_key = rk.public_key,
                         .rcv_dh_key = dh.public_key,
                         .ntf_creds = cmd::New::NtfCreds{.notifier_key = n.key.public_key,
                                                         .rcv_ntf_dh_key = n.dh.public_key}};
  Bytes content(4096);
  proto::BatchWriter writer(content);
  auto added = writer.add(proto::TransmissionParams::for_version(17, rcv->session_id()),
                          proto::TransmissionIds{rcv->session_id(), as_bytes("v17"), {}}, v17_new,
                          proto::CommandAuthorizer{.key = &rk.private_key});
  ASSERT_TRUE(added && *added);
  content.resize(writer.size());
  rcv->send_content(content);
  auto refused = rcv->receive();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->corr_id(), "v17");
  EXPECT_EQ(refused->err().code, errc::smp_cmd_syntax);
}

TEST_F(ServerCurrentCommandsTest, SubscriptionTakeoverEndsAndDeletionIsDeld) {
  auto first = connect();
  ASSERT_TRUE(first);
  CurrentQueue q = create_current_queue(*first);  // subscribed by NEW
  auto second = connect();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->request("s", q.rid, cmd::Sub{}, q.key())->tag(), "SOK");
  auto end = first->receive();
  ASSERT_TRUE(end);
  EXPECT_EQ(end->tag(), "END");
  EXPECT_EQ(end->entity_id(), q.rid);

  EXPECT_EQ(first->request("d", q.rid, cmd::Del{}, q.key())->tag(), "OK");
  auto deld = second->receive();
  ASSERT_TRUE(deld);
  EXPECT_EQ(deld->tag(), "DELD");
  EXPECT_EQ(second->request("s2", q.rid, cmd::Sub{}, q.key())->err().code, errc::smp_auth);
}

// One server thread for every connection: work posted to a connection (END, a delivery)
// reaches it in the order posted, and a connection sending to its own queue gets the
// SEND's answer before the MSG.
class ServerOneThreadTest : public ServerCurrentCommandsTest {
 protected:
  ServerOneThreadTest()
      : ServerCurrentCommandsTest([](server::ServerConfig& c) { c.threads = 1; }) {}
};

TEST_F(ServerOneThreadTest, DeliveriesKeepThePostedOrderAndReachTheSenderItself) {
  auto rcv = connect();
  auto other = connect();
  ASSERT_TRUE(rcv && other);
  CurrentQueue q1 = create_current_queue(*rcv, "n1");  // both subscribed by NEW
  CurrentQueue q2 = create_current_queue(*rcv, "n2");

  // The next transmission on rcv is a MSG of q1 with `body`; ACKed.
  auto receive_and_ack = [&](std::string_view body) {
    auto m = rcv->receive();
    ASSERT_TRUE(m);
    ASSERT_EQ(body_of(q1, *m), body);
    auto ack = rcv->request("a", q1.rid, cmd::Ack{.msg_id = m->as<msg::Msg>()->msg_id}, q1.key());
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->tag(), "OK");
  };

  // From another connection on the same thread.
  EXPECT_EQ(send_from(*other, q1, "one"), "OK");
  receive_and_ack("one");

  // One block: SUB q2 takes it over (END to rcv, posted), then SEND to q1, whose
  // subscription on rcv waits. The END was posted first and arrives first.
  other->send({Outbound{"sub", q2.rid, cmd::Sub{}, q2.key()},
               Outbound{"s2", q1.sid, cmd::Send{.body = as_bytes("two")}}});
  for (std::string_view corr : {"sub", "s2"}) {
    auto r = other->receive();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->corr_id(), corr);
  }
  auto end = rcv->receive();
  ASSERT_TRUE(end);
  EXPECT_EQ(end->tag(), "END");
  EXPECT_EQ(end->entity_id(), q2.rid);
  receive_and_ack("two");

  // To a queue of its own: the SEND's answer first, then the MSG.
  rcv->send("s3", q1.sid, cmd::Send{.body = as_bytes("three")});
  auto ok = rcv->receive();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->tag(), "OK");
  EXPECT_EQ(ok->corr_id(), "s3");
  receive_and_ack("three");
}

TEST_F(ServerCurrentCommandsTest, ABlockedQueueAnswersBlockedWithItsInfo) {
  auto rcv = connect();
  ASSERT_TRUE(rcv);
  CurrentQueue q = create_current_queue(*rcv);
  auto rid = server::queue_id_from(q.rid);
  ASSERT_TRUE(rid);
  server::BlockingInfo info{.reason = server::BlockingReason::content};
  ASSERT_TRUE(server_.queues().block(*rid, info));

  auto snd = connect();
  ASSERT_TRUE(snd);
  auto send = snd->request("s", q.sid, cmd::Send{.body = as_bytes("x")});
  ASSERT_TRUE(send);
  proto::SmpError e = send->err();
  EXPECT_EQ(e.code, errc::smp_blocked);
  ASSERT_TRUE(e.blocking);
  EXPECT_EQ(e.blocking->reason, proto::BlockingReason::content);
  auto sub = rcv->request("b", q.rid, cmd::Sub{}, q.key());
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->err().code, errc::smp_blocked);
  // OFF and DEL still work on a blocked queue.
  EXPECT_EQ(rcv->request("d", q.rid, cmd::Del{}, q.key())->tag(), "OK");
}

TEST_F(ServerCurrentCommandsTest, QueAnswersTheQueueStateAsJson) {
  auto c = connect();
  ASSERT_TRUE(c);
  CurrentQueue q = create_current_queue(*c);
  EXPECT_EQ(send_from(*c, q, "m"), "OK");
  auto delivered = c->receive();  // the MSG to the NEW subscription
  ASSERT_TRUE(delivered && delivered->as<msg::Msg>());
  auto info = c->request("q", q.rid, cmd::Que{}, q.key());
  ASSERT_TRUE(info);
  const auto* i = info->as<msg::Info>();
  ASSERT_TRUE(i);
  auto parsed = proto::parse_queue_info(as_chars(i->json));
  ASSERT_TRUE(parsed) << std::string(as_chars(i->json));
  const Bytes msg_id = to_bytes(delivered->as<msg::Msg>()->msg_id);
  proto::QueueInfo expected{
      .sub = proto::QueueInfo::Sub{.thread = proto::QueueInfo::SubThread::no_sub,
                                   .delivered_msg_id = msg_id},
      .size = 1,
      .message = proto::QueueInfo::Msg{
          .msg_id = msg_id, .timestamp = parsed->message ? parsed->message->timestamp : 0}};
  EXPECT_EQ(*parsed, expected) << std::string(as_chars(i->json));
  ASSERT_TRUE(parsed->message);
  EXPECT_NEAR(static_cast<double>(parsed->message->timestamp),
              static_cast<double>(std::time(nullptr)), 60.0);
}

TEST_F(ServerCurrentCommandsTest, ShortLinksContactAndMessagingQueues) {
  auto c = connect();
  ASSERT_TRUE(c);
  // A contact queue with link data set by LSET, read by anyone with LGET.
  CurrentQueue contact = create_current_queue(*c, "new", KeyAlgorithm::ed25519, [](cmd::New& n) {
    n.queue_request = proto::QueueRequest{.mode = proto::QueueMode::contact};
  });
  Bytes link_id(24, 0x42);
  auto lset = c->request("l", contact.rid,
                         cmd::LSet{.link_id = link_id,
                                   .data = {.fixed_data = as_bytes("fixed"),
                                            .user_data = as_bytes("user")}},
                         contact.key());
  ASSERT_TRUE(lset);
  EXPECT_EQ(lset->tag(), "OK");
  auto other = connect();
  ASSERT_TRUE(other);
  auto lnk = other->request("g", link_id, cmd::LGet{});
  ASSERT_TRUE(lnk);
  const auto* l = lnk->as<msg::Lnk>();
  ASSERT_TRUE(l);
  EXPECT_EQ(to_bytes(l->sender_id), contact.sid);
  EXPECT_EQ(std::string(as_chars(l->data.fixed_data)), "fixed");
  EXPECT_EQ(std::string(as_chars(l->data.user_data)), "user");

  // A messaging queue with a short link: the client's sender id must be SHA3-384(corrId).
  const std::string corr = "link-new";
  auto digest = crypto::sha3_384(as_bytes(corr));
  Bytes sender_id(digest.begin(), digest.begin() + 24);
  // The link's sender id is a view: `sid` must outlive the command.
  auto with_link = [&](const Bytes& sid) {
    return [&sid](cmd::New& n) {
      n.queue_request = proto::QueueRequest{
          .mode = proto::QueueMode::messaging,
          .link = proto::QueueRequest::Link{
              .sender_id = sid, .data = {.fixed_data = as_bytes("f"), .user_data = as_bytes("u")}}};
    };
  };
  // With another sender id: CMD PROHIBITED.
  auto rk = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto dk = crypto::generate_key_pair(KeyAlgorithm::x25519);
  cmd::New bad{.rcv_key = rk.public_key, .rcv_dh_key = dk.public_key};
  const Bytes other_sender_id(24, 1);
  with_link(other_sender_id)(bad);
  EXPECT_EQ(c->request("bad", {}, bad, &rk.private_key)->err().code, errc::smp_cmd_prohibited);

  CurrentQueue mq = create_current_queue(*c, corr, KeyAlgorithm::ed25519, with_link(sender_id));
  EXPECT_EQ(mq.sid, sender_id);
  ASSERT_TRUE(mq.link_id);
  // LKEY secures it and reads the link; LGET is for contact queues only.
  auto sender = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto lkey = other->request("lk", *mq.link_id, cmd::LKey{.sender_key = sender.public_key},
                             &sender.private_key);
  ASSERT_TRUE(lkey);
  ASSERT_EQ(lkey->tag(), "LNK");
  EXPECT_EQ(to_bytes(lkey->as<msg::Lnk>()->sender_id), sender_id);
  EXPECT_EQ(other->request("lg", *mq.link_id, cmd::LGet{})->err().code, errc::smp_auth);
  // The first message to the secured messaging queue removes its link data.
  EXPECT_EQ(send_from(*other, mq, "hi", &sender.private_key), "OK");
  EXPECT_EQ(other->request("lk2", *mq.link_id, cmd::LKey{.sender_key = sender.public_key},
                           &sender.private_key)
                ->err()
                .code,
            errc::smp_auth);
}

TEST_F(ServerCurrentCommandsTest, ServicesAndTheProxyRoleAreNotOffered) {
  auto c = connect();
  ASSERT_TRUE(c);
  auto key = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto subs = c->request("1", Bytes(24, 1), cmd::Subs{}, &key.private_key);
  ASSERT_TRUE(subs);
  EXPECT_EQ(subs->err().code, errc::smp_service);
  const Bytes key_hash(32, 1);
  proto::cmd::Prxy prxy;
  prxy.server.hosts[0] = as_bytes("example.com");
  prxy.server.host_count = 1;
  prxy.server.key_hash = key_hash;
  auto r = c->request("2", {}, prxy);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->err().code, errc::smp_proxy);
  EXPECT_EQ(r->err().proxy_error->kind, proto::ProxyErrorInfo::Kind::basic_auth);
}

TEST_F(ServerCurrentCommandsTest, AContentThatIsNotABatchIsBlock) {
  auto c = connect();
  ASSERT_TRUE(c);
  c->send_content(as_bytes("\x02not a batch"));
  auto r = c->receive();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->err().code, errc::smp_block);
  EXPECT_EQ(c->request("p", {}, cmd::Ping{})->tag(), "PONG");  // the connection goes on
}

class ServerCurrentPasswordTest : public ServerCurrentCommandsTest {
 protected:
  ServerCurrentPasswordTest()
      : ServerCurrentCommandsTest([](server::ServerConfig& c) {
          c.new_queue_basic_auth = std::string("s3cret");
        }) {}
};

TEST_F(ServerCurrentPasswordTest, NewNeedsTheServerPassword) {
  auto c = connect();
  ASSERT_TRUE(c);
  auto rk = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto dk = crypto::generate_key_pair(KeyAlgorithm::x25519);
  cmd::New n{.rcv_key = rk.public_key, .rcv_dh_key = dk.public_key};
  EXPECT_EQ(c->request("1", {}, n, &rk.private_key)->err().code, errc::smp_auth);
  n.basic_auth = as_bytes("wrong");
  EXPECT_EQ(c->request("2", {}, n, &rk.private_key)->err().code, errc::smp_auth);
  n.basic_auth = as_bytes("s3cret");
  EXPECT_EQ(c->request("3", {}, n, &rk.private_key)->tag(), "IDS");
}

// RFWD: a proxy forwards a sender's SEND; the answer comes back in RRES, encrypted for the
// sender inside, for the proxy outside (Server.hs processForwardedCommand).
TEST_F(ServerCurrentCommandsTest, AForwardedSendIsDeliveredAndAnsweredThroughTheProxy) {
  auto rcv = connect();
  ASSERT_TRUE(rcv);
  CurrentQueue q = create_current_queue(*rcv);
  auto proxy = connect({.proxy_server = true});
  ASSERT_TRUE(proxy);
  const transport::SessionParams& p = proxy->params();
  ASSERT_TRUE(p.client_is_proxy);
  ASSERT_FALSE(p.block_encryption);
  ASSERT_TRUE(p.session_secret && p.server_dh_public);

  // The sender's side: a transmission for the destination, as the proxy's session frames it.
  const proto::TransmissionParams sender_params = proxy->tparams();
  Bytes inner(proto::kMaxBatchContent);
  proto::TransmissionIds ids{proxy->session_id(), as_bytes("inner"), q.sid};
  auto n = proto::encode_command_batch1(sender_params, ids,
                                        cmd::Send{.body = as_bytes("via proxy")}, {}, inner);
  ASSERT_TRUE(n);
  inner.resize(*n);
  auto ephemeral = crypto::generate_key_pair(KeyAlgorithm::x25519);
  auto client_key = crypto::CbKey::from_keys(*p.server_dh_public, ephemeral.private_key);
  ASSERT_TRUE(client_key);
  const std::string pfwd_corr = "pfwd-corr-id-24-bytes!!!";
  auto et = client_key->encrypt(crypto::cb_nonce(as_bytes(pfwd_corr)), inner,
                                proto::kPaddedProxiedLength);
  ASSERT_TRUE(et);
  auto fwd = proto::encode_fwd_transmission({.corr_id = as_bytes(pfwd_corr),
                                             .version = sender_params.version,
                                             .key = ephemeral.public_key,
                                             .encrypted = *et});
  ASSERT_TRUE(fwd);
  auto proxy_key = crypto::CbKey::from_dh_secret(p.session_secret->view());
  ASSERT_TRUE(proxy_key);
  const std::string rfwd_corr = "rfwd-corr-id-24-bytes!!!";
  const crypto::CbNonce proxy_nonce = crypto::cb_nonce(as_bytes(rfwd_corr));
  Bytes eft = proto::seal_no_pad(*proxy_key, proxy_nonce, *fwd);

  auto rres = proxy->request(rfwd_corr, {}, cmd::RFwd{.encrypted = eft});
  ASSERT_TRUE(rres);
  const auto* r = rres->as<msg::RRes>();
  ASSERT_TRUE(r) << rres->tag();
  auto opened = proto::open_no_pad(*proxy_key, proto::reverse_nonce(proxy_nonce), r->encrypted);
  ASSERT_TRUE(opened);
  auto fr = proto::parse_fwd_response(*opened);
  ASSERT_TRUE(fr);
  EXPECT_EQ(std::string(as_chars(fr->corr_id)), pfwd_corr);
  auto answer =
      client_key->decrypt(proto::reverse_nonce(crypto::cb_nonce(as_bytes(pfwd_corr))), fr->encrypted);
  ASSERT_TRUE(answer);
  std::vector<proto::ReceivedBrokerMessage> replies;
  proto::receive_broker_batch(*answer, sender_params, replies);
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_TRUE(replies[0].message);
  EXPECT_TRUE(std::holds_alternative<msg::Ok>(*replies[0].message));
  EXPECT_EQ(std::string(as_chars(replies[0].corr_id)), "inner");

  auto delivered = rcv->receive();
  ASSERT_TRUE(delivered);
  EXPECT_EQ(body_of(q, *delivered), "via proxy");

  // Only sender commands may be forwarded.
  Bytes inner2(proto::kMaxBatchContent);
  proto::TransmissionIds ids2{proxy->session_id(), as_bytes("inner2"), q.rid};
  auto n2 = proto::encode_command_batch1(sender_params, ids2, cmd::Sub{},
                                         {.key = q.key()}, inner2);
  ASSERT_TRUE(n2);
  inner2.resize(*n2);
  const std::string pfwd2 = "pfwd-corr-id-24-bytes-2!";
  auto et2 = client_key->encrypt(crypto::cb_nonce(as_bytes(pfwd2)), inner2,
                                 proto::kPaddedProxiedLength);
  auto fwd2 = proto::encode_fwd_transmission({.corr_id = as_bytes(pfwd2),
                                              .version = sender_params.version,
                                              .key = ephemeral.public_key,
                                              .encrypted = *et2});
  const std::string rfwd2 = "rfwd-corr-id-24-bytes-2!";
  auto rres2 = proxy->request(
      rfwd2, {},
      cmd::RFwd{.encrypted = proto::seal_no_pad(*proxy_key, crypto::cb_nonce(as_bytes(rfwd2)), *fwd2)});
  ASSERT_TRUE(rres2 && rres2->as<msg::RRes>());
  auto opened2 = proto::open_no_pad(*proxy_key, proto::reverse_nonce(crypto::cb_nonce(as_bytes(rfwd2))),
                                    rres2->as<msg::RRes>()->encrypted);
  ASSERT_TRUE(opened2);
  auto fr2 = proto::parse_fwd_response(*opened2);
  ASSERT_TRUE(fr2);
  auto answer2 = client_key->decrypt(proto::reverse_nonce(crypto::cb_nonce(as_bytes(pfwd2))),
                                     fr2->encrypted);
  ASSERT_TRUE(answer2);
  replies.clear();
  proto::receive_broker_batch(*answer2, sender_params, replies);
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_TRUE(replies[0].message);
  const auto* err = std::get_if<msg::Err>(&*replies[0].message);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error.code, errc::smp_cmd_prohibited);
}

// A v1 client on the same server: a queue blocked by the operator answers AUTH (v1 has no
// BLOCKED), as before.
TEST_F(ServerCurrentCommandsTest, AV1ClientSeesABlockedQueueAsAuth) {
  auto v1 = server_.connect();
  ASSERT_TRUE(v1);
  RecipientQueue q = create_queue(*v1);
  auto rid = server::queue_id_from(q.rid);
  ASSERT_TRUE(rid);
  ASSERT_TRUE(server_.queues().block(*rid, server::BlockingInfo{}));
  auto send = v1->request("s", q.sid, cmd::Send{.body = as_bytes("x")});
  ASSERT_TRUE(send);
  EXPECT_EQ(send->err(), errc::smp_auth);
}

}  // namespace
}  // namespace smp::test
