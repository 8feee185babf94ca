#include "agent_bench.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "latency_recorder.h"
#include "proc_stats.h"
#include "smp/agent/agent.h"
#include "smp/agent/agent_command.h"
#include "smp/common/try.h"

namespace smp::bench {

namespace {

namespace net = boost::asio;
namespace agent = smp::agent;
namespace cmd = smp::agent::cmd;
using Clock = std::chrono::steady_clock;

// The directory for the two stores; removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "smp-bench-agent-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Both sides of connection i have the id "c<i>".
std::string conn_id_of(std::size_t i) { return fmt::format("c{}", i); }

std::optional<std::size_t> index_of(const std::string& conn_id, std::size_t count) {
  if (conn_id.size() < 2 || conn_id[0] != 'c') return std::nullopt;
  std::size_t i = 0;
  for (std::size_t k = 1; k < conn_id.size(); ++k) {
    if (conn_id[k] < '0' || conn_id[k] > '9') return std::nullopt;
    i = i * 10 + static_cast<std::size_t>(conn_id[k] - '0');
  }
  if (i >= count) return std::nullopt;
  return i;
}

// Body k of a connection: its number in decimal, filled to the size with 'x'.
Bytes body_of(std::uint64_t k, std::size_t size) {
  std::string s = fmt::format("{:08}", k);
  s.resize(std::max(size, s.size()), 'x');
  s.resize(size);
  return Bytes(s.begin(), s.end());
}

// Bytes of a store's pages that hold content (tables, indexes, their cell overhead; not free
// space, which the file keeps after deletions), from SQLite's dbstat table after a checkpoint.
std::uint64_t store_bytes(agent::SharedAgentStore& store) {
  auto used = store.with([](agent::AgentStore& s) -> Result<std::int64_t> {
    SMP_TRY_VOID(s.database().exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    SMP_TRY(auto st, s.database().prepare("SELECT sum(pgsize - unused) FROM dbstat"));
    SMP_TRY(bool row, st.step());
    return row ? st.column_int64(0) : 0;
  });
  return used ? static_cast<std::uint64_t>(std::max<std::int64_t>(*used, 0)) : 0;
}

struct Connection {
  // Handshake.
  Clock::time_point join_at;
  bool alice_con = false, bob_con = false;
  bool handshake_done = false;
  // Messages, alice → bob.
  std::uint64_t share = 0;      // messages this connection sends
  std::uint64_t submitted = 0;  // SENDs submitted
  std::uint64_t received = 0;   // MSGs at bob
  std::deque<Clock::time_point> in_flight;
};

class Bench {
 public:
  explicit Bench(const AgentBenchOptions& o) : o_(o), conns_(o.connections) {}

  Result<AgentBenchResult> run() {
    if (dir_.path().empty()) return make_error_code(errc::io_error);
    auto work = net::make_work_guard(io_);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < std::max<std::size_t>(o_.threads, 1); ++i) {
      threads.emplace_back([this] { io_.run(); });
    }
    auto r = run_phases();
    if (alice_) alice_->close();
    if (bob_) bob_->close();
    work.reset();
    io_.stop();
    for (auto& t : threads) t.join();
    return r;
  }

 private:
  Result<std::shared_ptr<agent::Agent>> make_agent(const char* name,
                                                   std::shared_ptr<agent::SharedAgentStore>& store,
                                                   agent::AgentEventSink sink) {
    agent::AgentConfig config;
    config.servers = {o_.server};
    config.queue_key_algorithm = o_.alg;
    config.store_path = dir_.path() / name;
    config.store_options.cache_capacity = o_.store_cache;
    auto s = agent::SharedAgentStore::open(config.store_path, config.store_options);
    if (!s) return s.error();
    store = *s;
    return agent::Agent::create(io_.get_executor(), config, store, std::move(sink));
  }

  Result<AgentBenchResult> run_phases() {
    auto a = make_agent("alice.db", alice_store_,
                        [this](agent::AgentEvent e) { on_alice(std::move(e)); });
    if (!a) return a.error();
    alice_ = *a;
    auto b =
        make_agent("bob.db", bob_store_, [this](agent::AgentEvent e) { on_bob(std::move(e)); });
    if (!b) return b.error();
    bob_ = *b;
    const std::uint64_t alice_empty = store_bytes(*alice_store_);
    const std::uint64_t bob_empty = store_bytes(*bob_store_);

    AgentBenchResult result;
    const auto handshake_start = Clock::now();
    if (auto made = make_connections(); !made) return made.error();
    result.handshake_seconds = seconds_since(handshake_start);
    result.join_con_p50_ms = join_con_.percentile_ms(50);
    result.join_con_max_ms = join_con_.percentile_ms(100);
    const std::uint64_t alice_bytes = store_bytes(*alice_store_);
    const std::uint64_t bob_bytes = store_bytes(*bob_store_);
    const auto grown = static_cast<double>((alice_bytes - std::min(alice_bytes, alice_empty)) +
                                           (bob_bytes - std::min(bob_bytes, bob_empty)));
    result.sqlite_bytes_per_conn = grown / static_cast<double>(2 * o_.connections);

    auto before = o_.server_pid ? sample_process(*o_.server_pid) : std::nullopt;
    auto self_before = sample_process(static_cast<int>(::getpid()));
    const std::uint64_t syncs_before = alice_store_->syncs() + bob_store_->syncs();
    send_messages();
    const std::uint64_t syncs = alice_store_->syncs() + bob_store_->syncs() - syncs_before;
    auto self_after = sample_process(static_cast<int>(::getpid()));
    auto after = o_.server_pid ? sample_process(*o_.server_pid) : std::nullopt;

    delete_connections();
    std::lock_guard lock(mutex_);
    result.sent = sent_;
    result.delivered = delivered_;
    result.errors = errors_;
    if (delivered_ < o_.messages) result.errors += o_.messages - delivered_;  // never arrived
    result.seconds = std::chrono::duration<double>(last_delivery_ - start_).count();
    result.msgs_per_s = result.seconds > 0 ? static_cast<double>(delivered_) / result.seconds : 0;
    result.p50_ms = latencies_.percentile_ms(50);
    result.p90_ms = latencies_.percentile_ms(90);
    result.p99_ms = latencies_.percentile_ms(99);
    if (delivered_ > 0) {
      result.wal_syncs_per_msg = static_cast<double>(syncs) / static_cast<double>(delivered_);
    }
    if (self_before && self_after && delivered_ > 0) {
      result.agents_cpu_us_per_msg =
          static_cast<double>((self_after->cpu - self_before->cpu).count()) /
          static_cast<double>(delivered_);
    }
    if (before && after && delivered_ > 0) {
      result.server_cpu_us_per_msg =
          static_cast<double>((after->cpu - before->cpu).count()) / static_cast<double>(delivered_);
    }
    return result;
  }

  static double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  }

