// Which host of a destination the proxy connects to, and which destinations are the
// operator's own: chooseTransportHost (Client.hs) and isOwnServer (Client/Agent.hs) at
// simplexmq 6.5.5, with this server's one difference (an .onion host is never taken without
// a SOCKS proxy).

#include "smp/server/proxy_hosts.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace smp::server {
namespace {

// A ServerRef over `hosts` (the strings must outlive it).
protocol::ServerRef server_of(const std::vector<std::string>& hosts) {
  protocol::ServerRef s;
  for (const std::string& h : hosts) s.hosts[s.host_count++] = as_bytes(h);
  return s;
}

std::string chosen(const std::vector<std::string>& hosts, HostChoice choice) {
  return choose_destination_host(server_of(hosts), choice).value_or("(none)");
}

TEST(ProxyHosts, PublicModePrefersThePublicHost) {
  const std::vector<std::string> both{"abc.onion", "smp.example.com", "203.0.113.7"};
  EXPECT_EQ(chosen(both, {}), "smp.example.com");
  EXPECT_EQ(chosen(both, {.socks = true}), "smp.example.com");
  EXPECT_EQ(chosen({"203.0.113.7", "abc.onion"}, {}), "203.0.113.7");
  // Only an onion host: taken with a SOCKS proxy (not required), refused without one.
  EXPECT_EQ(chosen({"abc.onion", "def.onion"}, {.socks = true}), "abc.onion");
  EXPECT_EQ(chosen({"abc.onion"}, {}), "(none)");
  // required_host_mode: no public host is HOST even with a SOCKS proxy.
  EXPECT_EQ(chosen({"abc.onion"}, {.required = true, .socks = true}), "(none)");
  EXPECT_EQ(chosen(both, {.required = true}), "smp.example.com");
}

TEST(ProxyHosts, OnionModeTakesTheOnionHostOnlyThroughSocks) {
  const std::vector<std::string> both{"smp.example.com", "abc.onion"};
  EXPECT_EQ(chosen(both, {.mode = HostMode::onion, .socks = true}), "abc.onion");
  // HMOnionViaSocks without a SOCKS proxy is public mode.
  EXPECT_EQ(chosen(both, {.mode = HostMode::onion}), "smp.example.com");
  EXPECT_EQ(chosen(both, {.mode = HostMode::onion, .required = true}), "smp.example.com");
  // No onion host: the first host, unless required.
  const std::vector<std::string> public_only{"a.example.com", "b.example.com"};
  EXPECT_EQ(chosen(public_only, {.mode = HostMode::onion, .socks = true}), "a.example.com");
  EXPECT_EQ(chosen(public_only, {.mode = HostMode::onion, .required = true, .socks = true}),
            "(none)");
}

TEST(ProxyHosts, NoHostIsNone) {
  EXPECT_EQ(chosen({}, {}), "(none)");
  EXPECT_EQ(chosen({""}, {.socks = true}), "(none)");
}

TEST(ProxyHosts, HostModeNames) {
  EXPECT_EQ(parse_host_mode("public"), HostMode::public_host);
  EXPECT_EQ(parse_host_mode("onion"), HostMode::onion);
  for (const char* bad : {"", "Public", "onion ", "always"}) {
    EXPECT_FALSE(parse_host_mode(bad).has_value()) << bad;
  }
  for (HostMode m : {HostMode::public_host, HostMode::onion}) {
    EXPECT_EQ(parse_host_mode(host_mode_name(m)), m);
  }
}

TEST(ProxyHosts, OwnServersByTheFirstHostAndItsDomain) {
  const std::vector<std::string> own = parse_own_server_domains(" example.com,simplex.im\tx.org ");
  EXPECT_EQ(own, (std::vector<std::string>{"example.com", "simplex.im", "x.org"}));
  EXPECT_TRUE(parse_own_server_domains("").empty());
  EXPECT_TRUE(parse_own_server_domains(" , ").empty());

  const std::vector<std::string> exact{"example.com"}, sub{"smp1.example.com"},
      lookalike{"badexample.com"}, second{"abc.onion", "smp.example.com"},
      ip{"203.0.113.7"};
  EXPECT_TRUE(is_own_server(server_of(exact), own));
  EXPECT_TRUE(is_own_server(server_of(sub), own));
  EXPECT_FALSE(is_own_server(server_of(lookalike), own));
  // Only the address's first host counts, as in the reference.
  EXPECT_FALSE(is_own_server(server_of(second), own));
  EXPECT_FALSE(is_own_server(server_of(ip), own));
  EXPECT_TRUE(is_own_server(server_of(ip), {"203.0.113.7"}));
  EXPECT_FALSE(is_own_server(server_of(exact), {}));
  EXPECT_FALSE(is_own_server(server_of({}), own));
}

}  // namespace
}  // namespace smp::server
