#include "smp/agent/agent_store.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "smp/agent/agent_store_test_util.h"
#include "smp/agent/migrations.h"

namespace smp::agent {
namespace {

using test::count_rows;
using test::enqueue;
using test::error_of;
using test::expect_same_queue;
using test::make_rcv_queue;
using test::make_snd_queue;
using test::open_store;
using test::pending_body;
using test::receive;
using test::TempDir;
using test::test_server;

const protocol::SmpServer kServer = test_server("smp1.example");
const protocol::SmpServer kOtherServer = test_server("smp2.example", "443");

// "c<n>" (built with append: GCC 12 warns falsely about operator+ on a short literal).
std::string conn_name(int n) {
  std::string id = "c";
  id.append(std::to_string(n));
  return id;
}

bool is_store_id(std::string_view id) {
  return id.size() == 16 && std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
}

// A pair of ratchets as after X3DH, the sending one first.
struct Ratchets {
  Ratchet snd;
  Ratchet rcv;
};
Ratchets make_ratchets() {
  auto peers = test::make_peers(random_key_generator());
  return Ratchets{std::move(peers.bob.state), std::move(peers.alice.state)};
}

class StoreFixture : public ::testing::Test {
 protected:
  TempDir dir_;
  AgentStore store_ = open_store(dir_ / "agent.db");
};

// ---- Opening ----

TEST_F(StoreFixture, FileAndItsWalAreOwnerOnly) {
  ASSERT_TRUE(store_.create_connection("c", ConnectionMode::invitation));
  EXPECT_EQ(test::file_mode(dir_ / "agent.db"), 0600);
  EXPECT_EQ(test::file_mode(dir_ / "agent.db-wal"), 0600);
  EXPECT_EQ(test::file_mode(dir_ / "agent.db-shm"), 0600);
}

TEST_F(StoreFixture, ReopenAppliesNoMigrationAgain) {
  auto before = applied_migrations(store_.database()).value();
  EXPECT_EQ(before.size(), agent_migrations().size());
  store_ = open_store(dir_ / "agent.db");
  EXPECT_EQ(applied_migrations(store_.database()).value(), before);
  EXPECT_EQ(count_rows(store_, "migrations"), static_cast<std::int64_t>(before.size()));
}

TEST(AgentStoreOpen, DatabaseOfANewerVersionIsRefused) {
  TempDir dir;
  {
    auto db = sqlite::Database::open(dir / "agent.db").value();
    std::vector<Migration> newer(agent_migrations().begin(), agent_migrations().end());
    newer.push_back(Migration{"9000_from_the_future", "CREATE TABLE future (x);"});
    ASSERT_TRUE(migrate(db, newer, enc::Timestamp{}));
  }
  EXPECT_EQ(error_of(AgentStore::open(dir / "agent.db")), errc::store_too_new);
}

TEST(AgentStoreOpen, MissingFileWithoutCreateIsNotFound) {
  TempDir dir;
  StoreOptions options;
  options.create = false;
  EXPECT_EQ(error_of(AgentStore::open(dir / "agent.db", options)), errc::not_found);
}

TEST(AgentStoreOpen, ReadOnlyStoreReadsButRefusesWrites) {
  TempDir dir;
  {
    auto store = open_store(dir / "agent.db");
    ASSERT_TRUE(store.create_connection("c", ConnectionMode::contact));
  }
  StoreOptions options;
  options.read_only = true;
  auto ro = open_store(dir / "agent.db", options);
  EXPECT_TRUE(ro.get_connection("c"));
  EXPECT_EQ(error_of(ro.create_connection("d", ConnectionMode::contact)), errc::io_error);
}

// ---- Connections ----

TEST_F(StoreFixture, GeneratedConnIdIsSixteenBase64UrlCharacters) {
  auto q = make_rcv_queue(kServer, "r1", "s1");
  auto id = store_.create_rcv_connection("", ConnectionMode::invitation, q);
  ASSERT_TRUE(id) << store_.last_error();
  EXPECT_TRUE(is_store_id(*id)) << *id;
  auto other = store_.create_connection("", ConnectionMode::invitation);
  ASSERT_TRUE(other);
  EXPECT_NE(*other, *id);

  auto conn = store_.get_connection(*id);
  ASSERT_TRUE(conn);
  ASSERT_EQ(conn_type(*conn), ConnType::rcv);
  EXPECT_EQ(conn_data(*conn), (ConnData{*id, ConnectionMode::invitation}));
  expect_same_queue(*rcv_queue_of(*conn), q);
  EXPECT_EQ(snd_queue_of(*conn), nullptr);
}

TEST_F(StoreFixture, ClientConnIdIsKeptVerbatimAndADuplicateIsRefused) {
  const std::string id = "bob's \x01 connection \xff";
  ASSERT_EQ(store_
                .create_rcv_connection(id, ConnectionMode::invitation,
                                       make_rcv_queue(kServer, "r1", "s1"))
                .value(),
            id);
  EXPECT_EQ(error_of(store_.create_rcv_connection(id, ConnectionMode::invitation,
                                                  make_rcv_queue(kServer, "r2", "s2"))),
            errc::already_exists);
  EXPECT_EQ(error_of(store_.create_connection(id, ConnectionMode::contact)), errc::already_exists);
  EXPECT_EQ(count_rows(store_, "rcv_queues"), 1);  // the refused queue was not left behind
  EXPECT_EQ(conn_data(store_.get_connection(id).value()).conn_id, id);
}

TEST_F(StoreFixture, EveryConnectionTypeReadsBack) {
  ASSERT_TRUE(store_.create_connection("new", ConnectionMode::invitation));
  ASSERT_TRUE(store_.create_rcv_connection("rcv", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r1", "s1")));
  auto sq = make_snd_queue(kServer, "s2");
  ASSERT_TRUE(store_.create_snd_connection("snd", sq, nullptr));
  ASSERT_TRUE(store_.create_rcv_connection("contact", ConnectionMode::contact,
                                           make_rcv_queue(kServer, "r3", "s3")));
  ASSERT_TRUE(store_.create_rcv_connection("duplex", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r4", "s4")));
  ASSERT_TRUE(store_.upgrade_rcv_to_duplex("duplex", make_snd_queue(kOtherServer, "s5")));

  EXPECT_EQ(conn_type(store_.get_connection("new").value()), ConnType::new_);
  EXPECT_EQ(conn_type(store_.get_connection("rcv").value()), ConnType::rcv);
  auto snd = store_.get_connection("snd").value();
  ASSERT_EQ(conn_type(snd), ConnType::snd);
  expect_same_queue(*snd_queue_of(snd), sq);
  auto contact = store_.get_connection("contact").value();
  EXPECT_EQ(conn_type(contact), ConnType::contact);
  EXPECT_EQ(conn_data(contact).mode, ConnectionMode::contact);
  auto duplex = store_.get_connection("duplex").value();
  ASSERT_EQ(conn_type(duplex), ConnType::duplex);
  EXPECT_EQ(snd_queue_of(duplex)->server, kOtherServer);
  EXPECT_EQ(error_of(store_.get_connection("absent")), errc::not_found);
}

TEST_F(StoreFixture, NewConnectionTakesOneQueueOfEachDirection) {
  ASSERT_TRUE(store_.create_connection("a", ConnectionMode::invitation));
  ASSERT_TRUE(store_.add_rcv_queue("a", make_rcv_queue(kServer, "r1", "s1")));
  EXPECT_EQ(conn_type(store_.get_connection("a").value()), ConnType::rcv);
  EXPECT_EQ(error_of(store_.add_rcv_queue("a", make_rcv_queue(kServer, "r2", "s2"))),
            errc::wrong_state);
  ASSERT_TRUE(store_.add_snd_queue("a", make_snd_queue(kServer, "s3")));
  EXPECT_EQ(conn_type(store_.get_connection("a").value()), ConnType::duplex);
  EXPECT_EQ(error_of(store_.add_snd_queue("a", make_snd_queue(kServer, "s4"))), errc::wrong_state);

  ASSERT_TRUE(store_.create_connection("b", ConnectionMode::invitation));
  ASSERT_TRUE(store_.add_snd_queue("b", make_snd_queue(kServer, "s5")));
  EXPECT_EQ(conn_type(store_.get_connection("b").value()), ConnType::snd);
  ASSERT_TRUE(store_.add_rcv_queue("b", make_rcv_queue(kServer, "r6", "s6")));
  EXPECT_EQ(conn_type(store_.get_connection("b").value()), ConnType::duplex);

  ASSERT_TRUE(store_.create_connection("c", ConnectionMode::contact));
  EXPECT_EQ(error_of(store_.add_snd_queue("c", make_snd_queue(kServer, "s7"))), errc::wrong_state);
  ASSERT_TRUE(store_.add_rcv_queue("c", make_rcv_queue(kServer, "r8", "s8")));
  EXPECT_EQ(conn_type(store_.get_connection("c").value()), ConnType::contact);
  EXPECT_EQ(error_of(store_.add_rcv_queue("absent", make_rcv_queue(kServer, "r9", "s9"))),
            errc::not_found);
}

TEST_F(StoreFixture, UpgradesAcceptOnlyTheMatchingSimplexConnection) {
  ASSERT_TRUE(store_.create_rcv_connection("rcv", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r1", "s1")));
  ASSERT_TRUE(store_.create_snd_connection("snd", make_snd_queue(kServer, "s2"), nullptr));
  ASSERT_TRUE(store_.create_rcv_connection("contact", ConnectionMode::contact,
                                           make_rcv_queue(kServer, "r3", "s3")));
  ASSERT_TRUE(store_.create_connection("new", ConnectionMode::invitation));

  EXPECT_EQ(error_of(store_.upgrade_rcv_to_duplex("snd", make_snd_queue(kServer, "x1"))),
            errc::wrong_state);
  EXPECT_EQ(error_of(store_.upgrade_rcv_to_duplex("contact", make_snd_queue(kServer, "x2"))),
            errc::wrong_state);
  EXPECT_EQ(error_of(store_.upgrade_rcv_to_duplex("new", make_snd_queue(kServer, "x3"))),
            errc::wrong_state);
  EXPECT_EQ(error_of(store_.upgrade_snd_to_duplex("rcv", make_rcv_queue(kServer, "x4", "y4"))),
            errc::wrong_state);
  EXPECT_EQ(error_of(store_.upgrade_snd_to_duplex("absent", make_rcv_queue(kServer, "x5", "y"))),
            errc::not_found);
  EXPECT_EQ(count_rows(store_, "snd_queues"), 1);
  EXPECT_EQ(count_rows(store_, "rcv_queues"), 2);

  ASSERT_TRUE(store_.upgrade_rcv_to_duplex("rcv", make_snd_queue(kServer, "s4")));
  ASSERT_TRUE(store_.upgrade_snd_to_duplex("snd", make_rcv_queue(kServer, "r5", "s5")));
  EXPECT_EQ(conn_type(store_.get_connection("rcv").value()), ConnType::duplex);
  EXPECT_EQ(conn_type(store_.get_connection("snd").value()), ConnType::duplex);
  EXPECT_EQ(error_of(store_.upgrade_rcv_to_duplex("rcv", make_snd_queue(kServer, "s6"))),
            errc::wrong_state);
}

TEST_F(StoreFixture, QueueUsedByAnotherConnectionIsRefusedAndNothingIsLeft) {
  ASSERT_TRUE(store_.create_rcv_connection("a", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "same", "s1")));
  EXPECT_EQ(error_of(store_.create_rcv_connection("b", ConnectionMode::invitation,
                                                  make_rcv_queue(kServer, "same", "s2"))),
            errc::already_exists);
  EXPECT_EQ(error_of(store_.get_connection("b")), errc::not_found);
  // The same id on another server is another queue.
  EXPECT_TRUE(store_.create_rcv_connection("c", ConnectionMode::invitation,
                                           make_rcv_queue(kOtherServer, "same", "s3")));
}

TEST_F(StoreFixture, QueueKeysOfTheWrongAlgorithmAreRefused) {
  auto q = make_rcv_queue(kServer, "r1", "s1");
  q.rcv_private_key = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).private_key;
  EXPECT_EQ(error_of(store_.create_rcv_connection("a", ConnectionMode::invitation, q)),
            errc::wrong_algorithm);
  auto sq = make_snd_queue(kServer, "s2");
  sq.e2e_pub_key = crypto::generate_key_pair(crypto::KeyAlgorithm::x448).public_key;
  EXPECT_EQ(error_of(store_.create_snd_connection("b", sq, nullptr)), errc::wrong_algorithm);
  EXPECT_EQ(count_rows(store_, "connections"), 0);
}

TEST_F(StoreFixture, RcvConnectionIsFoundByServerAndRecipientId) {
  ASSERT_TRUE(store_.create_rcv_connection("a", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r1", "s1")));
  ASSERT_TRUE(store_.create_rcv_connection("b", ConnectionMode::contact,
                                           make_rcv_queue(kOtherServer, "r1", "s2")));
  EXPECT_EQ(conn_data(store_.get_rcv_connection(kServer, as_bytes("r1")).value()).conn_id, "a");
  EXPECT_EQ(conn_data(store_.get_rcv_connection(kOtherServer, as_bytes("r1")).value()).conn_id,
            "b");
  // The key hash is not part of the address.
  auto other_hash = kServer;
  other_hash.key_hash = Bytes(32, 1);
  EXPECT_TRUE(store_.get_rcv_connection(other_hash, as_bytes("r1")));
  EXPECT_EQ(error_of(store_.get_rcv_connection(kServer, as_bytes("r9"))), errc::not_found);
  EXPECT_EQ(error_of(store_.get_rcv_connection(test_server("smp1.example", "1"), as_bytes("r1"))),
            errc::not_found);
}

TEST_F(StoreFixture, QueueStatusAndE2eSecretUpdates) {
  ASSERT_TRUE(store_.create_rcv_connection("a", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r1", "s1")));
  ASSERT_TRUE(store_.upgrade_rcv_to_duplex("a", make_snd_queue(kOtherServer, "s2")));
  SecretBytes secret(crypto::random_bytes(32));
  ASSERT_TRUE(store_.set_rcv_queue_confirmed_e2e(kServer, as_bytes("r1"), secret));
  auto conn = store_.get_connection("a").value();
  EXPECT_EQ(rcv_queue_of(conn)->status, QueueStatus::confirmed);
  ASSERT_TRUE(rcv_queue_of(conn)->e2e_dh_secret);
  EXPECT_TRUE(constant_time_equal(rcv_queue_of(conn)->e2e_dh_secret->view(), secret.view()));

  ASSERT_TRUE(store_.set_rcv_queue_status(kServer, as_bytes("r1"), QueueStatus::active));
  ASSERT_TRUE(store_.set_snd_queue_status(kOtherServer, as_bytes("s2"), QueueStatus::secured));
  conn = store_.get_connection("a").value();
  EXPECT_EQ(rcv_queue_of(conn)->status, QueueStatus::active);
  EXPECT_EQ(snd_queue_of(conn)->status, QueueStatus::secured);

  EXPECT_EQ(error_of(store_.set_rcv_queue_status(kServer, as_bytes("s2"), QueueStatus::active)),
            errc::not_found);
  EXPECT_EQ(error_of(store_.set_snd_queue_status(kServer, as_bytes("s2"), QueueStatus::active)),
            errc::not_found);  // on the other server
  EXPECT_EQ(error_of(store_.set_rcv_queue_confirmed_e2e(kOtherServer, as_bytes("r1"), secret)),
            errc::not_found);
}

TEST_F(StoreFixture, ListConnectionsReturnsEveryConnectionWithItsQueues) {
  EXPECT_TRUE(store_.list_connections().value().empty());
  ASSERT_TRUE(store_.create_rcv_connection("c", ConnectionMode::contact,
                                           make_rcv_queue(kServer, "r1", "s1")));
  ASSERT_TRUE(store_.create_rcv_connection("d", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r2", "s2")));
  ASSERT_TRUE(store_.upgrade_rcv_to_duplex("d", make_snd_queue(kServer, "s3")));
  ASSERT_TRUE(store_.create_snd_connection("s", make_snd_queue(kServer, "s4"), nullptr));
  ASSERT_TRUE(store_.create_connection("n", ConnectionMode::invitation));
  auto all = store_.list_connections();
  ASSERT_TRUE(all) << store_.last_error();
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ(conn_data((*all)[0]).conn_id, "c");
  EXPECT_EQ(conn_type((*all)[0]), ConnType::contact);
  EXPECT_EQ(conn_type((*all)[1]), ConnType::duplex);
  EXPECT_EQ(rcv_queue_of((*all)[1])->rcv_id, to_bytes("r2"));
  EXPECT_EQ(snd_queue_of((*all)[1])->snd_id, to_bytes("s3"));
  EXPECT_EQ(conn_type((*all)[2]), ConnType::new_);
  EXPECT_EQ(conn_type((*all)[3]), ConnType::snd);
}

TEST_F(StoreFixture, DeleteConnectionRemovesEverythingItOwns) {
  auto rc = make_ratchets();
  for (const char* id : {"gone", "kept"}) {
    std::string r = std::string(id) + "-r", s = std::string(id) + "-s";
    ASSERT_TRUE(store_.create_snd_connection(id, make_snd_queue(kServer, s), &rc.snd));
    ASSERT_TRUE(store_.upgrade_snd_to_duplex(id, make_rcv_queue(kServer, r, "x")));
    ASSERT_TRUE(enqueue(store_, id, HelloMessage{}));
    ASSERT_TRUE(store_.create_rcv_message(
        id, NewRcvMessage{{}, AgentMsgType::a_msg, to_bytes("m"), 1, {}, to_bytes("b"), {}}));
    auto skipped = SkippedKeysAdded{};
    skipped.keys[SecretBytes(Bytes(32, 7))][3] =
        MessageKey{SecretBytes(Bytes(32, 1)), SecretBytes(Bytes(16, 2))};
    ASSERT_TRUE(store_.apply_skipped_diff(id, SkippedMsgDiff(std::move(skipped))));
    ASSERT_TRUE(store_.create_confirmation(
        NewConfirmation{id, crypto::generate_key_pair(crypto::KeyAlgorithm::ed448).public_key,
                        crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key,
                        to_bytes("info"), rc.rcv.clone()}));
  }
  ASSERT_TRUE(store_.create_rcv_connection("contact", ConnectionMode::contact,
                                           make_rcv_queue(kServer, "cr", "cs")));
  ConnectionRequest req{
      ConnectionMode::invitation,
      ConnReqScheme::simplex_chat(),
      enc::VersionRange::single(1),
      {protocol::SmpQueueUri{kServer, to_bytes("sid"), enc::VersionRange::single(1),
                             crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key}},
      E2ERatchetParamsUri{kE2eEncryptVRange, rc.snd.dh_rs.public_key(), rc.rcv.dh_rs.public_key()}};
  ASSERT_TRUE(store_.create_invitation(NewInvitation{"contact", req, to_bytes("hi")}));

  ASSERT_TRUE(store_.delete_connection("gone"));
  ASSERT_TRUE(store_.delete_connection("contact"));
  for (const char* table : {"rcv_queues", "snd_queues", "rcv_messages", "snd_messages",
                            "conn_confirmations", "ratchets", "skipped_messages"})
    EXPECT_EQ(count_rows(store_, table), 1) << table;  // only the kept connection's
  EXPECT_EQ(count_rows(store_, "messages"), 2);        // its sent and its received one
  EXPECT_EQ(count_rows(store_, "conn_invitations"), 0);
  EXPECT_EQ(count_rows(store_, "connections"), 1);
  EXPECT_EQ(error_of(store_.get_connection("gone")), errc::not_found);
  EXPECT_EQ(error_of(store_.delete_connection("gone")), errc::not_found);
  EXPECT_EQ(conn_type(store_.get_connection("kept").value()), ConnType::duplex);
  EXPECT_EQ(store_.get_skipped_keys("kept").value().size(), 1u);
}

// ---- Confirmations and invitations ----

// Connection "a" waiting for a confirmation, and what one carries.
class ConfirmationTest : public StoreFixture {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.create_rcv_connection("a", ConnectionMode::invitation,
                                             make_rcv_queue(kServer, "r1", "s1")));
  }
  Ratchets rc = make_ratchets();
  crypto::PublicKey sender = crypto::generate_key_pair(crypto::KeyAlgorithm::ed448).public_key;
  crypto::PublicKey e2e = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key;
};

TEST_F(ConfirmationTest, ConfirmationIsCreatedAcceptedAndRemoved) {
  EXPECT_EQ(error_of(store_.create_confirmation(
                NewConfirmation{"absent", sender, e2e, to_bytes("x"), rc.rcv.clone()})),
            errc::not_found);
  EXPECT_EQ(error_of(store_.create_confirmation(
                NewConfirmation{"a", e2e, e2e, to_bytes("x"), rc.rcv.clone()})),
            errc::wrong_algorithm);
  auto id = store_.create_confirmation(
      NewConfirmation{"a", sender, e2e, to_bytes("bob's info"), rc.rcv.clone()});
  ASSERT_TRUE(id) << store_.last_error();
  EXPECT_TRUE(is_store_id(*id));
  EXPECT_EQ(error_of(store_.get_accepted_confirmation("a")), errc::not_found);

  auto accepted = store_.accept_confirmation(*id, to_bytes("alice's info"));
  ASSERT_TRUE(accepted) << store_.last_error();
  EXPECT_EQ(accepted->confirmation_id, *id);
  EXPECT_EQ(accepted->conn_id, "a");
  EXPECT_EQ(accepted->sender_key, sender);
  EXPECT_EQ(accepted->e2e_pub_key, e2e);
  EXPECT_EQ(accepted->conn_info, to_bytes("bob's info"));
  EXPECT_EQ(accepted->own_conn_info, to_bytes("alice's info"));
  EXPECT_TRUE(accepted->ratchet == rc.rcv);

  auto again = store_.get_accepted_confirmation("a");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->confirmation_id, *id);
  EXPECT_EQ(again->own_conn_info, to_bytes("alice's info"));
  EXPECT_EQ(error_of(store_.accept_confirmation("no-such-id", to_bytes("x"))), errc::not_found);

  ASSERT_TRUE(store_.remove_confirmations("a"));
  EXPECT_EQ(error_of(store_.get_accepted_confirmation("a")), errc::not_found);
  EXPECT_EQ(error_of(store_.accept_confirmation(*id, to_bytes("x"))), errc::not_found);
  EXPECT_TRUE(store_.remove_confirmations("a"));  // none left is fine
}

TEST_F(ConfirmationTest, SameConfirmationDeliveredAgainKeepsItsIdUntilAccepted) {
  auto first = store_.create_confirmation(
      NewConfirmation{"a", sender, e2e, to_bytes("bob's info"), rc.rcv.clone()});
  ASSERT_TRUE(first) << store_.last_error();
  auto again = store_.create_confirmation(
      NewConfirmation{"a", sender, e2e, to_bytes("bob's info"), rc.rcv.clone()});
  ASSERT_TRUE(again) << store_.last_error();
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(count_rows(store_, "conn_confirmations"), 1);

  // Other keys are another confirmation.
  auto other_e2e = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key;
  auto other = store_.create_confirmation(
      NewConfirmation{"a", sender, other_e2e, to_bytes("eve's info"), rc.rcv.clone()});
  ASSERT_TRUE(other);
  EXPECT_NE(*other, *first);
  // Once accepted, the same keys make a new one (the queue is no longer new by then, so the
  // agent does not get here).
  ASSERT_TRUE(store_.accept_confirmation(*first, to_bytes("alice's info")));
  auto after = store_.create_confirmation(
      NewConfirmation{"a", sender, e2e, to_bytes("bob's info"), rc.rcv.clone()});
  ASSERT_TRUE(after);
  EXPECT_NE(*after, *first);
  EXPECT_EQ(count_rows(store_, "conn_confirmations"), 3);
}

class InvitationTest : public StoreFixture {
 protected:
  ConnectionRequest request() {
    auto k1 = crypto::generate_key_pair(crypto::KeyAlgorithm::x448).public_key;
    auto k2 = crypto::generate_key_pair(crypto::KeyAlgorithm::x448).public_key;
    return ConnectionRequest{
        ConnectionMode::invitation,
        ConnReqScheme::simplex_chat(),
        enc::VersionRange::single(1),
        {protocol::SmpQueueUri{kServer, to_bytes("bob-sid"), enc::VersionRange::single(1),
                               crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key}},
        E2ERatchetParamsUri{kE2eEncryptVRange, k1, k2}};
  }
};

TEST_F(InvitationTest, InvitationIsCreatedAcceptedAndRejected) {
  ASSERT_TRUE(store_.create_rcv_connection("contact", ConnectionMode::contact,
                                           make_rcv_queue(kServer, "r1", "s1")));
  ASSERT_TRUE(store_.create_rcv_connection("inv", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r2", "s2")));
  auto req = request();
  EXPECT_EQ(error_of(store_.create_invitation(NewInvitation{"inv", req, to_bytes("x")})),
            errc::wrong_state);
  EXPECT_EQ(error_of(store_.create_invitation(NewInvitation{"absent", req, to_bytes("x")})),
            errc::not_found);

  auto id = store_.create_invitation(NewInvitation{"contact", req, to_bytes("bob's info")});
  ASSERT_TRUE(id) << store_.last_error();
  EXPECT_TRUE(is_store_id(*id));
  auto inv = store_.get_invitation(*id);
  ASSERT_TRUE(inv) << store_.last_error();
  EXPECT_EQ(inv->invitation_id, *id);
  EXPECT_EQ(inv->contact_conn_id, "contact");
  EXPECT_EQ(inv->conn_req, req);
  EXPECT_EQ(inv->recipient_conn_info, to_bytes("bob's info"));
  EXPECT_FALSE(inv->accepted);
  EXPECT_FALSE(inv->own_conn_info);

  ASSERT_TRUE(store_.accept_invitation(*id, to_bytes("alice's info")));
  inv = store_.get_invitation(*id);
  ASSERT_TRUE(inv);
  EXPECT_TRUE(inv->accepted);
  EXPECT_EQ(inv->own_conn_info, to_bytes("alice's info"));
  EXPECT_EQ(error_of(store_.accept_invitation(*id, to_bytes("again"))), errc::wrong_state);
  EXPECT_EQ(error_of(store_.accept_invitation("no-such-id", to_bytes("x"))), errc::not_found);
  EXPECT_EQ(error_of(store_.get_invitation("no-such-id")), errc::not_found);

  // RJCT names the contact connection; any other connection is "not found".
  EXPECT_EQ(error_of(store_.delete_invitation("inv", *id)), errc::not_found);
  EXPECT_EQ(error_of(store_.delete_invitation("absent", *id)), errc::not_found);
  ASSERT_TRUE(store_.delete_invitation("contact", *id));
  EXPECT_EQ(error_of(store_.get_invitation(*id)), errc::not_found);
  EXPECT_TRUE(store_.delete_invitation("contact", *id));  // already gone: still OK
}

TEST_F(InvitationTest, ContactRequestCannotBeStoredAsAnInvitation) {
  ASSERT_TRUE(store_.create_rcv_connection("contact", ConnectionMode::contact,
                                           make_rcv_queue(kServer, "r1", "s1")));
  auto req = request();
  req.e2e.reset();  // not a valid invitation request
  EXPECT_EQ(error_of(store_.create_invitation(NewInvitation{"contact", req, to_bytes("x")})),
            errc::bad_uri);
}

// ---- Ratchets ----

TEST_F(StoreFixture, X3dhKeysAreReplacedByTheRatchet) {
  ASSERT_TRUE(store_.create_rcv_connection("a", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r1", "s1")));
  auto k1 = crypto::generate_key_pair(crypto::KeyAlgorithm::x448).private_key;
  auto k2 = crypto::generate_key_pair(crypto::KeyAlgorithm::x448).private_key;
  auto ed = crypto::generate_key_pair(crypto::KeyAlgorithm::ed448).private_key;
  EXPECT_EQ(error_of(store_.get_ratchet_x3dh_keys("a")), errc::not_found);
  EXPECT_EQ(error_of(store_.create_ratchet_x3dh_keys("a", k1, ed)), errc::wrong_algorithm);
  EXPECT_EQ(error_of(store_.create_ratchet_x3dh_keys("absent", k1, k2)), errc::not_found);
  ASSERT_TRUE(store_.create_ratchet_x3dh_keys("a", k1, k2)) << store_.last_error();
  EXPECT_EQ(error_of(store_.create_ratchet_x3dh_keys("a", k1, k2)), errc::already_exists);
  auto keys = store_.get_ratchet_x3dh_keys("a");
  ASSERT_TRUE(keys);
  EXPECT_TRUE(test::same_key(keys->key1, k1));
  EXPECT_TRUE(test::same_key(keys->key2, k2));
  EXPECT_EQ(error_of(store_.get_ratchet("a")), errc::not_found);

  auto rc = make_ratchets();
  ASSERT_TRUE(store_.set_ratchet("a", rc.rcv));
  EXPECT_EQ(error_of(store_.get_ratchet_x3dh_keys("a")), errc::not_found);
  EXPECT_TRUE(store_.get_ratchet("a").value() == rc.rcv);
  ASSERT_TRUE(store_.set_ratchet("a", rc.snd));  // replaced
  EXPECT_TRUE(store_.get_ratchet("a").value() == rc.snd);
  EXPECT_EQ(error_of(store_.set_ratchet("absent", rc.snd)), errc::not_found);
}

TEST_F(StoreFixture, SkippedKeysFollowTheDecryptions) {
  auto peers = test::make_peers(random_key_generator());
  ASSERT_TRUE(store_.create_connection("a", ConnectionMode::invitation));
  ASSERT_TRUE(store_.set_ratchet("a", peers.alice.state));
  EXPECT_TRUE(store_.get_skipped_keys("a").value().empty());

  std::vector<Bytes> sent;
  for (int i = 0; i < 4; ++i) sent.push_back(peers.bob.encrypt("m" + std::to_string(i)));
  // Alice receives in the order 3, 0, 2, 1 (skipping, then using up the stored keys) and
  // mirrors each step in the store; the store must agree with memory after every step.
  for (int i : {3, 0, 2, 1}) {
    auto dec = rc_decrypt(peers.alice.state, peers.alice.skipped, sent[static_cast<size_t>(i)],
                          peers.alice.keygen);
    ASSERT_TRUE(dec && dec->plaintext);
    ASSERT_TRUE(store_.update_ratchet("a", dec->state, dec->skipped)) << store_.last_error();
    peers.alice.state = std::move(dec->state);
    apply_skipped_diff(peers.alice.skipped, dec->skipped);
    auto stored = store_.get_skipped_keys("a");
    ASSERT_TRUE(stored);
    EXPECT_TRUE(same_skipped(*stored, peers.alice.skipped)) << "after message " << i;
    EXPECT_TRUE(store_.get_ratchet("a").value() == peers.alice.state);
  }
  EXPECT_TRUE(store_.get_skipped_keys("a").value().empty());

  EXPECT_EQ(error_of(store_.update_ratchet("absent", peers.alice.state, SkippedKeysUnchanged{})),
            errc::not_found);
  SkippedKeysAdded added;
  added.keys[SecretBytes(Bytes(32, 1))][0] =
      MessageKey{SecretBytes(Bytes(32, 2)), SecretBytes(Bytes(16, 3))};
  EXPECT_EQ(error_of(store_.apply_skipped_diff("absent", SkippedMsgDiff(std::move(added)))),
            errc::not_found);
  // Removing a key that is not there changes nothing, as in memory.
  EXPECT_TRUE(store_.apply_skipped_diff("a", SkippedKeyRemoved{SecretBytes(Bytes(32, 9)), 1}));
}

TEST_F(StoreFixture, AddedSkippedKeysReplaceStoredOnesWithTheSameNumber) {
  auto rc = make_ratchets();
  ASSERT_TRUE(store_.create_connection("a", ConnectionMode::invitation));
  ASSERT_TRUE(store_.set_ratchet("a", rc.rcv));
  SkippedMsgKeys memory;
  for (std::uint8_t v : {std::uint8_t{1}, std::uint8_t{2}}) {
    SkippedKeysAdded added;
    added.keys[SecretBytes(Bytes(32, 7))][5] =
        MessageKey{SecretBytes(Bytes(32, v)), SecretBytes(Bytes(16, v))};
    added.keys[SecretBytes(Bytes(32, v))][v] =
        MessageKey{SecretBytes(Bytes(32, v)), SecretBytes(Bytes(16, v))};
    SkippedMsgDiff diff(std::move(added));
    apply_skipped_diff(memory, diff);
    ASSERT_TRUE(store_.apply_skipped_diff("a", diff));
  }
  EXPECT_TRUE(same_skipped(store_.get_skipped_keys("a").value(), memory));
  EXPECT_EQ(count_skipped(memory), 3u);
}

// ---- Messages ----

TEST_F(StoreFixture, SentMessageKeepsItsBodyKeysUntilDeleted) {
  ASSERT_TRUE(store_.create_snd_connection("a", make_snd_queue(kServer, "s1"), nullptr));
  const enc::Timestamp ts{std::chrono::milliseconds(1'700'000'000'123)};
  ASSERT_TRUE(store_.create_snd_message(
      "a", AgentMsgType::a_msg, ts, [&](const SndMsgIds&) -> Result<SndMsgContent> {
        return SndMsgContent{to_bytes("plain"), Bytes(32, 0xa1), std::nullopt,
                             SecretBytes(Bytes(5, 0x4b))};
      }));
  auto m = store_.get_snd_message("a", 1);
  ASSERT_TRUE(m) << store_.last_error();
  EXPECT_EQ(m->body, to_bytes("plain"));
  EXPECT_EQ(to_hex(m->body_keys.view()), "4b4b4b4b4b");
  ASSERT_TRUE(store_.delete_snd_message("a", 1));
  EXPECT_EQ(count_rows(store_, "snd_messages"), 0);
  EXPECT_EQ(count_rows(store_, "messages"), 0);
}

TEST_F(StoreFixture, SentMessagesGetIdsAndChainTheirHashes) {
  ASSERT_TRUE(store_.create_snd_connection("a", make_snd_queue(kServer, "s1"), nullptr));
  EXPECT_EQ(store_.next_snd_ids("a").value(), (SndMsgIds{1, 1, {}}));
  const enc::Timestamp ts{std::chrono::milliseconds(1'700'000'000'123)};
  int calls = 0;
  auto ids = store_.create_snd_message(
      "a", AgentMsgType::hello, ts, [&](const SndMsgIds& i) -> Result<SndMsgContent> {
        ++calls;
        EXPECT_EQ(i, (SndMsgIds{1, 1, {}}));
        return SndMsgContent{to_bytes("body1"), Bytes(32, 0xa1), std::nullopt};
      });
  ASSERT_TRUE(ids) << store_.last_error();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(*ids, (SndMsgIds{1, 1, {}}));
  EXPECT_EQ(store_.next_snd_ids("a").value(), (SndMsgIds{2, 2, Bytes(32, 0xa1)}));

  auto second = store_.create_snd_message(
      "a", AgentMsgType::a_msg, ts, [&](const SndMsgIds& i) -> Result<SndMsgContent> {
        EXPECT_EQ(i.prev_msg_hash, Bytes(32, 0xa1));
        return SndMsgContent{to_bytes("body2"), Bytes(32, 0xa2), std::nullopt};
      });
  ASSERT_TRUE(second);
  EXPECT_EQ(second->internal_id, 2);

  auto m = store_.get_snd_message("a", 2);
  ASSERT_TRUE(m) << store_.last_error();
  EXPECT_EQ(*m, (SndMessage{2, 2, ts, AgentMsgType::a_msg, to_bytes("body2"), Bytes(32, 0xa2),
                            Bytes(32, 0xa1)}));
  EXPECT_EQ(store_.pending_snd_messages("a").value(),
            (std::vector<PendingSndMessage>{{1, AgentMsgType::hello}, {2, AgentMsgType::a_msg}}));
  EXPECT_EQ(store_.pending_snd_messages(kServer, as_bytes("s1")).value().size(), 2u);
  EXPECT_TRUE(store_.pending_snd_messages(kOtherServer, as_bytes("s1")).value().empty());
  EXPECT_EQ(store_.connections_with_pending_messages().value(), std::vector<ConnId>{"a"});

  ASSERT_TRUE(store_.delete_snd_message("a", 1));
  EXPECT_EQ(error_of(store_.delete_snd_message("a", 1)), errc::not_found);
  EXPECT_EQ(error_of(store_.get_snd_message("a", 1)), errc::not_found);
  EXPECT_EQ(store_.pending_snd_messages("a").value().size(), 1u);
  ASSERT_TRUE(store_.delete_snd_message("a", 2));
  EXPECT_TRUE(store_.connections_with_pending_messages().value().empty());
  EXPECT_EQ(store_.next_snd_ids("a").value().internal_id, 3);  // ids are never reused
  EXPECT_EQ(error_of(store_.next_snd_ids("absent")), errc::not_found);
  EXPECT_EQ(error_of(store_.create_snd_message("absent", AgentMsgType::a_msg, ts,
                                               [](const SndMsgIds&) -> Result<SndMsgContent> {
                                                 ADD_FAILURE() << "built for an absent connection";
                                                 return SndMsgContent{};
                                               })),
            errc::not_found);
}

TEST_F(StoreFixture, FailedBuildUsesUpNoIdAndStoresNothing) {
  auto rc = make_ratchets();
  ASSERT_TRUE(store_.create_snd_connection("a", make_snd_queue(kServer, "s1"), &rc.snd));
  auto failed = store_.create_snd_message("a", AgentMsgType::a_msg, {},
                                          [&](const SndMsgIds&) -> Result<SndMsgContent> {
                                            return make_error_code(errc::crypto_large_msg);
                                          });
  EXPECT_EQ(error_of(failed), errc::crypto_large_msg);
  EXPECT_EQ(store_.next_snd_ids("a").value(), (SndMsgIds{1, 1, {}}));
  EXPECT_TRUE(store_.pending_snd_messages("a").value().empty());

  EXPECT_THROW(store_.create_snd_message("a", AgentMsgType::a_msg, {},
                                         [&](const SndMsgIds&) -> Result<SndMsgContent> {
                                           throw std::runtime_error("boom");
                                         }),
               std::runtime_error);
  EXPECT_EQ(store_.next_snd_ids("a").value(), (SndMsgIds{1, 1, {}}));
  EXPECT_FALSE(store_.database().in_transaction());

  // The reference's quirk on ERR CMD LARGE: the ids are used up without a message.
  EXPECT_EQ(store_.skip_snd_ids("a").value(), (SndMsgIds{1, 1, {}}));
  EXPECT_EQ(store_.next_snd_ids("a").value(), (SndMsgIds{2, 2, {}}));
  EXPECT_EQ(error_of(store_.skip_snd_ids("absent")), errc::not_found);
}

TEST_F(StoreFixture, RatchetIsSavedWithTheSentMessage) {
  auto rc = make_ratchets();
  ASSERT_TRUE(store_.create_snd_connection("a", make_snd_queue(kServer, "s1"), &rc.snd));
  ASSERT_TRUE(enqueue(store_, "a", UserMessage{to_bytes("hello")}));
  Ratchet after = store_.get_ratchet("a").value();
  EXPECT_EQ(after.ns, rc.snd.ns + 1);

  // The peer decrypts the stored body with its own ratchet: state and body agree.
  Ratchet rcv = rc.rcv.clone();
  auto dec = rc_decrypt(rcv, {}, pending_body(store_, "a", 1), random_key_generator());
  ASSERT_TRUE(dec && dec->plaintext);
  auto pt = decode_agent_plaintext(*dec->plaintext).value();
  const auto& am = std::get<AgentMessage>(pt);
  EXPECT_EQ(am.header, (APrivHeader{1, {}}));
  EXPECT_EQ(am.message, AMessage(UserMessage{to_bytes("hello")}));

  // A ratchet to save for a connection that has none: the message is not stored either.
  ASSERT_TRUE(store_.create_snd_connection("b", make_snd_queue(kServer, "s2"), nullptr));
  auto failed = store_.create_snd_message(
      "b", AgentMsgType::a_msg, {}, [&](const SndMsgIds&) -> Result<SndMsgContent> {
        return SndMsgContent{to_bytes("x"), Bytes(32, 1), rc.snd.clone()};
      });
  EXPECT_EQ(error_of(failed), errc::not_found);
  EXPECT_TRUE(store_.pending_snd_messages("b").value().empty());
  EXPECT_EQ(store_.next_snd_ids("b").value().internal_id, 1);
}

TEST_F(StoreFixture, ReceivedMessagesAreCheckedForIntegrity) {
  ASSERT_TRUE(store_.create_rcv_connection("a", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r1", "s1")));
  EXPECT_EQ(store_.next_rcv_ids("a").value(), (RcvMsgIds{1, 1, 0, {}}));
  auto rcv = [&](std::int64_t snd_id, Bytes prev, std::string body) {
    const enc::Timestamp ts{std::chrono::milliseconds(1'000 * snd_id)};
    auto r = store_.create_rcv_message(
        "a", NewRcvMessage{ts, AgentMsgType::a_msg, to_bytes(body), snd_id, std::move(prev),
                           to_bytes("broker-" + body), ts});
    EXPECT_TRUE(r) << store_.last_error();
    return r ? *r : RcvMsgResult{};
  };
  const Bytes h1 = test::sha256_bytes(as_bytes("one"));
  const Bytes h2 = test::sha256_bytes(as_bytes("two"));

  EXPECT_EQ(rcv(1, {}, "one"), (RcvMsgResult{1, 1, MsgOk{}}));
  EXPECT_EQ(store_.next_rcv_ids("a").value(), (RcvMsgIds{2, 2, 1, h1}));
  EXPECT_EQ(rcv(2, h1, "two"), (RcvMsgResult{2, 2, MsgOk{}}));
  EXPECT_EQ(rcv(2, h1, "two"), (RcvMsgResult{3, 3, MsgDuplicate{}}));
  EXPECT_EQ(rcv(5, h2, "five"), (RcvMsgResult{4, 4, MsgSkipped{3, 4}}));
  EXPECT_EQ(rcv(3, h2, "three"), (RcvMsgResult{5, 5, MsgBadId{3}}));
  EXPECT_EQ(rcv(4, h2, "four"), (RcvMsgResult{6, 6, MsgBadHash{}}));  // expected H(three)
  EXPECT_EQ(store_.next_rcv_ids("a").value().last_external_snd_msg_id, 4);

  auto m = store_.get_rcv_message("a", 4);
  ASSERT_TRUE(m) << store_.last_error();
  const enc::Timestamp t5{std::chrono::milliseconds(5'000)};
  EXPECT_EQ(*m,
            (RcvMessage{4, 4, t5, AgentMsgType::a_msg, to_bytes("five"), 5, to_bytes("broker-five"),
                        t5, test::sha256_bytes(as_bytes("five")), h2, MsgSkipped{3, 4}}));
  ASSERT_TRUE(store_.delete_rcv_message("a", 4));
  EXPECT_EQ(error_of(store_.get_rcv_message("a", 4)), errc::not_found);
  EXPECT_EQ(error_of(store_.delete_rcv_message("a", 4)), errc::not_found);
  EXPECT_EQ(error_of(store_.create_rcv_message("absent", NewRcvMessage{})), errc::not_found);
}

TEST_F(StoreFixture, ReceivedMessageIsFoundByItsBrokerIdUntilDeleted) {
  ASSERT_TRUE(store_.create_rcv_connection("a", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r1", "s1")));
  ASSERT_TRUE(store_.create_rcv_connection("b", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r2", "s2")));
  EXPECT_EQ(store_.find_rcv_message_by_broker_id("a", as_bytes("m1")).value(), std::nullopt);
  auto r = store_.create_rcv_message(
      "a", NewRcvMessage{{}, AgentMsgType::a_msg, to_bytes("x"), 1, {}, to_bytes("m1"), {}});
  ASSERT_TRUE(r) << store_.last_error();
  EXPECT_EQ(store_.find_rcv_message_by_broker_id("a", as_bytes("m1")).value(),
            std::optional<std::int64_t>(r->internal_id));
  // Another broker id, or the same one on another connection, is not it.
  EXPECT_EQ(store_.find_rcv_message_by_broker_id("a", as_bytes("m2")).value(), std::nullopt);
  EXPECT_EQ(store_.find_rcv_message_by_broker_id("b", as_bytes("m1")).value(), std::nullopt);
  EXPECT_EQ(store_.find_rcv_message_by_broker_id("absent", as_bytes("m1")).value(), std::nullopt);
  // ACKed (deleted): a later message with that id is new.
  ASSERT_TRUE(store_.delete_rcv_message("a", r->internal_id));
  EXPECT_EQ(store_.find_rcv_message_by_broker_id("a", as_bytes("m1")).value(), std::nullopt);
}

TEST_F(StoreFixture, NextPendingMessageIsTheOldestOfItsQueue) {
  ASSERT_TRUE(store_.create_snd_connection("a", make_snd_queue(kServer, "s1"), nullptr));
  ASSERT_TRUE(store_.create_snd_connection("b", make_snd_queue(kServer, "s2"), nullptr));
  auto add = [&](const char* conn, AgentMsgType type) {
    return store_
        .create_snd_message(conn, type, {},
                            [](const SndMsgIds&) -> Result<SndMsgContent> {
                              return SndMsgContent{to_bytes("body"), Bytes(32, 1), std::nullopt};
                            })
        .value()
        .internal_id;
  };
  EXPECT_EQ(store_.next_pending_snd_message(kServer, as_bytes("s1")).value(), std::nullopt);
  add("b", AgentMsgType::a_msg);
  auto first = add("a", AgentMsgType::hello);
  auto second = add("a", AgentMsgType::a_msg);
  EXPECT_EQ(store_.next_pending_snd_message(kServer, as_bytes("s1")).value(),
            std::optional<PendingSndMessage>({first, AgentMsgType::hello}));
  ASSERT_TRUE(store_.delete_snd_message("a", first));
  EXPECT_EQ(store_.next_pending_snd_message(kServer, as_bytes("s1")).value(),
            std::optional<PendingSndMessage>({second, AgentMsgType::a_msg}));
  ASSERT_TRUE(store_.delete_snd_message("a", second));
  EXPECT_EQ(store_.next_pending_snd_message(kServer, as_bytes("s1")).value(), std::nullopt);
  EXPECT_EQ(store_.next_pending_snd_message(kOtherServer, as_bytes("s2")).value(), std::nullopt);
}

TEST_F(StoreFixture, NegativeIdsFromThePeerAreStoredToo) {
  ASSERT_TRUE(store_.create_rcv_connection("a", ConnectionMode::invitation,
                                           make_rcv_queue(kServer, "r1", "s1")));
  auto r = store_.create_rcv_message(
      "a", NewRcvMessage{{}, AgentMsgType::a_msg, to_bytes("x"), -7, {}, to_bytes("b"), {}});
  ASSERT_TRUE(r) << store_.last_error();
  EXPECT_EQ(r->integrity, MsgIntegrity(MsgBadId{-7}));
  EXPECT_EQ(store_.get_rcv_message("a", r->internal_id).value().integrity,
            MsgIntegrity(MsgBadId{-7}));
}

TEST_F(StoreFixture, SentAndReceivedMessagesShareInternalIdsButNotTheirKinds) {
  auto rc = make_ratchets();
  ASSERT_TRUE(store_.create_snd_connection("a", make_snd_queue(kServer, "s1"), &rc.snd));
  ASSERT_TRUE(store_.upgrade_snd_to_duplex("a", make_rcv_queue(kServer, "r1", "x")));
  EXPECT_EQ(enqueue(store_, "a", HelloMessage{}).value().internal_id, 1);
  auto r = store_.create_rcv_message(
      "a", NewRcvMessage{{}, AgentMsgType::hello, to_bytes("h"), 1, {}, to_bytes("b"), {}});
  EXPECT_EQ(r.value().internal_id, 2);
  EXPECT_EQ(r.value().internal_rcv_id, 1);
  auto s = enqueue(store_, "a", UserMessage{to_bytes("x")}).value();
  EXPECT_EQ(s.internal_id, 3);
  EXPECT_EQ(s.internal_snd_id, 2);
  // A sent message is not a received one and the other way round.
  EXPECT_EQ(error_of(store_.get_rcv_message("a", 1)), errc::not_found);
  EXPECT_EQ(error_of(store_.delete_rcv_message("a", 3)), errc::not_found);
  EXPECT_EQ(error_of(store_.get_snd_message("a", 2)), errc::not_found);
  EXPECT_EQ(error_of(store_.delete_snd_message("a", 2)), errc::not_found);
}

TEST(AgentStoreReopen, CountersHashesAndPendingMessagesSurvive) {
  TempDir dir;
  auto rc = make_ratchets();
  Bytes last_hash;
  {
    auto store = open_store(dir / "agent.db");
    ASSERT_TRUE(store.create_snd_connection("a", make_snd_queue(kServer, "s1"), &rc.snd));
    ASSERT_TRUE(store.upgrade_snd_to_duplex("a", make_rcv_queue(kServer, "r1", "x")));
    ASSERT_TRUE(enqueue(store, "a", HelloMessage{}));
    ASSERT_TRUE(enqueue(store, "a", UserMessage{to_bytes("one")}));
    ASSERT_TRUE(store.create_rcv_message(
        "a", NewRcvMessage{{}, AgentMsgType::a_msg, to_bytes("in"), 1, {}, to_bytes("b"), {}}));
    last_hash = store.next_snd_ids("a").value().prev_msg_hash;
    EXPECT_EQ(last_hash.size(), 32u);
  }
  auto store = open_store(dir / "agent.db");
  EXPECT_EQ(store.next_snd_ids("a").value(), (SndMsgIds{4, 3, last_hash}));
  EXPECT_EQ(store.next_rcv_ids("a").value(),
            (RcvMsgIds{4, 2, 1, test::sha256_bytes(as_bytes("in"))}));
  EXPECT_EQ(store.pending_snd_messages("a").value(),
            (std::vector<PendingSndMessage>{{1, AgentMsgType::hello}, {2, AgentMsgType::a_msg}}));
  EXPECT_EQ(store.connections_with_pending_messages().value(), std::vector<ConnId>{"a"});
  EXPECT_EQ(store.get_rcv_message("a", 3).value().body, to_bytes("in"));

  // The next message continues the chain: the peer decrypts all three in order.
  ASSERT_TRUE(enqueue(store, "a", UserMessage{to_bytes("two")}));
  Ratchet peer = rc.rcv.clone();
  Bytes prev;
  for (std::int64_t id : {1, 2, 4}) {
    auto dec = rc_decrypt(peer, {}, pending_body(store, "a", id), random_key_generator());
    ASSERT_TRUE(dec && dec->plaintext) << id;
    peer = std::move(dec->state);
    auto am = std::get<AgentMessage>(decode_agent_plaintext(*dec->plaintext).value());
    EXPECT_EQ(am.header.prev_msg_hash, prev) << id;
    prev = test::sha256_bytes(*dec->plaintext);
  }
}

// ---- Damaged data ----

TEST_F(StoreFixture, StoredValuesThatDoNotDecodeAreStoreCorrupt) {
  auto rc = make_ratchets();
  ASSERT_TRUE(store_.create_snd_connection("a", make_snd_queue(kServer, "s1"), &rc.snd));
  ASSERT_TRUE(store_.upgrade_snd_to_duplex("a", make_rcv_queue(kServer, "r1", "x")));
  ASSERT_TRUE(store_.create_rcv_message(
      "a", NewRcvMessage{{}, AgentMsgType::a_msg, to_bytes("m"), 1, {}, to_bytes("b"), {}}));
  SkippedKeysAdded added;
  added.keys[SecretBytes(Bytes(32, 1))][0] =
      MessageKey{SecretBytes(Bytes(32, 2)), SecretBytes(Bytes(16, 3))};
  ASSERT_TRUE(store_.apply_skipped_diff("a", SkippedMsgDiff(std::move(added))));
  auto& db = store_.database();
  ASSERT_TRUE(
      db.exec("UPDATE rcv_queues SET rcv_private_key = x'3000';"
              "UPDATE ratchets SET ratchet_state = x'09';"
              "UPDATE rcv_messages SET integrity = x'4f00';"
              "UPDATE skipped_messages SET msg_key = x'20';"));
  EXPECT_EQ(error_of(store_.get_connection("a")), errc::store_corrupt);
  EXPECT_NE(store_.last_error().find("private key"), std::string::npos) << store_.last_error();
  EXPECT_EQ(error_of(store_.list_connections()), errc::store_corrupt);
  EXPECT_EQ(error_of(store_.get_rcv_connection(kServer, as_bytes("r1"))), errc::store_corrupt);
  EXPECT_EQ(error_of(store_.get_ratchet("a")), errc::store_corrupt);
  EXPECT_EQ(error_of(store_.get_rcv_message("a", 1)), errc::store_corrupt);
  EXPECT_EQ(error_of(store_.get_skipped_keys("a")), errc::store_corrupt);
  // A value SQLite itself checks is refused on the way in.
  EXPECT_EQ(error_of(db.exec("UPDATE snd_queues SET status = 'lost'")), errc::store_corrupt);
}

// ---- Transactions ----

TEST_F(StoreFixture, AtomicallyCommitsAllOrNothing) {
  auto rc = make_ratchets();
  auto failed = store_.atomically([&](AgentStore& s) -> Result<int> {
    SMP_TRY(ConnId id, s.create_snd_connection("a", make_snd_queue(kServer, "s1"), &rc.snd));
    SMP_TRY_VOID(enqueue(s, id, HelloMessage{}));
    return s.set_snd_queue_status(kServer, as_bytes("nope"), QueueStatus::active).error();
  });
  EXPECT_EQ(error_of(failed), errc::not_found);
  EXPECT_FALSE(store_.database().in_transaction());
  for (const char* table : {"connections", "snd_queues", "messages", "snd_messages", "ratchets"})
    EXPECT_EQ(count_rows(store_, table), 0) << table;

  EXPECT_THROW(store_.atomically([&](AgentStore& s) -> Result<int> {
    EXPECT_TRUE(s.create_connection("b", ConnectionMode::invitation));
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(count_rows(store_, "connections"), 0);

  auto ok = store_.atomically([&](AgentStore& s) -> Result<ConnId> {
    SMP_TRY(ConnId id, s.create_snd_connection("a", make_snd_queue(kServer, "s1"), &rc.snd));
    SMP_TRY_VOID(enqueue(s, id, HelloMessage{}));
    return id;
  });
  ASSERT_TRUE(ok) << store_.last_error();
  EXPECT_EQ(store_.pending_snd_messages("a").value().size(), 1u);
}

TEST_F(StoreFixture, InnerFailureInsideAtomicallyCanBeHandled) {
  // An inner call's failure rolls back only that call; the block may go on.
  auto r = store_.atomically([&](AgentStore& s) -> Result<void> {
    SMP_TRY_VOID(s.create_connection("a", ConnectionMode::invitation));
    EXPECT_EQ(error_of(s.create_rcv_connection("a", ConnectionMode::invitation,
                                               make_rcv_queue(kServer, "r1", "s1"))),
              errc::already_exists);
    return s.add_rcv_queue("a", make_rcv_queue(kServer, "r2", "s2"));
  });
  ASSERT_TRUE(r) << store_.last_error();
  auto conn = store_.get_connection("a").value();
  EXPECT_EQ(rcv_queue_of(conn)->rcv_id, to_bytes("r2"));
  EXPECT_EQ(count_rows(store_, "rcv_queues"), 1);
}

// ---- Concurrency ----

TEST(AgentStoreConcurrency, ReadersRunWhileTheWriterWritesWithoutLockErrors) {
  TempDir dir;
  auto writer = open_store(dir / "agent.db");
  auto rc = make_ratchets();
  ASSERT_TRUE(writer.create_snd_connection("w", make_snd_queue(kServer, "ws"), &rc.snd));

  constexpr int kConnections = 60;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      StoreOptions options;
      options.read_only = t != 0;  // a read-write connection reads the same way
      auto reader = open_store(dir / "agent.db", options);
      int i = 0;
      while (!done.load()) {
        std::string id = conn_name(i++ % kConnections);
        auto conn = reader.get_connection(id);
        auto pending = reader.pending_snd_messages("w");
        auto all = reader.list_connections();
        if ((!conn && error_of(conn) != errc::not_found) || !pending || !all) {
          ADD_FAILURE() << "reader " << t << ": " << reader.last_error();
          failures.fetch_add(1);
        }
        reads.fetch_add(1);
      }
    });
  }
  auto write_all = [&]() -> bool {
    for (int i = 0; i < kConnections; ++i) {
      std::string id = conn_name(i);
      if (!writer.create_rcv_connection(id, ConnectionMode::invitation,
                                        make_rcv_queue(kServer, id, "s")) ||
          !writer.upgrade_rcv_to_duplex(id, make_snd_queue(kServer, id)) ||
          !enqueue(writer, "w", UserMessage{to_bytes(id)}))
        return false;
    }
    return true;
  };
  bool written = write_all();
  done.store(true);
  for (auto& r : readers) r.join();
  EXPECT_TRUE(written) << writer.last_error();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(writer.pending_snd_messages("w").value().size(), static_cast<size_t>(kConnections));
}

// ---- Footprint ----

TEST(AgentStoreFootprint, BytesPerIdleDuplexConnection) {
  TempDir dir;
  auto store = open_store(dir / "agent.db");
  auto rc = make_ratchets();
  auto rq = make_rcv_queue(kServer, "r", "s");
  auto sq = make_snd_queue(kOtherServer, "s");
  constexpr int kConnections = 1000;
  for (int i = 0; i < kConnections; ++i) {
    // 24-byte queue ids as servers make them; keys cloned (their size is what matters).
    Bytes rid = crypto::random_bytes(24), sid = crypto::random_bytes(24);
    auto r = store.atomically([&](AgentStore& s) -> Result<void> {
      RcvQueue q = rq.clone();
      q.rcv_id = rid;
      q.snd_id = crypto::random_bytes(24);
      q.e2e_dh_secret = SecretBytes(crypto::random_bytes(32));
      q.status = QueueStatus::active;
      SMP_TRY(ConnId id, s.create_rcv_connection("", ConnectionMode::invitation, q));
      SndQueue p = sq.clone();
      p.snd_id = sid;
      p.status = QueueStatus::active;
      SMP_TRY_VOID(s.upgrade_rcv_to_duplex(id, p));
      return s.set_ratchet(id, rc.snd);
    });
    ASSERT_TRUE(r) << store.last_error();
  }
  auto& db = store.database();
  ASSERT_TRUE(db.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  auto pages = db.prepare("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size");
  ASSERT_TRUE(pages && pages->step().value());
  std::int64_t bytes = pages->column_int64(0);
  std::int64_t per_connection = bytes / kConnections;
  std::cout << "agent store: " << bytes << " bytes for " << kConnections
            << " idle duplex connections = " << per_connection << " bytes each\n";
  RecordProperty("bytes_per_idle_duplex_connection", static_cast<int>(per_connection));
  EXPECT_LT(per_connection, 4096);
}

}  // namespace
}  // namespace smp::agent
