// The control port of a real smp-server process ([TRANSPORT] control_port, the reference's
// Server/Control.hs and runCPClient at simplexmq 6.5.5): every command with both roles and
// with bad passwords, what block, unblock, delete and save do to SMP v1 clients and across
// restarts, and clients that flood the port.

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "control_client.h"
#include "server_process_fixture.h"
#include "support/current_test_client.h"
#include "smp/encoding/base64.h"

namespace smp::test {
namespace {

class ControlPortTest : public ServerProcessFixture {
 protected:
  // init --control-port 0: a control port on any free port, with random passwords.
  void init_with_control_port() { init({"-l", "--control-port", "0"}); }

  std::string ini_value(const std::string& key) {
    std::smatch m;
    std::string text = read_file(ini_file());
    if (!std::regex_search(text, m, std::regex("\n" + key + " = (\\S+)\n"))) {
      ADD_FAILURE() << key << " not in the ini";
      return {};
    }
    return m[1];
  }

  std::unique_ptr<ChildProcess> start_with_control_port() {
    auto p = start();
    auto port = p->wait_for_line("Control port on port ");
    EXPECT_TRUE(port) << p->out();
    if (port) control_port_ = static_cast<std::uint16_t>(std::stoi(*port));
    return p;
  }

  // A control connection past the greeting, authenticated with `password` when given.
  std::unique_ptr<ControlClient> control(const std::string& password = {}) {
    auto c = std::make_unique<ControlClient>(control_port_);
    EXPECT_TRUE(c->connected());
    EXPECT_EQ(c->read_lines(2),
              (std::vector<std::string>{"SMP server control port", "'help' for supported commands"}));
    if (!password.empty()) {
      std::string answer = c->ask("auth " + password);
      EXPECT_TRUE(answer == "Current role is CPRAdmin" || answer == "Current role is CPRUser")
          << answer;
    }
    return c;
  }
  std::unique_ptr<ControlClient> admin() { return control(ini_value("control_port_admin_password")); }
  std::unique_ptr<ControlClient> user() { return control(ini_value("control_port_user_password")); }

  static std::string id_text(const Bytes& id) { return enc::b64url_encode(id); }

