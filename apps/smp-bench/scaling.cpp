#include "scaling.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string_view>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bench_support.h"
#include "proc_stats.h"
#include "smp/protocol/transmission.h"
#include "smp/protocol/wire_format.h"
#include "smp/transport/connect.h"

namespace smp::bench {

namespace {

namespace proto = protocol;
using Clock = std::chrono::steady_clock;
using Transport = std::unique_ptr<transport::BlockTransport>;

constexpr auto kConnectTimeout = std::chrono::seconds(30);
// corrIds of the replayed commands: the server echoes a corrId and never checks it.
constexpr std::string_view kSendCorr = "s", kAckCorr = "a", kDelCorr = "d";

std::int64_t now_ns() { return Clock::now().time_since_epoch().count(); }

// One queue as the replay needs it: its recipient id (to match MSGs) and its blocks' content.
struct ReplayQueue {
  Bytes recipient_id;
  Bytes send;  // SEND of the benchmark body, signed with the sender key
  Bytes ack;   // ACK, signed with the recipient key
  Bytes del;   // DEL, for cleaning up
};

Result<Bytes> encode(const transport::BlockTransport& t, std::string_view corr, ByteView qid,
                     const proto::Command& c, const crypto::PrivateKey& key) {
  proto::TransmissionIds ids{t.session_id(), as_bytes(corr), qid};
  return proto::encode_command_transmission(ids, c, &key);
}

// A sender and a recipient connection and the queues between them. Everything but the
// atomics and stop() runs on the pair's strand: a strand of its own when the io_context has
// several threads, else the io_context itself (no strand to pay for).
class Pair {
 public:
  Pair(net::io_context& io, const ScalingOptions& o, std::uint64_t share)
      : strand_(o.threads > 1 ? net::any_io_executor(net::make_strand(io))
                              : net::any_io_executor(io.get_executor())),
        o_(o), share_(share), wake_(strand_, Clock::time_point::max()) {}

  const net::any_io_executor& strand() const { return strand_; }

  net::awaitable<Result<void>> setup(std::size_t queue_count) {
    std::string port = o_.server.port.empty() ? std::string(proto::kDefaultPort) : o_.server.port;
    for (Transport* t : {&recipient_, &sender_}) {
      auto c = co_await transport::connect_tls(strand_, o_.server.host, port, o_.server.key_hash,
                                               kConnectTimeout);
      if (!c) {
        spdlog::warn("connecting failed: {}", c.error().message());
        co_return c.error();
      }
      *t = std::move(*c);
    }
    Bytes body(o_.size, 'x');
    for (std::size_t i = 0; i < queue_count; ++i) {
      auto made = co_await make_queue(body);
      if (!made) {
        spdlog::warn("making queue {} failed: {}", i, made.error().message());
        co_return made.error();
      }
    }
    co_return Result<void>{};
  }

  // The measured phase: until every message of this pair's share is delivered or failed,
  // or stop() is called.
  net::awaitable<void> measure() {
    using namespace net::experimental::awaitable_operators;
    co_await (write_sends() && read_answers() && receive());
  }

  // DEL of every queue, each answer awaited; then both connections are closed.
  net::awaitable<void> delete_queues() {
    for (const auto& q : queues_) {
      if (!co_await recipient_->write_block(q.del)) break;
    }
    std::size_t answered = 0;
    while (answered < queues_.size()) {
      auto block = co_await recipient_->read_block_view();
      if (!block) break;
      auto t = proto::parse_transmission(*block);
      if (t && as_chars(t->corr_id) == kDelCorr) ++answered;
    }
    close();
  }

  // Ends the measured phase at once (from any thread): both connections are closed.
  void stop() {
    net::post(strand_, [this] {
      stopped_ = true;
      close();
      wake_.cancel();
    });
  }

  std::atomic<std::uint64_t> sent_ok{0}, delivered{0}, failed{0}, errors{0};
  std::atomic<std::int64_t> last_delivery_ns{0};

 private:
  net::awaitable<Result<Bytes>> request(transport::BlockTransport& t, Result<Bytes> content) {
    if (!content) co_return content.error();
    auto written = co_await t.write_block(*content);
    if (!written) co_return written.error();
    co_return co_await t.read_block();
  }

