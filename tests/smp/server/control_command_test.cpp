// The control port's command parser against the reference's grammar (strDecode of
// ControlProtocol, Server/Control.hs at simplexmq 6.5.5, under attoparsec's parseOnly).

#include "smp/server/control_command.h"

#include <gtest/gtest.h>

#include <string>

#include "smp/encoding/base64.h"

namespace smp::server {
namespace {

using Kind = ControlCommand::Kind;

ControlCommand parsed(std::string_view line) {
  auto c = parse_control_command(line);
  if (!c) {
    ADD_FAILURE() << "`" << line << "`: " << c.error().message;
    return {};
  }
  return *c;
}

std::string error_of(std::string_view line) {
  auto c = parse_control_command(line);
  EXPECT_FALSE(c.has_value()) << "`" << line << "` parsed";
  return c ? std::string() : c.error().message;
}

TEST(ControlCommand, CommandsWithoutArguments) {
  const std::pair<std::string_view, Kind> cases[] = {
      {"suspend", Kind::suspend},         {"resume", Kind::resume},
      {"clients", Kind::clients},         {"stats", Kind::stats},
      {"stats-rts", Kind::stats_rts},     {"threads", Kind::threads},
      {"sockets", Kind::sockets},         {"socket-threads", Kind::socket_threads},
      {"server-info", Kind::server_info}, {"save", Kind::save},
      {"help", Kind::help},               {"quit", Kind::quit},
      {"", Kind::skip},
  };
  for (const auto& [line, kind] : cases) {
    EXPECT_EQ(parsed(line).kind, kind) << line;
    // trimCR: a line from a telnet client ends in \r\n.
    EXPECT_EQ(parsed(std::string(line) + "\r").kind, kind) << line;
  }
}

TEST(ControlCommand, ErrorsUseTheReferenceWords) {
  EXPECT_EQ(error_of("STATS"), "Failed reading: bad ControlProtocol command");
  EXPECT_EQ(error_of("stat"), "Failed reading: bad ControlProtocol command");
  EXPECT_EQ(error_of("stats\t"), "Failed reading: bad ControlProtocol command");
  EXPECT_EQ(error_of("stats now"), "endOfInput");
  EXPECT_EQ(error_of("stats "), "endOfInput");
  EXPECT_EQ(error_of(" stats"), "endOfInput");  // the empty keyword, then text
  EXPECT_EQ(error_of("quit\r\r"), "Failed reading: bad ControlProtocol command");
  EXPECT_EQ(error_of("delete"), "space: not enough input");
  EXPECT_EQ(error_of("auth"), "space: not enough input");
}

TEST(ControlCommand, AuthTakesABasicAuthPassword) {
  ControlCommand c = parsed("auth s3cr3t-Pa55_word=");
  EXPECT_EQ(c.kind, Kind::auth);
  EXPECT_EQ(c.password, "s3cr3t-Pa55_word=");
  EXPECT_EQ(parsed("auth #;!x\r").password, "#;!x");
  EXPECT_EQ(error_of("auth "), "Failed reading: takeWhile1");
  EXPECT_EQ(error_of("auth two words"), "Failed reading: invalid character in BasicAuth");
  EXPECT_EQ(error_of("auth a:b"), "Failed reading: invalid character in BasicAuth");
  EXPECT_EQ(error_of("auth a/b"), "Failed reading: invalid character in BasicAuth");
  EXPECT_EQ(error_of("auth pw@host"), "endOfInput");  // BasicAuth stops at '@'
  EXPECT_EQ(error_of("auth @"), "Failed reading: takeWhile1");
}

TEST(ControlCommand, QueueCommandsTakeABase64UrlId) {
  Bytes id(24);
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(0xF0 + i);
  const std::string text = enc::b64url_encode(id);
  ASSERT_NE(text.find_first_of("-_"), std::string::npos) << "the id should use url characters";
  for (auto [keyword, kind] : {std::pair{"delete", Kind::delete_queue},
                               std::pair{"status", Kind::status},
                               std::pair{"unblock", Kind::unblock}}) {
    ControlCommand c = parsed(std::string(keyword) + " " + text);
    EXPECT_EQ(c.kind, kind);
    EXPECT_EQ(c.queue_id, id);
    EXPECT_EQ(error_of(std::string(keyword) + " " + text + " x"), "endOfInput");
    EXPECT_EQ(error_of(std::string(keyword) + " "), "Failed reading: takeWhile1");
  }
  // Any length decodes; unpadded base64url is accepted as the reference's decoder does.
  EXPECT_EQ(parsed("status AAEC").queue_id, (Bytes{0, 1, 2}));
  EXPECT_EQ(parsed("status AAE").queue_id, (Bytes{0, 1}));
  EXPECT_EQ(error_of("status A"), "Failed reading: invalid base64url");
  EXPECT_EQ(error_of("status +/"), "Failed reading: takeWhile1");  // standard base64 is not
}

TEST(ControlCommand, BlockTakesBlockingInfo) {
  ControlCommand c = parsed("block AAEC reason=spam");
  EXPECT_EQ(c.kind, Kind::block);
  EXPECT_EQ(c.queue_id, (Bytes{0, 1, 2}));
  EXPECT_EQ(c.blocking, (BlockingInfo{BlockingReason::spam, std::nullopt}));

  c = parsed("block AAEC reason=content,notice={\"ttl\":3600}\r");
  EXPECT_EQ(c.blocking, (BlockingInfo{BlockingReason::content, ClientNotice{3600}}));
  c = parsed("block AAEC reason=content,notice={}");
  EXPECT_EQ(c.blocking, (BlockingInfo{BlockingReason::content, ClientNotice{std::nullopt}}));
  c = parsed("block AAEC reason=spam,notice={\"ttl\":null}");
  EXPECT_EQ(c.blocking, (BlockingInfo{BlockingReason::spam, ClientNotice{std::nullopt}}));

  EXPECT_EQ(error_of("block AAEC"), "space: not enough input");
  EXPECT_EQ(error_of("block AAEC reason=ham"), "Failed reading: invalid BlockingInfo");
  EXPECT_EQ(error_of("block AAEC spam"), "Failed reading: invalid BlockingInfo");
  EXPECT_EQ(error_of("block AAEC reason=spam extra"), "Failed reading: invalid BlockingInfo");
  EXPECT_EQ(error_of("block AAEC reason=spam,notice={\"ttl\":"),
            "Failed reading: invalid BlockingInfo");
}

TEST(ControlCommand, RoleNamesAreTheReferenceShow) {
  EXPECT_EQ(control_role_name(ControlRole::none), "CPRNone");
  EXPECT_EQ(control_role_name(ControlRole::user), "CPRUser");
  EXPECT_EQ(control_role_name(ControlRole::admin), "CPRAdmin");
}

}  // namespace
}  // namespace smp::server
