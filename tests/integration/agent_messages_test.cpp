// Messages through smp-agent processes end to end (spec §7.1, §7.7, §7.8): bodies of the
// boundary sizes both ways, the body one byte too large, DEL, malformed commands that leave
// the session usable, and a burst of pipelined SENDs delivered in order.

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "agent_flows.h"
#include "agent_pair_fixture.h"
#include "smp/crypto/hash.h"

namespace smp::test {
namespace {

namespace cmd = ag::cmd;

// `n` random bytes (CR, LF and NUL included, as they come).
Bytes random_body(std::size_t n) {
  Bytes b(n);
  if (n > 0) crypto::random_bytes(b);
  return b;
}

TEST_F(AgentPairTest, BinaryBodiesOfBoundarySizesGoBothWays) {
  InvitationFlow f = invitation();
  f.run();
  Direction a2b = alice_to_bob(f);
  Direction b2a = bob_to_alice(f);
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, ag::kMaxBodySize}) {
    a2b.exchange(random_body(size));
    b2a.exchange(random_body(size));
  }
  Bytes crlf = bytes_of_text("line 1\r\nline 2\n\r\n");
  a2b.exchange(crlf);

  // One byte more is refused, and costs no message id of the conversation.
  ASSERT_EQ(ag::kMaxBodySize, 15811u);
  alice().request("large", f.alice_conn, cmd::Send{random_body(ag::kMaxBodySize + 1)},
                  cmd::Err{ag::cmd_error(ag::CommandErrorType::large)});
  a2b.exchange(bytes_of_text("after the large one"));
  b2a.exchange(bytes_of_text("and back"));
}

TEST_F(AgentPairTest, DeletedConnectionIsGoneOnBothCommands) {
  InvitationFlow f = invitation();
  f.run();
  alice_to_bob(f).exchange(bytes_of_text("bye"));
  alice().request("d1", f.alice_conn, cmd::Del{}, cmd::Ok{});
  alice().request("d2", f.alice_conn, cmd::Send{bytes_of_text("x")},
                  cmd::Err{ag::ConnError{ag::ConnectionErrorType::not_found}});
  alice().request("d3", f.alice_conn, cmd::Sub{},
                  cmd::Err{ag::ConnError{ag::ConnectionErrorType::not_found}});
  // Bob's messages now go to a queue that no longer exists.
  bob().send("b1", f.bob_conn, cmd::Send{bytes_of_text("anyone?")});
  auto mid = bob().expect<cmd::Mid>("b1", f.bob_conn);
  bob().expect_exactly("", f.bob_conn, cmd::Merr{mid.id, ag::SmpError{errc::smp_auth}});
  bob().request("d4", f.bob_conn, cmd::Del{}, cmd::Ok{});
  EXPECT_TRUE(alice().quiet(f.alice_conn, 200ms));
}

TEST_F(AgentPairTest, MalformedCommandsAreAnsweredAndTheSessionGoesOn) {
  InvitationFlow f = invitation();
  f.run();
  AgentTestClient& c = alice().client();
  const std::string& conn = f.alice_conn;
  auto raw = [&](std::string_view bytes) { ASSERT_TRUE(c.send_raw(bytes)); };
  using T = ag::CommandErrorType;

  raw("1\r\n" + conn + "\r\nHELLO\r\n");  // unknown tag
  expect_cmd_error(c.receive(), "1", conn, T::syntax);
  raw("2\r\n" + conn + "\r\nSEND x\r\n");  // a size that is not a number
  expect_cmd_error(c.receive(), "2", conn, T::syntax);
  raw("3\r\n" + conn + "\r\nSEND 3\nabcdef\r\n");  // the body is longer than its size
  expect_cmd_error(c.receive(), "3", conn, T::size);
  raw("4\r\n\r\nSEND :hi\r\n");  // no connId
  expect_cmd_error(c.receive(), "4", "", T::no_conn);
  raw("5\r\n" + conn + "\r\nOK\r\n");  // the agent's word, not the client's
  expect_cmd_error(c.receive(), "5", conn, T::prohibited);
  raw("6\r\n" + conn + "\r\nMSG OK R=1,2022-01-01T00:00:00.000Z B=,x S=1 :x\r\n");
  auto six = c.receive();
  ASSERT_TRUE(six);
  EXPECT_EQ(six->corr_id, "6");
  EXPECT_TRUE(six->ok() && std::holds_alternative<cmd::Err>(six->command()));
  raw("7\r\nnobody\r\nSEND :hi\r\n");  // unknown connection
  expect_transmission(c.receive(), "7", "nobody",
                      cmd::Err{ag::ConnError{ag::ConnectionErrorType::not_found}});
  raw("8\r\n" + conn + "\r\nLET nothing-here :x\r\n");  // LET on a connection past it
  auto eight = c.receive();
  ASSERT_TRUE(eight && eight->ok());
  EXPECT_EQ(eight->corr_id, "8");
  EXPECT_TRUE(std::holds_alternative<cmd::Err>(eight->command()));
  raw("9\r\n" + conn + "\r\nACK 999\r\n");  // no such message
  auto nine = c.receive();
  ASSERT_TRUE(nine && nine->ok());
  EXPECT_TRUE(std::holds_alternative<cmd::Err>(nine->command()));
  raw("10\r\n" + conn + "\r\nNEW INV\r\n");  // a connId already taken
  expect_transmission(c.receive(), "10", conn,
                      cmd::Err{ag::ConnError{ag::ConnectionErrorType::duplicate}});

  // The session and the connection still work.
  Direction a2b = alice_to_bob(f);
  a2b.exchange(bytes_of_text("still here"));
  bob_to_alice(f).exchange(bytes_of_text("me too"));
}

