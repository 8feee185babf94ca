// NeverReadingClient: a connected TestClient whose own thread writes PING blocks as fast as
// the server takes them and never reads an answer, as a stuck or hostile peer would. Once the
// server stops reading it (its send queue and the socket buffers are full) the writes stall;
// when the server hangs up they fail and the flood ends. The client is closed and the thread
// joined on destruction. Its counters may be read from any thread.
#pragma once

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "server_test_util.h"

namespace smp::test {

class NeverReadingClient {
 public:
  // Starts flooding over `client` (already connected; other calls on it must stop).
  explicit NeverReadingClient(std::unique_ptr<TestClient> client) : client_(std::move(client)) {
    protocol::TransmissionIds ids{client_->session_id(), as_bytes("p"), {}};
    ping_ = protocol::encode_command_transmission(ids, cmd::Ping{}, nullptr).value();
    thread_ = std::thread([this] {
      auto flood = [this]() -> boost::asio::awaitable<void> {
        for (;;) {
          auto r = co_await client_->transport().write_block(ping_);
          if (!r) break;
          ++written_;
        }
      };
      boost::asio::co_spawn(client_->io(), flood(), [this](std::exception_ptr) { ended_ = true; });
      client_->io().restart();
      client_->io().run_for(kRunLimit);
    });
  }
  NeverReadingClient(const NeverReadingClient&) = delete;
  NeverReadingClient& operator=(const NeverReadingClient&) = delete;
  ~NeverReadingClient() {
    if (!ended_) client_->io().stop();
    thread_.join();
    client_.reset();  // ends a write still pending while ping_ and the counters are alive
  }

  // Blocks written so far.
  int written() const { return written_.load(); }
  // True once a write failed: the server hung up.
  bool ended() const { return ended_.load(); }

  // Waits until no block has gone out for `quiet` (true: the flood has stalled) or the flood
  // ended or `timeout` passed (false).
  bool wait_stalled(std::chrono::milliseconds quiet, std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int last = -1;
    while (std::chrono::steady_clock::now() < deadline && !ended_) {
      int now = written_.load();
      if (now == last) return true;
      last = now;
      std::this_thread::sleep_for(quiet);
    }
    return false;
  }

  // wait_stalled for many clients at once: true when, over one `quiet` interval, none of them
  // wrote a block (and none ended); false if one ended or `timeout` passed first.
  template <class Range>
  static bool wait_all_stalled(const Range& clients, std::chrono::milliseconds quiet,
                               std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<int> last;
    while (std::chrono::steady_clock::now() < deadline) {
      std::vector<int> now;
      for (const auto& c : clients) {
        if (c->ended()) return false;
        now.push_back(c->written());
      }
      if (now == last) return true;
      last = std::move(now);
      std::this_thread::sleep_for(quiet);
    }
    return false;
  }

 private:
  static constexpr std::chrono::seconds kRunLimit{120};
  std::unique_ptr<TestClient> client_;
  Bytes ping_;
  std::atomic<int> written_{0};
  std::atomic<bool> ended_{false};
  std::thread thread_;
};

}  // namespace smp::test
