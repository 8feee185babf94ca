#include "smp/server/server_ini.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

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

std::string read_data(std::string_view name) {
  std::ifstream f(std::filesystem::path(SMP_SOURCE_DIR) / "tests/smp/server/data" / name,
                  std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

constexpr std::string_view kMinimal = "[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: 5223\nwebsockets: off\n";

std::string with(std::string_view extra) { return std::string(kMinimal) + std::string(extra); }

TEST(ServerIni, ReferenceKeysAloneGiveOurDefaults) {
  ServerIniSettings s = parse_ok(kMinimal);
  EXPECT_TRUE(s.store_log);
  EXPECT_TRUE(s.restore_messages);
  EXPECT_EQ(s.expire_messages_days, 21u);
  EXPECT_TRUE(s.allow_new_queues);
  EXPECT_FALSE(s.create_password);
  EXPECT_EQ(s.host, "");
  EXPECT_EQ(s.listen_host, "");
  EXPECT_EQ(s.ports, std::vector<std::uint16_t>{5223});
  EXPECT_TRUE(s.websocket_ports.empty());
  EXPECT_EQ(s.msg_queue_quota, 256u);
  EXPECT_EQ(s.threads, 0u);
  EXPECT_FALSE(s.prometheus_port.has_value());
  EXPECT_TRUE(s.ignored_keys.empty());
}

TEST(ServerIni, ReadsTheThreadCount) {
  EXPECT_EQ(parse_ok(with("[TRANSPORT]\nthreads: 2\n")).threads, 2u);
  EXPECT_EQ(parse_ok(with("[TRANSPORT]\nthreads: 0\n")).threads, 0u);
}

// The files the reference's `smp-server init -y` writes at 6.5.5, reconstructed from
// iniFileContent (Server/Main/Init.hs) for the flags named in each test; they are in
// tests/smp/server/data.

// smp-server init -y: store log on, a random create_password, the web server on.
TEST(ServerIniReference, TheDefaultInitFile) {
  ServerIniSettings s = parse_ok(read_data("smp-server-6.5.5-init.ini"));
  EXPECT_TRUE(s.store_log);
  EXPECT_TRUE(s.restore_messages);
  EXPECT_EQ(s.expire_messages_days, 21u);
  EXPECT_TRUE(s.allow_new_queues);
  EXPECT_EQ(s.create_password, "XHqMN2u3uG5Ez5JQcZEuF6iCk0yVb2bq-Qq8Hc5pKDc=");
  EXPECT_EQ(s.host, "<hostnames>");
  EXPECT_EQ(s.listen_host, "");
  EXPECT_EQ(s.ports, (std::vector<std::uint16_t>{5223, 443}));
  EXPECT_TRUE(s.websocket_ports.empty());
  // One warning line lists what this server does not do.
  EXPECT_EQ(describe_ignored_keys(s),
            "not implemented, ignored: [INFORMATION] hosting_type; [STORE_LOG] "
            "expire_ntfs_hours; [INACTIVE_CLIENTS] disconnect, ttl, check_interval; [WEB] "
            "static_path, https, cert, key");
  ServerConfig cfg = make_server_config(s, "/etc/opt/simplex");
  ASSERT_EQ(cfg.listeners.size(), 2u);
  EXPECT_EQ(cfg.listeners[0].port, "5223");
  EXPECT_EQ(cfg.listeners[1].port, "443");
  EXPECT_EQ(cfg.listeners[1].kind, transport::TransportKind::tls);
  EXPECT_TRUE(cfg.allow_new_queues);
  EXPECT_EQ(cfg.new_queue_basic_auth, s.create_password);
}

// smp-server init -y --no-password --disable-store-log --fqdn smp.example.com --control-port
// --socks-proxy --own-domains example.com,example.net --source-code --server-country DE
// --operator "Example Ltd" --operator-country GB --operator-website https://example.com
// --hosting Hoster --hosting-country DE --hosting-type dedicated --daily-stats --disable-web
TEST(ServerIniReference, AnInitFileWithoutPasswordAndWithEveryOption) {
  ServerIniSettings s = parse_ok(read_data("smp-server-6.5.5-init-no-password.ini"));
  EXPECT_FALSE(s.store_log);
  EXPECT_FALSE(s.restore_messages);
  EXPECT_FALSE(s.create_password);
  EXPECT_EQ(s.host, "smp.example.com");
  EXPECT_EQ(describe_ignored_keys(s),
            "not implemented, ignored: [INFORMATION] source_code, server_country, operator, "
            "operator_country, website, hosting, hosting_country, hosting_type; [STORE_LOG] "
            "expire_ntfs_hours, log_stats; "
            "[INACTIVE_CLIENTS] disconnect, ttl, check_interval; [WEB] static_path");
  // --own-domains writes them with a comma, which this server reads as two domains.
  EXPECT_EQ(s.own_server_domains, (std::vector<std::string>{"example.com", "example.net"}));
  EXPECT_EQ(s.host_mode, HostMode::public_host);
  EXPECT_FALSE(s.required_host_mode);
  // --socks-proxy: 127.0.0.1:9050, isolating by authentication; mode onion (commented out).
  ASSERT_TRUE(s.socks_proxy.has_value());
  EXPECT_EQ(*s.socks_proxy, SocksProxySetting{});
  EXPECT_EQ(s.socks_mode, SocksMode::onion);
  // --control-port: the port and both passwords; the block quota is the default.
  EXPECT_EQ(s.control_port, 5224);
  EXPECT_EQ(s.control_port_admin_password, "Q2x6Sk1sT0pXb3ZuZ0Fh");
  EXPECT_EQ(s.control_port_user_password, "dVNlcnBhc3N3b3JkMTIz");
  EXPECT_EQ(s.daily_block_queue_quota, 20);
}

// smp-server init -y --password '#Pa55;word' --ip 203.0.113.7: a password that starts like a
// comment is the password.
TEST(ServerIniReference, AnInitFileWithAGivenPassword) {
  ServerIniSettings s = parse_ok(read_data("smp-server-6.5.5-init-password.ini"));
  EXPECT_EQ(s.create_password, "#Pa55;word");
  EXPECT_EQ(s.host, "203.0.113.7");
  EXPECT_TRUE(s.store_log);
}

// [PROXY] socks_proxy and socks_mode, as the reference's SocksProxyWithAuth and SocksMode.
TEST(ServerIni, SocksProxyAndMode) {
  ServerIniSettings plain = parse_ok(kMinimal);
  EXPECT_FALSE(plain.socks_proxy.has_value());
  EXPECT_EQ(plain.socks_mode, SocksMode::onion);

  ServerIniSettings s =
      parse_ok(with("[PROXY]\nsocks_proxy = 127.0.0.1:9150\nsocks_mode = always\n"));
  ASSERT_TRUE(s.socks_proxy.has_value());
  EXPECT_EQ(s.socks_proxy->auth, SocksProxySetting::Auth::isolate);
  EXPECT_EQ(s.socks_proxy->host, "127.0.0.1");
  EXPECT_EQ(s.socks_proxy->port, 9150);
  EXPECT_EQ(s.socks_mode, SocksMode::always);
  EXPECT_TRUE(s.ignored_keys.empty());
  ServerConfig cfg = make_server_config(s, "/cfg");
  EXPECT_EQ(cfg.proxy_socks, s.socks_proxy);
  EXPECT_EQ(cfg.proxy_socks_mode, SocksMode::always);
  EXPECT_EQ(parse_ok(format_server_ini(s)), s);  // the file init writes carries them

  for (const char* bad : {"localhost:9050", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
                          "127.0.0.1:90x", "off", "[::1", "[::1]9050", "user@127.0.0.1",
                          "us er:pw@127.0.0.1", "a:b:c@127.0.0.1", ":pw@127.0.0.1",
                          "1.2.3.4.5", "fe80::1%eth0"}) {
    IniError e = parse_error(with(std::string("[PROXY]\nsocks_proxy = ") + bad + "\n"));
    EXPECT_NE(e.message.find("socks_proxy"), std::string::npos) << bad;
    EXPECT_NE(e.message.find("SOCKS5 proxy as"), std::string::npos) << bad;
    EXPECT_GT(e.line, 0u) << bad;
  }
  for (const char* bad : {"Always", "never", "on", ""}) {
    IniError e = parse_error(with(std::string("[PROXY]\nsocks_mode = ") + bad + "\n"));
    EXPECT_NE(e.message.find("socks_mode"), std::string::npos) << bad;
  }
}

// [PROXY] host_mode, required_host_mode, own_server_domains (the reference's) and
// max_destinations (ours).
TEST(ServerIni, ProxyHostModeOwnDomainsAndDestinationLimit) {
  ServerIniSettings plain = parse_ok(kMinimal);
  EXPECT_EQ(plain.host_mode, HostMode::public_host);
  EXPECT_FALSE(plain.required_host_mode);
  EXPECT_TRUE(plain.own_server_domains.empty());
  EXPECT_EQ(plain.proxy_max_destinations, 1000u);

  ServerIniSettings s = parse_ok(
      with("[PROXY]\nhost_mode = onion\nrequired_host_mode = on\n"
           "own_server_domains = example.com  relay.example.net\nmax_destinations = 50\n"));
  EXPECT_EQ(s.host_mode, HostMode::onion);
  EXPECT_TRUE(s.required_host_mode);
  EXPECT_EQ(s.own_server_domains,
            (std::vector<std::string>{"example.com", "relay.example.net"}));
  EXPECT_EQ(s.proxy_max_destinations, 50u);
  EXPECT_TRUE(s.ignored_keys.empty());
  ServerConfig cfg = make_server_config(s, "/cfg");
  EXPECT_EQ(cfg.proxy_host_mode, HostMode::onion);
  EXPECT_TRUE(cfg.proxy_required_host_mode);
  EXPECT_EQ(cfg.proxy_own_server_domains, s.own_server_domains);
  EXPECT_EQ(cfg.proxy_max_destinations, 50u);
  EXPECT_EQ(parse_ok(format_server_ini(s)), s);  // the file init writes carries them
  EXPECT_EQ(parse_ok(format_server_ini(plain)), plain);

  for (const char* bad : {"host_mode = Public", "host_mode = onion_via_socks", "host_mode = ",
                          "required_host_mode = yes", "max_destinations = 0",
                          "max_destinations = many"}) {
    IniError e = parse_error(with(std::string("[PROXY]\n") + bad + "\n"));
    const std::string key(std::string_view(bad).substr(0, std::string_view(bad).find(' ')));
    EXPECT_NE(e.message.find(key), std::string::npos) << bad << ": " << e.message;
    EXPECT_GT(e.line, 0u) << bad;
  }
}

TEST(ProxySocks, ParsesTheReferenceSyntax) {
  auto parsed = [](std::string_view text) {
    auto s = parse_socks_proxy(text);
    EXPECT_TRUE(s.has_value()) << text;
    return s.value_or(SocksProxySetting{});
  };
  // Defaults: 127.0.0.1, port 9050, isolation by authentication; empty is all defaults.
  EXPECT_EQ(parsed(""), SocksProxySetting{});
  EXPECT_EQ(parsed("127.0.0.1"), SocksProxySetting{});
  EXPECT_EQ(parsed(":9050"), SocksProxySetting{});
  EXPECT_EQ(parsed("10.0.0.2").host, "10.0.0.2");
  EXPECT_EQ(parsed("10.0.0.2").port, 9050);
  EXPECT_EQ(parsed("[::1]:9150").host, "::1");
  EXPECT_EQ(parsed("[::1]:9150").port, 9150);
  EXPECT_EQ(parsed("::1").host, "::1");
  EXPECT_EQ(parsed("@127.0.0.1:1080").auth, SocksProxySetting::Auth::none);
  SocksProxySetting u = parsed("alice:s3cret@10.0.0.2:1080");
  EXPECT_EQ(u.auth, SocksProxySetting::Auth::username);
  EXPECT_EQ(u.username, "alice");
  EXPECT_EQ(u.password, "s3cret");
  EXPECT_EQ(parsed("bob:@127.0.0.1").password, "");
  // Round trips, IPv6 in brackets.
  for (const char* text : {"127.0.0.1:9050", "@[::1]:1080", "alice:s3cret@10.0.0.2:1080"}) {
    EXPECT_EQ(format_socks_proxy(parsed(text)), text);
  }
  EXPECT_EQ(format_socks_proxy(parsed("::1")), "[::1]:9050");
}

TEST(ProxySocks, ModeDecidesWhichHostsGoThroughTheProxy) {
  EXPECT_EQ(parse_socks_mode("onion"), SocksMode::onion);
  EXPECT_EQ(parse_socks_mode("always"), SocksMode::always);
  EXPECT_FALSE(parse_socks_mode("off").has_value());

  ProxySocks none = make_proxy_socks(std::nullopt, SocksMode::always, "user");
  EXPECT_FALSE(none.for_host("example.onion").has_value());

  ProxySocks onion = make_proxy_socks(SocksProxySetting{}, SocksMode::onion, "isolated");
  ASSERT_TRUE(onion.for_host("abc.onion").has_value());
  EXPECT_FALSE(onion.for_host("smp.example.com").has_value());
  EXPECT_FALSE(onion.for_host("203.0.113.7").has_value());
  const transport::SocksProxy p = *onion.for_host("abc.onion");
  EXPECT_EQ(p.host, "127.0.0.1");
  EXPECT_EQ(p.port, 9050);
  // Isolation: this run's username offered, "no authentication" too.
  ASSERT_TRUE(p.credentials.has_value());
  EXPECT_EQ(p.credentials->username, "isolated");
  EXPECT_TRUE(p.offer_no_auth);

  ProxySocks always = make_proxy_socks(*parse_socks_proxy("@127.0.0.1:1080"),
                                       SocksMode::always, "isolated");
  ASSERT_TRUE(always.for_host("smp.example.com").has_value());
  EXPECT_FALSE(always.for_host("smp.example.com")->credentials.has_value());

  ProxySocks named = make_proxy_socks(*parse_socks_proxy("a:b@127.0.0.1"), SocksMode::always, "x");
  const transport::SocksProxy n = *named.for_host("h");
  EXPECT_EQ(n.credentials, (transport::SocksCredentials{.username = "a", .password = "b"}));
  EXPECT_FALSE(n.offer_no_auth);
  EXPECT_EQ(new_socks_isolation_username().size(), 32u);
  EXPECT_NE(new_socks_isolation_username(), new_socks_isolation_username());
}

// [PROXY] client_concurrency (the reference's serverClientConcurrency, default 32); the
// proxy role is on, as allowSMPProxy is in the reference's Main.hs.
TEST(ServerIni, ProxyClientConcurrency) {
  EXPECT_EQ(parse_ok(kMinimal).proxy_client_concurrency, 32u);
  ServerIniSettings s = parse_ok(with("[PROXY]\nclient_concurrency = 8\nhost_mode = public\n"));
  EXPECT_EQ(s.proxy_client_concurrency, 8u);
  ServerConfig cfg = make_server_config(s, "/cfg");
  EXPECT_TRUE(cfg.allow_smp_proxy);
  EXPECT_EQ(cfg.proxy_client_concurrency, 8u);
  EXPECT_NE(parse_error(with("[PROXY]\nclient_concurrency = 0\n")).message.find("client_concurrency"),
            std::string::npos);
  EXPECT_NE(parse_error(with("[PROXY]\nclient_concurency = 8\n")).message.find("client_concurency"),
            std::string::npos);
  // The file init writes carries it.
  EXPECT_EQ(parse_ok(format_server_ini(s)).proxy_client_concurrency, 8u);
}

TEST(ServerIni, PortListsAndWebSockets) {
  ServerIniSettings s = parse_ok(
      "[STORE_LOG]\nenable = on\n[TRANSPORT]\nport = 5223, 443\nwebsockets = 443,8443\n");
  EXPECT_EQ(s.ports, (std::vector<std::uint16_t>{5223, 443}));
  // The reference's iniTransports: WebSockets ports that are TLS ports are left out.
  EXPECT_EQ(s.websocket_ports, std::vector<std::uint16_t>{8443});
  EXPECT_EQ(parse_ok(with("[TRANSPORT]\n")).websocket_ports.size(), 0u);
  s = parse_ok("[STORE_LOG]\nenable = on\n[TRANSPORT]\nport = 5223\nwebsockets = on\n");
  EXPECT_EQ(s.websocket_ports, std::vector<std::uint16_t>{80});
  ServerConfig cfg = make_server_config(s, "/cfg");
  ASSERT_EQ(cfg.listeners.size(), 2u);
  EXPECT_EQ(cfg.listeners[1].port, "80");
  EXPECT_EQ(cfg.listeners[1].kind, transport::TransportKind::websocket);
}

TEST(ServerIni, AuthSettings) {
  ServerIniSettings s =
      parse_ok(with("[AUTH]\nnew_queues = off\ncreate_password = s3cr3t=  # a comment\n"));
  EXPECT_FALSE(s.allow_new_queues);
  EXPECT_EQ(s.create_password, "s3cr3t=");
  ServerConfig cfg = make_server_config(s, "/cfg");
  EXPECT_FALSE(cfg.allow_new_queues);
  EXPECT_EQ(cfg.new_queue_basic_auth, "s3cr3t=");
  EXPECT_TRUE(is_valid_basic_auth("a!#$%^&*()=~"));
  for (std::string_view bad : {"", "a b", "a@b", "a:b", "a/b", "a\x7f", "\xe9"})
    EXPECT_FALSE(is_valid_basic_auth(bad)) << bad;
}

TEST(ServerIni, ControlPortSettings) {
  ServerIniSettings s = parse_ok(kMinimal);
  EXPECT_FALSE(s.control_port);
  EXPECT_FALSE(s.control_port_admin_password);
  EXPECT_FALSE(s.control_port_user_password);
  EXPECT_EQ(s.daily_block_queue_quota, 20);
  s = parse_ok(with("[AUTH]\ncontrol_port_admin_password = #adm;n  # a comment\n"
                    "control_port_user_password: us3r=\ndaily_block_queue_quota = -1\n"
                    "[TRANSPORT]\ncontrol_port = 5224\n"));
  EXPECT_EQ(s.control_port, 5224);
  EXPECT_EQ(s.control_port_admin_password, "#adm;n");
  EXPECT_EQ(s.control_port_user_password, "us3r=");
  EXPECT_EQ(s.daily_block_queue_quota, -1);
  EXPECT_TRUE(s.ignored_keys.empty());
  EXPECT_EQ(parse_ok(with("[AUTH]\ndaily_block_queue_quota = 0\n")).daily_block_queue_quota, 0);
  EXPECT_FALSE(parse_ok(with("[TRANSPORT]\ncontrol_port =\n")).control_port);
  EXPECT_EQ(parse_ok(with("[TRANSPORT]\ncontrol_port = 0\n")).control_port, 0);
}

TEST(ServerIni, KeysWhoseValueIsWhatWeDoAnywayAreNotListed) {
  ServerIniSettings s = parse_ok(with(
      "[STORE_LOG]\nlog_stats = off\nexpire_messages_on_send = off\nexpire_messages_on_start = off\n"
      "store_queues = memory\nstore_messages = memory\n[TRANSPORT]\nlog_tls_errors = off\n"));
  EXPECT_TRUE(s.ignored_keys.empty());
  s = parse_ok(with("[STORE_LOG]\nexpire_messages_on_send = on\n"));
  EXPECT_EQ(describe_ignored_keys(s), "not implemented, ignored: [STORE_LOG] expire_messages_on_send");
}

TEST(ServerIni, FormattedFileReadsBackEqual) {
  ServerIniSettings s;
  s.store_log = true;
  s.restore_messages = false;
  s.expire_messages_days = 7;
  s.allow_new_queues = false;
  s.create_password = "pass;#word";
  s.host = "smp.example.com";
  s.listen_host = "127.0.0.1";
  s.ports = {15223, 443};
  s.websocket_ports = {8080, 8443};
  s.msg_queue_quota = 128;
  s.threads = 2;
  s.log_interval_seconds = 60;
  s.prometheus_port = 9100;
  s.control_port = 5224;
  s.control_port_admin_password = "adm#n";
  s.control_port_user_password = ";user";
  s.daily_block_queue_quota = 0;
  ServerIniSettings back = parse_ok(format_server_ini(s));
  EXPECT_EQ(back, s);

  s.websocket_ports = {80};
  EXPECT_EQ(parse_ok(format_server_ini(s)), s);

  ServerIniSettings defaults;
  ServerIniSettings back2 = parse_ok(format_server_ini(defaults));
  EXPECT_EQ(back2, defaults);
}

TEST(ServerIni, FormattedFileUsesTheReferenceLayout) {
  ServerIniSettings s;
  s.store_log = false;
  const std::string text = format_server_ini(s);
  EXPECT_NE(text.find("\nenable = off\n"), std::string::npos);
  EXPECT_NE(text.find("\nstore_queues = memory\n"), std::string::npos);
  EXPECT_NE(text.find("\nnew_queues = on\n"), std::string::npos);
  EXPECT_NE(text.find("\n# create_password = password to create new queues"), std::string::npos);
  EXPECT_NE(text.find("\nwebsockets = off\n"), std::string::npos);
  // What the reference's init writes without --control-port.
  EXPECT_NE(text.find("\n# control_port_admin_password = \n# control_port_user_password = \n"),
            std::string::npos);
  EXPECT_NE(text.find("\n# control_port = 5224\n"), std::string::npos);
  EXPECT_NE(text.find("\ndaily_block_queue_quota = 20\n"), std::string::npos);
  s.store_log = true;
  s.create_password = "abc";
  EXPECT_NE(format_server_ini(s).find("\nenable = on\n"), std::string::npos);
  EXPECT_NE(format_server_ini(s).find("\ncreate_password = abc\n"), std::string::npos);
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
                    "`port` must be a port number from 0 to 65535"},
        BadSettings{"[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: 65536\nwebsockets: off\n", 4,
                    "65535"},
        BadSettings{"[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: -1\nwebsockets: off\n", 4,
                    "port"},
        BadSettings{"[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: 5223,\nwebsockets: off\n", 4,
                    "separated by commas"},
        BadSettings{"[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: 80\nwebsockets: off\n", 4,
                    "WebSockets"},
        BadSettings{"[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: 5223,80\nwebsockets: off\n", 4,
                    "WebSockets"},
        BadSettings{"[STORE_LOG]\nenable: on\n[TRANSPORT]\nport: 5223\nwebsockets: maybe\n", 5,
                    "`websockets` must be `off`, `on`"},
        BadSettings{with("[QUEUES]\nmsg_queue_quota: 0\n"), 7, "msg_queue_quota"},
        BadSettings{with("[QUEUES]\nmsg_queue_quota: 99999999999999999999999\n"), 7,
                    "msg_queue_quota"},
        BadSettings{with("[STATS]\nprometheus_port: 5223\n"), 7, "differ"},
        BadSettings{with("[STATS]\nprometheus_port: x\n"), 7, "prometheus_port"},
        BadSettings{with("[STATS]\nlog_interval_seconds: 1.5\n"), 7, "log_interval_seconds"},
        BadSettings{with("[STORE_LOG]\nexpire_messages_days: 0\n"), 7, "expire_messages_days"},
        BadSettings{with("[STORE_LOG]\nstore_queues = database\n"), 7, "PostgreSQL"},
        BadSettings{with("[STORE_LOG]\nstore_messages = journal\n"), 7, "journal export"},
        BadSettings{with("[STORE_LOG]\nexpire_messages_on_start = yes\n"), 7, "`on` or `off`"},
        BadSettings{with("[TRANSPORT]\nlisten_host: a b\n"), 7, "listen_host"},
        BadSettings{with("[TRANSPORT]\nhost: a b\n"), 7, "host"},
        BadSettings{with("[TRANSPORT]\nthreads: two\n"), 7, "`threads` must be a number"},
        BadSettings{with("[TRANSPORT]\nthreads: 1025\n"), 7, "from 0 to 1024"},
        BadSettings{with("[TRANSPORT]\nhots: 1.2.3.4\n"), 7, "unknown key `hots`"},
        BadSettings{with("[AUTH]\nnew_queues = maybe\n"), 7, "new_queues"},
        BadSettings{with("[AUTH]\ncreate_password =\n"), 7, "create_password"},
        BadSettings{with("[AUTH]\ncreate_password = user:pass\n"), 7, "create_password"},
        BadSettings{with("[AUTH]\npassword = x\n"), 7, "unknown key `password`"},
        BadSettings{with("[AUTH]\ncontrol_port_admin_password =\n"), 7,
                    "control_port_admin_password"},
        BadSettings{with("[AUTH]\ncontrol_port_user_password = a@b\n"), 7,
                    "control_port_user_password"},
        BadSettings{with("[AUTH]\ndaily_block_queue_quota = -2\n"), 7,
                    "`daily_block_queue_quota` must be a number from -1 to"},
        BadSettings{with("[AUTH]\ndaily_block_queue_quota = 2x\n"), 7, "daily_block_queue_quota"},
        BadSettings{with("[TRANSPORT]\ncontrol_port = 5223\n"), 7, "must differ"},
        BadSettings{with("[TRANSPORT]\ncontrol_port = 9100\n[STATS]\nprometheus_port = 9100\n"), 7,
                    "must differ"},
        BadSettings{with("[TRANSPORT]\ncontrol_port = x\n"), 7, "control_port"},
        BadSettings{with("[SERVER]\nx = 1\n"), 7, "unknown section [SERVER]"},
        BadSettings{"[STORE_LOG]\nenable on\n", 2, "key: value"}));

}  // namespace
}  // namespace smp::server
