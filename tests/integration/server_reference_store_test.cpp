// An operator replaces the reference 6.5.5 server with ours on the same folders: the ini its
// `init` wrote, its store log and its saved messages. The files are written here line by line as
// the reference's encoders write them (cited at each line); the smp-server process loads them,
// serves the queues to clients of the current generation, and writes them back in the same
// format when it stops.

#include <ctime>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "server_process_fixture.h"
#include "smp/crypto/cbox.h"
#include "smp/crypto/hash.h"
#include "smp/crypto/key_string.h"
#include "smp/encoding/base64.h"
#include "smp/protocol/rcv_message.h"
#include "support/current_test_client.h"

namespace smp::test {
namespace {

namespace cmd = smp::protocol::cmd;
namespace msg = smp::protocol::msg;

std::string b64(ByteView b) { return enc::b64url_encode(b); }

Bytes id_of(std::uint8_t fill) { return Bytes(24, fill); }

// A queue the reference created: the recipient's keys and the DH secret it shares with the
// server (the store log keeps the secret, not the server's key).
struct ReferenceQueue {
  Bytes rid, sid;
  crypto::KeyPair rcv_key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  Bytes dh_secret = crypto::random_bytes(32);
};

// "CREATE rid=<rid> " then QueueRec's strEncode (Server/StoreLog.hs at 6.5.5): rk= the
// recipient keys, rdh= the DH secret, sid=, sk= (empty: not secured), queue_mode= (smpEncode:
// M or C), link_id= and queue_data= (the fixed and user data, each base64url), updated_at=,
// status=.
std::string create_line(const ReferenceQueue& q, char mode, std::string_view rest = "") {
  return "CREATE rid=" + b64(q.rid) + " rk=" + crypto::str_encode(q.rcv_key.public_key) +
         " rdh=" + b64(q.dh_secret) + " sid=" + b64(q.sid) + " sk= queue_mode=" + mode +
         std::string(rest);
}

// MLRv3's strEncode (Server/MsgStore.hs) over Message's (Protocol.hs): "v3 " rid msgId ts, then
// "flags=" T|F and the body as its sender sent it.
std::string message_line(const ReferenceQueue& q, std::uint8_t msg_id, std::int64_t ts, bool notify,
                         std::string_view body) {
  return "v3 " + b64(q.rid) + " " + b64(id_of(msg_id)) + " " + std::to_string(ts) +
         " flags=" + (notify ? "T " : "F ") + b64(as_bytes(body));
}

class ServerReferenceStoreTest : public ServerProcessFixture {
 protected:
  void SetUp() override {
    contact_.rid = id_of(0x11);
    contact_.sid = id_of(0x21);
    messaging_.rid = id_of(0x12);
    messaging_.sid = id_of(0x22);
    blocked_.rid = id_of(0x13);
    blocked_.sid = id_of(0x23);
    deleted_.rid = id_of(0x14);
    deleted_.sid = id_of(0x24);
  }

  // Our init makes the certificates; the ini is then the one the reference's init wrote
  // (store log and saved messages on, a create_password), with only host and port changed.
  void install_reference_ini() {
    init();
    if (HasFatalFailure()) return;
    std::string ini =
        read_file(fs::path(SMP_SOURCE_DIR) / "tests/smp/server/data/smp-server-6.5.5-init.ini");
    ASSERT_FALSE(ini.empty());
    std::ofstream(ini_file(), std::ios::trunc) << ini;
    set_ini("host", "127.0.0.1");
    set_ini("port", "0");
  }

  void write_reference_logs() {
    const std::int64_t now = std::time(nullptr);
    const std::string link_data = " link_id=" + b64(id_of(0x31)) +
                                  " queue_data=" + b64(as_bytes(kFixedData)) + " " +
                                  b64(as_bytes(kUserData));
    std::ofstream store(store_log(), std::ios::trunc);
    store << create_line(contact_, 'C', link_data) << "\n"
          << create_line(messaging_, 'M', " updated_at=1733356800") << "\n"
          << create_line(blocked_, 'M')
          << "\n"
          // BLOCK's record: the queue id and BlockingInfo's strEncode (reason=, notice=).
          << "BLOCK " << b64(blocked_.rid) << " reason=spam,notice={\"ttl\":86400}\n"
          << create_line(deleted_, 'M') << "\n"
          << "DELETE " << b64(deleted_.rid) << "\n";
    std::ofstream messages(messages_file(), std::ios::trunc);
    messages << message_line(messaging_, 0x41, now - 120, false, "first") << "\n"
             << message_line(messaging_, 0x42, now - 60, true, "second") << "\n"
             << message_line(contact_, 0x43, now - 30, true, "a request") << "\n"
             << message_line(deleted_, 0x44, now - 30, false, "lost with its queue") << "\n";
  }

