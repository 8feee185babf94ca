// A TCP relay for tests of readers: it forwards the client's bytes to the server in small
// pieces with a pause after each, so that records and blocks arrive split, and can cut the
// stream or change one byte on the way. Not thread-safe; runs on the test's io_context.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "loopback.h"
#include "smp/common/bytes.h"

namespace smp::test {

namespace net = boost::asio;

inline net::awaitable<void> pause(std::chrono::milliseconds d) {
  net::steady_timer t(co_await net::this_coro::executor, d);
  co_await t.async_wait(kUseTuple);
}

// Forwards client → server bytes in small pieces (3 bytes, then up to 1000, with a pause
// after each), so records and even record headers arrive split; server → client as read.
// Once `limit` bytes have gone client → server it closes both sides; the byte at `flip`
// (counted client → server) is changed on its way.
class Relay {
 public:
  explicit Relay(net::io_context& io)
      : acceptor_(io, Tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {}
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::size_t forwarded() const { return forwarded_; }
  void set_limit(std::size_t limit) { limit_ = limit; }
  void set_flip(std::size_t at) { flip_ = at; }

  net::awaitable<void> run(Tcp::endpoint server) {
    auto [ec, from_client] = co_await acceptor_.async_accept(kUseTuple);
    if (ec) co_return;
    client_ = std::make_unique<Tcp::socket>(std::move(from_client));
    server_ = std::make_unique<Tcp::socket>(acceptor_.get_executor());
    std::tie(ec) = co_await server_->async_connect(server, kUseTuple);
    if (ec) co_return;
    net::co_spawn(acceptor_.get_executor(), back(), net::detached);
    Bytes buf(1000);
    bool small = true;
    for (;;) {
      std::size_t want = small ? 3 : buf.size();
      small = !small;
      if (limit_) want = std::min(want, *limit_ - forwarded_);
      if (want == 0) break;
      auto [rec, n] = co_await client_->async_read_some(net::buffer(buf.data(), want), kUseTuple);
      if (rec) break;
      if (flip_ && *flip_ >= forwarded_ && *flip_ < forwarded_ + n) buf[*flip_ - forwarded_] ^= 1;
      auto [wec, m] = co_await net::async_write(*server_, net::buffer(buf.data(), n), kUseTuple);
      if (wec) break;
      forwarded_ += n;
      co_await pause(std::chrono::milliseconds(1));
    }
    error_code ignored;
    server_->close(ignored);
    client_->close(ignored);
  }

 private:
  net::awaitable<void> back() {
    Bytes buf(4096);
    for (;;) {
      auto [rec, n] = co_await server_->async_read_some(net::buffer(buf), kUseTuple);
      if (rec) co_return;
      auto [wec, m] = co_await net::async_write(*client_, net::buffer(buf.data(), n), kUseTuple);
      if (wec) co_return;
    }
  }

  Tcp::acceptor acceptor_;
  std::unique_ptr<Tcp::socket> client_, server_;
  std::size_t forwarded_ = 0;
  std::optional<std::size_t> limit_;
  std::optional<std::size_t> flip_;
};

}  // namespace smp::test
