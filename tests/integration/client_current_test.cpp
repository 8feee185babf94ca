// The client library's typed calls over the current generation (SMP 6..18, negotiated 18
// with the in-process server over real TLS): the current NEW with its options, GET, ACK by
// message id, SKEY, short links, notifications with their DH key, QUE, and
// errc::unsupported (nothing sent) for what an SMP v1 connection does not have.

#include <chrono>
#include <ctime>

#include <gtest/gtest.h>

#include "client_fixture.h"
#include "smp/crypto/hash.h"
#include "smp/protocol/versions.h"

namespace smp::client {
namespace {

using namespace std::chrono_literals;
using crypto::KeyAlgorithm;
using protocol::QueueMode;

class ClientCurrentTest : public test::ClientFixture {
 protected:
  static Bytes random_id() { return crypto::random_bytes(protocol::kQueueIdBytes); }
  // QUE's JSON ("" and a test failure when it fails).
  static std::string info_of(BlockingSmpClient& c, const NewQueue& q) {
    auto info = c.queue_info(q.recipient_key, q.ids.recipient_id);
    EXPECT_TRUE(info) << info.error().message();
    return info ? *info : std::string();
  }
};

TEST_F(ClientCurrentTest, TheCurrentNewDeliversMessagesWithTimestampAndFlags) {
  auto recipient = connect_current();
  auto sender = connect_current();
  ASSERT_TRUE(recipient && sender);
  EXPECT_EQ(recipient->async_client().smp_version(), protocol::kCurrentMaxVersion);
  auto q = recipient->create_queue();
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_EQ(q->ids.recipient_id.size(), protocol::kQueueIdBytes);
  EXPECT_EQ(q->ids.sender_id.size(), protocol::kQueueIdBytes);
  EXPECT_FALSE(q->ids.queue_mode);  // NEW asked for no mode
  EXPECT_TRUE(q->ids.link_id.empty());

  const auto before = static_cast<std::int64_t>(std::time(nullptr));
  ASSERT_TRUE(sender->send_message(nullptr, q->ids.sender_id, as_bytes("first"), true));
  ASSERT_TRUE(sender->send_message(nullptr, q->ids.sender_id, as_bytes("second")));
  Bytes first_id;
  auto first = receive(*recipient, *q, &first_id);
  ASSERT_TRUE(first);
  EXPECT_EQ(as_chars(first->body), "first");
  EXPECT_TRUE(first->notification);
  EXPECT_GE(first->timestamp, before - 1);
  EXPECT_LE(first->timestamp, static_cast<std::int64_t>(std::time(nullptr)) + 1);

  // ACK names the message: another id (or none, refused here) acknowledges nothing.
  Bytes other_id(protocol::kMsgIdBytes, 0x5a);
  EXPECT_EQ(recipient->ack(q->recipient_key, q->ids.recipient_id, other_id).error(),
            errc::smp_no_msg);
  EXPECT_EQ(recipient->ack(q->recipient_key, q->ids.recipient_id).error(), errc::unsupported);
  ASSERT_TRUE(recipient->ack(q->recipient_key, q->ids.recipient_id, first_id));
  Bytes second_id;
  auto second = receive(*recipient, *q, &second_id);
  ASSERT_TRUE(second);
  EXPECT_EQ(as_chars(second->body), "second");
  EXPECT_FALSE(second->notification);
  ASSERT_TRUE(recipient->ack(q->recipient_key, q->ids.recipient_id, second_id));
  EXPECT_EQ(recipient->ack(q->recipient_key, q->ids.recipient_id, second_id).error(),
            errc::smp_no_msg);
}

TEST_F(ClientCurrentTest, SubscribeOnTheCurrentGenerationDeliversTheWaitingMessage) {
  auto creator = connect_current();
  auto other = connect_current();
  ASSERT_TRUE(creator && other);
  auto q = creator->create_queue(KeyAlgorithm::ed448,
                                 {.sub_mode = protocol::SubscriptionMode::only_create});
  ASSERT_TRUE(q) << q.error().message();
  ASSERT_TRUE(other->send_message(nullptr, q->ids.sender_id, as_bytes("waiting")));
  EXPECT_EQ(creator->next_event(300ms).error(), errc::timeout);  // not subscribed
  // SUB answers SOK; the message follows as an event.
  ASSERT_TRUE(other->subscribe(q->recipient_key, q->ids.recipient_id));
  EXPECT_EQ(receive_text(*other, *q), "waiting");
  auto stranger = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(other->subscribe(stranger.private_key, q->ids.recipient_id).error(), errc::smp_auth);
}

// An X25519 recipient key: its commands carry crypto_box authenticators (SMP 7+); SMP v1 has
// none, so the generating NEW refuses the algorithm there before sending.
TEST_F(ClientCurrentTest, AnX25519RecipientKeyAuthorizesWithAuthenticators) {
  auto c = connect_current();
  ASSERT_TRUE(c);
  auto q = c->create_queue(KeyAlgorithm::x25519);
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_EQ(q->recipient_key.algorithm(), KeyAlgorithm::x25519);
  ASSERT_TRUE(c->send_message(nullptr, q->ids.sender_id, as_bytes("boxed")));
  Bytes msg_id;
  EXPECT_EQ(receive_text(*c, *q, &msg_id), "boxed");
  ASSERT_TRUE(c->ack(q->recipient_key, q->ids.recipient_id, msg_id));
  auto v1 = connect(ClientConfig{.ping_interval = 0s});
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->create_queue(KeyAlgorithm::x25519).error(), errc::wrong_algorithm);
  EXPECT_EQ(v1->create_queue(KeyAlgorithm::x448).error(), errc::wrong_algorithm);
}

TEST_F(ClientCurrentTest, GetReadsWithoutSubscribing) {
  auto recipient = connect_current();
  auto sender = connect_current();
  ASSERT_TRUE(recipient && sender);
  auto q = recipient->create_queue(KeyAlgorithm::ed25519,
                                   {.sub_mode = protocol::SubscriptionMode::only_create});
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_EQ(recipient->get_message(q->recipient_key, q->ids.recipient_id).error(),
            errc::smp_no_msg);
  ASSERT_TRUE(sender->send_message(nullptr, q->ids.sender_id, as_bytes("polled")));
  auto m = recipient->get_message(q->recipient_key, q->ids.recipient_id);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_TRUE(m->sealed_header);
  auto body = decrypt_message_body(q->dh_secret.view(), *m);
  ASSERT_TRUE(body);
  EXPECT_EQ(as_chars(*body), "polled");
  // Not acknowledged: GET answers with it again.
  auto again = recipient->get_message(q->recipient_key, q->ids.recipient_id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->msg_id, m->msg_id);
  ASSERT_TRUE(recipient->ack(q->recipient_key, q->ids.recipient_id, m->msg_id));
  EXPECT_EQ(recipient->get_message(q->recipient_key, q->ids.recipient_id).error(),
            errc::smp_no_msg);
  EXPECT_EQ(recipient->next_event(200ms).error(), errc::timeout);  // GET made no events

  // A connection that read by GET may not subscribe, and a subscribed one may not GET.
  EXPECT_EQ(recipient->subscribe(q->recipient_key, q->ids.recipient_id).error(),
            errc::smp_cmd_prohibited);
  auto subscribed = recipient->create_queue();
  ASSERT_TRUE(subscribed);
  EXPECT_EQ(
      recipient->get_message(subscribed->recipient_key, subscribed->ids.recipient_id).error(),
      errc::smp_cmd_prohibited);
  auto stranger = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(recipient->get_message(stranger.private_key, q->ids.recipient_id).error(),
            errc::smp_auth);
}

TEST_F(ClientCurrentTest, TheSenderSecuresAMessagingQueueWithSkey) {
  auto recipient = connect_current();
  auto sender = connect_current();
  ASSERT_TRUE(recipient && sender);
  auto q = recipient->create_queue(KeyAlgorithm::ed25519, {.mode = QueueMode::messaging});
  ASSERT_TRUE(q) << q.error().message();
  ASSERT_TRUE(q->ids.queue_mode);
  EXPECT_EQ(*q->ids.queue_mode, QueueMode::messaging);

  auto sender_key = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  ASSERT_TRUE(sender->secure_queue_by_sender(sender_key.private_key, q->ids.sender_id));
  // Again with the same key is allowed (a retry); with another key it is not.
  EXPECT_TRUE(sender->secure_queue_by_sender(sender_key.private_key, q->ids.sender_id));
  auto other = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(sender->secure_queue_by_sender(other.private_key, q->ids.sender_id).error(),
            errc::smp_auth);
  EXPECT_EQ(sender->send_message(nullptr, q->ids.sender_id, as_bytes("x")).error(),
            errc::smp_auth);
  ASSERT_TRUE(sender->send_message(&sender_key.private_key, q->ids.sender_id, as_bytes("ok")));
  EXPECT_EQ(receive_text(*recipient, *q), "ok");

  // A contact address cannot be secured by a sender.
  auto contact = recipient->create_queue(KeyAlgorithm::ed25519, {.mode = QueueMode::contact});
  ASSERT_TRUE(contact);
  EXPECT_EQ(*contact->ids.queue_mode, QueueMode::contact);
  EXPECT_EQ(sender->secure_queue_by_sender(other.private_key, contact->ids.sender_id).error(),
            errc::smp_auth);
}

TEST_F(ClientCurrentTest, AContactAddressCarriesItsShortLink) {
  auto owner = connect_current();
  auto reader = connect_current();
  ASSERT_TRUE(owner && reader);
  const Bytes link_id = random_id();
  QueueOptions options{.mode = QueueMode::contact,
                       .link = QueueOptions::Link{.link_id = link_id,
                                                  .fixed_data = to_bytes(as_bytes("fixed")),
                                                  .user_data = to_bytes(as_bytes("user"))}};
  auto q = owner->create_queue(KeyAlgorithm::ed25519, options);
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_EQ(q->ids.link_id, link_id);
  EXPECT_EQ(*q->ids.queue_mode, QueueMode::contact);

  auto link = reader->get_link(link_id);
  ASSERT_TRUE(link) << link.error().message();
  EXPECT_EQ(link->sender_id, q->ids.sender_id);
  EXPECT_EQ(as_chars(link->fixed_data), "fixed");
  EXPECT_EQ(as_chars(link->user_data), "user");

  // New data under the same id; another id is refused.
  ASSERT_TRUE(owner->set_link(q->recipient_key, q->ids.recipient_id, link_id, as_bytes("fixed"),
                              as_bytes("user 2")));
  link = reader->get_link(link_id);
  ASSERT_TRUE(link);
  EXPECT_EQ(as_chars(link->user_data), "user 2");
  EXPECT_EQ(owner->set_link(q->recipient_key, q->ids.recipient_id, random_id(), as_bytes("f"),
                            as_bytes("u"))
                .error(),
            errc::smp_auth);
  auto stranger = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(owner->delete_link(stranger.private_key, q->ids.recipient_id).error(),
            errc::smp_auth);

  ASSERT_TRUE(owner->delete_link(q->recipient_key, q->ids.recipient_id));
  EXPECT_EQ(reader->get_link(link_id).error(), errc::smp_auth);
  EXPECT_TRUE(owner->delete_link(q->recipient_key, q->ids.recipient_id));  // none left: OK
  EXPECT_EQ(reader->get_link(random_id()).error(), errc::smp_auth);
}

TEST_F(ClientCurrentTest, LkeySecuresAMessagingQueueByItsLink) {
  auto owner = connect_current();
  auto sender = connect_current();
  ASSERT_TRUE(owner && sender);
  QueueOptions options{.mode = QueueMode::messaging,
                       .link = QueueOptions::Link{.fixed_data = to_bytes(as_bytes("invitation")),
                                                  .user_data = {}}};
  auto q = owner->create_queue(KeyAlgorithm::ed25519, options);
  ASSERT_TRUE(q) << q.error().message();
  ASSERT_EQ(q->ids.link_id.size(), protocol::kQueueIdBytes);  // the server chose it

  // A messaging queue's link is not readable with LGET: only LKEY, which secures it.
  EXPECT_EQ(sender->get_link(q->ids.link_id).error(), errc::smp_auth);
  auto sender_key = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto link = sender->secure_link(sender_key.private_key, q->ids.link_id);
  ASSERT_TRUE(link) << link.error().message();
  EXPECT_EQ(link->sender_id, q->ids.sender_id);
  EXPECT_EQ(as_chars(link->fixed_data), "invitation");
  auto other = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(sender->secure_link(other.private_key, q->ids.link_id).error(), errc::smp_auth);
  EXPECT_EQ(sender->send_message(nullptr, q->ids.sender_id, as_bytes("x")).error(),
            errc::smp_auth);
  ASSERT_TRUE(sender->send_message(&sender_key.private_key, q->ids.sender_id, as_bytes("hi")));
  EXPECT_EQ(receive_text(*owner, *q), "hi");
}

TEST_F(ClientCurrentTest, NotificationsCarryTheDhKeysAndCanBeDisabled) {
  auto recipient = connect_current();
  auto notifier = connect_current();
  auto sender = connect_current();
  ASSERT_TRUE(recipient && notifier && sender);
  auto q = recipient->create_queue();
  ASSERT_TRUE(q);
  auto nk = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto ndh = crypto::generate_key_pair(KeyAlgorithm::x25519);
  // The current NKEY needs the DH key: the v1 form is refused before sending.
  EXPECT_EQ(recipient->enable_notifications(q->recipient_key, q->ids.recipient_id, nk.public_key)
                .error(),
            errc::unsupported);
  EXPECT_EQ(recipient
                ->enable_notifications(q->recipient_key, q->ids.recipient_id, nk.public_key,
                                       nk.private_key)
                .error(),
            errc::wrong_algorithm);
  auto creds = recipient->enable_notifications(q->recipient_key, q->ids.recipient_id,
                                               nk.public_key, ndh.private_key);
  ASSERT_TRUE(creds) << creds.error().message();
  EXPECT_EQ(creds->ids.notifier_id.size(), protocol::kQueueIdBytes);
  ASSERT_TRUE(creds->ids.server_dh_key);
  auto expected = queue_dh_secret(*creds->ids.server_dh_key, ndh.private_key);
  ASSERT_TRUE(expected);
  EXPECT_EQ(creds->dh_secret.size(), 32u);
  EXPECT_TRUE(std::equal(creds->dh_secret.view().begin(), creds->dh_secret.view().end(),
                         expected->view().begin(), expected->view().end()));

  ASSERT_TRUE(notifier->subscribe_notifications(nk.private_key, creds->ids.notifier_id));
  ASSERT_TRUE(sender->send_message(nullptr, q->ids.sender_id, as_bytes("ring"), true));
  auto event = notifier->next_event(3s);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, EventKind::notification);
  EXPECT_EQ(event->queue_id, creds->ids.notifier_id);
  auto meta = open_notification_meta(creds->dh_secret.view(), event->notification);
  ASSERT_TRUE(meta) << meta.error().message();
  Bytes msg_id;
  EXPECT_EQ(receive_text(*recipient, *q, &msg_id), "ring");
  EXPECT_EQ(meta->msg_id, msg_id);

