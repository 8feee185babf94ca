// The SOCKS5 client against a scripted fake proxy on 127.0.0.1: the bytes it sends, and what
// it makes of good, refusing, truncated and foreign answers.
#include "smp/transport/socks5.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "support/run_awaitable.h"

namespace smp::transport {
namespace {

using Tcp = net::ip::tcp;
constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

// One turn of the fake proxy: read `read` bytes (recorded), then write `write`.
struct Step {
  std::size_t read = 0;
  Bytes write;
};

Bytes text_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Accepts one connection, plays the steps, closes. Returns what it read.
net::awaitable<Bytes> fake_proxy(Tcp::acceptor& acceptor, std::vector<Step> steps) {
  auto [accept_ec, socket] = co_await acceptor.async_accept(kUseTuple);
  Bytes received;
  if (accept_ec) co_return received;
  for (const Step& step : steps) {
    if (step.read > 0) {
      Bytes buf(step.read);
      auto [ec, n] = co_await net::async_read(socket, net::buffer(buf), kUseTuple);
      received.insert(received.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
      if (ec) break;
    }
    if (!step.write.empty()) {
      auto [ec, n] = co_await net::async_write(socket, net::buffer(step.write), kUseTuple);
      if (ec) break;
    }
  }
  error_code ignored;
  socket.shutdown(Tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  co_return received;
}

// Connects through the proxy, then reads `then_read` bytes of the destination's stream.
net::awaitable<Result<Bytes>> client(SocksProxy proxy, std::string host, std::uint16_t port,
                                     std::size_t then_read) {
  auto ex = co_await net::this_coro::executor;
  Tcp::socket socket(ex);
  Tcp::resolver resolver(ex);
  auto r = co_await socks5_connect(socket, resolver, proxy, host, port);
  if (!r) co_return r.error();
  Bytes data(then_read);
  if (then_read > 0) {
    auto [ec, n] = co_await net::async_read(socket, net::buffer(data), kUseTuple);
    if (ec) co_return make_error_code(errc::connection_closed);
  }
  co_return data;
}

class Socks5 : public ::testing::Test {
 protected:
  Socks5() : acceptor_(io_, Tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {}

  SocksProxy proxy(std::optional<SocksCredentials> credentials = std::nullopt,
                   bool offer_no_auth = true) const {
    return SocksProxy{.host = "127.0.0.1",
                      .port = acceptor_.local_endpoint().port(),
                      .credentials = std::move(credentials),
                      .offer_no_auth = offer_no_auth};
  }

  // Runs the client against the script; returns its result and what the proxy read.
  std::pair<Result<Bytes>, Bytes> run(SocksProxy p, std::string host, std::uint16_t port,
                                      std::vector<Step> steps, std::size_t then_read = 0) {
    auto [c, f] = test::run_both(io_, client(std::move(p), std::move(host), port, then_read),
                                 fake_proxy(acceptor_, std::move(steps)));
    if (!c || !f) return {make_error_code(errc::timeout), {}};
    return {std::move(*c), std::move(*f)};
  }

  net::io_context io_;
  Tcp::acceptor acceptor_;
};

const Bytes kNoAuthGreeting{5, 1, 0};
const Bytes kChooseNoAuth{5, 0};
const Bytes kSucceededIpv4{5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90};

// example.onion:5223 as a domain name: VER CMD RSV ATYP LEN name PORT.
Bytes onion_request() {
  return concat({Bytes{5, 1, 0, 3, 13}, text_bytes("example.onion"), Bytes{0x14, 0x67}});
}

TEST_F(Socks5, ConnectsByDomainNameWithoutAuthentication) {
  const Bytes request = onion_request();
  auto [result, received] = run(proxy(), "example.onion", 5223,
                                {{kNoAuthGreeting.size(), kChooseNoAuth},
                                 {request.size(), concat({kSucceededIpv4, text_bytes("hello")})}},
                                5);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(*result, text_bytes("hello"));  // the stream after the reply is the destination's
  EXPECT_EQ(received, concat({kNoAuthGreeting, request}));
}

TEST_F(Socks5, AddressLiteralsUseTheirOwnTypes) {
  auto v4 = socks5_connect_request("192.0.2.7", 443);
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(*v4, (Bytes{5, 1, 0, 1, 192, 0, 2, 7, 0x01, 0xbb}));
  auto v6 = socks5_connect_request("2001:db8::1", 5223);
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(*v6, (Bytes{5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                        0x14, 0x67}));
  EXPECT_EQ(socks5_connect_request("", 5223).error(), errc::bad_address);
  EXPECT_EQ(socks5_connect_request(std::string(256, 'a'), 5223).error(), errc::bad_address);
  EXPECT_TRUE(socks5_connect_request(std::string(255, 'a'), 5223).has_value());
}

TEST_F(Socks5, ReadsIpv6AndDomainBoundAddresses) {
  const Bytes request = onion_request();
  Bytes ipv6_reply{5, 0, 0, 4};
  ipv6_reply.resize(4 + 16 + 2, 0);
  auto [r6, received6] = run(proxy(), "example.onion", 5223,
                             {{3, kChooseNoAuth}, {request.size(), concat({ipv6_reply, {42}})}}, 1);
  ASSERT_TRUE(r6.has_value()) << r6.error().message();
  EXPECT_EQ(*r6, Bytes{42});

  const Bytes domain_reply = concat({Bytes{5, 0, 0, 3, 4}, text_bytes("host"), Bytes{0, 80}});
  auto [rd, receivedd] = run(proxy(), "example.onion", 5223,
                             {{3, kChooseNoAuth}, {request.size(), concat({domain_reply, {7}})}}, 1);
  ASSERT_TRUE(rd.has_value()) << rd.error().message();
  EXPECT_EQ(*rd, Bytes{7});
}

TEST_F(Socks5, ErrorRepliesAreNetworkErrors) {
  const Bytes request = onion_request();
  for (std::uint8_t code : std::initializer_list<std::uint8_t>{1, 2, 4, 5, 8}) {
    auto [result, received] =
        run(proxy(), "example.onion", 5223,
            {{3, kChooseNoAuth}, {request.size(), Bytes{5, code, 0, 1, 0, 0, 0, 0, 0, 0}}});
    ASSERT_FALSE(result.has_value()) << int{code};
    EXPECT_EQ(result.error(), errc::network) << int{code};
  }
}

TEST_F(Socks5, NoAcceptableMethodIsANetworkError) {
  auto [result, received] = run(proxy(), "example.onion", 5223, {{3, Bytes{5, 0xff}}});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), errc::network);
}

TEST_F(Socks5, ForeignVersionsAreNetworkErrors) {
  // A SOCKS4 answer to the greeting.
  auto [greeting, r1] = run(proxy(), "example.onion", 5223, {{3, Bytes{4, 0}}});
  ASSERT_FALSE(greeting.has_value());
  EXPECT_EQ(greeting.error(), errc::network);
  // A reply of another version.
  auto [reply, r2] = run(proxy(), "example.onion", 5223,
                         {{3, kChooseNoAuth}, {onion_request().size(), Bytes{4, 0, 0, 1}}});
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error(), errc::network);
  // An address type that does not exist.
  auto [atyp, r3] = run(proxy(), "example.onion", 5223,
                        {{3, kChooseNoAuth}, {onion_request().size(), Bytes{5, 0, 0, 9, 0}}});
  ASSERT_FALSE(atyp.has_value());
  EXPECT_EQ(atyp.error(), errc::network);
}

TEST_F(Socks5, TruncatedRepliesAreConnectionClosed) {
  // The method choice cut short.
  auto [greeting, r1] = run(proxy(), "example.onion", 5223, {{3, Bytes{5}}});
  ASSERT_FALSE(greeting.has_value());
  EXPECT_EQ(greeting.error(), errc::connection_closed);
  // The reply cut inside its bound address.
  auto [reply, r2] = run(proxy(), "example.onion", 5223,
                         {{3, kChooseNoAuth}, {onion_request().size(), Bytes{5, 0, 0, 1, 127, 0}}});
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error(), errc::connection_closed);
  // No answer at all.
  auto [nothing, r3] = run(proxy(), "example.onion", 5223, {{3, {}}});
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error(), errc::connection_closed);
}