  std::uint16_t control_port_ = 0;
};

TEST_F(ControlPortTest, InitWritesTwoPasswordsAndThePort) {
  init_with_control_port();
  EXPECT_EQ(mode_of(ini_file()), 0600u);
  std::string admin_password = ini_value("control_port_admin_password");
  std::string user_password = ini_value("control_port_user_password");
  EXPECT_EQ(admin_password.size(), 24u);  // 18 random bytes, base64url
  EXPECT_EQ(user_password.size(), 24u);
  EXPECT_NE(admin_password, user_password);
  EXPECT_EQ(ini_value("control_port"), "0");
  EXPECT_EQ(ini_value("daily_block_queue_quota"), "20");
}

TEST_F(ControlPortTest, WithoutControlPortThereIsNone) {
  init();
  std::string text = read_file(ini_file());
  EXPECT_NE(text.find("\n# control_port = 5224\n"), std::string::npos) << text;
  auto server = start();
  EXPECT_EQ(server->out().find("Control port"), std::string::npos) << server->out();
  stop(*server);
}

TEST_F(ControlPortTest, TheUserRoleReadsAndBlocksButNothingMore) {
  init_with_control_port();
  auto server = start_with_control_port();
  auto client = connect();
  ASSERT_TRUE(client);
  RecipientQueue q = create_queue(*client);

  auto none = control();
  EXPECT_EQ(none->ask("help"),
            "commands: auth, stats, clients, server-info, status, block, unblock, delete, save, "
            "suspend, resume, help, quit");
  for (std::string line : {"stats", "clients", "server-info", "save", "suspend", "resume"}) {
    EXPECT_EQ(none->ask(line), "AUTH") << line;
  }
  EXPECT_EQ(none->ask("status " + id_text(q.sid)), "AUTH");
  EXPECT_EQ(none->ask("auth not-the-password"), "Current role is CPRNone");
  EXPECT_EQ(none->ask("stats"), "AUTH");
  EXPECT_EQ(none->ask("auth bad:password"), "error: Failed reading: invalid character in BasicAuth");
  EXPECT_EQ(none->ask("frobnicate"), "error: Failed reading: bad ControlProtocol command");
  EXPECT_EQ(none->ask("auth " + ini_value("control_port_user_password")), "Current role is CPRUser");

  auto u = user();
  u->send_line("stats");
  std::vector<std::string> stats = u->read_lines(14);
  ASSERT_EQ(stats.size(), 14u);
  EXPECT_EQ(stats[0], "qCreated: 1");
  EXPECT_EQ(stats[6], "qCount: 1");
  EXPECT_EQ(stats[9], "pRelays: requests=0, successes=0, errorsConnect=0, errorsCompat=0, "
                      "errorsOther=0");
  EXPECT_EQ(stats[13], "pMsgFwdsRecv: 0");
  u->send_line("server-info");
  std::vector<std::string> info = u->read_lines(6);
  ASSERT_EQ(info.size(), 6u);
  EXPECT_EQ(info[1], "Clients: 1");
  EXPECT_EQ(info[2], "SMP subscriptions: 1");  // NEW subscribes its connection
  EXPECT_EQ(info[3], "SMP subscribed clients: 1");
  EXPECT_EQ(u->ask("status " + id_text(q.sid)),
            "status: EntityActive, updatedAt: Nothing, queueMode: Nothing");
  EXPECT_EQ(u->ask("status " + id_text(q.rid)), "error: AUTH");  // a recipient id is not one
  for (std::string line : {"clients", "save", "suspend", "resume"}) {
    EXPECT_EQ(u->ask(line), "AUTH") << line;
  }
  EXPECT_EQ(u->ask("delete " + id_text(q.sid)), "AUTH");
  EXPECT_EQ(u->ask("auth " + ini_value("control_port_admin_password")),
            "Current role is CPRUser, start new session to change.");
  EXPECT_EQ(u->ask("block " + id_text(q.sid) + " reason=spam"),
            "ok, queue blocked: EntityBlocked (BlockingInfo {reason = BRSpam, notice = Nothing})");
  EXPECT_EQ(u->ask("unblock " + id_text(q.sid)),
            "ok, queue unblocked, reason to block was: BlockingInfo {reason = BRSpam, notice = "
            "Nothing}");
  u->send_line("quit");
  EXPECT_TRUE(u->wait_closed(5s));
  // The queue's connection was told of the block (v1: AUTH), and goes on.
  expect_err(client->receive(), errc::smp_auth, "", q.rid);
  expect_pong(*client);
  client.reset();
  stop(*server);

  // Neither password nor queue id is ever logged.
  std::string out = server->out();
  EXPECT_EQ(out.find(ini_value("control_port_user_password")), std::string::npos) << out;
  EXPECT_EQ(out.find(ini_value("control_port_admin_password")), std::string::npos) << out;
  EXPECT_EQ(out.find(id_text(q.sid)), std::string::npos) << out;
  EXPECT_NE(out.find("control port: block"), std::string::npos) << out;
}

TEST_F(ControlPortTest, TheAdminRunsEveryCommand) {
  init_with_control_port();
  auto server = start_with_control_port();
  auto client = connect();
  ASSERT_TRUE(client);
  RecipientQueue q = create_queue(*client);
  auto sender = connect();
  ASSERT_TRUE(sender);
  expect_ok(sender->request("s", q.sid, cmd::Send{bytes_of("kept")}), "s", q.sid);

  auto a = admin();
  a->send_line("clients");
  std::vector<std::string> clients = a->read_lines(3);
  ASSERT_EQ(clients.size(), 3u);
  EXPECT_EQ(clients[0],
            "clientId,sessionId,connected,createdAt,rcvActiveAt,sndActiveAt,age,subscriptions");
  // One row per connection, in connection order: the recipient holds one subscription.
  std::regex row("\\d+,[A-Za-z0-9+/=]+,True,\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ,"
                 "[-0-9T:Z]+,[-0-9T:Z]+,\\d+,(\\d+)");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(clients[1], m, row)) << clients[1];
  EXPECT_EQ(m[1], "1");
  ASSERT_TRUE(std::regex_match(clients[2], m, row)) << clients[2];
  EXPECT_EQ(m[1], "0");
  a->send_line("server-info");
  EXPECT_EQ(a->read_lines(6).at(1), "Clients: 2");
  a->send_line("stats");
  EXPECT_EQ(a->read_lines(14).at(8), "msgCount: 1");
  EXPECT_EQ(a->ask("suspend"), "suspend not implemented");
  EXPECT_EQ(a->ask("resume"), "resume not implemented");
  EXPECT_EQ(a->ask("status " + id_text(q.sid)),
            "status: EntityActive, updatedAt: Nothing, queueMode: Nothing");
  a->send_line("save");
  EXPECT_EQ(a->read_lines(2),
            (std::vector<std::string>{"saving server state...", "server state saved!"}));
  EXPECT_EQ(lines_of(read_file(messages_file())).size(), 1u);
  EXPECT_EQ(a->ask("auth " + ini_value("control_port_user_password")),
            "Current role is CPRAdmin, start new session to change.");
  EXPECT_EQ(a->ask("delete " + id_text(q.sid)), "ok, 1 messages deleted");
  EXPECT_EQ(a->ask("delete " + id_text(q.sid)), "error: AUTH");
  a->send_line("quit");
  EXPECT_TRUE(a->wait_closed(5s));
  stop(*server);
}

// Blocking: SMP v1 has no BLOCKED, so SEND and SUB (and the subscriber) are told AUTH, as the
// reference tells clients below version 12.
TEST_F(ControlPortTest, BlockMakesV1SendAndSubAnswerAuthUntilUnblocked) {
  init_with_control_port();
  auto server = start_with_control_port();
  auto recipient = connect();
  auto sender = connect();
  ASSERT_TRUE(recipient && sender);
  RecipientQueue q = create_queue(*recipient);
  expect_ok(sender->request("s1", q.sid, cmd::Send{bytes_of("before")}), "s1", q.sid);
  expect_msg(recipient->receive(), q, "", "before");

  auto u = user();
  EXPECT_EQ(u->ask("block " + id_text(q.sid) + " reason=content,notice={\"ttl\":86400}"),
            "ok, queue blocked: EntityBlocked (BlockingInfo {reason = BRContent, notice = Just "
            "(ClientNotice {ttl = Just 86400})})");
  // The subscribed connection is told.
  expect_err(recipient->receive(), errc::smp_auth, "", q.rid);
  expect_err(sender->request("s2", q.sid, cmd::Send{bytes_of("blocked")}), errc::smp_auth, "s2",
             q.sid);
  expect_err(recipient->request("sub", q.rid, cmd::Sub{}, q.key()), errc::smp_auth, "sub", q.rid);
  expect_err(recipient->request("ack", q.rid, cmd::Ack{}, q.key()), errc::smp_auth, "ack", q.rid);
  auto other = connect();
  ASSERT_TRUE(other);
  expect_err(other->request("sub", q.rid, cmd::Sub{}, q.key()), errc::smp_auth, "sub", q.rid);
  EXPECT_EQ(u->ask("block " + id_text(q.sid) + " reason=spam"),
            "ok, already inactive: EntityBlocked (BlockingInfo {reason = BRSpam, notice = Nothing})");

  EXPECT_EQ(u->ask("unblock " + id_text(q.sid)),
            "ok, queue unblocked, reason to block was: BlockingInfo {reason = BRSpam, notice = "
            "Nothing}");
  EXPECT_EQ(u->ask("unblock " + id_text(q.sid)), "ok, queue was active");
  expect_ok(sender->request("s3", q.sid, cmd::Send{bytes_of("after")}), "s3", q.sid);
  // The message delivered before the block is still unacknowledged; SUB delivers it again.
  expect_msg(other->request("sub", q.rid, cmd::Sub{}, q.key()), q, "sub", "before");
  stop(*server);
}

// The current generation hears BLOCKED with the blocking info: the subscriber at once, then
// SEND and SUB (ALPN smp/1, SMP 18).
TEST_F(ControlPortTest, BlockMakesCurrentSendAndSubAnswerBlocked) {
  init_with_control_port();
  auto server = start_with_control_port();
  auto recipient = CurrentTestClient::connect(port_, key_hash());
  auto sender = CurrentTestClient::connect(port_, key_hash());
  ASSERT_TRUE(recipient && sender);
  CurrentQueue q = create_current_queue(*recipient);
  ASSERT_EQ(q.sid.size(), 24u);
  EXPECT_EQ(user()->ask("block " + id_text(q.sid) + " reason=content").substr(0, 17),
            "ok, queue blocked");
  auto told = recipient->receive();
  ASSERT_TRUE(told);
  EXPECT_EQ(told->err().code, errc::smp_blocked);
  EXPECT_EQ(told->entity_id(), q.rid);
  ASSERT_TRUE(told->err().blocking);
  EXPECT_EQ(told->err().blocking->reason, protocol::BlockingReason::content);
  auto send = sender->request("s", q.sid, cmd::Send{.body = bytes_of("blocked")});
  ASSERT_TRUE(send);
  EXPECT_EQ(send->err().code, errc::smp_blocked);
  auto sub = recipient->request("sub", q.rid, cmd::Sub{}, q.key());
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->err().code, errc::smp_blocked);
  EXPECT_EQ(user()->ask("unblock " + id_text(q.sid)).substr(0, 20), "ok, queue unblocked,");
  auto after = sender->request("s2", q.sid, cmd::Send{.body = bytes_of("after")});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->tag(), "OK");
  stop(*server);
}