  // ---- Handshakes: NEW at alice, JOIN at bob, CONF → LET at alice, CON at both ----

  Result<void> make_connections() {
    std::unique_lock lock(mutex_);
    const std::size_t first = std::min(std::max<std::size_t>(o_.handshakes, 1), conns_.size());
    for (std::size_t i = 0; i < first; ++i) start_handshake(i);
    next_handshake_ = first;
    std::size_t last_seen = 0;
    auto last_progress = Clock::now();
    while (handshakes_done_ < conns_.size() && !handshake_failed_) {
      cv_.wait_for(lock, std::chrono::milliseconds(200));
      if (handshakes_done_ != last_seen) {
        last_seen = handshakes_done_;
        last_progress = Clock::now();
      } else if (Clock::now() - last_progress > o_.stall_timeout) {
        spdlog::error("connections stalled at {} of {}", handshakes_done_, conns_.size());
        return make_error_code(errc::timeout);
      }
    }
    if (handshake_failed_) return make_error_code(errc::unexpected_response);
    return {};
  }

  // REQUIRES: mutex_ held.
  void start_handshake(std::size_t i) {
    alice_->submit("new", conn_id_of(i), cmd::New{agent::ConnectionMode::invitation});
  }

  // REQUIRES: mutex_ held.
  void handshake_progress(std::size_t i) {
    Connection& c = conns_[i];
    if (c.handshake_done || !c.alice_con || !c.bob_con) return;
    c.handshake_done = true;
    join_con_.add(Clock::now() - c.join_at);
    ++handshakes_done_;
    if (next_handshake_ < conns_.size()) start_handshake(next_handshake_++);
    cv_.notify_all();
  }