  static constexpr std::string_view kFixedData = "fixed link data of a contact address";
  static constexpr std::string_view kUserData = "user link data";
  ReferenceQueue contact_, messaging_, blocked_, deleted_;
};

// The MSG opened with the DH secret the store log kept; "" when it does not open.
std::string body_of(const ReferenceQueue& q, const std::optional<CurrentReply>& r,
                    bool* notification = nullptr) {
  const auto* m = r ? r->as<msg::Msg>() : nullptr;
  if (m == nullptr) return "";
  auto key = crypto::CbKey::from_dh_secret(q.dh_secret);
  if (!key) return "";
  Bytes plain;
  auto opened = protocol::open_rcv_message(*key, m->msg_id, m->body, plain);
  if (!opened || opened->quota) return "";
  if (notification != nullptr) *notification = opened->notification;
  return std::string(as_chars(opened->body));
}

TEST_F(ServerReferenceStoreTest, ItsFilesLoadAreServedAndAreWrittenBackInItsFormat) {
  install_reference_ini();
  write_reference_logs();
  auto server = start();
  ASSERT_TRUE(server && port_ != 0);
  // The reference's [WEB] section and the keys without effect are named, once.
  const std::string out = server->out();
  EXPECT_NE(out.find("not implemented, ignored:"), std::string::npos) << out;
  EXPECT_NE(out.find("[WEB]"), std::string::npos) << out;

  auto rcv = CurrentTestClient::connect(port_, key_hash());
  ASSERT_TRUE(rcv);
  // The saved messages come in order, opened with the secret from the store log.
  rcv->send("sub", messaging_.rid, cmd::Sub{}, &messaging_.rcv_key.private_key);
  auto sok = rcv->receive();
  ASSERT_TRUE(sok);
  EXPECT_EQ(sok->tag(), "SOK");
  auto first = rcv->receive();
  EXPECT_EQ(body_of(messaging_, first), "first");
  ASSERT_TRUE(first && first->as<msg::Msg>());
  EXPECT_EQ(to_bytes(first->as<msg::Msg>()->msg_id), id_of(0x41));
  auto second =
      rcv->request("ack", messaging_.rid, cmd::Ack{.msg_id = first->as<msg::Msg>()->msg_id},
                   &messaging_.rcv_key.private_key);
  bool notification = false;
  EXPECT_EQ(body_of(messaging_, second, &notification), "second");
  EXPECT_TRUE(notification);
  ASSERT_TRUE(second && second->as<msg::Msg>());
  auto done =
      rcv->request("ack2", messaging_.rid, cmd::Ack{.msg_id = second->as<msg::Msg>()->msg_id},
                   &messaging_.rcv_key.private_key);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->tag(), "OK");

  // The contact address: its link data is read by anyone with the link id; its message waits.
  auto other = CurrentTestClient::connect(port_, key_hash());
  ASSERT_TRUE(other);
  auto lnk = other->request("lget", id_of(0x31), cmd::LGet{});
  ASSERT_TRUE(lnk && lnk->as<msg::Lnk>()) << (lnk ? lnk->tag() : "none");
  EXPECT_EQ(to_bytes(lnk->as<msg::Lnk>()->sender_id), contact_.sid);
  EXPECT_EQ(as_chars(lnk->as<msg::Lnk>()->data.fixed_data), kFixedData);
  EXPECT_EQ(as_chars(lnk->as<msg::Lnk>()->data.user_data), kUserData);
  auto get = other->request("get", contact_.rid, cmd::Get{}, &contact_.rcv_key.private_key);
  EXPECT_EQ(body_of(contact_, get), "a request");

  // The blocked queue answers BLOCKED; the deleted one is not there (and neither its message).
  auto blocked = other->request("s1", blocked_.sid, cmd::Send{.body = as_bytes("x")});
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->err().code, errc::smp_blocked);
  auto deleted = other->request("s2", deleted_.sid, cmd::Send{.body = as_bytes("x")});
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->err().code, errc::smp_auth);

  // create_password from the reference's ini: NEW needs it.
  auto refused = other->request(
      "new1", {},
      cmd::New{.rcv_key = messaging_.rcv_key.public_key,
               .rcv_dh_key = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key},
      &messaging_.rcv_key.private_key);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->err().code, errc::smp_auth);
  const std::string_view password = "XHqMN2u3uG5Ez5JQcZEuF6iCk0yVb2bq-Qq8Hc5pKDc=";
  auto created = other->request(
      "new2", {},
      cmd::New{.rcv_key = messaging_.rcv_key.public_key,
               .rcv_dh_key = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key,
               .basic_auth = as_bytes(password)},
      &messaging_.rcv_key.private_key);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->tag(), "IDS");
  rcv.reset();
  other.reset();
  stop(*server);

  // Written back as the reference writes them: the compacted store log has one CREATE per live
  // queue with everything it had, the unacknowledged message is saved in MLRv3 lines.
  const std::string log = read_file(store_log());
  EXPECT_NE(log.find(create_line(contact_, 'C',
                                 " link_id=" + b64(id_of(0x31)) + " queue_data=" +
                                     b64(as_bytes(kFixedData)) + " " + b64(as_bytes(kUserData)))),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(create_line(messaging_, 'M', " updated_at=")), std::string::npos) << log;
  EXPECT_NE(
      log.find(create_line(blocked_, 'M') + " status=blocked,reason=spam,notice={\"ttl\":86400}"),
      std::string::npos)
      << log;
  EXPECT_EQ(log.find(b64(deleted_.rid)), std::string::npos) << log;
  // The queue created with the password is logged as any other.
  std::size_t creates = 0;
  for (const std::string& line : lines_of(log))
    if (line.rfind("CREATE ", 0) == 0) ++creates;
  EXPECT_EQ(creates, 4u) << log;
  auto saved = lines_of(read_file(messages_file()));
  ASSERT_EQ(saved.size(), 1u) << read_file(messages_file());
  EXPECT_EQ(saved[0].rfind("v3 " + b64(contact_.rid) + " " + b64(id_of(0x43)) + " ", 0), 0u);
  EXPECT_NE(saved[0].find(" flags=T " + b64(as_bytes("a request"))), std::string::npos) << saved[0];

  // And they load again: the message is still there for its recipient.
  auto again = start();
  ASSERT_TRUE(again);
  auto c = CurrentTestClient::connect(port_, key_hash());
  ASSERT_TRUE(c);
  auto get_again = c->request("get", contact_.rid, cmd::Get{}, &contact_.rcv_key.private_key);
  EXPECT_EQ(body_of(contact_, get_again), "a request");
  c.reset();
  stop(*again);
}

}  // namespace
}  // namespace smp::test