TEST_F(Socks5, UsernameAndPasswordWhenTheProxyChoosesThem) {
  const SocksCredentials credentials{.username = "user", .password = "pw"};
  const Bytes auth = concat({Bytes{1, 4}, text_bytes("user"), Bytes{2}, text_bytes("pw")});
  const Bytes request = onion_request();
  auto [result, received] = run(proxy(credentials), "example.onion", 5223,
                                {{4, Bytes{5, 2}}, {auth.size(), Bytes{1, 0}},
                                 {request.size(), kSucceededIpv4}});
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(received, concat({Bytes{5, 2, 0, 2}, auth, request}));

  // Offered both, the proxy may choose no authentication.
  auto [no_auth, r2] = run(proxy(credentials), "example.onion", 5223,
                           {{4, kChooseNoAuth}, {request.size(), kSucceededIpv4}});
  EXPECT_TRUE(no_auth.has_value());

  // Credentials only: the greeting offers only them, and a proxy choosing none is refused.
  auto [only, r3] = run(proxy(credentials, false), "example.onion", 5223, {{3, kChooseNoAuth}});
  ASSERT_FALSE(only.has_value());
  EXPECT_EQ(only.error(), errc::network);
  EXPECT_EQ(r3, (Bytes{5, 1, 2}));

  // Refused credentials.
  auto [refused, r4] = run(proxy(credentials), "example.onion", 5223,
                           {{4, Bytes{5, 2}}, {auth.size(), Bytes{1, 1}}});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error(), errc::network);
}

TEST_F(Socks5, NothingListeningIsANetworkError) {
  SocksProxy p = proxy();
  acceptor_.close();
  net::io_context io;
  auto r = test::run_awaitable(io, client(p, "example.onion", 5223, 0));
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->has_value());
  EXPECT_EQ(r->error(), errc::network);
}

}  // namespace
}  // namespace smp::transport