  auto stranger = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(recipient->disable_notifications(stranger.private_key, q->ids.recipient_id).error(),
            errc::smp_auth);
  ASSERT_TRUE(recipient->disable_notifications(q->recipient_key, q->ids.recipient_id));
  auto ended = notifier->next_event(3s);  // DELD: the notifier is gone
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->kind, EventKind::end);
  EXPECT_EQ(notifier->subscribe_notifications(nk.private_key, creds->ids.notifier_id).error(),
            errc::smp_auth);
}

// NEW with notifier credentials (SMP 17+, as the reference's agent creates a queue with
// notifications on: newRcvQueue_ / createSMPQueue): the queue comes with its notifier and
// the secret, NSUB takes the notifier, and an NMSG's metadata opens to the id and timestamp
// of the MSG the recipient gets (as the agent's getNtfInfo opens NMsgMeta).
TEST_F(ClientCurrentTest, NewMakesTheNotifierAndNmsgMetadataOpensToTheMessage) {
  auto recipient = connect_current();
  auto notifier = connect_current();
  auto sender = connect_current();
  ASSERT_TRUE(recipient && notifier && sender);
  auto nk = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto ndh = crypto::generate_key_pair(KeyAlgorithm::x25519);
  // The notification DH key must be X25519: refused before sending.
  const auto sent = recipient->async_client().stats().requests;
  EXPECT_EQ(recipient
                ->create_queue(KeyAlgorithm::ed25519,
                               {.notifier = QueueOptions::Notifier{nk.public_key, &nk.private_key}})
                .error(),
            errc::wrong_algorithm);
  EXPECT_EQ(recipient
                ->create_queue(KeyAlgorithm::ed25519,
                               {.notifier = QueueOptions::Notifier{nk.public_key, nullptr}})
                .error(),
            errc::wrong_algorithm);
  EXPECT_EQ(recipient->async_client().stats().requests, sent);

  auto q = recipient->create_queue(
      KeyAlgorithm::ed25519, {.notifier = QueueOptions::Notifier{nk.public_key, &ndh.private_key}});
  ASSERT_TRUE(q) << q.error().message();
  ASSERT_TRUE(q->ids.notifier);
  const NotifierCreds& creds = *q->ids.notifier;
  EXPECT_EQ(creds.ids.notifier_id.size(), protocol::kQueueIdBytes);
  EXPECT_NE(creds.ids.notifier_id, q->ids.recipient_id);
  ASSERT_TRUE(creds.ids.server_dh_key);
  auto expected = queue_dh_secret(*creds.ids.server_dh_key, ndh.private_key);
  ASSERT_TRUE(expected);
  EXPECT_EQ(to_bytes(creds.dh_secret.view()), to_bytes(expected->view()));
  EXPECT_NE(info_of(*recipient, *q).find("\"qiNtf\":true"), std::string::npos);

  ASSERT_TRUE(notifier->subscribe_notifications(nk.private_key, creds.ids.notifier_id));
  ASSERT_TRUE(sender->send_message(nullptr, q->ids.sender_id, as_bytes("ring"), true));
  auto event = notifier->next_event(3s);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, EventKind::notification);
  EXPECT_EQ(event->queue_id, creds.ids.notifier_id);
  auto meta = open_notification_meta(creds.dh_secret.view(), event->notification);
  ASSERT_TRUE(meta) << meta.error().message();
  Bytes msg_id;
  auto content = receive(*recipient, *q, &msg_id);
  ASSERT_TRUE(content);
  EXPECT_EQ(as_chars(content->body), "ring");
  EXPECT_EQ(meta->msg_id, msg_id);
  EXPECT_EQ(meta->timestamp, content->timestamp);
  // Another secret does not open it.
  auto other = crypto::generate_key_pair(KeyAlgorithm::x25519);
  auto wrong = queue_dh_secret(*creds.ids.server_dh_key, other.private_key);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(open_notification_meta(wrong->view(), event->notification).error(), errc::cb_decrypt);

  // The form with the caller's own keys: the same, the notifier in QueueIds.
  auto rk = crypto::generate_key_pair(KeyAlgorithm::ed448);
  auto rdh = crypto::generate_key_pair(KeyAlgorithm::x25519);
  auto ids = recipient->create_queue(
      rk.private_key, rdh.public_key,
      {.notifier = QueueOptions::Notifier{nk.public_key, &ndh.private_key}});
  ASSERT_TRUE(ids) << ids.error().message();
  ASSERT_TRUE(ids->notifier);
  EXPECT_NE(ids->notifier->ids.notifier_id, creds.ids.notifier_id);
  EXPECT_EQ(ids->notifier->dh_secret.size(), 32u);
}

