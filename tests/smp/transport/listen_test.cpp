#include "smp/transport/listen.h"

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

namespace smp::transport {
namespace {

namespace net = boost::asio;
using Tcp = net::ip::tcp;

TEST(ListenOn, PortZeroBindsAFreePortOnTheGivenHost) {
  net::io_context io;
  Tcp::acceptor acceptor(io);
  auto r = listen_on(acceptor, "127.0.0.1", 0);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(acceptor.is_open());
  EXPECT_NE(acceptor.local_endpoint().port(), 0);
  EXPECT_EQ(acceptor.local_endpoint().address().to_string(), "127.0.0.1");
}

TEST(ListenOn, EmptyHostListensOnEveryInterface) {
  net::io_context io;
  Tcp::acceptor acceptor(io);
  auto r = listen_on(acceptor, "", 0);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(acceptor.local_endpoint().address().is_unspecified());
}

TEST(ListenOn, BusyPortIsOneLineNamingHostAndPort) {
  net::io_context io;
  Tcp::acceptor first(io), second(io);
  ASSERT_TRUE(listen_on(first, "127.0.0.1", 0));
  const std::uint16_t port = first.local_endpoint().port();
  auto r = listen_on(second, "127.0.0.1", port);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rfind("cannot listen on 127.0.0.1:" + std::to_string(port) + ": ", 0), 0u)
      << r.error();
  EXPECT_FALSE(second.is_open());
}

TEST(ListenOn, UnresolvableHostIsOneLineNamingIt) {
  net::io_context io;
  Tcp::acceptor acceptor(io);
  auto r = listen_on(acceptor, "no such host.invalid", 0);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("'no such host.invalid'"), std::string::npos) << r.error();
  EXPECT_EQ(r.error().find('\n'), std::string::npos);
}

}  // namespace
}  // namespace smp::transport
