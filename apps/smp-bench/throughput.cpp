#include "throughput.h"

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <spdlog/spdlog.h>

#include "bench_support.h"
#include "latency_recorder.h"
#include "proc_stats.h"
#include "smp/client/smp_client.h"

namespace smp::bench {

namespace {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;
using client::SmpClient;

// One queue under test. Send times wait in a FIFO: messages of a queue arrive in order.
struct QueueUnderTest {
  client::NewQueue queue;
  crypto::PrivateKey sender_key;
  SmpClient* sender = nullptr;
  const client::ProxiedRelay* relay = nullptr;  // set when sending through a proxy
  SmpClient* recipient = nullptr;
  std::uint64_t share = 0;  // messages this queue sends
  std::mutex mutex;
  std::deque<Clock::time_point> in_flight;
  std::atomic<std::uint64_t> acked{0};  // ACKs answered (or failed)
};

struct Counters {
  std::atomic<std::uint64_t> sent{0}, send_failed{0}, delivered{0}, ack_failed{0};
  std::atomic<std::int64_t> last_delivery_ns{0};
};

class Run {
 public:
  explicit Run(const ThroughputOptions& o) : o_(o) {}

  net::awaitable<Result<ThroughputResult>> main(net::io_context& io) {
    auto ex = io.get_executor();
    client::ClientConfig config;
    config.ping_interval = std::chrono::seconds(0);
    config.protocols = o_.protocols;
    for (std::size_t i = 0; i < o_.conns; ++i) {
      client::ClientCallbacks callbacks;
      callbacks.on_event = [this, &io](client::ServerEvent e) { on_event(io, std::move(e)); };
      auto r = co_await SmpClient::connect(ex, o_.server, config, std::move(callbacks));
      if (!r) co_return r.error();
      recipients_.push_back(std::move(*r));
      auto s = co_await SmpClient::connect(ex, o_.proxy.value_or(o_.server), config);
      if (!s) co_return s.error();
      if (o_.proxy) {
        auto relay = co_await (*s)->create_proxied_relay(o_.server);
        if (!relay) co_return relay.error();
        relays_.push_back(std::move(*relay));
      }
      senders_.push_back(std::move(*s));
    }
    if (auto made = co_await make_queues(); !made) co_return made.error();

    auto before = sample(o_.server_pid);
    auto proxy_before = sample(o_.proxy_pid);
    start_ = Clock::now();
    for (auto& q : queues_) net::co_spawn(io, send_all(*q), net::detached);
    co_await wait_until_done();
    auto after = sample(o_.server_pid);
    auto proxy_after = sample(o_.proxy_pid);

    ThroughputResult result = summarize();
    result.smp_version = recipients_.front()->smp_version();
    if (before && after && result.delivered > 0) {
      result.server_cpu_us_per_msg = static_cast<double>((after->cpu - before->cpu).count()) /
                                     static_cast<double>(result.delivered);
      result.server_rss_bytes = after->rss_bytes;
    }
    if (proxy_before && proxy_after && result.delivered > 0) {
      result.proxy_cpu_us_per_msg =
          static_cast<double>((proxy_after->cpu - proxy_before->cpu).count()) /
          static_cast<double>(result.delivered);
    }
    co_await delete_queues();
    for (auto& c : recipients_) c->close();
    for (auto& c : senders_) c->close();
    co_return result;
  }

 private:
  net::awaitable<Result<void>> make_queues() {
    std::uint64_t base = o_.messages / o_.queues, extra = o_.messages % o_.queues;
    for (std::size_t i = 0; i < o_.queues; ++i) {
      SmpClient& recipient = *recipients_[i % o_.conns];
      auto made = co_await recipient.create_queue(o_.alg);
      if (!made) co_return made.error();
      auto sender_key = crypto::generate_key_pair(o_.alg);
      auto secured = co_await recipient.secure_queue(made->recipient_key, made->ids.recipient_id,
                                                     sender_key.public_key);
      if (!secured) co_return secured.error();
      std::unique_ptr<QueueUnderTest> q(new QueueUnderTest{std::move(*made),
                                                           std::move(sender_key.private_key),
                                                           senders_[i % o_.conns].get(),
                                                           o_.proxy ? &relays_[i % o_.conns]
                                                                    : nullptr,
                                                           &recipient,
                                                           base + (i < extra ? 1 : 0),
                                                           {},
                                                           {},
                                                           {0}});
      by_recipient_id_.emplace(std::string(as_chars(q->queue.ids.recipient_id)), q.get());
      queues_.push_back(std::move(q));
    }
    co_return Result<void>{};
  }