  // REQUIRES: mutex_ held.
  void fail(const agent::AgentEvent& e, const char* who) {
    auto text = agent::encode_command(e.command);
    std::string line = text ? std::string(text->begin(), text->end()).substr(0, 120) : "?";
    spdlog::warn("{} [{}|{}]: {}", who, e.corr_id, e.conn_id, line);
    ++errors_;
    if (handshakes_done_ < conns_.size()) handshake_failed_ = true;
    cv_.notify_all();
  }

  // ---- Messages ----

  void send_messages() {
    std::unique_lock lock(mutex_);
    const std::uint64_t base = o_.messages / conns_.size(), extra = o_.messages % conns_.size();
    for (std::size_t i = 0; i < conns_.size(); ++i) conns_[i].share = base + (i < extra ? 1 : 0);
    start_ = Clock::now();
    last_delivery_ = start_;
    sending_ = true;
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      const std::uint64_t n =
          o_.burst ? conns_[i].share
                   : std::min<std::uint64_t>(std::max<std::size_t>(o_.window, 1), conns_[i].share);
      for (std::uint64_t k = 0; k < n; ++k) submit_send(i);
    }
    std::uint64_t last_seen = 0;
    auto last_progress = Clock::now(), last_report = Clock::now();
    while (!(delivered_ + lost_ >= o_.messages && sent_ + merrs_ >= o_.messages &&
             acks_ >= delivered_)) {
      cv_.wait_for(lock, std::chrono::milliseconds(100));
      const auto now = Clock::now();
      if (delivered_ != last_seen) {
        last_seen = delivered_;
        last_progress = now;
      } else if (now - last_progress > o_.stall_timeout) {
        spdlog::warn("no delivery for {} ms; stopping", o_.stall_timeout.count());
        break;
      }
      if (o_.progress && now - last_report >= std::chrono::seconds(1)) {
        last_report = now;
        const double s = std::chrono::duration<double>(now - start_).count();
        fmt::print(stderr, "[{:6.1f} s] delivered {} of {}  sent {}  errors {}  {:.0f} msgs/s\n", s,
                   delivered_, o_.messages, sent_, errors_, static_cast<double>(delivered_) / s);
      }
    }
    sending_ = false;
  }

  // REQUIRES: mutex_ held.
  void submit_send(std::size_t i) {
    Connection& c = conns_[i];
    c.in_flight.push_back(Clock::now());
    alice_->submit("s", conn_id_of(i), cmd::Send{body_of(c.submitted++, o_.size)});
  }

