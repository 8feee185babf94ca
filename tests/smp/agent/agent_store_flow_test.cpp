// The sequences of store calls the agent makes to establish a duplex connection (spec §7.6),
// in invitation and contact mode, for both parties, each with its own store file. Real X3DH
// and ratchets run between them: every message a party "sends" is the body its store kept,
// so the stored ratchet states and message bodies are checked along the way.
#include <gtest/gtest.h>

#include "smp/agent/agent_store.h"
#include "smp/agent/agent_store_test_util.h"
#include "smp/agent/e2e_params.h"
#include "smp/agent/x3dh.h"
#include "smp/crypto/dh.h"

namespace smp::agent {
namespace {

using test::enqueue;
using test::error_of;
using test::make_rcv_queue;
using test::make_snd_queue;
using test::open_store;
using test::pending_body;
using test::receive;
using test::TempDir;
using test::test_server;

const protocol::SmpServer kAliceServer = test_server("alice.smp.example");
const protocol::SmpServer kBobServer = test_server("bob.smp.example", "5224");

// What one party's agent keeps in memory between steps: its store and the X25519 pair per
// queue whose public key went into a queue URI or a confirmation.
struct Party {
  AgentStore store;
  KeyGenerator keygen = random_key_generator();
};

// What travels from the joining party to the inviting one inside the confirmation.
struct Confirmation {
  crypto::PublicKey sender_key;
  crypto::PublicKey e2e_pub_key;
  std::optional<E2ERatchetParams> e2e;
  Bytes enc_conn_info;
};

// The party that joins a queue: send queue with fresh keys, confirmation encrypted with the
// connection's ratchet (saved), queue status confirmed (spec §7.6 steps 2 and 7).
Confirmation confirm(AgentStore& store, std::string_view conn_id, const SndQueue& sq,
                     std::string_view info, std::optional<E2ERatchetParams> e2e) {
  Ratchet rc = store.get_ratchet(conn_id).value();
  Bytes plain = encode_agent_plaintext(AgentConnInfo{to_bytes(info)}).value();
  auto enc = rc_encrypt(rc, kConnInfoPaddedLength, plain).value();
  EXPECT_TRUE(store.set_ratchet(conn_id, enc.state));
  EXPECT_TRUE(store.set_snd_queue_status(sq.server, sq.snd_id, QueueStatus::confirmed));
  return Confirmation{sq.snd_private_key.public_key(), *sq.e2e_pub_key, std::move(e2e),
                      std::move(enc.message)};
}

// A send queue to a queue whose URI carried `their_e2e` (the recipient's per-queue key).
SndQueue snd_queue_to(const RcvQueue& theirs) {
  auto own = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto secret = crypto::dh(theirs.e2e_priv_key.public_key(), own.private_key).value();
  return SndQueue{theirs.server,
                  theirs.snd_id,
                  crypto::generate_key_pair(crypto::KeyAlgorithm::ed448).private_key,
                  std::move(secret),
                  own.public_key,
                  QueueStatus::new_,
                  1};
}

AgentConnInfo decrypt_conn_info(Ratchet& rc, const SkippedMsgKeys& skipped,
                                const Bytes& enc_conn_info, SkippedMsgDiff* diff) {
  auto dec = rc_decrypt(rc, skipped, enc_conn_info, random_key_generator()).value();
  rc = std::move(dec.state);
  if (diff != nullptr) *diff = std::move(dec.skipped);
  return std::get<AgentConnInfo>(decode_agent_plaintext(dec.plaintext.value()).value());
}

QueueStatus rcv_status(AgentStore& store, std::string_view conn_id) {
  return rcv_queue_of(store.get_connection(conn_id).value())->status;
}
QueueStatus snd_status(AgentStore& store, std::string_view conn_id) {
  return snd_queue_of(store.get_connection(conn_id).value())->status;
}

// Delivers the only pending message of `from`: returns its body and deletes it, setting the
// send queue active when it is a HELLO (spec §7.7).
Bytes deliver(AgentStore& store, std::string_view conn_id, std::int64_t expected_id,
              AgentMsgType expected_type) {
  auto pending = store.pending_snd_messages(conn_id).value();
  EXPECT_EQ(pending, (std::vector<PendingSndMessage>{{expected_id, expected_type}}));
  Bytes body = pending_body(store, conn_id, expected_id);
  if (expected_type == AgentMsgType::hello) {
    Connection conn = store.get_connection(conn_id).value();
    const SndQueue* sq = snd_queue_of(conn);
    EXPECT_TRUE(store.set_snd_queue_status(sq->server, sq->snd_id, QueueStatus::active));
  }
  EXPECT_TRUE(store.delete_snd_message(conn_id, expected_id));
  return body;
}

// An invitation as its URI carries it: the queue (server, sender id, E2E public key; the
// test keeps the whole RcvQueue for convenience) and the X3DH parameters A1, A2.
struct Offer {
  ConnId conn_id;
  RcvQueue queue;
  E2ERatchetParams e2e;
};

// Step 1, NEW INV: receive queue, connection, X3DH keys kept for the confirmation.
Offer new_invitation(Party& alice, std::string_view conn_id, const protocol::SmpServer& server,
                     std::string_view rcv_id) {
  RcvQueue rq = make_rcv_queue(server, rcv_id, std::string(rcv_id) + "-snd");
  ConnId id = alice.store.create_rcv_connection(conn_id, ConnectionMode::invitation, rq).value();
  E2EParamsKeys keys = generate_e2e_params(kE2eEncryptVersion, alice.keygen);
  EXPECT_TRUE(alice.store.create_ratchet_x3dh_keys(id, keys.private_key1, keys.private_key2));
  return Offer{id, std::move(rq), keys.params};
}

// Step 2, JOIN: ratchet from X3DH, send queue, confirmation, HELLO enqueued.
std::pair<ConnId, Confirmation> join(Party& bob, std::string_view conn_id, const Offer& inv,
                                     std::string_view info) {
  E2EParamsKeys keys = generate_e2e_params(kE2eEncryptVersion, bob.keygen);
  auto init = x3dh_snd(keys.private_key1, keys.private_key2, inv.e2e).value();
  Ratchet rc = init_snd_ratchet(inv.e2e.key2, bob.keygen().private_key, init).value();
  SndQueue sq = snd_queue_to(inv.queue);
  ConnId id = bob.store.create_snd_connection(conn_id, sq, &rc).value();
  EXPECT_EQ(conn_type(bob.store.get_connection(id).value()), ConnType::snd);
  Confirmation conf = confirm(bob.store, id, sq, info, keys.params);
  EXPECT_EQ(enqueue(bob.store, id, HelloMessage{}).value().internal_id, 1);
  return {id, std::move(conf)};
}

// Runs steps 3-10 between the inviting party (alice, connection a) and the joining party
// (bob, connection b, whose confirmation is conf; his reply queue goes on reply_server) and
// checks both end duplex and active.
void complete_connection(Party& alice, const Offer& inv, Party& bob, const ConnId& b,
                         const Confirmation& conf, const protocol::SmpServer& reply_server,
                         std::string_view alice_info, std::string_view bob_info) {
  const ConnId& a = inv.conn_id;
  const protocol::SmpServer& a_server = inv.queue.server;
  // 3. Alice receives the confirmation on her new queue.
  Connection conn = alice.store.get_rcv_connection(a_server, inv.queue.rcv_id).value();
  ASSERT_EQ(conn_type(conn), ConnType::rcv);
  EXPECT_EQ(conn_data(conn).conn_id, a);
  EXPECT_EQ(rcv_queue_of(conn)->status, QueueStatus::new_);
  const RcvQueue& rq = *rcv_queue_of(conn);
  SecretBytes e2e_secret = crypto::dh(conf.e2e_pub_key, rq.e2e_priv_key).value();
  X3dhKeys x3dh = alice.store.get_ratchet_x3dh_keys(a).value();
  auto init = x3dh_rcv(x3dh.key1, x3dh.key2, *conf.e2e).value();
  Ratchet rc = init_rcv_ratchet(std::move(x3dh.key2), init);
  SkippedMsgDiff diff;
  AgentConnInfo info = decrypt_conn_info(rc, {}, conf.enc_conn_info, &diff);
  EXPECT_EQ(info.conn_info, to_bytes(bob_info));
  EXPECT_TRUE(std::holds_alternative<SkippedKeysUnchanged>(diff));
  ConfirmationId conf_id =
      alice.store
          .create_confirmation(
              NewConfirmation{a, conf.sender_key, conf.e2e_pub_key, info.conn_info, std::move(rc)})
          .value();

  // 4. LET: accept, save the ratchet, set the E2E secret; KEY; secured.
  AcceptedConfirmation acc = alice.store.accept_confirmation(conf_id, to_bytes(alice_info)).value();
  EXPECT_EQ(acc.sender_key, conf.sender_key);
  ASSERT_TRUE(alice.store.atomically([&](AgentStore& s) -> Result<void> {
    SMP_TRY_VOID(s.set_ratchet(a, acc.ratchet));
    return s.set_rcv_queue_confirmed_e2e(a_server, inv.queue.rcv_id, e2e_secret);
  }));
  EXPECT_EQ(error_of(alice.store.get_ratchet_x3dh_keys(a)), errc::not_found);
  EXPECT_EQ(rcv_status(alice.store, a), QueueStatus::confirmed);
  ASSERT_TRUE(alice.store.set_rcv_queue_status(a_server, inv.queue.rcv_id, QueueStatus::secured));

  // 5. Bob's HELLO goes through: send queue active, reply queue, REPLY enqueued.
  Bytes hello_b = deliver(bob.store, b, 1, AgentMsgType::hello);
  EXPECT_EQ(snd_status(bob.store, b), QueueStatus::active);
  RcvQueue reply_q = make_rcv_queue(reply_server, "bob-rcv-" + b, "bob-snd-" + b);
  ASSERT_TRUE(bob.store.upgrade_snd_to_duplex(b, reply_q));
  EXPECT_EQ(conn_type(bob.store.get_connection(b).value()), ConnType::duplex);
  SmpQueueInfo qinfo{1, reply_server, reply_q.snd_id, reply_q.e2e_priv_key.public_key()};
  EXPECT_EQ(enqueue(bob.store, b, ReplyMessage{{qinfo}}).value().internal_id, 2);
  Bytes reply_b = deliver(bob.store, b, 2, AgentMsgType::reply);

  // 6. Alice receives HELLO: integrity OK, queue active, message row deleted.
  auto hello = receive(alice.store, a, hello_b).value();
  EXPECT_EQ(hello.result, (RcvMsgResult{1, 1, MsgOk{}}));
  EXPECT_EQ(hello.message.message, AMessage(HelloMessage{}));
  ASSERT_TRUE(alice.store.set_rcv_queue_status(a_server, inv.queue.rcv_id, QueueStatus::active));
  ASSERT_TRUE(alice.store.delete_rcv_message(a, 1));

  // 7. Alice receives REPLY: her send queue, duplex, confirmation, HELLO.
  auto reply = receive(alice.store, a, reply_b).value();
  EXPECT_EQ(reply.result, (RcvMsgResult{2, 2, MsgOk{}}));
  const auto& queues = std::get<ReplyMessage>(reply.message.message).queues;
  ASSERT_EQ(queues.size(), 1u);
  EXPECT_EQ(queues[0], qinfo);
  AcceptedConfirmation own = alice.store.get_accepted_confirmation(a).value();
  EXPECT_EQ(own.own_conn_info, to_bytes(alice_info));
  SndQueue sq_a = snd_queue_to(reply_q);
  ASSERT_TRUE(alice.store.upgrade_rcv_to_duplex(a, sq_a));
  Confirmation conf_a = confirm(alice.store, a, sq_a, alice_info, std::nullopt);
  ASSERT_TRUE(alice.store.remove_confirmations(a));
  EXPECT_EQ(enqueue(alice.store, a, HelloMessage{}).value().internal_id, 3);
  ASSERT_TRUE(alice.store.delete_rcv_message(a, 2));
  EXPECT_EQ(snd_status(alice.store, a), QueueStatus::confirmed);

  // 8. Bob receives the confirmation on the reply queue: INFO, E2E secret, KEY, secured.
  Connection bconn = bob.store.get_rcv_connection(reply_server, reply_q.rcv_id).value();
  ASSERT_EQ(conn_type(bconn), ConnType::duplex);
  EXPECT_EQ(rcv_queue_of(bconn)->status, QueueStatus::new_);
  EXPECT_FALSE(conf_a.e2e);
  Ratchet brc = bob.store.get_ratchet(b).value();
  SkippedMsgDiff bdiff;
  AgentConnInfo alice_conn_info =
      decrypt_conn_info(brc, bob.store.get_skipped_keys(b).value(), conf_a.enc_conn_info, &bdiff);
  EXPECT_EQ(alice_conn_info.conn_info, to_bytes(alice_info));
  ASSERT_TRUE(bob.store.update_ratchet(b, brc, bdiff));
  SecretBytes b_secret = crypto::dh(conf_a.e2e_pub_key, reply_q.e2e_priv_key).value();
  ASSERT_TRUE(bob.store.set_rcv_queue_confirmed_e2e(reply_server, reply_q.rcv_id, b_secret));
  ASSERT_TRUE(bob.store.set_rcv_queue_status(reply_server, reply_q.rcv_id, QueueStatus::secured));

  // 9. Alice's HELLO goes through: her send queue active (CON).
  Bytes hello_a = deliver(alice.store, a, 3, AgentMsgType::hello);
  EXPECT_EQ(snd_status(alice.store, a), QueueStatus::active);

  // 10. Bob receives HELLO: his receive queue active (CON).
  auto bob_hello = receive(bob.store, b, hello_a).value();
  EXPECT_EQ(bob_hello.result, (RcvMsgResult{3, 1, MsgOk{}}));
  ASSERT_TRUE(bob.store.set_rcv_queue_status(reply_server, reply_q.rcv_id, QueueStatus::active));
  ASSERT_TRUE(bob.store.delete_rcv_message(b, 3));

  // Both duplex, every queue active, nothing pending, the ids the reference's test shows.
  for (auto* s : {&alice.store, &bob.store}) {
    EXPECT_TRUE(s->connections_with_pending_messages().value().empty());
    EXPECT_EQ(test::count_rows(*s, "messages"), 0);
  }
  EXPECT_EQ(test::count_rows(alice.store, "conn_confirmations"), 0);
  Connection final_a = alice.store.get_connection(a).value();
  Connection final_b = bob.store.get_connection(b).value();
  ASSERT_EQ(conn_type(final_a), ConnType::duplex);
  ASSERT_EQ(conn_type(final_b), ConnType::duplex);
  for (const Connection* c : {&final_a, &final_b}) {
    EXPECT_EQ(rcv_queue_of(*c)->status, QueueStatus::active);
    EXPECT_EQ(snd_queue_of(*c)->status, QueueStatus::active);
    EXPECT_TRUE(rcv_queue_of(*c)->e2e_dh_secret);
  }
  // Each side's per-queue E2E secret matches the other side's.
  EXPECT_TRUE(constant_time_equal(rcv_queue_of(final_a)->e2e_dh_secret->view(),
                                  snd_queue_of(final_b)->e2e_dh_secret.view()));
  EXPECT_TRUE(constant_time_equal(rcv_queue_of(final_b)->e2e_dh_secret->view(),
                                  snd_queue_of(final_a)->e2e_dh_secret.view()));
  EXPECT_EQ(alice.store.next_snd_ids(a).value().internal_id, 4);  // first SEND is MID 4
  EXPECT_EQ(bob.store.next_snd_ids(b).value().internal_id, 4);
}

class StoreFlowTest : public ::testing::Test {
 protected:
  TempDir dir_;
  Party alice_{open_store(dir_ / "alice.db")};
  Party bob_{open_store(dir_ / "bob.db")};
};

TEST_F(StoreFlowTest, InvitationModeEndsWithTwoDuplexConnections) {
  Offer inv = new_invitation(alice_, "", kAliceServer, "alice-rcv");
  EXPECT_EQ(inv.conn_id.size(), 16u);
  auto [b, conf] = join(bob_, "bob's name for it", inv, "bob's info");
  EXPECT_EQ(b, "bob's name for it");
  complete_connection(alice_, inv, bob_, b, conf, kBobServer, "alice's info", "bob's info");

  // Then user messages both ways with their integrity and ACK (spec §7.7, §7.8).
  auto mid = enqueue(alice_.store, inv.conn_id, UserMessage{to_bytes("hello bob")}).value();
  EXPECT_EQ(mid.internal_id, 4);
  EXPECT_EQ(mid.internal_snd_id, 2);  // after HELLO
  Bytes body = deliver(alice_.store, inv.conn_id, 4, AgentMsgType::a_msg);
  auto msg = receive(bob_.store, b, body).value();
  EXPECT_EQ(msg.result, (RcvMsgResult{4, 2, MsgOk{}}));
  EXPECT_EQ(msg.message.message, AMessage(UserMessage{to_bytes("hello bob")}));
  EXPECT_EQ(bob_.store.get_rcv_message(b, 4).value().snd_msg_id, 2);
  ASSERT_TRUE(bob_.store.delete_rcv_message(b, 4));  // ACK 4

  auto back = enqueue(bob_.store, b, UserMessage{to_bytes("hi alice")}).value();
  EXPECT_EQ(back, (SndMsgIds{5, 3, back.prev_msg_hash}));
  auto got =
      receive(alice_.store, inv.conn_id, deliver(bob_.store, b, 5, AgentMsgType::a_msg)).value();
  EXPECT_EQ(got.result, (RcvMsgResult{5, 3, MsgOk{}}));
}

TEST_F(StoreFlowTest, ContactModeInvitationIsAcceptedAndConnects) {
  // 1. Alice's contact address.
  RcvQueue contact_q = make_rcv_queue(kAliceServer, "alice-contact", "alice-contact-snd");
  ConnId contact =
      alice_.store.create_rcv_connection("", ConnectionMode::contact, contact_q).value();
  ASSERT_EQ(conn_type(alice_.store.get_connection(contact).value()), ConnType::contact);

  // 2. Bob joins it: his own invitation (as NEW INV), sent to the contact queue.
  Offer bob_inv = new_invitation(bob_, "", kBobServer, "bob-rcv");
  ConnectionRequest req{
      ConnectionMode::invitation,
      ConnReqScheme::simplex_chat(),
      enc::VersionRange::single(1),
      {protocol::SmpQueueUri{kBobServer, bob_inv.queue.snd_id, enc::VersionRange::single(1),
                             bob_inv.queue.e2e_priv_key.public_key()}},
      to_uri(bob_inv.e2e, kE2eEncryptVRange)};

  // 3. Alice's agent stores the invitation (REQ invId).
  Connection cc = alice_.store.get_rcv_connection(kAliceServer, contact_q.rcv_id).value();
  ASSERT_EQ(conn_type(cc), ConnType::contact);
  InvitationId inv_id =
      alice_.store.create_invitation(NewInvitation{contact, req, to_bytes("bob's info")}).value();

  // 4. ACPT: the invitation must exist, not be accepted, and belong to a contact connection.
  auto stored = alice_.store.get_invitation(inv_id).value();
  EXPECT_FALSE(stored.accepted);
  EXPECT_EQ(conn_type(alice_.store.get_connection(stored.contact_conn_id).value()),
            ConnType::contact);
  ASSERT_TRUE(alice_.store.accept_invitation(inv_id, to_bytes("alice's info")));
  // ... then JOIN of Bob's invitation with roles swapped.
  auto e2e = compatible_params(*stored.conn_req.e2e, kE2eEncryptVRange);
  ASSERT_TRUE(e2e);
  Offer as_seen{bob_inv.conn_id, bob_inv.queue.clone(), *e2e};
  auto [a, conf] = join(alice_, "", as_seen, "alice's info");
  EXPECT_NE(a, contact);
  complete_connection(bob_, bob_inv, alice_, a, conf, kAliceServer, "bob's info", "alice's info");

  // The contact connection stays as it was; the accepted invitation is still there until
  // rejected or deleted with the contact.
  EXPECT_EQ(conn_type(alice_.store.get_connection(contact).value()), ConnType::contact);
  EXPECT_EQ(alice_.store.list_connections().value().size(), 2u);
  ASSERT_TRUE(alice_.store.delete_invitation(contact, inv_id));
  EXPECT_EQ(error_of(alice_.store.get_invitation(inv_id)), errc::not_found);
}

}  // namespace
}  // namespace smp::agent