  net::awaitable<void> send_all(QueueUnderTest& q) {
    Bytes body(o_.size, 'x');
    std::uint64_t failed = 0;
    for (std::uint64_t k = 0; k < q.share; ++k) {
      if (o_.window > 0) co_await wait_for_room(q, k - failed);
      {
        std::lock_guard lock(q.mutex);
        q.in_flight.push_back(Clock::now());
      }
      Result<void> sent;
      if (q.relay != nullptr) {
        sent = co_await q.sender->send_message_via_proxy(*q.relay, &q.sender_key,
                                                         q.queue.ids.sender_id, body);
      } else {
        sent = co_await q.sender->send_message(&q.sender_key, q.queue.ids.sender_id, body);
      }
      if (sent) {
        counters_.sent.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      counters_.send_failed.fetch_add(1, std::memory_order_relaxed);
      ++failed;
      spdlog::debug("SEND failed: {}", sent.error().message());
      std::lock_guard lock(q.mutex);
      if (!q.in_flight.empty()) q.in_flight.pop_back();
    }
  }

  // Until fewer than `window` of the `accepted` messages q sent are not yet ACKed (the ACK
  // answered). Polls with a short timer local to the sender: the ACKs complete on the
  // recipient's strand, possibly on another thread.
  net::awaitable<void> wait_for_room(QueueUnderTest& q, std::uint64_t accepted) {
    net::steady_timer timer(co_await net::this_coro::executor);
    while (accepted - q.acked.load(std::memory_order_acquire) >= o_.window) {
      timer.expires_after(std::chrono::microseconds(100));
      co_await timer.async_wait(net::use_awaitable);
    }
  }

  // Runs on the recipient connection's strand.
  void on_event(net::io_context& io, client::ServerEvent e) {
    if (e.kind != client::EventKind::message) return;
    auto it = by_recipient_id_.find(std::string(as_chars(e.queue_id)));
    if (it == by_recipient_id_.end()) return;
    QueueUnderTest& q = *it->second;
    auto now = Clock::now();
    {
      std::lock_guard lock(q.mutex);
      if (!q.in_flight.empty()) {
        latencies_.add(now - q.in_flight.front());
        q.in_flight.pop_front();
      }
    }
    counters_.delivered.fetch_add(1, std::memory_order_relaxed);
    counters_.last_delivery_ns.store((now - start_).count(), std::memory_order_relaxed);
    // The coroutine owns the message id (the event is gone before it runs).
    auto ack = [](client::SmpClient& c, const QueueUnderTest& acked,
                  Bytes msg_id) -> net::awaitable<Result<void>> {
      co_return co_await c.ack(acked.queue.recipient_key, acked.queue.ids.recipient_id, msg_id);
    };
    net::co_spawn(io, ack(*q.recipient, q, std::move(e.message.msg_id)),
                  [this, &q](std::exception_ptr, Result<void> r) {
                    if (!r) counters_.ack_failed.fetch_add(1, std::memory_order_relaxed);
                    q.acked.fetch_add(1, std::memory_order_release);
                  });
  }

  net::awaitable<void> wait_until_done() {
    net::steady_timer timer(co_await net::this_coro::executor);
    std::uint64_t last_seen = 0;
    auto last_progress = Clock::now();
    for (;;) {
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(net::use_awaitable);
      // Done once every SEND is answered and every accepted message delivered (a MSG may
      // arrive before its SEND's OK).
      std::uint64_t delivered = counters_.delivered.load();
      std::uint64_t sent = counters_.sent.load();
      if (sent + counters_.send_failed.load() >= o_.messages && delivered >= sent) co_return;
      if (delivered != last_seen) {
        last_seen = delivered;
        last_progress = Clock::now();
      } else if (Clock::now() - last_progress > o_.stall_timeout) {
        spdlog::warn("no delivery for {} ms; stopping", o_.stall_timeout.count());
        co_return;
      }
    }
  }

  ThroughputResult summarize() const {
    ThroughputResult r;
    r.sent = counters_.sent.load();
    r.delivered = counters_.delivered.load();
    r.errors = counters_.send_failed.load() + counters_.ack_failed.load();
    if (r.sent > r.delivered) r.errors += r.sent - r.delivered;  // sent but never delivered
    r.seconds = static_cast<double>(counters_.last_delivery_ns.load()) / 1e9;
    r.msgs_per_s = r.seconds > 0 ? static_cast<double>(r.delivered) / r.seconds : 0;
    r.p50_ms = latencies_.percentile_ms(50);
    r.p90_ms = latencies_.percentile_ms(90);
    r.p99_ms = latencies_.percentile_ms(99);
    return r;
  }

  net::awaitable<void> delete_queues() {
    for (auto& q : queues_) {
      (void)co_await q->recipient->delete_queue(q->queue.recipient_key, q->queue.ids.recipient_id);
    }
  }

  const ThroughputOptions& o_;
  std::vector<std::unique_ptr<SmpClient>> recipients_, senders_;
  std::vector<client::ProxiedRelay> relays_;  // one per sender connection, with a proxy
  std::vector<std::unique_ptr<QueueUnderTest>> queues_;
  // Filled before the first SEND and only read afterwards.
  std::unordered_map<std::string, QueueUnderTest*> by_recipient_id_;
  Counters counters_;
  LatencyRecorder latencies_;
  Clock::time_point start_;
};

}  // namespace

Result<ThroughputResult> run_throughput(const ThroughputOptions& options) {
  // Declared before the run, so the run's clients go before the io_context does.
  net::io_context io;
  Run run(options);
  return run_on_io<ThroughputResult>(io, options.threads,
                                     [&](net::io_context& ctx) { return run.main(ctx); });
}

}  // namespace smp::bench
