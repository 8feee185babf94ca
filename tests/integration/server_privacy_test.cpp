// Privacy of the smp-server executable's logs: a session that uses every command (and sends
// some malformed blocks) runs against a server at its default log level, with the stats line
// on; afterwards nothing it printed, on stdout or stderr, in any run, holds a queue id, key,
// message id or message body used, in any spelling SecretScan knows. Key files and the store
// and message logs are 0600.
#include "support/secret_scan.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "server_process_fixture.h"
#include "smp/crypto/keys.h"
#include "smp/crypto/hash.h"
#include "smp/encoding/base64.h"

namespace smp::test {
namespace {

TEST(SecretScanTest, FindsEverySpellingAtEveryAlignment) {
  Bytes secret = crypto::random_bytes(24);
  SecretScan scan;
  ASSERT_TRUE(scan.add("id", secret));
  EXPECT_FALSE(scan.add("short", as_bytes("1234567")));
  EXPECT_TRUE(scan.find_in("nothing to see here", "clean").empty());
  for (const auto& [form, text] : spellings_of(secret)) {
    SCOPED_TRACE(form);
    std::string log = "info: queue " + text + " created\n";
    auto hits = scan.find_in(log, "log");
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits.front().offset, 12u);
  }
  // Inside a longer value encoded as a whole (a key inside its DER), at each alignment.
  for (std::size_t prefix = 0; prefix < 3; ++prefix) {
    Bytes der(prefix + 5, 0x30);
    der.insert(der.end(), secret.begin(), secret.end());
    der.push_back(0x01);
    EXPECT_FALSE(scan.find_in(enc::b64url_encode(der), "b64url").empty()) << prefix;
    EXPECT_FALSE(scan.find_in(enc::b64_encode(der), "b64").empty()) << prefix;
  }
  // A part of a secret is not the secret.
  EXPECT_TRUE(scan.find_in(to_hex(secret).substr(0, 40), "part").empty());
}

class ServerPrivacyTest : public ServerProcessFixture {
 protected:
  void add_key(const std::string& label, const crypto::KeyPair& k) {
    scan_.add(label + " public", k.public_key.raw());
    scan_.add(label + " public DER", crypto::encode_public_key_der(k.public_key));
    scan_.add(label + " private", k.private_key.raw());
  }
  void add_queue(const std::string& label, const RecipientQueue& q) {
    scan_.add(label + " recipient id", q.rid);
    scan_.add(label + " sender id", q.sid);
    add_key(label + " recipient key", q.rcv_key);
    add_key(label + " recipient DH key", q.dh_key);
    if (q.server_dh) scan_.add(label + " server DH key", q.server_dh->raw());
  }
  // Every stdout and stderr file the fixture's processes wrote.
  std::vector<fs::path> output_files() const {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir_.path())) {
      std::string name = e.path().filename().string();
      if (name.rfind("out", 0) == 0 || name.rfind("err", 0) == 0) files.push_back(e.path());
    }
    return files;
  }

  SecretScan scan_;
};

