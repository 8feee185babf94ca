#include "smp/server/server_ini.h"

#include <gtest/gtest.h>

namespace smp::server {
namespace {

ServerIniSettings parse_ok(std::string_view text) {
  auto r = parse_server_ini(text);
  if (!r.has_value()) {
    ADD_FAILURE() << "line " << r.error().line << ": " << r.error().message;
    return ServerIniSettings{};
  }
  return *r;
}

IniError parse_error(std::string_view text) {
  auto r = parse_server_ini(text);
  if (r.has_value()) {
    ADD_FAILURE() << "accepted: " << text;
    return IniError{};
  }
  return r.error();
}

constexpr std::string_view kMinimal = "[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: 5223\nwebsockets: off\n";

std::string with(std::string_view extra) { return std::string(kMinimal) + std::string(extra); }

TEST(ServerIni, ReferenceKeysAloneGiveOurDefaults) {
  ServerIniSettings s = parse_ok(kMinimal);
  EXPECT_TRUE(s.store_log);
  EXPECT_TRUE(s.restore_messages);
  EXPECT_EQ(s.expire_messages_days, 21u);
  EXPECT_EQ(s.host, "");
  EXPECT_EQ(s.port, 5223);
  EXPECT_FALSE(s.websockets);
  EXPECT_EQ(s.msg_queue_quota, 256u);
  EXPECT_EQ(s.threads, 0u);
  EXPECT_FALSE(s.prometheus_port.has_value());
}

TEST(ServerIni, ReadsTheThreadCount) {
  EXPECT_EQ(parse_ok(with("[TRANSPORT]\nthreads: 2\n")).threads, 2u);
  EXPECT_EQ(parse_ok(with("[TRANSPORT]\nthreads: 0\n")).threads, 0u);
}

TEST(ServerIni, ReadsTheReferenceInitFileWithStoreLogOff) {
  // What the reference `smp-server init` writes without -l.
  ServerIniSettings s = parse_ok(
      "[STORE_LOG]\n# comment\nenable: off  # on\n\n[TRANSPORT]\nport: 5223\nwebsockets: off\n");
  EXPECT_FALSE(s.store_log);
}

TEST(ServerIni, FormattedFileReadsBackEqual) {
  ServerIniSettings s;
  s.store_log = true;
  s.restore_messages = false;
  s.expire_messages_days = 7;
  s.host = "127.0.0.1";
  s.port = 15223;
  s.websockets = true;
  s.msg_queue_quota = 128;
  s.threads = 2;
  s.log_interval_seconds = 60;
  s.prometheus_port = 9100;
  ServerIniSettings back = parse_ok(format_server_ini(s));
  EXPECT_EQ(back, s);

  ServerIniSettings defaults;
  ServerIniSettings back2 = parse_ok(format_server_ini(defaults));
  EXPECT_EQ(back2, defaults);
}

TEST(ServerIni, FormattedFileWritesStoreLogOffAsTheReferenceDoes) {
  ServerIniSettings s;
  s.store_log = false;
  EXPECT_NE(format_server_ini(s).find("\nenable: off  # on\n"), std::string::npos);
  s.store_log = true;
  EXPECT_NE(format_server_ini(s).find("\nenable: on\n"), std::string::npos);
}

struct BadSettings {
  std::string text;
  std::size_t line;
  const char* message_part;
};

class ServerIniErrors : public ::testing::TestWithParam<BadSettings> {};

TEST_P(ServerIniErrors, AreRefusedWithAClearMessage) {
  IniError e = parse_error(GetParam().text);
  EXPECT_EQ(e.line, GetParam().line) << e.message;
  EXPECT_NE(e.message.find(GetParam().message_part), std::string::npos) << e.message;
}

INSTANTIATE_TEST_SUITE_P(
    Invalid, ServerIniErrors,
    ::testing::Values(
        BadSettings{"[TRANSPORT]\nport: 5223\nwebsockets: off\n", 0, "missing key `enable`"},
        BadSettings{"[STORE_LOG]\nenable: on\n[TRANSPORT]\nwebsockets: off\n", 0,
                    "missing key `port`"},
        BadSettings{"[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: 1\n", 0, "`websockets`"},
        BadSettings{"[STORE_LOG]\nenable: yes\n[TRANSPORT]\nport: 5223\nwebsockets: off\n", 2,
                    "`on` or `off`, got `yes`"},
        BadSettings{"[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: 52x3\nwebsockets: off\n", 4,
                    "`port` must be a number from 0 to 65535, got `52x3`"},
        BadSettings{"[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: 65536\nwebsockets: off\n", 4,
                    "65535"},
        BadSettings{"[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: -1\nwebsockets: off\n", 4,
                    "port"},
        BadSettings{"[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: 80\nwebsockets: off\n", 4,
                    "WebSockets"},
        BadSettings{with("[QUEUES]\nmsg_queue_quota: 0\n"), 7, "msg_queue_quota"},
        BadSettings{with("[QUEUES]\nmsg_queue_quota: 99999999999999999999999\n"), 7,
                    "msg_queue_quota"},
        BadSettings{with("[STATS]\nprometheus_port: 5223\n"), 7, "differ"},
        BadSettings{with("[STATS]\nprometheus_port: x\n"), 7, "prometheus_port"},
        BadSettings{with("[STATS]\nlog_interval_seconds: 1.5\n"), 7, "log_interval_seconds"},
        BadSettings{with("[STORE_LOG]\nexpire_messages_days: 0\n"), 7, "expire_messages_days"},
        BadSettings{with("[TRANSPORT]\nhost: a b\n"), 7, "host"},
        BadSettings{with("[TRANSPORT]\nthreads: two\n"), 7, "`threads` must be a number"},
        BadSettings{with("[TRANSPORT]\nthreads: 1025\n"), 7, "from 0 to 1024"},
        BadSettings{with("[TRANSPORT]\nhots: 1.2.3.4\n"), 7, "unknown key `hots`"},
        BadSettings{with("[AUTH]\nnew_queues: on\n"), 7, "unknown section [AUTH]"},
        BadSettings{"[STORE_LOG]\nenable on\n", 2, "key: value"}));

TEST(ServerIni, ConfigHasTlsListenerAndWebSocketsWhenEnabled) {
  ServerIniSettings s;
  s.host = "127.0.0.1";
  s.port = 15223;
  s.msg_queue_quota = 10;
  s.expire_messages_days = 2;
  s.threads = 3;
  ServerConfig cfg = make_server_config(s, "/cfg");
  ASSERT_EQ(cfg.listeners.size(), 1u);
  EXPECT_EQ(cfg.listeners[0].host, "127.0.0.1");
  EXPECT_EQ(cfg.listeners[0].port, "15223");
  EXPECT_EQ(cfg.listeners[0].kind, transport::TransportKind::tls);
  EXPECT_EQ(cfg.ca_cert_file, std::filesystem::path("/cfg/ca.crt"));
  EXPECT_EQ(cfg.server_cert_file, std::filesystem::path("/cfg/server.crt"));
  EXPECT_EQ(cfg.server_key_file, std::filesystem::path("/cfg/server.key"));
  EXPECT_EQ(cfg.msg_queue_quota, 10u);
  EXPECT_EQ(cfg.message_ttl_seconds, 2 * 86400);
  EXPECT_EQ(cfg.threads, 3u);

  s.websockets = true;
  cfg = make_server_config(s, "/cfg");
  ASSERT_EQ(cfg.listeners.size(), 2u);
  EXPECT_EQ(cfg.listeners[1].port, "80");
  EXPECT_EQ(cfg.listeners[1].kind, transport::TransportKind::websocket);
}

}  // namespace
}  // namespace smp::server