TEST_F(ControlPortTest, BlockAndUnblockSurviveARestart) {
  init_with_control_port();
  std::optional<RecipientQueue> created;
  {
    auto server = start_with_control_port();
    auto recipient = connect();
    ASSERT_TRUE(recipient);
    created = create_queue(*recipient);
    EXPECT_EQ(user()->ask("block " + id_text(created->sid) + " reason=spam").substr(0, 18),
              "ok, queue blocked:");
    recipient.reset();
    stop(*server);
  }
  const RecipientQueue& q = *created;
  {
    auto server = start_with_control_port();
    EXPECT_EQ(user()->ask("status " + id_text(q.sid)),
              "status: EntityBlocked (BlockingInfo {reason = BRSpam, notice = Nothing}), "
              "updatedAt: Nothing, queueMode: Nothing");
    auto sender = connect();
    ASSERT_TRUE(sender);
    expect_err(sender->request("s", q.sid, cmd::Send{bytes_of("x")}), errc::smp_auth, "s", q.sid);
    EXPECT_EQ(user()->ask("unblock " + id_text(q.sid)).substr(0, 23), "ok, queue unblocked, re");
    sender.reset();
    stop(*server);
  }
  auto server = start_with_control_port();
  auto sender = connect();
  ASSERT_TRUE(sender);
  expect_ok(sender->request("s", q.sid, cmd::Send{bytes_of("x")}), "s", q.sid);
  EXPECT_EQ(user()->ask("status " + id_text(q.sid)).substr(0, 21), "status: EntityActive,");
  sender.reset();
  stop(*server);
}

