// libFuzzer target: what a hostile or broken SOCKS5 proxy can make the server's proxy role
// read (transport/socks5.h socks5_handshake: the method choice, the RFC 1929 status, the
// CONNECT reply with its bound address of any type and length, cut anywhere). The first
// byte picks what the greeting offers (no authentication; username/password only; both);
// the rest is everything the proxy sends before it closes the connection, over a real
// loopback TCP socket. The handshake must end in success or in errc::network /
// errc::connection_closed, never a crash or a hang; success needs a SOCKS5 method choice
// and a success reply. Violations abort.
// Seed corpus: fuzz/corpus/socks5_reply.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "smp/common/error.h"
#include "smp/transport/socks5.h"

namespace {

namespace net = boost::asio;
using Tcp = net::ip::tcp;

void require(bool ok) {
  if (!ok) std::abort();
}

struct Loopback {
  net::io_context io;
  Tcp::acceptor acceptor{io, Tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace smp;
  if (size == 0 || size > 4096) return 0;
  static Loopback net_;

  transport::SocksProxy proxy{.host = "127.0.0.1", .port = 1};
  switch (data[0] % 3) {
    case 0: break;  // no authentication
    case 1:
      proxy.credentials = transport::SocksCredentials{.username = "u", .password = "p"};
      proxy.offer_no_auth = false;
      break;
    default:
      proxy.credentials = transport::SocksCredentials{.username = "isolate", .password = {}};
      proxy.offer_no_auth = true;
      break;
  }

  Tcp::socket client(net_.io), server(net_.io);
  client.connect(net_.acceptor.local_endpoint());
  net_.acceptor.accept(server);
  // The proxy's whole answer, then its end of the stream; what the client sends stays
  // unread in the kernel's buffer (a few hundred bytes at most).
  net::write(server, net::buffer(data + 1, size - 1));
  server.shutdown(Tcp::socket::shutdown_send);

  std::optional<Result<void>> result;
  net::co_spawn(
      net_.io,
      [&]() -> net::awaitable<void> {
        result = co_await transport::socks5_handshake(client, proxy, "abcdef.onion", 5223);
      },
      net::detached);
  net_.io.restart();
  net_.io.run();
  require(result.has_value());
  if (result->has_value()) {
    require(size >= 3 && data[1] == 5);
  } else {
    const error_code& e = result->error();
    require(e == errc::network || e == errc::connection_closed);
  }
  return 0;
}