TEST_F(ServerPrivacyTest, LogsHoldNoQueueIdsKeysOrBodiesAndKeyFilesArePrivate) {
  init();
  set_ini("log_interval_seconds", "1");
  auto server = start();
  std::vector<RecipientQueue> queues;
  std::vector<std::string> bodies;
  {
    auto recipient = connect();
    auto sender = connect();
    ASSERT_TRUE(recipient && sender);
    queues.push_back(create_queue(*recipient, "n0"));
    queues.push_back(create_queue(*recipient, "n1", crypto::KeyAlgorithm::ed448));
    queues.push_back(create_queue(*recipient, "n2"));
    for (std::size_t i = 0; i < queues.size(); ++i) add_queue(numbered("queue ", static_cast<int>(i)), queues[i]);

    // Secured queue, signed sends, delivery and ACK.
    const RecipientQueue& q = queues[0];
    auto sender_key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
    add_key("sender key", sender_key);
    expect_ok(recipient->request("k", q.rid, cmd::Key{sender_key.public_key}, q.key()), "k", q.rid);
    for (int i = 0; i < 3; ++i) {
      bodies.push_back("privacy probe body " + to_hex(crypto::random_bytes(12)));
      scan_.add(numbered("body ", i), bodies.back());
      expect_ok(sender->request("s", q.sid, cmd::Send{bytes_of(bodies.back())}, &sender_key.private_key),
                "s", q.sid);
      auto r = i == 0 ? recipient->receive() : recipient->request("a", q.rid, cmd::Ack{}, q.key());
      Bytes id = expect_msg(r, q, i == 0 ? "" : "a", bodies.back());
      scan_.add(numbered("message id ", i), id);
    }
    expect_ok(recipient->request("a", q.rid, cmd::Ack{}, q.key()), "a", q.rid);

    // Notifier id, NSUB, OFF, DEL, AUTH failures.
    auto notifier_key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
    add_key("notifier key", notifier_key);
    auto nid = recipient->request("nk", queues[1].rid, cmd::NKey{notifier_key.public_key},
                                  queues[1].key());
    ASSERT_TRUE(nid && nid->as<msg::Nid>()) << (nid ? nid->tag() : "no reply");
    Bytes notifier_id = to_bytes(nid->as<msg::Nid>()->notifier_id);
    scan_.add("notifier id", notifier_id);
    auto notifier = connect();
    ASSERT_TRUE(notifier);
    expect_ok(notifier->request("ns", notifier_id, cmd::NSub{}, &notifier_key.private_key), "ns",
              notifier_id);
    expect_ok(recipient->request("off", queues[2].rid, cmd::Off{}, queues[2].key()), "off",
              queues[2].rid);
    expect_err(sender->request("x", queues[2].sid, cmd::Send{bytes_of("refused")}),
               errc::smp_auth, "x", queues[2].sid);
    expect_ok(recipient->request("del", queues[2].rid, cmd::Del{}, queues[2].key()), "del",
              queues[2].rid);
    expect_err(recipient->request("s2", queues[2].rid, cmd::Sub{}, queues[2].key()),
               errc::smp_auth, "s2", queues[2].rid);

    // Malformed: wrong session id, unknown command for a known queue.
    Bytes wrong = to_bytes(sender->session_id());
    wrong[0] ^= 0xff;
    protocol::TransmissionIds ids{wrong, as_bytes("w"), queues[1].sid};
    sender->send_content(protocol::encode_command_transmission(ids, cmd::Ping{}, nullptr).value());
    expect_err(sender->receive(), errc::smp_session, "w", {});

    // An undelivered message is saved at stop and restored at start.
    bodies.push_back("privacy probe saved " + to_hex(crypto::random_bytes(12)));
    scan_.add("saved body", bodies.back());
    recipient.reset();
    expect_ok(sender->request("s", queues[1].sid, cmd::Send{bytes_of(bodies.back())}), "s",
              queues[1].sid);
    std::this_thread::sleep_for(1500ms);  // one stats line at least
  }
  stop(*server);
  server = start();
  {
    auto recipient = connect();
    ASSERT_TRUE(recipient);
    expect_msg(recipient->request("sub", queues[1].rid, cmd::Sub{}, queues[1].key()), queues[1],
               "sub", bodies.back());
  }
  stop(*server);

  auto files = output_files();
  ASSERT_GE(files.size(), 6u);  // init, two starts: stdout and stderr each
  std::string all;
  for (const auto& f : files) all += read_file(f);
  EXPECT_NE(all.find("queues restored"), std::string::npos) << "the logs were not captured";
  // The scan does recognise the server's own spelling: the store log holds the ids by design.
  EXPECT_FALSE(scan_.find_in_files({store_log()}).empty());
  auto hits = scan_.find_in_files(files);
  EXPECT_TRUE(hits.empty()) << describe(hits);
  EXPECT_GT(scan_.size(), 100u);
  std::printf("[ figures  ] privacy: %zu spellings of the session's secrets searched in %zu "
              "output files (%zu bytes): %zu found\n",
              scan_.size(), files.size(), all.size(), hits.size());

  EXPECT_EQ(mode_of(cfg_dir() / "ca.key"), 0600u);
  EXPECT_EQ(mode_of(cfg_dir() / "server.key"), 0600u);
  // The logs that do hold ids, keys and (encrypted) bodies are private too.
  EXPECT_EQ(mode_of(store_log()), 0600u);
  ASSERT_TRUE(fs::exists(messages_file()));  // the unacknowledged message, saved at stop
  EXPECT_EQ(mode_of(messages_file()), 0600u);
}

}  // namespace
}  // namespace smp::test