  // Both parties delete every connection (and so their queues on the server).
  void delete_connections() {
    std::unique_lock lock(mutex_);
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      alice_->submit("del", conn_id_of(i), cmd::Del{});
      bob_->submit("del", conn_id_of(i), cmd::Del{});
    }
    if (!cv_.wait_for(lock, o_.stall_timeout, [&] { return deleted_ >= 2 * conns_.size(); })) {
      spdlog::warn("connections not deleted: {} of {}", deleted_, 2 * conns_.size());
    }
  }

  // ---- Sinks (on each agent's strand; they must not block for long) ----

  void on_alice(agent::AgentEvent e) {
    std::lock_guard lock(mutex_);
    auto i = index_of(e.conn_id, conns_.size());
    if (!i) return fail(e, "alice");
    Connection& c = conns_[*i];
    if (auto* inv = std::get_if<cmd::Inv>(&e.command)) {
      c.join_at = Clock::now();
      bob_->submit("join", e.conn_id, cmd::Join{inv->request, Bytes{'b', 'o', 'b'}});
    } else if (auto* conf = std::get_if<cmd::Conf>(&e.command)) {
      alice_->submit("let", e.conn_id, cmd::Let{conf->conf_id, Bytes{'a', 'l', 'i', 'c', 'e'}});
    } else if (std::holds_alternative<cmd::Con>(e.command)) {
      c.alice_con = true;
      handshake_progress(*i);
    } else if (std::holds_alternative<cmd::Sent>(e.command)) {
      ++sent_;
      cv_.notify_all();
    } else if (std::holds_alternative<cmd::Merr>(e.command)) {
      ++merrs_;
      fail(e, "alice");
    } else if (std::holds_alternative<cmd::Ok>(e.command)) {
      if (e.corr_id == "del") ++deleted_;
      cv_.notify_all();
    } else if (!std::holds_alternative<cmd::Mid>(e.command)) {
      if (e.corr_id == "del") ++deleted_;
      fail(e, "alice");
    }
  }

  void on_bob(agent::AgentEvent e) {
    std::lock_guard lock(mutex_);
    auto i = index_of(e.conn_id, conns_.size());
    if (!i) return fail(e, "bob");
    Connection& c = conns_[*i];
    if (auto* msg = std::get_if<cmd::Msg>(&e.command)) {
      const auto now = Clock::now();
      if (!c.in_flight.empty()) {
        latencies_.add(now - c.in_flight.front());
        c.in_flight.pop_front();
      }
      const bool intact = msg->body == body_of(c.received, o_.size) &&
                          msg->meta.integrity == agent::MsgIntegrity(agent::MsgOk{});
      ++c.received;
      if (intact) {
        ++delivered_;
      } else {
        ++errors_;
        ++lost_;
        spdlog::warn("bob [{}]: message {} out of order or damaged", e.conn_id, c.received - 1);
      }
      last_delivery_ = now;
      bob_->submit("ack", e.conn_id, cmd::Ack{msg->meta.recipient_id});
      if (sending_ && c.submitted < c.share) submit_send(*i);
      cv_.notify_all();
    } else if (std::holds_alternative<cmd::Ok>(e.command)) {
      if (e.corr_id == "ack") ++acks_;
      if (e.corr_id == "del") ++deleted_;
      cv_.notify_all();
    } else if (std::holds_alternative<cmd::Con>(e.command)) {
      c.bob_con = true;
      handshake_progress(*i);
    } else if (!std::holds_alternative<cmd::Info>(e.command)) {
      if (e.corr_id == "del") ++deleted_;
      fail(e, "bob");
    }
  }

  const AgentBenchOptions& o_;
  ScratchDir dir_;
  net::io_context io_;
  std::shared_ptr<agent::SharedAgentStore> alice_store_, bob_store_;
  std::shared_ptr<agent::Agent> alice_, bob_;

  std::mutex mutex_;  // everything below
  std::condition_variable cv_;
  std::vector<Connection> conns_;
  std::size_t next_handshake_ = 0, handshakes_done_ = 0;
  bool handshake_failed_ = false;
  bool sending_ = false;
  std::size_t deleted_ = 0;
  std::uint64_t sent_ = 0, merrs_ = 0, delivered_ = 0, lost_ = 0, acks_ = 0, errors_ = 0;
  Clock::time_point start_, last_delivery_;
  LatencyRecorder latencies_, join_con_;
};

}  // namespace

Result<AgentBenchResult> run_agent_bench(const AgentBenchOptions& options) {
  if (options.connections == 0) return make_error_code(errc::config_invalid);
  Bench bench(options);
  return bench.run();
}

}  // namespace smp::bench
