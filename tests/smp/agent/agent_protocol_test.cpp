#include "smp/agent/agent_protocol.h"

#include <vector>

#include <gtest/gtest.h>

namespace smp::agent {
namespace {

Bytes b(std::string_view s) { return to_bytes(s); }

AgentError cmd_err(CommandErrorType t) { return CmdError{t}; }

// Parses a whole stream, one transmission per call, feeding `chunk` bytes at a time.
std::vector<ReceivedTransmission> parse_all(std::string_view stream, Party sender,
                                            std::size_t chunk = SIZE_MAX,
                                            ProtocolLimits limits = {}) {
  TransmissionParser parser(sender, limits);
  std::vector<ReceivedTransmission> out;
  ByteView in = as_bytes(stream);
  std::size_t fed = 0;  // bytes of `in` given to the parser so far, less what it left
  while (fed < in.size()) {
    ByteView piece = in.subspan(fed, std::min(chunk, in.size() - fed));
    ParseStep step = parser.parse(piece);
    EXPECT_LE(step.consumed, piece.size());
    if (!step.transmission) {
      EXPECT_EQ(step.consumed, piece.size());
    }
    fed += step.consumed;
    if (step.transmission) out.push_back(std::move(*step.transmission));
  }
  EXPECT_FALSE(parser.in_progress());
  return out;
}

ReceivedTransmission ok(std::string corr, std::string conn, AgentCommand c) {
  return {std::move(corr), std::move(conn), std::move(c)};
}
ReceivedTransmission err(std::string corr, std::string conn, CommandErrorType t) {
  return {std::move(corr), std::move(conn), cmd_err(t)};
}

TEST(TransmissionParser, ChunkingDoesNotChangeTheResult) {
  const std::string stream =
      "1\r\nc1\r\nSEND 5\nhel\nl\r\n"
      "2\nc1\nSEND :inline\n"
      "3\r\nc1\r\nACK 7\r\n"
      "\r\n\r\nNEW INV\r\n"
      "4\r\nc1\r\nSEND 0\n\r\n"
      "5\r\nc1\r\nNOPE\r\n"
      "6\r\nc1\r\nSEND 3\r\nabc\n";
  const std::vector<ReceivedTransmission> expected = {
      ok("1", "c1", cmd::Send{b("hel\nl")}),
      ok("2", "c1", cmd::Send{b("inline")}),
      ok("3", "c1", cmd::Ack{7}),
      ok("", "", cmd::New{ConnectionMode::invitation}),
      ok("4", "c1", cmd::Send{}),
      err("5", "c1", CommandErrorType::syntax),
      ok("6", "c1", cmd::Send{b("abc")}),
  };
  for (std::size_t chunk : {SIZE_MAX, std::size_t{1}, std::size_t{2}, std::size_t{7}}) {
    EXPECT_EQ(parse_all(stream, Party::client, chunk), expected) << "chunk " << chunk;
  }
}

TEST(TransmissionParser, OneTransmissionPerCallAndTheRestLeftUnconsumed) {
  const std::string stream = "1\r\nc\r\nSUB\r\n2\r\nc\r\nOFF\r\n";
  TransmissionParser parser(Party::client);
  ParseStep first = parser.parse(as_bytes(stream));
  ASSERT_TRUE(first.transmission);
  EXPECT_EQ(first.consumed, 11u);
  EXPECT_EQ(first.transmission->command(), AgentCommand(cmd::Sub{}));
  ParseStep second = parser.parse(as_bytes(stream).subspan(first.consumed));
  ASSERT_TRUE(second.transmission);
  EXPECT_EQ(second.transmission->command(), AgentCommand(cmd::Off{}));
  EXPECT_EQ(first.consumed + second.consumed, stream.size());
}

TEST(TransmissionParser, ReportsInProgressUntilTheTransmissionEnds) {
  TransmissionParser parser(Party::client);
  EXPECT_FALSE(parser.in_progress());
  EXPECT_FALSE(parser.parse(as_bytes("1")).transmission);
  EXPECT_TRUE(parser.in_progress());
  EXPECT_FALSE(parser.parse(as_bytes("\r\nc\r\nSEND 4\nab")).transmission);
  EXPECT_TRUE(parser.in_progress());
  EXPECT_FALSE(parser.parse(as_bytes("cd")).transmission);
  EXPECT_TRUE(parser.in_progress());  // the empty line after the body is still due
  ParseStep step = parser.parse(as_bytes("\r\n"));
  ASSERT_TRUE(step.transmission);
  EXPECT_EQ(step.transmission->command(), AgentCommand(cmd::Send{b("abcd")}));
  EXPECT_FALSE(parser.in_progress());
  EXPECT_EQ(parser.parse({}).consumed, 0u);
}

TEST(TransmissionParser, ChecksSyntaxThenPartyThenConnIdThenBody) {
  // A response from the client is refused before its missing connId is noticed.
  EXPECT_EQ(parse_all("1\r\n\r\nOK\r\n", Party::client),
            std::vector{err("1", "", CommandErrorType::prohibited)});
  EXPECT_EQ(parse_all("1\r\n\r\nSUB\r\n", Party::client),
            std::vector{err("1", "", CommandErrorType::no_conn)});
  EXPECT_EQ(parse_all("1\r\n\r\nSUBX\r\n", Party::client),
            std::vector{err("1", "", CommandErrorType::syntax)});
  // On the client's side the agent's commands are accepted and the client's are not.
  EXPECT_EQ(parse_all("\r\nc\r\nOK\r\n", Party::agent), std::vector{ok("", "c", cmd::Ok{})});
  EXPECT_EQ(parse_all("1\r\nc\r\nSUB\r\n", Party::agent),
            std::vector{err("1", "c", CommandErrorType::prohibited)});
  // ERR needs no connId; OK does.
  EXPECT_EQ(parse_all("1\r\n\r\nERR CMD SYNTAX\r\n", Party::agent),
            std::vector{ok("1", "", cmd::Err{cmd_err(CommandErrorType::syntax)})});
  EXPECT_EQ(parse_all("1\r\n\r\nOK\r\n", Party::agent),
            std::vector{err("1", "", CommandErrorType::no_conn)});
}

TEST(TransmissionParser, EmptyConnIdIsAllowedForNewJoinAndAcpt) {
  EXPECT_EQ(parse_all("1\r\n\r\nACPT inv 2\nhi\r\n", Party::client),
            std::vector{ok("1", "", cmd::Acpt{"inv", b("hi")})});
  EXPECT_EQ(parse_all("1\r\n\r\nLET conf 2\nhi\r\n", Party::client)[0].error(),
            cmd_err(CommandErrorType::no_conn));
}

TEST(TransmissionParser, RejectedCommandsDoNotLeaveTheirBodyBehind) {
  const std::string next = "9\r\nc\r\nSUB\r\n";
  const auto expect_then_next = [&](const std::string& first, const ReceivedTransmission& e) {
    auto got = parse_all(first + next, Party::client);
    ASSERT_EQ(got.size(), 2u) << first;
    EXPECT_EQ(got[0], e) << first;
    EXPECT_EQ(got[1], ok("9", "c", cmd::Sub{})) << first;
  };
  // Wrong party, missing connId, a line that fails but ends in a size: the body is skipped.
  expect_then_next("1\r\nc\r\nCONF id 6\nSUB\r\n\r\n", err("1", "c", CommandErrorType::prohibited));
  expect_then_next("1\r\n\r\nSEND 8\n1\r\nc\r\nOK\r\n", err("1", "", CommandErrorType::no_conn));
  expect_then_next("1\r\n\r\nJOIN nonsense 5\nhello\r\n", err("1", "", CommandErrorType::syntax));
  // A body that ends with something other than an empty line is CMD SIZE; the line goes too.
  expect_then_next("1\r\nc\r\nSEND 3\r\nhello\r\n", err("1", "c", CommandErrorType::size));
}

// As in the reference: without a size there is nothing to skip, so the bytes that follow are
// read as the next transmission.
TEST(TransmissionParser, NonNumericSizeSkipsNothing) {
  auto got = parse_all("1\r\nc\r\nSEND x\r\n2\r\nc\r\nSUB\r\n", Party::client);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], err("1", "c", CommandErrorType::syntax));
  EXPECT_EQ(got[1], ok("2", "c", cmd::Sub{}));
}

