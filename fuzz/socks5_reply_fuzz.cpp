// libFuzzer target: what a hostile or broken SOCKS5 proxy can make the server's proxy role
// read (transport/socks5.h socks5_handshake: the method choice, the RFC 1929 status, the
// CONNECT reply with its bound address of any type and length, cut anywhere). The first
// byte picks what the greeting offers (no authentication; username/password only; both);
// the rest is everything the proxy sends before it closes the connection, through a kernel
// stream socket pair (AF_UNIX: a loopback TCP connection per input would run out of
// ephemeral ports in TIME_WAIT within a minute of fuzzing; the handshake only reads and
// writes the stream). The handshake must end in success or in errc::network /
// errc::connection_closed, never a crash or a hang; success needs a SOCKS5 method choice
// and a success reply. Violations abort.
// Seed corpus: fuzz/corpus/socks5_reply.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/detached.hpp>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <sys/socket.h>
#include <unistd.h>

#include "smp/common/error.h"
#include "smp/transport/socks5.h"

namespace {

namespace net = boost::asio;
using Tcp = net::ip::tcp;

void require(bool ok) {
  if (!ok) std::abort();
}


}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace smp;
  if (size == 0 || size > 4096) return 0;
  static net::io_context io;

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

  int fds[2];
  require(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  Tcp::socket client(io);
  client.assign(Tcp::v4(), fds[0]);
  // The proxy's whole answer, then its end of the stream; what the client sends stays
  // unread in the kernel's buffer (a few hundred bytes at most).
  const std::uint8_t* answer = data + 1;
  std::size_t left = size - 1;
  while (left > 0) {
    const ssize_t n = ::write(fds[1], answer, left);
    require(n > 0);
    answer += n;
    left -= static_cast<std::size_t>(n);
  }
  require(::shutdown(fds[1], SHUT_WR) == 0);

  std::optional<Result<void>> result;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        result = co_await transport::socks5_handshake(client, proxy, "abcdef.onion", 5223);
      },
      net::detached);
  io.restart();
  io.run();
  ::close(fds[1]);
  require(result.has_value());
  if (result->has_value()) {
    require(size >= 3 && data[1] == 5);
  } else {
    const error_code& e = result->error();
    require(e == errc::network || e == errc::connection_closed);
  }
  return 0;
}