  net::awaitable<Result<void>> make_queue(const Bytes& body) {
    auto rk = crypto::generate_key_pair(o_.alg);
    auto dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
    auto sk = crypto::generate_key_pair(o_.alg);
    auto ids_block = co_await request(
        *recipient_, encode(*recipient_, "n", {}, proto::cmd::New{rk.public_key, dh.public_key},
                            rk.private_key));
    if (!ids_block) co_return ids_block.error();
    auto answer = proto::receive_broker_message(*ids_block, recipient_->session_id());
    if (!answer.message || !std::holds_alternative<proto::msg::Ids>(*answer.message)) {
      co_return make_error_code(errc::unexpected_response);
    }
    const auto& ids = std::get<proto::msg::Ids>(*answer.message);
    ReplayQueue q;
    q.recipient_id = to_bytes(ids.rcv_id);
    Bytes sender_id = to_bytes(ids.snd_id);
    auto ok_block = co_await request(
        *recipient_,
        encode(*recipient_, "k", q.recipient_id, proto::cmd::Key{sk.public_key}, rk.private_key));
    if (!ok_block) co_return ok_block.error();
    auto ok = proto::receive_broker_message(*ok_block, recipient_->session_id());
    if (!ok.message || !std::holds_alternative<proto::msg::Ok>(*ok.message)) {
      co_return make_error_code(errc::unexpected_response);
    }
    auto send = encode(*sender_, kSendCorr, sender_id, proto::cmd::Send{body}, sk.private_key);
    auto ack = encode(*recipient_, kAckCorr, q.recipient_id, proto::cmd::Ack{}, rk.private_key);
    auto del = encode(*recipient_, kDelCorr, q.recipient_id, proto::cmd::Del{}, rk.private_key);
    for (const auto* encoded : {&send, &ack, &del}) {
      if (!*encoded) co_return encoded->error();
    }
    q.send = std::move(*send);
    q.ack = std::move(*ack);
    q.del = std::move(*del);
    queues_.push_back(std::move(q));
    co_return Result<void>{};
  }

  // Messages sent and neither delivered nor refused.
  std::uint64_t outstanding() const {
    return written_ - delivered.load(std::memory_order_relaxed) -
           failed.load(std::memory_order_relaxed);
  }

  // SENDs round-robin over the queues, at most `window` outstanding.
  net::awaitable<void> write_sends() {
    std::size_t next = 0;
    while (written_ < share_ && !stopped_) {
      if (outstanding() >= o_.window) {
        // Woken by either reader on this strand; nothing runs between the test and the wait.
        wake_.expires_at(Clock::time_point::max());
        boost::system::error_code ec;
        co_await wake_.async_wait(net::redirect_error(net::use_awaitable, ec));
        continue;
      }
      const ReplayQueue& q = queues_[next];
      next = (next + 1) % queues_.size();
      ++written_;
      if (!co_await sender_->write_block(q.send)) co_return fail_unless_stopped();
    }
  }

  // The answers to the SENDs: OK, or a refusal (ERR) that will never be delivered.
  net::awaitable<void> read_answers() {
    for (std::uint64_t answered = 0; answered < share_; ++answered) {
      auto block = co_await sender_->read_block_view();
      if (!block) co_return fail_unless_stopped();
      auto t = proto::parse_transmission(*block);
      if (t && as_chars(t->command) == "OK") {
        sent_ok.fetch_add(1, std::memory_order_relaxed);
      } else {
        failed.fetch_add(1, std::memory_order_relaxed);
        errors.fetch_add(1, std::memory_order_relaxed);
      }
      wake_.cancel();
    }
  }