TEST_F(ControlPortTest, DeleteEndsTheQueueForItsClientsAndAcrossRestarts) {
  init_with_control_port();
  std::optional<RecipientQueue> deleted, kept;
  {
    auto server = start_with_control_port();
    auto recipient = connect();
    auto sender = connect();
    ASSERT_TRUE(recipient && sender);
    deleted = create_queue(*recipient, "n1");
    kept = create_queue(*recipient, "n2");
    const RecipientQueue& q = *deleted;
    expect_ok(sender->request("s", q.sid, cmd::Send{bytes_of("gone")}), "s", q.sid);
    expect_msg(recipient->receive(), q, "", "gone");
    EXPECT_EQ(admin()->ask("delete " + id_text(q.sid)), "ok, 1 messages deleted");
    expect_err(sender->request("s", q.sid, cmd::Send{bytes_of("x")}), errc::smp_auth, "s", q.sid);
    expect_err(recipient->request("sub", q.rid, cmd::Sub{}, q.key()), errc::smp_auth, "sub",
               q.rid);
    expect_pong(*recipient);
    recipient.reset();
    sender.reset();
    stop(*server);
  }
  auto server = start_with_control_port();
  auto a = admin();
  EXPECT_EQ(a->ask("status " + id_text(deleted->sid)), "error: AUTH");
  EXPECT_EQ(a->ask("status " + id_text(kept->sid)).substr(0, 21), "status: EntityActive,");
  a.reset();
  stop(*server);
  EXPECT_EQ(read_file(store_log()).find(id_text(deleted->rid)), std::string::npos)
      << "the compacted log still has the deleted queue";
}

