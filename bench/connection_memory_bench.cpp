// Heap bytes an idle server-side connection keeps in the transport layer: TLS (+ SMP
// handshake) over loopback, one block each way, then the client sides closed and freed, so
// only the server transports remain. mallinfo2 (glibc), in this process, single-threaded:
// the exact heap cost, without the page rounding and fragmentation RSS shows.
//   BM_IdleServerTransportHeap/<certificate algorithm: 0 Ed25519, 1 Ed448>
// Not a unit test: numbers depend on the OpenSSL build.

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <vector>

#include "smp/transport/certificates.h"
#include "smp/transport/connect.h"
#include "smp/transport/tls.h"

namespace {

using namespace smp;
namespace net = boost::asio;
using transport::Tcp;
using Transport = std::unique_ptr<transport::BlockTransport>;

double heap_in_use() {
  struct mallinfo2 m = mallinfo2();
  return static_cast<double>(m.uordblks + m.hblkhd);
}

net::awaitable<Transport> accept_one(Tcp::acceptor& acceptor, transport::ssl::context& ctx,
                                     const transport::ServerHandshakeIdentity& identity) {
  auto socket = co_await acceptor.async_accept(net::use_awaitable);
  auto t = co_await transport::accept_connection(std::move(socket), ctx, identity,
                                                 transport::TransportKind::tls,
                                                 std::chrono::seconds(10));
  co_return t ? std::move(*t) : nullptr;
}

// Both sides exchange one block, as a connection that has been used once.
net::awaitable<void> ping_pong(transport::BlockTransport& client, transport::BlockTransport& server) {
  (void)co_await client.write_block(as_bytes("ping"));
  (void)co_await server.read_block_view();
  (void)co_await server.write_block(as_bytes("pong"));
  (void)co_await client.read_block_view();
}

// Runs handlers until `f` is ready; other work (pending reads) may stay outstanding.
template <class F>
void drive(net::io_context& io, F& f) {
  io.restart();
  while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
}

void BM_IdleServerTransportHeap(benchmark::State& state) {
  auto alg = state.range(0) == 0 ? transport::CertificateAlgorithm::ed25519
                                 : transport::CertificateAlgorithm::ed448;
  auto set = transport::generate_certificates({.algorithm = alg, .server_name = "127.0.0.1"});
  auto credentials = transport::server_credentials(*set);
  auto ctx = transport::make_server_context(credentials);
  auto identity = transport::server_handshake_identity(credentials).value();
  Bytes key_hash = to_bytes(*transport::key_hash_of_certificate_pem(set->ca_cert_pem));
  const int n = 300;
  for (auto _ : state) {
    net::io_context io;
    Tcp::acceptor acceptor(io, Tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    std::string port = std::to_string(acceptor.local_endpoint().port());
    std::vector<Transport> servers, clients;
    auto one = [&]() {
      auto s = net::co_spawn(io, accept_one(acceptor, *ctx, identity), net::use_future);
      auto c = net::co_spawn(io,
                             transport::connect_tls(io.get_executor(), "127.0.0.1", port,
                                                    key_hash, std::chrono::seconds(10)),
                             net::use_future);
      drive(io, s);
      drive(io, c);
      auto server = s.get();
      auto client = c.get();
      if (!server || !client) return false;
      auto p = net::co_spawn(io, ping_pong(**client, *server), net::use_future);
      drive(io, p);
      p.get();
      // The server side waits for its next block, as an idle session's reader does.
      net::co_spawn(io, server->read_block_view(), net::detached);
      io.restart();
      io.poll();
      servers.push_back(std::move(server));
      clients.push_back(std::move(*client));
      return true;
    };
    one();  // warm-up: lazily made shared state is not counted
    clients.front()->close();
    clients.clear();
    io.restart();
    io.poll();
    double before = heap_in_use();
    for (int i = 0; i < n; ++i) {
      if (!one()) {
        state.SkipWithError("handshake failed");
        return;
      }
    }
    for (auto& c : clients) c->close();
    clients.clear();
    io.restart();
    io.poll();
    double after = heap_in_use();
    state.counters["heap_bytes_per_server_transport"] = (after - before) / n;
    for (auto& t : servers) t->close();
    io.restart();
    io.poll();
  }
}
BENCHMARK(BM_IdleServerTransportHeap)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
