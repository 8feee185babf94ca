// What the server writes to the store log for each command (spec §5, with quirks Q1 and Q2
// fixed: docs/server-behaviour.md), and message expiry.
#include "smp/server/server.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "server_test_util.h"
#include "smp/crypto/dh.h"
#include "smp/encoding/base64.h"
#include "smp/server/store_log.h"
#include "support/current_test_client.h"
#include "support/temp_dir.h"

namespace smp::test {
namespace {

std::string b64(ByteView b) { return enc::b64url_encode(b); }

TEST(ServerPersistenceTest, StoreLogRecordsOnlyChangesThatHappened) {
  TestServer server({}, true);
  ASSERT_TRUE(server.started());
  auto c = server.connect();
  ASSERT_TRUE(c);
  RecipientQueue q = create_queue(*c);
  auto k1 = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto k2 = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto nk = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  expect_ok(c->request("k1", q.rid, cmd::Key{k1.public_key}, q.key()), "k1", q.rid);
  // Refused, and (unlike the reference, Q2) not logged: a restart keeps k1.
  expect_err(c->request("k2", q.rid, cmd::Key{k2.public_key}, q.key()), errc::smp_auth, "k2",
             q.rid);
  auto nid = c->request("nk", q.rid, cmd::NKey{nk.public_key}, q.key());
  ASSERT_TRUE(nid && nid->as<msg::Nid>());
  expect_ok(c->request("off", q.rid, cmd::Off{}, q.key()), "off", q.rid);
  expect_ok(c->request("del", q.rid, cmd::Del{}, q.key()), "del", q.rid);

  auto lines = server.store_log_lines();
  ASSERT_EQ(lines.size(), 5u);
  const std::string rid = b64(q.rid);
  EXPECT_EQ(lines[0].rfind("CREATE rid=" + rid + " ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(" sid=" + b64(q.sid) + " sk="), std::string::npos) << lines[0];
  EXPECT_EQ(lines[1].rfind("SECURE " + rid + " ", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("NOTIFIER " + rid + " " + b64(nid->as<msg::Nid>()->notifier_id), 0),
            0u)
      << lines[2];
  EXPECT_EQ(lines[3], "SUSPEND " + rid);  // the reference writes DELETE here (Q1)
  EXPECT_EQ(lines[4], "DELETE " + rid);
}

// A notifier made by NEW (SMP 17+) is in the queue's CREATE record, secret included (the
// reference's createQueue stores it in the QueueRec that logCreateQueue writes): the log a
// restart reads gives the queue back with its notifier.
TEST(ServerPersistenceTest, ANotifierMadeByNewSurvivesARestartFromTheLog) {
  TestServer server({}, true);
  ASSERT_TRUE(server.started());
  auto c = CurrentTestClient::connect(server.port(), server.key_hash());
  ASSERT_TRUE(c);
  ASSERT_GE(c->params().version, protocol::kNewNtfCredsVersion);
  auto notifier_key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  auto notifier_dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  CurrentQueue q = create_current_queue(*c, "new", crypto::KeyAlgorithm::ed25519, [&](cmd::New& n) {
    n.ntf_creds = cmd::New::NtfCreds{.notifier_key = notifier_key.public_key,
                                     .rcv_ntf_dh_key = notifier_dh.public_key};
  });
  ASSERT_TRUE(q.notifier_id && q.server_ntf_dh);
  c.reset();
  server.stop();

  auto lines = server.store_log_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" notifier=" + b64(*q.notifier_id) + " "), std::string::npos) << lines[0];

  TempDir dir;
  const auto path = dir / "smp-server-store.log";
  std::filesystem::copy_file(server.store_log_path(), path);
  server::QueueStore restarted;
  auto loaded = server::load_and_compact_store_log(path, restarted, {}, {.keep_backups = false});
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(loaded->second.skipped_lines, 0u);
  auto nid = server::queue_id_from(*q.notifier_id);
  ASSERT_TRUE(nid);
  auto record = restarted.by_notifier(*nid);
  ASSERT_TRUE(record && record->notifier);
  EXPECT_EQ(record->recipient_id, server::queue_id_from(q.rid));
  EXPECT_EQ(record->notifier->notifier_key, notifier_key.public_key);
  ASSERT_TRUE(record->notifier->dh_secret);
  auto expected = crypto::dh(*q.server_ntf_dh, notifier_dh.private_key);
  ASSERT_TRUE(expected);
  EXPECT_EQ(to_bytes(record->notifier->dh_secret->view()), to_bytes(expected->view()));
}

TEST(ServerPersistenceTest, ExpiredMessagesAreDropped) {
  TestServer server([](server::ServerConfig& cfg) {
    cfg.message_ttl_seconds = 1;
    cfg.expire_interval = std::chrono::seconds(1);
  });
  ASSERT_TRUE(server.started());
  auto c = server.connect();
  ASSERT_TRUE(c);
  RecipientQueue q = create_queue(*c);
  c.reset();  // nobody subscribed: the message stays in the queue
  auto sender = server.connect();
  ASSERT_TRUE(sender);
  expect_ok(sender->request("s", q.sid, cmd::Send{bytes_of("old")}), "s", q.sid);
  for (int i = 0; i < 50 && server.server().stats().msgs_expired.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(server.server().stats().msgs_expired.load(), 1u);
  expect_ok(sender->request("sub", q.rid, cmd::Sub{}, q.key()), "sub", q.rid);
}

}  // namespace
}  // namespace smp::test
