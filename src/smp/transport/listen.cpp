#include "smp/transport/listen.h"

#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <fmt/format.h>

namespace smp::transport {

namespace net = boost::asio;
using Tcp = net::ip::tcp;

boost::system::result<void, std::string> listen_on(Tcp::acceptor& acceptor, const std::string& host,
                                                   std::uint16_t port) {
  std::vector<Tcp::endpoint> candidates;
  if (host.empty()) {
    candidates = {Tcp::endpoint(Tcp::v6(), port), Tcp::endpoint(Tcp::v4(), port)};
  } else {
    boost::system::error_code ec;
    net::io_context resolver_io;
    Tcp::resolver resolver(resolver_io);
    auto results = resolver.resolve(host, std::to_string(port), Tcp::resolver::passive, ec);
    if (ec) return fmt::format("cannot resolve listening host '{}': {}", host, ec.message());
    for (const auto& r : results) candidates.push_back(r.endpoint());
  }
  boost::system::error_code last;
  for (const Tcp::endpoint& e : candidates) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    acceptor.open(e.protocol(), last);
    if (last) continue;
    acceptor.set_option(Tcp::acceptor::reuse_address(true), ignored);
    if (e.address().is_v6() && host.empty()) acceptor.set_option(net::ip::v6_only(false), ignored);
    acceptor.bind(e, last);
    if (last) continue;
    acceptor.listen(net::socket_base::max_listen_connections, last);
    if (last) continue;
    return {};
  }
  boost::system::error_code ignored;
  acceptor.close(ignored);
  return fmt::format("cannot listen on {}:{}: {}", host.empty() ? "*" : host, port, last.message());
}

}  // namespace smp::transport
