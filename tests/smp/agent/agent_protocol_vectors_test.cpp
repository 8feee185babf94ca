// The agent client protocol against the reference: every transmission of agent.json
// (agent_commands, agent_errors, agent_raw_parses) written and parsed, and the recorded
// sessions of agent-transcripts/ parsed line by line.
// clang-format off
#include "smp/agent/agent_protocol.h"
// clang-format on

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "smp/encoding/base64.h"
#include "smp/encoding/haskell_string.h"
#include "support/vectors.h"

namespace smp::agent {
namespace {

using namespace std::chrono;
using test::hex;

enc::Timestamp at(seconds s, milliseconds ms = {}) {
  return enc::Timestamp(sys_days(2022y / 1 / 1)) + 11h + s + ms;
}

Bytes b(std::string_view s) { return to_bytes(s); }

// The URI in a JOIN/INV command text: from after the tag to the next space.
ConnectionRequest uri_in(const std::string& command) {
  std::string_view rest = std::string_view(command).substr(command.find(' ') + 1);
  auto request = parse_connection_request(rest);
  EXPECT_TRUE(request) << command;
  return request.value();
}

MsgMeta msg_meta(MsgIntegrity integrity) {
  return MsgMeta{integrity,     4,
                 at(1s),        enc::b64_decode("X0uZcDp+Tdip6iiv2HLr5lZST1OC4f1g").value(),
                 at(0s, 123ms), 2};
}

// What each vector of agent_commands carries, written out by hand.
AgentCommand expected_command(const std::string& name, const std::string& command_text) {
  static const std::map<std::string, AgentCommand> kByName = {
      {"NEW INV", cmd::New{ConnectionMode::invitation}},
      {"NEW CON with connId", cmd::New{ConnectionMode::contact}},
      {"LET", cmd::Let{"confId1", b("alice's connInfo")}},
      {"ACPT", cmd::Acpt{"invId1", b("info")}},
      {"RJCT", cmd::Rjct{"invId1"}},
      {"SUB", cmd::Sub{}},
      {"SEND", cmd::Send{b("hello")}},
      {"SEND empty", cmd::Send{}},
      {"SEND binary with newline", cmd::Send{b(std::string_view("line1\nline2\r\n\0\xff", 15))}},
      {"ACK", cmd::Ack{4}},
      {"OFF", cmd::Off{}},
      {"DEL", cmd::Del{}},
      {"CONF", cmd::Conf{"confId1", b("bob's connInfo")}},
      {"REQ", cmd::Req{"invId1", b("bob's connInfo")}},
      {"INFO", cmd::Info{b("alice's connInfo")}},
      {"CON", cmd::Con{}},
      {"END", cmd::End{}},
      {"DOWN", cmd::Down{}},
      {"UP", cmd::Up{}},
      {"MID", cmd::Mid{4}},
      {"SENT", cmd::Sent{4}},
      {"MERR", cmd::Merr{5, SmpError{errc::smp_auth}}},
      {"MSG integrity OK", cmd::Msg{msg_meta(MsgOk{}), b("hello")}},
      {"MSG integrity ERR bad id", cmd::Msg{msg_meta(MsgBadId{1}), b("hello")}},
      {"MSG integrity ERR hash", cmd::Msg{msg_meta(MsgBadHash{}), b("hello")}},
      {"MSG integrity ERR duplicate", cmd::Msg{msg_meta(MsgDuplicate{}), b("hello")}},
      {"OK", cmd::Ok{}},
  };
  if (auto it = kByName.find(name); it != kByName.end()) return it->second;
  if (name.starts_with("MSG integrity ERR skipped ids")) {
    return cmd::Msg{msg_meta(MsgSkipped{2, 3}), b("hello")};
  }
  if (name.starts_with("JOIN")) {
    return cmd::Join{uri_in(command_text), b(name == "JOIN invitation" ? "bob's connInfo" : "{}")};
  }
  if (name.starts_with("INV")) return cmd::Inv{uri_in(command_text)};
  ADD_FAILURE() << "no expected value for " << name;
  return cmd::Ok{};
}

// Every error text of agent_errors, by the text after "ERR ".
AgentError expected_error(const std::string& text) {
  static const std::map<std::string, AgentError> kByText = {
      {"CMD PROHIBITED", CmdError{CommandErrorType::prohibited}},
      {"CMD SYNTAX", CmdError{CommandErrorType::syntax}},
      {"CMD NO_CONN", CmdError{CommandErrorType::no_conn}},
      {"CMD SIZE", CmdError{CommandErrorType::size}},
      {"CMD LARGE", CmdError{CommandErrorType::large}},
      {"CONN NOT_FOUND", ConnError{ConnectionErrorType::not_found}},
      {"CONN DUPLICATE", ConnError{ConnectionErrorType::duplicate}},
      {"CONN SIMPLEX", ConnError{ConnectionErrorType::simplex}},
      {"SMP BLOCK", SmpError{errc::smp_block}},
      {"SMP SESSION", SmpError{errc::smp_session}},
      {"SMP CMD UNKNOWN", SmpError{errc::smp_cmd_unknown}},
      {"SMP CMD SYNTAX", SmpError{errc::smp_cmd_syntax}},
      {"SMP CMD NO_AUTH", SmpError{errc::smp_cmd_no_auth}},
      {"SMP CMD HAS_AUTH", SmpError{errc::smp_cmd_has_auth}},
      {"SMP CMD NO_QUEUE", SmpError{errc::smp_cmd_no_queue}},
      {"SMP AUTH", SmpError{errc::smp_auth}},
      {"SMP QUOTA", SmpError{errc::smp_quota}},
      {"SMP NO_MSG", SmpError{errc::smp_no_msg}},
      {"SMP LARGE_MSG", SmpError{errc::smp_large_msg}},
      {"SMP INTERNAL", SmpError{errc::smp_internal}},
      {"BROKER RESPONSE AUTH", broker_response(errc::smp_auth)},
      {"BROKER RESPONSE CMD SYNTAX", broker_response(errc::smp_cmd_syntax)},
      {"BROKER UNEXPECTED", BrokerError{BrokerErrorKind::unexpected}},
      {"BROKER NETWORK", BrokerError{BrokerErrorKind::network}},
      {"BROKER TIMEOUT", BrokerError{BrokerErrorKind::timeout}},
      {"BROKER TRANSPORT BLOCK", broker_transport(TransportErrorType::block)},
      {"BROKER TRANSPORT LARGE_MSG", broker_transport(TransportErrorType::large_msg)},
      {"BROKER TRANSPORT SESSION", broker_transport(TransportErrorType::session)},
      {"BROKER TRANSPORT PARSE", broker_transport(TransportErrorType::parse)},
      {"BROKER TRANSPORT VERSION", broker_transport(TransportErrorType::version)},
      {"BROKER TRANSPORT IDENTITY", broker_transport(TransportErrorType::identity)},
      {"AGENT A_MESSAGE", PeerError{PeerErrorType::a_message}},
      {"AGENT A_PROHIBITED", PeerError{PeerErrorType::a_prohibited}},
      {"AGENT A_VERSION", PeerError{PeerErrorType::a_version}},
      {"AGENT A_ENCRYPTION", PeerError{PeerErrorType::a_encryption}},
      {R"(INTERNAL "some error")", InternalError{"some error"}},
      {R"(INTERNAL "")", InternalError{""}},
  };
  auto it = kByText.find(text);
  if (it != kByText.end()) return it->second;
  ADD_FAILURE() << "no expected value for " << text;
  return CmdError{};
}

Party sender_of(const std::string& direction_or_parsed_as) {
  return direction_or_parsed_as.starts_with("client") ||
                 direction_or_parsed_as.ends_with("from client")
             ? Party::client
             : Party::agent;
}

std::string unconsumed(const Bytes& wire, const ParseStep& step) {
  return to_hex(ByteView(wire).subspan(step.consumed));
}

// Writes the expected transmission and parses the vector's wire bytes back.
void check_transmission(const boost::json::value& c, const AgentCommand& expected) {
  const std::string name = test::str(c.at("name"));
  SCOPED_TRACE(name);
  const std::string corr_id = test::str(c.at("corr_id"));
  const std::string conn_id = test::str(c.at("conn_id"));
  const Bytes wire = hex(c.at("wire").at("hex"));

  EXPECT_EQ(to_hex(encode_command(expected).value()), test::str(c.at("command").at("hex")));
  EXPECT_EQ(to_hex(encode_transmission({corr_id, conn_id, expected}).value()), to_hex(wire));

  const auto& parse = c.at("parse");
  ParseStep step = parse_transmission(wire, sender_of(test::str(c.at("direction"))));
  ASSERT_TRUE(step.transmission);
  EXPECT_EQ(step.transmission->corr_id, test::str(parse.at("corr_id")));
  EXPECT_EQ(step.transmission->conn_id, test::str(parse.at("conn_id")));
  if (name.starts_with("MSG integrity ERR skipped ids")) {
    // Quirk Q5: the reference cannot read its own "ERR NO_ID a b" (CMD SYNTAX, the body left
    // unread); we can.
    EXPECT_FALSE(parse.at("result").at("ok").as_bool());
    ASSERT_TRUE(step.transmission->ok());
    EXPECT_EQ(step.transmission->command(), expected);
    EXPECT_EQ(step.consumed, wire.size());
    return;
  }
  ASSERT_TRUE(parse.at("result").at("ok").as_bool());
  ASSERT_TRUE(step.transmission->ok());
  EXPECT_EQ(step.transmission->command(), expected);
  EXPECT_EQ(unconsumed(wire, step), test::str(parse.at("unconsumed")));
}

TEST(AgentProtocolVectors, EveryCommandAndResponseIsWrittenAndParsedAsByTheReference) {
  SMP_LOAD_VECTORS(v, "agent.json");
  const auto& cases = v.at("agent_commands").as_array();
  ASSERT_EQ(cases.size(), 32u);
  for (const auto& c : cases) {
    const std::string text = to_string(hex(c.at("command").at("hex")));
    check_transmission(c, expected_command(test::str(c.at("name")), text));
  }
}

TEST(AgentProtocolVectors, EveryErrorTextIsWrittenAndParsedAsByTheReference) {
  SMP_LOAD_VECTORS(v, "agent.json");
  const auto& cases = v.at("agent_errors").as_array();
  ASSERT_EQ(cases.size(), 37u);
  for (const auto& c : cases) {
    const std::string text = test::str(c.at("command").at("text"));
    ASSERT_TRUE(text.starts_with("ERR ")) << text;
    check_transmission(c, cmd::Err{expected_error(text.substr(4))});
  }
}

TEST(AgentProtocolVectors, HandWrittenInputsParseAsInTheReference) {
  SMP_LOAD_VECTORS(v, "agent.json");
  const auto& cases = v.at("agent_raw_parses").as_array();
  ASSERT_EQ(cases.size(), 12u);
  const std::map<std::string, AgentCommand> ok_values = {
      {"inline binary with ':' prefix", cmd::Send{b("hello")}},
      {"length-prefixed binary", cmd::Send{b("hello")}},
      {"lines terminated by LF only", cmd::Send{b("hello")}},
      {"MSG with integrity ERR IDS (the form the parser accepts)",
       cmd::Msg{MsgMeta{MsgSkipped{2, 3}, 4, at(1s), Bytes(3, 0), at(0s, 123ms), 2}, b("hello")}},
  };
  for (const auto& c : cases) {
    const std::string name = test::str(c.at("name"));
    SCOPED_TRACE(name);
    const Bytes wire = hex(c.at("wire").at("hex"));
    const auto& parse = c.at("parse");
    ParseStep step = parse_transmission(wire, sender_of(test::str(c.at("parsed_as"))));
    ASSERT_TRUE(step.transmission);
    const auto& t = *step.transmission;
    EXPECT_EQ(t.corr_id, test::str(parse.at("corr_id")));
    EXPECT_EQ(t.conn_id, test::str(parse.at("conn_id")));
    EXPECT_EQ(unconsumed(wire, step), test::str(parse.at("unconsumed")));
    const auto& result = parse.at("result");
    if (result.at("ok").as_bool()) {
      ASSERT_TRUE(t.ok()) << encode_agent_error(t.error());
      ASSERT_TRUE(ok_values.contains(name));
      EXPECT_EQ(t.command(), ok_values.at(name));
    } else {
      ASSERT_FALSE(t.ok());
      EXPECT_EQ(encode_agent_error(t.error()), test::str(result.at("error")));
    }
  }
}

// The reference's `parsed` renderings are Haskell `show` output: the bytes inside them are
// exactly what show_latin1 writes.
TEST(AgentProtocolVectors, ParsedRenderingsAgreeWithHaskellShow) {
  SMP_LOAD_VECTORS(v, "agent.json");
  for (const auto& c : v.at("agent_commands").as_array()) {
    const std::string name = test::str(c.at("name"));
    const auto& result = c.at("parse").at("result");
    if (!result.at("ok").as_bool()) continue;
    const std::string parsed = test::str(result.at("parsed"));
    AgentCommand command = expected_command(name, to_string(hex(c.at("command").at("hex"))));
    if (const Bytes* body = binary_field(command)) {
      EXPECT_TRUE(parsed.ends_with(std::string(" ").append(enc::show_latin1(*body))))
          << name << ": " << parsed;
    }
    if (const auto* msg = std::get_if<cmd::Msg>(&command)) {
      EXPECT_NE(parsed.find("broker = (" + enc::show_latin1(msg->meta.broker_id) + ","),
                std::string::npos)
          << parsed;
    }
    const ConnectionRequest* request = nullptr;
    if (const auto* join = std::get_if<cmd::Join>(&command)) request = &join->request;
    if (const auto* inv = std::get_if<cmd::Inv>(&command)) request = &inv->request;
    if (request) {
      const auto& q = request->queues.at(0);
      for (ByteView field :
           {ByteView(q.server.key_hash), ByteView(q.sender_id), q.dh_public_key.raw()}) {
        EXPECT_NE(parsed.find(enc::show_latin1(field)), std::string::npos) << name;
      }
      if (request->e2e) {
        EXPECT_NE(parsed.find(enc::show_latin1(request->e2e->key1.raw())), std::string::npos);
        EXPECT_NE(parsed.find(enc::show_latin1(request->e2e->key2.raw())), std::string::npos);
      }
    }
  }
}

// --- transcripts -------------------------------------------------------------------------

// A Python bytes literal b'…' / b"…" from the front of `in`.
std::optional<Bytes> python_bytes(std::string_view& in) {
  if (in.size() < 3 || in[0] != 'b' || (in[1] != '\'' && in[1] != '"')) return std::nullopt;
  const char quote = in[1];
  Bytes out;
  std::size_t i = 2;
  for (; i < in.size() && in[i] != quote; ++i) {
    if (in[i] != '\\') {
      out.push_back(static_cast<std::uint8_t>(in[i]));
      continue;
    }
    const char e = in.at(++i);
    switch (e) {
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'x': {
        Bytes byte;
        if (!from_hex(in.substr(i + 1, 2), byte)) return std::nullopt;
        out.push_back(byte.at(0));
        i += 2;
        break;
      }
      default:
        out.push_back(static_cast<std::uint8_t>(e));
    }
  }
  if (i >= in.size()) return std::nullopt;
  in.remove_prefix(i + 1);
  return out;
}

struct TranscriptEntry {
  bool to_agent;
  Bytes wire;
  std::string line;
};

// "  1.500 [A] -> b'corr' b'conn' b'command'[ +NB b'body'| body=b'…'(NB)]"
std::optional<TranscriptEntry> transcript_entry(const std::string& line) {
  static const std::regex kHead(R"(^\s*[0-9.]+ \[[AB]\] (->|<-) )");
  std::smatch m;
  if (!std::regex_search(line, m, kHead)) return std::nullopt;
  std::string_view rest = std::string_view(line).substr(static_cast<std::size_t>(m.length(0)));
  TranscriptEntry e{m[1] == "->", {}, line};
  Bytes fields[3];
  for (auto& f : fields) {
    auto v = python_bytes(rest);
    if (!v) return std::nullopt;
    f = *v;
    if (rest.starts_with(' ')) rest.remove_prefix(1);
  }
  // A body: its size, then as much of it as the transcript shows (long ones are cut short
  // there; the rest is filled in with the same byte pattern).
  std::optional<Bytes> body;
  std::size_t size = 0;
  static const std::regex kSent(R"(^\+(\d+)B )");
  static const std::regex kReceived(R"(\((\d+)B\)$)");
  std::string rest_str(rest);
  if (std::regex_search(rest_str, m, kSent)) {
    size = std::stoul(m[1]);
    rest.remove_prefix(static_cast<std::size_t>(m.length(0)));
    body = python_bytes(rest);
  } else if (rest.starts_with("body=")) {
    rest.remove_prefix(5);
    body = python_bytes(rest);
    if (!std::regex_search(rest_str, m, kReceived)) return std::nullopt;
    size = std::stoul(m[1]);
  }
  auto add = [&](ByteView b, std::string_view end) {
    append(e.wire, b);
    append(e.wire, as_bytes(end));
  };
  add(fields[0], "\r\n");
  add(fields[1], "\r\n");
  if (!body) {
    add(fields[2], "\r\n");
    return e;
  }
  for (std::size_t i = body->size(); i < size; ++i) body->push_back(static_cast<std::uint8_t>(i));
  Bytes command = fields[2];
  if (e.to_agent) append(command, as_bytes(std::string(" ").append(std::to_string(size))));
  add(command, "\n");
  add(*body, "\r\n");
  return e;
}

void check_transcript(const std::string& file) {
  std::ifstream in(test::vectors_dir() + "/agent-transcripts/" + file);
  if (!in) GTEST_SKIP() << "transcript not found: " << file;
  std::string line;
  int transmissions = 0;
  while (std::getline(in, line)) {
    if (line.find("welcome: ") != std::string::npos) {
      EXPECT_NE(line.find("b'" + std::string(kAgentWelcome) + "'"), std::string::npos) << line;
      continue;
    }
    const bool recorded =
        line.find("] -> ") != std::string::npos || line.find("] <- ") != std::string::npos;
    auto entry = transcript_entry(line);
    EXPECT_EQ(entry.has_value(), recorded) << line;
    if (!entry) continue;
    ++transmissions;
    SCOPED_TRACE(line);
    TransmissionParser parser(entry->to_agent ? Party::client : Party::agent);
    // Fed in two pieces, as a socket might deliver it.
    const std::size_t half = entry->wire.size() / 2;
    ParseStep first = parser.parse(ByteView(entry->wire).first(half));
    EXPECT_FALSE(first.transmission);
    EXPECT_EQ(first.consumed, half);
    ParseStep second = parser.parse(ByteView(entry->wire).subspan(half));
    ASSERT_TRUE(second.transmission);
    EXPECT_EQ(second.consumed, entry->wire.size() - half);
    const auto& t = *second.transmission;
    ASSERT_TRUE(t.ok()) << encode_agent_error(t.error());
    // What the agent wrote is reproduced byte for byte.
    EXPECT_EQ(to_hex(encode_transmission({t.corr_id, t.conn_id, t.command()}).value()),
              to_hex(entry->wire));
  }
  EXPECT_GE(transmissions, 38);
}

TEST(AgentProtocolTranscripts, InvitationSessionParsesLineByLine) {
  check_transcript("invitation.txt");
}

TEST(AgentProtocolTranscripts, ContactSessionParsesLineByLine) { check_transcript("contact.txt"); }

}  // namespace
}  // namespace smp::agent
