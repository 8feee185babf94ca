// Opening a listening TCP socket for a server (the SMP server's listeners, the agent's client
// port): resolve the host, bind with SO_REUSEADDR, listen. Host "" means every interface,
// IPv6 dual-stack when the system has it, else IPv4.
//
// Thread rule: call before the acceptor is used by any other thread (blocking resolve).
#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/result.hpp>

namespace smp::transport {

// On failure the acceptor is closed and the one-line reason is returned, e.g.
// "cannot listen on 127.0.0.1:5224: Address already in use" or
// "cannot resolve listening host 'foo': Host not found".
boost::system::result<void, std::string> listen_on(boost::asio::ip::tcp::acceptor& acceptor,
                                                   const std::string& host, std::uint16_t port);

}  // namespace smp::transport