TEST(TransmissionParser, BodiesMayHoldAnyBytes) {
  const std::string body(
      "\r\n\n\r\0\xff"
      "5\n",
      8);
  auto got = parse_all("1\r\nc\r\nSEND 8\r\n" + body + "\n", Party::client, 3);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], ok("1", "c", cmd::Send{b(body)}));
}

TEST(TransmissionParser, OnlyOneTrailingCrIsDropped) {
  auto got = parse_all("a\r\r\nc\r\r\nSEND :x\r\r\n", Party::client);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], ok("a\r", "c\r", cmd::Send{b("x\r")}));
  auto t = encode_transmission({"a\r", "c\r", cmd::Rjct{"i\r"}});
  ASSERT_TRUE(t);
  auto back = parse_all(to_string(t.value()), Party::client);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0], ok("a\r", "c\r", cmd::Rjct{"i\r"}));
}

TEST(TransmissionParser, BodiesOverTheLimitAreSkippedUnstored) {
  ProtocolLimits limits{64, 4};
  auto got =
      parse_all("1\r\nc\r\nSEND 5\nhello\r\n2\r\nc\r\nSEND 4\nfour\r\n", Party::client, 2, limits);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], err("1", "c", CommandErrorType::large));
  EXPECT_EQ(got[1], ok("2", "c", cmd::Send{b("four")}));
  EXPECT_EQ(parse_all("1\r\nc\r\nSEND :hello\r\n", Party::client, SIZE_MAX, limits),
            std::vector{err("1", "c", CommandErrorType::large)});
}