TEST_F(AgentPairTest, PipelinedBurstArrivesInOrderWithIntegrity) {
  InvitationFlow f = invitation();
  f.run();
  constexpr int kCount = 300;
  std::string burst;
  std::vector<Bytes> bodies;
  for (int i = 0; i < kCount; ++i) {
    bodies.push_back(bytes_of_text(numbered("burst message ", i)));
    auto t = ag::encode_transmission({numbered("s", i), f.alice_conn, cmd::Send{bodies.back()}});
    ASSERT_TRUE(t);
    burst.append(as_chars(*t));
  }
  ASSERT_TRUE(alice().client().send_raw(burst));

  // Bob receives them in order while Alice's answers come in.
  std::int64_t last_s = 1;
  for (int i = 0; i < kCount; ++i) {
    auto t = bob().next(f.bob_conn, 20s);
    ASSERT_TRUE(t) << "message " << i << " did not arrive";
    ASSERT_TRUE(t->ok() && std::holds_alternative<cmd::Msg>(t->command())) << describe(*t);
    const auto& msg = std::get<cmd::Msg>(t->command());
    EXPECT_EQ(msg.meta.integrity, ag::MsgIntegrity{ag::MsgOk{}});
    EXPECT_EQ(msg.meta.snd_msg_id, ++last_s);
    ASSERT_EQ(msg.body, bodies[static_cast<std::size_t>(i)]);
    bob().request(numbered("a", i), f.bob_conn, cmd::Ack{msg.meta.recipient_id}, cmd::Ok{});
  }

  // Every SEND got its MID in order, then its SENT; nothing else.
  std::int64_t first_mid = 0;
  std::map<std::int64_t, bool> sent;
  for (int i = 0; i < kCount; ++i) {
    auto mid = alice().take([&](const auto& t) { return !t.corr_id.empty(); });
    ASSERT_TRUE(mid) << "no MID for SEND " << i;
    EXPECT_EQ(mid->corr_id, numbered("s", i));
    ASSERT_TRUE(mid->ok() && std::holds_alternative<cmd::Mid>(mid->command())) << describe(*mid);
    auto id = std::get<cmd::Mid>(mid->command()).id;
    if (i == 0) first_mid = id;
    EXPECT_EQ(id, first_mid + i);
  }
  EXPECT_EQ(first_mid, 4);
  for (int i = 0; i < kCount; ++i) {
    auto t = alice().next(f.alice_conn);
    ASSERT_TRUE(t) << "missing SENT after " << i;
    ASSERT_TRUE(t->ok() && std::holds_alternative<cmd::Sent>(t->command())) << describe(*t);
    EXPECT_EQ(std::get<cmd::Sent>(t->command()).id, first_mid + i);
  }
  EXPECT_TRUE(alice().quiet(f.alice_conn, 200ms));
  EXPECT_TRUE(bob().quiet(f.bob_conn, 200ms));
}

}  // namespace
}  // namespace smp::test