// Below SMP 17 NEW cannot carry notifier credentials (the reference's encoder leaves them
// out): refused before sending, so that no one takes the answer for a queue with a notifier.
TEST(ClientCurrentNtfCreds, NewWithANotifierNeedsV17) {
  test::TestServer server([](server::ServerConfig& config) {
    config.current_versions = enc::VersionRange::of(protocol::kCurrentMinVersion, 16);
  });
  ASSERT_TRUE(server.started());
  protocol::SmpServer address{"127.0.0.1", std::to_string(server.port()), server.key_hash()};
  auto c = BlockingSmpClient::connect(
      address, ClientConfig{.protocols = transport::ClientProtocols::current_and_v1});
  ASSERT_TRUE(c);
  ASSERT_EQ((*c)->async_client().smp_version(), 16);
  auto nk = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto ndh = crypto::generate_key_pair(KeyAlgorithm::x25519);
  const auto sent = (*c)->async_client().stats().requests;
  EXPECT_EQ(
      (*c)->create_queue(KeyAlgorithm::ed25519,
                         {.notifier = QueueOptions::Notifier{nk.public_key, &ndh.private_key}})
          .error(),
      errc::unsupported);
  EXPECT_EQ((*c)->async_client().stats().requests, sent);
  // Without them NEW works, and NKEY adds the notifier as before.
  auto q = (*c)->create_queue();
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_FALSE(q->ids.notifier);
  auto creds = (*c)->enable_notifications(q->recipient_key, q->ids.recipient_id, nk.public_key,
                                          ndh.private_key);
  ASSERT_TRUE(creds) << creds.error().message();
  EXPECT_EQ(creds->dh_secret.size(), 32u);
}