  // MSGs, each answered with its queue's ACK. An OK is the answer to an ACK that found the
  // queue empty (the next message then comes as a MSG of its own).
  net::awaitable<void> receive() {
    while (delivered.load(std::memory_order_relaxed) + failed.load(std::memory_order_relaxed) <
           share_) {
      auto block = co_await recipient_->read_block_view();
      if (!block) co_return fail_unless_stopped();
      auto t = proto::parse_transmission(*block);
      std::string_view command = t ? as_chars(t->command) : std::string_view{};
      if (command.starts_with("MSG ")) {
        const ReplayQueue* q = find(t->queue_id);
        if (q == nullptr) {
          errors.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        delivered.fetch_add(1, std::memory_order_relaxed);
        last_delivery_ns.store(now_ns(), std::memory_order_relaxed);
        wake_.cancel();
        if (!co_await recipient_->write_block(q->ack)) co_return fail_unless_stopped();
      } else if (command != "OK") {
        errors.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }

  const ReplayQueue* find(ByteView recipient_id) const {
    for (const auto& q : queues_) {
      if (std::ranges::equal(q.recipient_id, recipient_id)) return &q;
    }
    return nullptr;
  }

  void fail_unless_stopped() {
    if (!stopped_) errors.fetch_add(1, std::memory_order_relaxed);
  }

  void close() {
    if (sender_) sender_->close();
    if (recipient_) recipient_->close();
  }

  net::any_io_executor strand_;
  const ScalingOptions& o_;
  const std::uint64_t share_;
  Transport sender_, recipient_;
  std::vector<ReplayQueue> queues_;
  net::steady_timer wake_;  // the writer waits on it; the readers cancel it
  std::uint64_t written_ = 0;
  bool stopped_ = false;
};

class Run {
 public:
  explicit Run(const ScalingOptions& o) : o_(o) {}

  net::awaitable<Result<ScalingResult>> main(net::io_context& io) {
    const std::size_t pairs = std::max<std::size_t>(o_.pairs, 1);
    const std::size_t queues = std::max(o_.queues, pairs);
    for (std::size_t i = 0; i < pairs; ++i) {
      std::uint64_t share = o_.messages / pairs + (i < o_.messages % pairs ? 1 : 0);
      std::size_t count = queues / pairs + (i < queues % pairs ? 1 : 0);
      pairs_.push_back(std::make_unique<Pair>(io, o_, share));
      Pair& p = *pairs_.back();
      auto ready = co_await net::co_spawn(p.strand(), p.setup(count), net::use_awaitable);
      if (!ready) co_return ready.error();
    }

    const int self = static_cast<int>(::getpid());
    auto self_before = sample_process(self);
    auto server_before = sample(o_.server_pid);
    const std::int64_t start = now_ns();
    std::atomic<std::size_t> finished{0};
    for (auto& p : pairs_) {
      net::co_spawn(p->strand(), p->measure(),
                    [&finished](std::exception_ptr) { finished.fetch_add(1); });
    }
    co_await wait_until_done(finished);
    auto self_after = sample_process(self);
    auto server_after = sample(o_.server_pid);
    const double wall_s = static_cast<double>(now_ns() - start) / 1e9;

    ScalingResult r;
    std::int64_t last = start;
    for (auto& p : pairs_) {
      r.sent += p->sent_ok.load();
      r.delivered += p->delivered.load();
      r.errors += p->errors.load();
      last = std::max(last, p->last_delivery_ns.load());
    }
    if (r.sent > r.delivered) r.errors += r.sent - r.delivered;  // sent but never delivered
    r.seconds = static_cast<double>(last - start) / 1e9;
    r.msgs_per_s = r.seconds > 0 ? static_cast<double>(r.delivered) / r.seconds : 0;
    if (r.delivered > 0 && self_before && self_after && wall_s > 0) {
      double cpu = static_cast<double>((self_after->cpu - self_before->cpu).count());
      r.generator_cpu_us_per_msg = cpu / static_cast<double>(r.delivered);
      r.generator_cores_busy = cpu / 1e6 / wall_s;
    }
    if (auto d = server_delta(server_before, server_after); d && r.delivered > 0 && wall_s > 0) {
      r.server_cpu_us_per_msg = d->cpu_us / static_cast<double>(r.delivered);
      r.server_cores_busy = d->cpu_us / 1e6 / wall_s;
    }

    if (r.errors == 0) {
      for (auto& p : pairs_) {
        co_await net::co_spawn(p->strand(), p->delete_queues(), net::use_awaitable);
      }
    } else {
      for (auto& p : pairs_) p->stop();
    }
    co_return r;
  }

 private:
  // Until every pair has finished, or nothing was delivered for the stall timeout (then
  // every pair is stopped and awaited).
  net::awaitable<void> wait_until_done(const std::atomic<std::size_t>& finished) {
    net::steady_timer timer(co_await net::this_coro::executor);
    std::uint64_t last_seen = 0;
    auto last_progress = Clock::now();
    bool stopping = false;
    while (finished.load() < pairs_.size()) {
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(net::use_awaitable);
      if (stopping) continue;
      std::uint64_t seen = 0;
      for (auto& p : pairs_) seen += p->delivered.load() + p->failed.load();
      if (seen != last_seen) {
        last_seen = seen;
        last_progress = Clock::now();
      } else if (Clock::now() - last_progress > o_.stall_timeout) {
        spdlog::warn("no delivery for {} ms; stopping", o_.stall_timeout.count());
        for (auto& p : pairs_) p->stop();
        stopping = true;
      }
    }
  }

  const ScalingOptions& o_;
  std::vector<std::unique_ptr<Pair>> pairs_;
};

}  // namespace

Result<ScalingResult> run_scaling(const ScalingOptions& options) {
  // Declared before the run, so the run's connections go before the io_context does.
  net::io_context io;
  Run run(options);
  return run_on_io<ScalingResult>(io, options.threads,
                                  [&](net::io_context& ctx) { return run.main(ctx); });
}

}  // namespace smp::bench