TEST(TransmissionParser, LinesOverTheLimitAreDiscardedAndAnsweredWithLarge) {
  ProtocolLimits limits{8, 4};
  const std::string long_line(100, 'x');
  for (const std::string& stream :
       {"1\r\nc\r\nRJCT " + long_line + "\r\n", long_line + "\r\nc\r\nSUB\r\n",
        "1\r\n" + long_line + "\r\nSUB\r\n"}) {
    auto got = parse_all(stream + "2\r\nc\r\nSUB\r\n", Party::client, 5, limits);
    ASSERT_EQ(got.size(), 2u) << stream;
    EXPECT_EQ(got[0].error(), cmd_err(CommandErrorType::large));
    EXPECT_EQ(got[1], ok("2", "c", cmd::Sub{}));
  }
  // An overlong id does not lose the body that follows its command line.
  auto with_body =
      parse_all(long_line + "\r\nc\r\nSEND 3\nabc\r\n2\r\nc\r\nSUB\r\n", Party::client, 4, limits);
  ASSERT_EQ(with_body.size(), 2u);
  EXPECT_EQ(with_body[0].error(), cmd_err(CommandErrorType::large));
  EXPECT_EQ(with_body[1], ok("2", "c", cmd::Sub{}));
  // Exactly at the limit (plus the CR) is fine.
  EXPECT_EQ(parse_all("1\r\nc\r\nRJCT abc\r\n", Party::client, 1, limits),
            std::vector{ok("1", "c", cmd::Rjct{"abc"})});
  EXPECT_EQ(parse_all("1\r\nc\r\nRJCT abcd\r\n", Party::client, 1, limits)[0].error(),
            cmd_err(CommandErrorType::large));
  // A long line after a body is CMD SIZE.
  EXPECT_EQ(
      parse_all("1\r\nc\r\nSEND 1\nx" + long_line + "\r\n", Party::client, 5, limits)[0].error(),
      cmd_err(CommandErrorType::size));
}

TEST(TransmissionParser, AnAbsurdSizeSwallowsTheInputButNeverStoresIt) {
  TransmissionParser parser(Party::client);
  ParseStep step = parser.parse(as_bytes("1\r\nc\r\nSEND 99999999999999999999999\n"));
  EXPECT_FALSE(step.transmission);
  const Bytes junk(1 << 20, 'j');
  step = parser.parse(junk);
  EXPECT_FALSE(step.transmission);
  EXPECT_EQ(step.consumed, junk.size());
  EXPECT_TRUE(parser.in_progress());
}

TEST(EncodeTransmission, WritesThreeCrLfLines) {
  auto t = encode_transmission({"7", "conn", cmd::Send{b("hi")}});
  ASSERT_TRUE(t);
  EXPECT_EQ(to_string(t.value()), "7\r\nconn\r\nSEND 2\nhi\r\n");
}

TEST(EncodeTransmission, RefusesLineFeedsInIds) {
  EXPECT_EQ(encode_transmission({"a\nb", "c", cmd::Ok{}}).error(),
            make_error_code(errc::bad_syntax));
  EXPECT_EQ(encode_transmission({"a", "c\n", cmd::Ok{}}).error(),
            make_error_code(errc::bad_syntax));
}

}  // namespace
}  // namespace smp::agent