// `save` is a checkpoint: a server killed afterwards restores what was saved.
TEST_F(ControlPortTest, SaveWritesTheMessagesFileWhileRunning) {
  init_with_control_port();
  std::optional<RecipientQueue> created;
  {
    auto server = start_with_control_port();
    auto recipient = connect();
    auto sender = connect();
    ASSERT_TRUE(recipient && sender);
    created = create_queue(*recipient);
    const RecipientQueue& q = *created;
    recipient.reset();
    expect_ok(sender->request("s", q.sid, cmd::Send{bytes_of("saved")}), "s", q.sid);
    auto a = admin();
    a->send_line("save");
    EXPECT_EQ(a->read_lines(2),
              (std::vector<std::string>{"saving server state...", "server state saved!"}));
    EXPECT_EQ(lines_of(read_file(messages_file())).size(), 1u);
    sender.reset();
    server->signal(SIGKILL);
    EXPECT_TRUE(server->wait(10s));
  }
  auto server = start_with_control_port();
  auto recipient = connect();
  ASSERT_TRUE(recipient);
  const RecipientQueue& q = *created;
  expect_msg(recipient->request("sub", q.rid, cmd::Sub{}, q.key()), q, "sub", "saved");
  recipient.reset();
  stop(*server);
}

TEST_F(ControlPortTest, ClientsThatFloodThePortDoNotHurtTheServer) {
  init_with_control_port();
  auto server = start_with_control_port();

  // A thousand lines at once: each is answered, in order.
  auto flood = control();
  std::string lines;
  for (int i = 0; i < 1000; ++i) lines += "stats\n";
  ASSERT_TRUE(flood->write(lines));
  std::vector<std::string> answers = flood->read_lines(1000, 10s);
  ASSERT_EQ(answers.size(), 1000u);
  EXPECT_EQ(answers.front(), "AUTH");
  EXPECT_EQ(answers.back(), "AUTH");
  EXPECT_EQ(flood->ask("help").substr(0, 9), "commands:");

  // A line without end is cut off.
  auto endless = control();
  ASSERT_TRUE(endless->write(std::string(100'000, 'a')));
  EXPECT_EQ(endless->read_line(), "error: line too long");
  EXPECT_TRUE(endless->wait_closed(5s));

  // Connections beyond the limit are turned away while the others keep working.
  std::vector<std::unique_ptr<ControlClient>> many;
  for (int i = 0; i < 7; ++i) many.push_back(control());  // 8 with `flood`
  std::vector<std::unique_ptr<ControlClient>> refused;
  for (int i = 0; i < 100; ++i) refused.push_back(std::make_unique<ControlClient>(control_port_));
  for (auto& extra : refused) {
    EXPECT_EQ(extra->read_line(), "error: too many connections");
    EXPECT_TRUE(extra->wait_closed(5s));
  }
  refused.clear();
  EXPECT_EQ(many.back()->ask("help").substr(0, 9), "commands:");

  // A client that sends commands and never reads its answers stalls only itself.
  many.clear();
  ControlClient deaf(control_port_);
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "help\n";
  deaf.write(big);  // ~2 MB of answers, more than the socket buffers hold
  auto c = control(ini_value("control_port_user_password"));
  EXPECT_EQ(c->ask("help").substr(0, 9), "commands:");
  auto smp = connect();
  ASSERT_TRUE(smp);
  expect_pong(*smp);
  smp.reset();
  stop(*server);
}

TEST_F(ControlPortTest, AnIniWithoutPasswordsGivesNoRole) {
  init_with_control_port();
  std::string text = read_file(ini_file());
  // Comment both passwords out, as the reference's init does without --control-port.
  text = std::regex_replace(text, std::regex("\ncontrol_port_(admin|user)_password = [^\n]*"),
                            "\n# control_port_$1_password =");
  std::ofstream(ini_file(), std::ios::trunc) << text;
  auto server = start_with_control_port();
  auto c = control();
  EXPECT_EQ(c->ask("auth anything"), "Current role is CPRNone");
  EXPECT_EQ(c->ask("stats"), "AUTH");
  c.reset();
  stop(*server);
  EXPECT_NE(server->out().find("only help and quit can be used"), std::string::npos)
      << server->out();
}

}  // namespace
}  // namespace smp::test
