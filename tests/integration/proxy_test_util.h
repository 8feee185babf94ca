// What the proxy tests share: the proxy role with short deadlines, and a port nothing
// listens on (an unreachable destination).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>

#include "smp/server/server_config.h"

namespace smp::test {

inline void proxy_role(server::ServerConfig& c) {
  using namespace std::chrono_literals;
  c.allow_smp_proxy = true;
  c.proxy_connect_timeout = 3s;
  c.proxy_request_timeout = 1500ms;
}

// The port of a listener closed at once: a connection to it is refused.
inline std::uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

}  // namespace smp::test
