// A control port connection's dialogue: roles and passwords as the reference's controlPortAuth
// and withUserRole / withAdminRole (Server.hs at simplexmq 6.5.5), answers to bad lines.

#include "smp/server/control_session.h"

#include <gtest/gtest.h>

#include "control_test_util.h"
#include "smp/encoding/base64.h"

namespace smp::server::test {
namespace {

const ControlPasswords kPasswords{"admin-Pa55", "user-Pa55"};

class ControlSessionTest : public ControlFixture {
 protected:
  ControlSessionTest() : control_(*ctx_, {}) {}

  std::string say(ControlSession& s, std::string_view line) {
    ControlSession::Answer a = s.answer(line);
    EXPECT_FALSE(a.close) << line;
    return a.text;
  }

  ServerControl control_;
};

TEST_F(ControlSessionTest, WithoutARoleOnlyHelpQuitAndAuthWork) {
  ControlSession s(control_, kPasswords);
  EXPECT_EQ(s.role(), ControlRole::none);
  EXPECT_EQ(say(s, "help"),
            "commands: auth, stats, clients, server-info, status, block, unblock, delete, save, "
            "suspend, resume, help, quit\n");
  for (std::string_view line : {"stats", "clients", "server-info", "status AAEC", "delete AAEC",
                                "block AAEC reason=spam", "unblock AAEC", "save", "suspend",
                                "resume", "threads", "sockets", "socket-threads"}) {
    EXPECT_EQ(say(s, line), "AUTH\n") << line;
  }
  EXPECT_EQ(say(s, "stats-rts"), "stats-rts not implemented\n");  // no role in the reference
  EXPECT_EQ(say(s, ""), "");
  ControlSession::Answer quit = s.answer("quit");
  EXPECT_TRUE(quit.close);
  EXPECT_EQ(quit.text, "");
}

TEST_F(ControlSessionTest, AWrongPasswordLeavesNoRoleAndMayBeRetried) {
  ControlSession s(control_, kPasswords);
  EXPECT_EQ(say(s, "auth guess"), "Current role is CPRNone\n");
  EXPECT_EQ(say(s, "auth admin-Pa5"), "Current role is CPRNone\n");  // a prefix
  EXPECT_EQ(say(s, "auth admin-Pa55x"), "Current role is CPRNone\n");
  EXPECT_EQ(say(s, "stats"), "AUTH\n");
  EXPECT_EQ(say(s, "auth user-Pa55"), "Current role is CPRUser\n");
  EXPECT_EQ(s.role(), ControlRole::user);
}

TEST_F(ControlSessionTest, TheUserReadsAndBlocksButDoesNotDeleteOrSave) {
  QueueRecord q = add_queue(1);
  const std::string sid = enc::b64url_encode(view(q.sender_id));
  ControlSession s(control_, kPasswords);
  ASSERT_EQ(say(s, "auth user-Pa55"), "Current role is CPRUser\n");
  EXPECT_EQ(say(s, "stats").substr(0, 10), "qCreated: ");
  EXPECT_EQ(say(s, "server-info").substr(0, 9), "Threads: ");
  EXPECT_EQ(say(s, "status " + sid).substr(0, 21), "status: EntityActive,");
  EXPECT_EQ(say(s, "block " + sid + " reason=spam"),
            "ok, queue blocked: EntityBlocked (BlockingInfo {reason = BRSpam, notice = Nothing})\n");
  EXPECT_EQ(say(s, "unblock " + sid),
            "ok, queue unblocked, reason to block was: BlockingInfo {reason = BRSpam, notice = "
            "Nothing}\n");
  EXPECT_EQ(say(s, "sockets"), "sockets not implemented\n");
  for (std::string_view line : {"clients", "save", "suspend", "resume", "threads",
                                "socket-threads"}) {
    EXPECT_EQ(say(s, line), "AUTH\n") << line;
  }
  EXPECT_EQ(say(s, "delete " + sid), "AUTH\n");
  EXPECT_TRUE(queues_.contains(q.recipient_id));
  // The role is kept for the session.
  EXPECT_EQ(say(s, "auth admin-Pa55"), "Current role is CPRUser, start new session to change.\n");
  EXPECT_EQ(say(s, "auth user-Pa55"), "Current role is CPRUser\n");
  EXPECT_EQ(say(s, "auth nothing"), "Current role is CPRUser, start new session to change.\n");
  EXPECT_EQ(s.role(), ControlRole::user);
}

TEST_F(ControlSessionTest, TheAdminRunsEverything) {
  QueueRecord q = add_queue(1);
  add_message(q, 1);
  const std::string sid = enc::b64url_encode(view(q.sender_id));
  ControlSession s(control_, kPasswords);
  ASSERT_EQ(say(s, "auth admin-Pa55"), "Current role is CPRAdmin\n");
  EXPECT_EQ(say(s, "clients"),
            "clientId,sessionId,connected,createdAt,rcvActiveAt,sndActiveAt,age,subscriptions\n");
  EXPECT_EQ(say(s, "save"), "saving server state...\nserver state saved!\n");
  EXPECT_EQ(say(s, "suspend"), "suspend not implemented\n");
  EXPECT_EQ(say(s, "resume"), "resume not implemented\n");
  EXPECT_EQ(say(s, "threads"), "threads not implemented\n");
  EXPECT_EQ(say(s, "socket-threads"), "socket-threads not implemented\n");
  EXPECT_EQ(say(s, "stats").substr(0, 10), "qCreated: ");
  EXPECT_EQ(say(s, "delete " + sid), "ok, 1 messages deleted\n");
  EXPECT_FALSE(queues_.contains(q.recipient_id));
  EXPECT_EQ(say(s, "auth user-Pa55"), "Current role is CPRAdmin, start new session to change.\n");
}

TEST_F(ControlSessionTest, TheAdminPasswordWinsWhenBothAreTheSame) {
  ControlPasswords same{"same", "same"};
  ControlSession s(control_, same);
  EXPECT_EQ(say(s, "auth same"), "Current role is CPRAdmin\n");
}

TEST_F(ControlSessionTest, WithoutPasswordsNoRoleCanBeHad) {
  ControlPasswords none;
  ControlSession s(control_, none);
  EXPECT_EQ(say(s, "auth anything"), "Current role is CPRNone\n");
  EXPECT_EQ(say(s, "stats"), "AUTH\n");
  ControlPasswords user_only{std::nullopt, "u"};
  ControlSession u(control_, user_only);
  EXPECT_EQ(say(u, "auth u"), "Current role is CPRUser\n");
  EXPECT_EQ(say(u, "save"), "AUTH\n");
}

TEST_F(ControlSessionTest, ABadLineIsAnErrorLineAndTheSessionGoesOn) {
  ControlSession s(control_, kPasswords);
  EXPECT_EQ(say(s, "bogus"), "error: Failed reading: bad ControlProtocol command\n");
  EXPECT_EQ(say(s, "stats please"), "error: endOfInput\n");
  EXPECT_EQ(say(s, "auth bad:pw"), "error: Failed reading: invalid character in BasicAuth\n");
  EXPECT_EQ(say(s, std::string("\0\xff\x01", 3)),
            "error: Failed reading: bad ControlProtocol command\n");
  EXPECT_EQ(say(s, "auth admin-Pa55\r"), "Current role is CPRAdmin\n");
  EXPECT_EQ(say(s, "status !"), "error: Failed reading: takeWhile1\n");
}

}  // namespace
}  // namespace smp::server::test
