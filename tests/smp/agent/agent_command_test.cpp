#include "smp/agent/agent_command.h"

#include <gtest/gtest.h>

namespace smp::agent {
namespace {

using crypto::KeyAlgorithm;

ConnectionRequest request(ConnectionMode mode) {
  protocol::SmpQueueUri queue{protocol::SmpServer{"smp.example.com", "5223", Bytes(32, 1)},
                              Bytes(24, 2), protocol::kShortQueueUriVersions,
                              crypto::generate_key_pair(KeyAlgorithm::x25519).public_key};
  std::optional<E2ERatchetParamsUri> e2e;
  if (mode == ConnectionMode::invitation) {
    e2e = E2ERatchetParamsUri{enc::VersionRange::single(1),
                       crypto::generate_key_pair(KeyAlgorithm::x448).public_key,
                       crypto::generate_key_pair(KeyAlgorithm::x448).public_key};
  }
  return ConnectionRequest{
      mode, ConnReqScheme::simplex_chat(), enc::VersionRange::single(1), {queue}, e2e};
}

std::string text(const AgentCommand& c) { return to_string(encode_command(c).value()); }

AgentCommand parsed_ok(std::string_view line) {
  auto p = parse_command_line(line);
  EXPECT_EQ(p.result.index(), 0u) << line;
  if (p.result.index() != 0) return cmd::Ok{};
  return std::get<AgentCommand>(p.result);
}

bool is_syntax_error(const ParsedCommandLine& p) {
  return p.result == std::variant<AgentCommand, AgentError>(cmd_error(CommandErrorType::syntax));
}

TEST(AgentCommand, PartiesFollowTheReference) {
  for (AgentCommand c : {AgentCommand{cmd::New{}},
                         {cmd::Join{request(ConnectionMode::contact), {}}},
                         {cmd::Let{}},
                         {cmd::Acpt{}},
                         {cmd::Rjct{}},
                         {cmd::Sub{}},
                         {cmd::Send{}},
                         {cmd::Ack{}},
                         {cmd::Off{}},
                         {cmd::Del{}}}) {
    EXPECT_EQ(command_party(c), Party::client) << text(c);
  }
  for (AgentCommand c : {AgentCommand{cmd::Conf{}},
                         {cmd::Req{}},
                         {cmd::Info{}},
                         {cmd::Con{}},
                         {cmd::End{}},
                         {cmd::Down{}},
                         {cmd::Up{}},
                         {cmd::Mid{}},
                         {cmd::Sent{}},
                         {cmd::Merr{1, CmdError{}}},
                         {cmd::Ok{}},
                         {cmd::Err{CmdError{}}}}) {
    EXPECT_EQ(command_party(c), Party::agent);
  }
}

TEST(AgentCommand, OnlyNewJoinAcptAndErrMayLackAConnId) {
  EXPECT_TRUE(conn_id_optional(cmd::New{}));
  EXPECT_TRUE(conn_id_optional(cmd::Join{request(ConnectionMode::invitation), {}}));
  EXPECT_TRUE(conn_id_optional(cmd::Acpt{}));
  EXPECT_TRUE(conn_id_optional(cmd::Err{CmdError{}}));
  EXPECT_FALSE(conn_id_optional(cmd::Let{}));
  EXPECT_FALSE(conn_id_optional(cmd::Ok{}));
  EXPECT_FALSE(conn_id_optional(cmd::Send{}));
}

TEST(AgentCommand, BinaryFieldsAreWrittenInSizeForm) {
  EXPECT_EQ(text(cmd::Send{to_bytes("hello")}), "SEND 5\nhello");
  EXPECT_EQ(text(cmd::Send{}), "SEND 0\n");
  EXPECT_EQ(text(cmd::Let{"c1", to_bytes("i")}), "LET c1 1\ni");
  EXPECT_EQ(text(cmd::Conf{"c1", to_bytes("ab")}), "CONF c1 2\nab");
  EXPECT_EQ(text(cmd::Req{"r", {}}), "REQ r 0\n");
  EXPECT_EQ(text(cmd::Acpt{"", to_bytes("x")}), "ACPT  1\nx");
  EXPECT_EQ(text(cmd::Info{to_bytes("a\nb")}), "INFO 3\na\nb");
}

TEST(AgentCommand, RoundTripsEveryCommandThroughItsLine) {
  const AgentCommand commands[] = {
      cmd::New{ConnectionMode::invitation},
      cmd::New{ConnectionMode::contact},
      cmd::Inv{request(ConnectionMode::invitation)},
      cmd::Inv{request(ConnectionMode::contact)},
      cmd::Rjct{"inv 1 with spaces"},
      cmd::Con{},
      cmd::Sub{},
      cmd::End{},
      cmd::Down{},
      cmd::Up{},
      cmd::Mid{0},
      cmd::Sent{std::numeric_limits<std::int64_t>::max()},
      cmd::Ack{42},
      cmd::Merr{5, SmpError{errc::smp_auth}},
      cmd::Merr{6, InternalError{"x \"y\""}},
      cmd::Off{},
      cmd::Del{},
      cmd::Ok{},
      cmd::Err{ConnError{ConnectionErrorType::simplex}},
  };
  for (const auto& c : commands) {
    std::string line = text(c);
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    auto p = parse_command_line(line);
    ASSERT_EQ(p.result.index(), 0u) << line;
    EXPECT_EQ(std::get<AgentCommand>(p.result), c) << line;
    EXPECT_FALSE(p.body_size);
  }
}

TEST(AgentCommand, SizeFormLeavesTheBodyToTheCaller) {
  auto p = parse_command_line("CONF id 14");
  EXPECT_EQ(std::get<AgentCommand>(p.result), AgentCommand(cmd::Conf{"id", {}}));
  EXPECT_EQ(p.body_size, 14u);
  std::string line = text(cmd::Join{request(ConnectionMode::invitation), to_bytes("abc")});
  line.resize(line.find('\n'));
  auto j = parse_command_line(line);
  ASSERT_EQ(j.result.index(), 0u) << line;
  EXPECT_EQ(j.body_size, 3u);
}

TEST(AgentCommand, InlineBodiesTakeTheRestOfTheLine) {
  EXPECT_EQ(parsed_ok("SEND :hello world"), AgentCommand(cmd::Send{to_bytes("hello world")}));
  EXPECT_EQ(parsed_ok("SEND :"), AgentCommand(cmd::Send{}));
  EXPECT_EQ(parsed_ok("LET a :b c"), AgentCommand(cmd::Let{"a", to_bytes("b c")}));
  EXPECT_EQ(parsed_ok("INFO ::"), AgentCommand(cmd::Info{to_bytes(":")}));
  EXPECT_EQ(parsed_ok("LET  :x"), AgentCommand(cmd::Let{"", to_bytes("x")}));  // empty id
  EXPECT_FALSE(parse_command_line("SEND :x").body_size);
}

TEST(AgentCommand, MalformedLinesAreSyntaxErrors) {
  for (std::string_view bad : {
           "",
           " ",
           "HELLO",
           "NEW",
           "NEW ",
           "NEW hi",
           "NEW INV ",
           "NEW inv",
           "SUB ",
           "SUBX",
           "CON ",
           "CONF",
           "CONF x",
           "OK 1",
           "ok",
           "SEND",
           "SEND ",
           "SEND x",
           "SEND -1",
           "SEND 0x10",
           "SEND  5",
           "SEND 5 ",
           "ACK",
           "ACK x",
           "ACK -1",
           "ACK 1 ",
           "ACK 99999999999999999999",
           "MID",
           "SENT 1x",
           "MERR 1",
           "MERR 1 ",
           "MERR x SMP AUTH",
           "MERR 1 SMP NOPE",
           "ERR",
           "ERR ",
           "ERR NOPE",
           "JOIN",
           "JOIN x",
           "JOIN https://x 1",
           "INV",
           "INV ",
           "INV https://simplex.chat/invitation#/?v=1",
           "RJCT",
           "MSG",
           "MSG OK",
           "LET id",
           "LET id x",
       }) {
    EXPECT_TRUE(is_syntax_error(parse_command_line(bad))) << "'" << bad << "'";
  }
}

// Quirk Q13 avoided: the caller is told how much to skip when a failed line still ends in
// a size.
TEST(AgentCommand, FailedLinesReportTheSizeTheyAnnounce) {
  EXPECT_EQ(parse_command_line("JOIN not-a-uri 12").body_size, 12u);
  EXPECT_EQ(parse_command_line("MSG ERR BAD R=4 5").body_size, 5u);
  EXPECT_EQ(parse_command_line("SEND x 7").body_size, 7u);
  EXPECT_EQ(parse_command_line("SEND 99999999999999999999999").body_size, UINT64_MAX);
  EXPECT_FALSE(parse_command_line("SEND x").body_size);
  EXPECT_FALSE(parse_command_line("HELLO 5").body_size);  // not a body-carrying tag
  EXPECT_FALSE(parse_command_line("ACK 1 5").body_size);  // ACK has no body
  EXPECT_FALSE(parse_command_line("SEND 5x").body_size);
  EXPECT_FALSE(parse_command_line("MSG bad :body 5").body_size);  // inline body, not a size
}

TEST(AgentCommand, RefusesToWriteWhatCouldNotBeReadBack) {
  auto bad = make_error_code(errc::bad_syntax);
  EXPECT_EQ(encode_command(cmd::Let{"has space", {}}).error(), bad);
  EXPECT_EQ(encode_command(cmd::Conf{"a\nb", {}}).error(), bad);
  EXPECT_EQ(encode_command(cmd::Rjct{"a\nb"}).error(), bad);
  EXPECT_EQ(encode_command(cmd::Mid{-1}).error(), bad);
  EXPECT_EQ(encode_command(cmd::Ack{-5}).error(), bad);
  EXPECT_EQ(encode_command(cmd::Merr{-1, CmdError{}}).error(), bad);
  EXPECT_EQ(encode_command(cmd::Msg{MsgMeta{MsgOk{}, 1, {}, {}, {}, 1}, {}}).error(), bad);
  auto no_queues = request(ConnectionMode::contact);
  no_queues.queues.clear();
  EXPECT_EQ(encode_command(cmd::Inv{no_queues}).error(), make_error_code(errc::bad_uri));
  // Binary fields may hold anything.
  EXPECT_TRUE(encode_command(cmd::Send{to_bytes("a\r\nb\n")}));
}

}  // namespace
}  // namespace smp::agent
