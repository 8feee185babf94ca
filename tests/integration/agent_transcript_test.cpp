// The smp-agent TLS port byte for byte: the exchange of spec §7.1 (the reference's
// testDuplexConnection), written and read as raw lines, corrIds and connIds as there. Where
// the content is random (the invitation URI, confIds, timestamps, broker ids) the structure is
// compared instead.

#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "agent_pair_fixture.h"

namespace smp::test {
namespace {

// Reads one transmission of the agent as its raw lines: corrId and connId lines must be
// exactly `corr_id` and `conn_id` (CRLF-terminated); returns the command line without its
// terminator. A size-form command line ends with LF only; `body`, when given, is then read
// and must be followed by CRLF.
std::string read_raw(AgentTestClient& c, std::string_view corr_id, std::string_view conn_id,
                     std::optional<std::string>* body = nullptr) {
  auto corr = c.read_line(10s);
  auto conn = c.read_line(10s);
  auto line = c.read_line(10s);
  if (!corr || !conn || !line) {
    ADD_FAILURE() << "transmission incomplete";
    return {};
  }
  EXPECT_EQ(*corr, std::string(corr_id) + "\r");
  EXPECT_EQ(*conn, std::string(conn_id) + "\r");
  if (body == nullptr) {
    EXPECT_TRUE(!line->empty() && line->back() == '\r') << *line;
    if (!line->empty() && line->back() == '\r') line->pop_back();
    return *line;
  }
  EXPECT_TRUE(line->empty() || line->back() != '\r') << "size form ends in LF only: " << *line;
  auto space = line->rfind(' ');
  std::size_t size = space == std::string::npos ? 0 : std::stoul(line->substr(space + 1));
  *body = c.read_bytes(size, 10s);
  EXPECT_EQ(c.read_line(10s), "\r") << "the body ends with CRLF";
  return *line;
}

void write(AgentTestClient& c, std::string_view bytes) { ASSERT_TRUE(c.send_raw(bytes)); }

const std::string kTs = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)";
const std::string kBrokerTs = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z)";

// "MSG OK R=<r>,<ts> B=<32 chars of base64>,<ts> S=<s> <size>" (the body follows).
void expect_msg_line(const std::string& line, int r, int s, std::size_t size) {
  std::regex pattern("MSG OK R=" + std::to_string(r) + "," + kTs + " B=[A-Za-z0-9+/]{32}," +
                     kBrokerTs + " S=" + std::to_string(s) + " " + std::to_string(size));
  EXPECT_TRUE(std::regex_match(line, pattern)) << line;
}

TEST_F(AgentPairTest, TranscriptOfSpecSection71) {
  AgentTestClient& a = alice().client();
  AgentTestClient& b = bob().client();

  write(a, "1\r\nbob\r\nNEW INV\r\n");
  std::string inv = read_raw(a, "1", "bob");
  ASSERT_EQ(inv.rfind("INV https://simplex.chat/invitation#/?v=1&smp=smp%3A%2F%2F", 0), 0u) << inv;
  EXPECT_NE(inv.find("&e2e=v%3D1%26x3dh%3D"), std::string::npos) << inv;
  EXPECT_EQ(inv.find(' ', 4), std::string::npos);
  std::string uri = inv.substr(4);
  EXPECT_TRUE(ag::decode_connection_request(uri)) << uri;

  write(b, "11\r\nalice\r\nJOIN " + uri + " 14\nbob's connInfo\r\n");
  EXPECT_EQ(read_raw(b, "11", "alice"), "OK");

  std::optional<std::string> body;
  std::string conf = read_raw(a, "", "bob", &body);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(conf, m, std::regex("CONF ([A-Za-z0-9_-]{16}) 14"))) << conf;
  EXPECT_EQ(body, "bob's connInfo");
  const std::string conf_id = m[1];

  write(a, "2\r\nbob\r\nLET " + conf_id + " 16\nalice's connInfo\r\n");
  EXPECT_EQ(read_raw(a, "2", "bob"), "OK");
  EXPECT_EQ(read_raw(b, "", "alice", &body), "INFO 16");
  EXPECT_EQ(body, "alice's connInfo");
  EXPECT_EQ(read_raw(b, "", "alice"), "CON");
  EXPECT_EQ(read_raw(a, "", "bob"), "CON");

  write(a, "3\r\nbob\r\nSEND :hello\r\n");
  EXPECT_EQ(read_raw(a, "3", "bob"), "MID 4");
  EXPECT_EQ(read_raw(a, "", "bob"), "SENT 4");
  expect_msg_line(read_raw(b, "", "alice", &body), 4, 2, 5);
  EXPECT_EQ(body, "hello");
  write(b, "12\r\nalice\r\nACK 4\r\n");
  EXPECT_EQ(read_raw(b, "12", "alice"), "OK");

  write(a, "4\r\nbob\r\nSEND :how are you?\r\n");
  EXPECT_EQ(read_raw(a, "4", "bob"), "MID 5");
  EXPECT_EQ(read_raw(a, "", "bob"), "SENT 5");
  expect_msg_line(read_raw(b, "", "alice", &body), 5, 3, 12);
  EXPECT_EQ(body, "how are you?");
  write(b, "13\r\nalice\r\nACK 5\r\n");
  EXPECT_EQ(read_raw(b, "13", "alice"), "OK");

  write(b, "14\r\nalice\r\nSEND 9\nhello too\r\n");
  EXPECT_EQ(read_raw(b, "14", "alice"), "MID 6");
  EXPECT_EQ(read_raw(b, "", "alice"), "SENT 6");
  expect_msg_line(read_raw(a, "", "bob", &body), 6, 3, 9);
  EXPECT_EQ(body, "hello too");
  write(a, "3a\r\nbob\r\nACK 6\r\n");
  EXPECT_EQ(read_raw(a, "3a", "bob"), "OK");

  write(b, "15\r\nalice\r\nSEND 9\nmessage 1\r\n");
  EXPECT_EQ(read_raw(b, "15", "alice"), "MID 7");
  EXPECT_EQ(read_raw(b, "", "alice"), "SENT 7");
  expect_msg_line(read_raw(a, "", "bob", &body), 7, 4, 9);
  EXPECT_EQ(body, "message 1");
  write(a, "4a\r\nbob\r\nACK 7\r\n");
  EXPECT_EQ(read_raw(a, "4a", "bob"), "OK");

  write(a, "5\r\nbob\r\nOFF\r\n");
  EXPECT_EQ(read_raw(a, "5", "bob"), "OK");
  write(b, "17\r\nalice\r\nSEND 9\nmessage 3\r\n");
  EXPECT_EQ(read_raw(b, "17", "alice"), "MID 8");
  EXPECT_EQ(read_raw(b, "", "alice"), "MERR 8 SMP AUTH");
  write(a, "6\r\nbob\r\nDEL\r\n");
  EXPECT_EQ(read_raw(a, "6", "bob"), "OK");
  EXPECT_TRUE(a.nothing_within(200ms)) << "nothing else should be delivered to alice";
}

}  // namespace
}  // namespace smp::test