TEST_F(ClientCurrentTest, QueueInfoIsTheServersJson) {
  auto c = connect_current();
  ASSERT_TRUE(c);
  auto q = c->create_queue();
  ASSERT_TRUE(q);
  auto info = c->queue_info(q->recipient_key, q->ids.recipient_id);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_NE(info->find("\"qiSnd\":false"), std::string::npos) << *info;
  EXPECT_NE(info->find("\"qiSize\":0"), std::string::npos) << *info;
  ASSERT_TRUE(c->send_message(nullptr, q->ids.sender_id, as_bytes("counted")));
  Bytes msg_id;
  EXPECT_EQ(receive_text(*c, *q, &msg_id), "counted");
  info = c->queue_info(q->recipient_key, q->ids.recipient_id);
  ASSERT_TRUE(info);
  EXPECT_NE(info->find("\"qiSize\":1"), std::string::npos) << *info;
  EXPECT_NE(info->find("\"msgType\":\"message\""), std::string::npos) << *info;
  auto stranger = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(c->queue_info(stranger.private_key, q->ids.recipient_id).error(), errc::smp_auth);
}

// Everything above on an SMP v1 connection: refused before sending, so the request counter
// does not move and the connection stays usable.
TEST_F(ClientCurrentTest, AVersionOneConnectionRefusesWhatItCannotSend) {
  auto c = connect(ClientConfig{.ping_interval = 0s});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->async_client().smp_version(), protocol::kSmpV1);
  auto q = c->create_queue();
  ASSERT_TRUE(q);
  const auto sent = c->async_client().stats().requests;
  const auto& rk = q->recipient_key;
  const Bytes& rid = q->ids.recipient_id;
  auto key = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(c->create_queue(KeyAlgorithm::ed25519, {.mode = QueueMode::messaging}).error(),
            errc::unsupported);
  EXPECT_EQ(c->create_queue(KeyAlgorithm::ed25519,
                            {.sub_mode = protocol::SubscriptionMode::only_create})
                .error(),
            errc::unsupported);
  EXPECT_EQ(c->get_message(rk, rid).error(), errc::unsupported);
  EXPECT_EQ(c->secure_queue_by_sender(key.private_key, q->ids.sender_id).error(),
            errc::unsupported);
  EXPECT_EQ(c->set_link(rk, rid, random_id(), as_bytes("f"), as_bytes("u")).error(),
            errc::unsupported);
  EXPECT_EQ(c->delete_link(rk, rid).error(), errc::unsupported);
  EXPECT_EQ(c->secure_link(key.private_key, random_id()).error(), errc::unsupported);
  EXPECT_EQ(c->get_link(random_id()).error(), errc::unsupported);
  EXPECT_EQ(c->queue_info(rk, rid).error(), errc::unsupported);
  EXPECT_EQ(c->disable_notifications(rk, rid).error(), errc::unsupported);
  auto ndh = crypto::generate_key_pair(KeyAlgorithm::x25519);
  EXPECT_EQ(c->create_queue(KeyAlgorithm::ed25519,
                            {.notifier = QueueOptions::Notifier{key.public_key, &ndh.private_key}})
                .error(),
            errc::unsupported);
  EXPECT_EQ(c->async_client().stats().requests, sent);

  // What v1 has works in both forms: NKEY without the DH key, ACK without the id.
  auto creds = c->enable_notifications(rk, rid, key.public_key, ndh.private_key);
  ASSERT_TRUE(creds) << creds.error().message();
  EXPECT_EQ(creds->ids.notifier_id.size(), protocol::kQueueIdBytes);
  EXPECT_FALSE(creds->ids.server_dh_key);
  EXPECT_EQ(creds->dh_secret.size(), 0u);
  ASSERT_TRUE(c->send_message(nullptr, q->ids.sender_id, as_bytes("v1"), true));
  auto content = receive(*c, *q);
  ASSERT_TRUE(content);
  EXPECT_EQ(as_chars(content->body), "v1");
  EXPECT_GT(content->timestamp, 0);
  EXPECT_FALSE(content->notification);  // v1 has no flags
  ASSERT_TRUE(c->ack(rk, rid));
  EXPECT_TRUE(c->ping());
}

// The address's password goes along as NEW's basic auth on the current generation.
TEST(ClientCurrentPassword, TheAddressPasswordIsNewsBasicAuth) {
  test::TestServer server(
      [](server::ServerConfig& config) { config.new_queue_basic_auth = "s3cret"; });
  ASSERT_TRUE(server.started());
  protocol::SmpServer address{"127.0.0.1", std::to_string(server.port()), server.key_hash()};
  const ClientConfig current{.protocols = transport::ClientProtocols::current_and_v1};
  auto without = BlockingSmpClient::connect(address, current);
  ASSERT_TRUE(without);
  EXPECT_EQ((*without)->create_queue().error(), errc::smp_auth);
  address.password = "wrong";
  auto wrong = BlockingSmpClient::connect(address, current);
  ASSERT_TRUE(wrong);
  EXPECT_EQ((*wrong)->create_queue().error(), errc::smp_auth);
  address.password = "s3cret";
  auto with = BlockingSmpClient::connect(address, current);
  ASSERT_TRUE(with);
  auto q = (*with)->create_queue();
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_EQ(q->ids.sender_id.size(), protocol::kQueueIdBytes);
}

}  // namespace
}  // namespace smp::client
