#include "agent_command.h"

#include <map>

#include <fmt/format.h>

#include "smp/common/heap_tuning.h"
#include "smp/protocol/versions.h"
#include "smp/protocol/wire_format.h"

namespace smp::bench {

namespace {

using crypto::KeyAlgorithm;

// The agent's largest user message (spec §7.7).
constexpr std::size_t kMaxAgentMessage = 15811;

// The agent speaks SMP v1 (its invitations carry v1 queue URIs).
std::string result_json(const AgentBenchOptions& o, const AgentBenchResult& r) {
  std::string json = fmt::format(
      "{{\"mode\":\"agent\",\"smp_version\":{},\"sent\":{},\"delivered\":{},\"errors\":{},"
      "\"msgs_per_s\":{:.1f},\"p50_ms\":{:.3f},\"p90_ms\":{:.3f},\"p99_ms\":{:.3f},"
      "\"connections\":{},\"size\":{},\"alg\":\"{}\",\"burst\":{},"
      "\"join_con_p50_ms\":{:.1f},\"join_con_max_ms\":{:.1f},\"handshake_s\":{:.3f},"
      "\"sqlite_bytes_per_conn\":{:.0f},\"agents_cpu_us_per_msg\":{:.1f},"
      "\"wal_syncs_per_msg\":{:.3f}",
      protocol::kSmpV1, r.sent, r.delivered, r.errors, r.msgs_per_s, r.p50_ms, r.p90_ms, r.p99_ms, o.connections,
      o.size, crypto::algorithm_name(o.alg), o.burst ? "true" : "false", r.join_con_p50_ms,
      r.join_con_max_ms, r.handshake_seconds, r.sqlite_bytes_per_conn, r.agents_cpu_us_per_msg,
      r.wal_syncs_per_msg);
  if (r.server_cpu_us_per_msg) {
    json += fmt::format(",\"server_cpu_us_per_msg\":{:.2f}", *r.server_cpu_us_per_msg);
  }
  json.push_back('}');
  return json;
}

}  // namespace

AgentSubcommand::AgentSubcommand(CLI::App& app) {
  const std::map<std::string, KeyAlgorithm> algorithms{{"ed25519", KeyAlgorithm::ed25519},
                                                       {"ed448", KeyAlgorithm::ed448}};
  auto& o = options_;
  command_ = app.add_subcommand(
      "agent", "two in-process agents: JOIN→CON, msgs/s and SEND→MSG latency through a server");
  command_->add_option("--server", server_, "smp://<fingerprint>@host[:port]")->required();
  command_->add_option("--connections", o.connections, "duplex connections")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command_->add_option("--messages", o.messages, "messages in total (first agent → second)")
      ->capture_default_str();
  command_->add_option("--size", o.size, "message body bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, kMaxAgentMessage));
  command_->add_option("--alg", o.alg, "queue key algorithm (default ed25519)")
      ->transform(CLI::CheckedTransformer(algorithms, CLI::ignore_case));
  command_->add_flag("--burst", o.burst, "submit every SEND at once");
  command_->add_option("--window", o.window, "SENDs waiting for their MSG per connection")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command_->add_option("--handshakes", o.handshakes, "connections being made at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command_->add_option("--threads", o.threads, "io threads shared by the two agents")
      ->capture_default_str();
  command_
      ->add_option("--store-cache", o.store_cache,
                   "connections each store keeps decoded in memory (0: none)")
      ->capture_default_str();
  command_->add_option("--server-pid", server_pid_, "server process to sample CPU time of");
  command_
      ->add_option("--stall-timeout", stall_s_, "give up after this many seconds without progress")
      ->capture_default_str();
  command_->add_flag("--quiet", quiet_, "no progress lines");
  command_->add_flag("--default-heap", default_heap_,
                     "keep glibc's heap trimming, as an application that does not call "
                     "smp::retain_freed_heap (for before/after comparisons)");
  command_->add_flag("--allow-remote", allow_remote_, "allow a server that is not on this machine");
}

int AgentSubcommand::run(const std::function<bool(const std::string&)>& is_loopback) {
  auto address = protocol::decode_smp_server(server_);
  if (!address) {
    fmt::print(stderr, "smp-bench: not a server address: {}\n", server_);
    return 2;
  }
  if (!allow_remote_ && !is_loopback(address->host)) {
    fmt::print(stderr,
               "smp-bench: {} is not a loopback address; load tests against other machines need "
               "--allow-remote\n",
               address->host);
    return 2;
  }
  // As smp-agent does; the agents' threads are not started yet.
  if (!default_heap_) (void)retain_freed_heap();
  AgentBenchOptions o = options_;
  o.server = std::move(*address);
  if (server_pid_ > 0) o.server_pid = server_pid_;
  o.progress = !quiet_;
  o.stall_timeout = std::chrono::milliseconds(static_cast<long long>(stall_s_ * 1000));

  auto r = run_agent_bench(o);
  if (!r) {
    fmt::print(stderr, "smp-bench: {}\n", r.error().message());
    return 1;
  }
  fmt::print("agents 2  connections {}  messages {}  size {} B  {}  {}\n", o.connections,
             o.messages, o.size, crypto::algorithm_name(o.alg),
             o.burst ? std::string("burst") : fmt::format("window {}", o.window));
  fmt::print("JOIN→CON: p50 {:.1f} ms  max {:.1f} ms  ({} connections in {:.3f} s)\n",
             r->join_con_p50_ms, r->join_con_max_ms, o.connections, r->handshake_seconds);
  fmt::print("delivered {} of {} ({} SENT) in {:.3f} s: {:.0f} msgs/s, errors {}\n", r->delivered,
             o.messages, r->sent, r->seconds, r->msgs_per_s, r->errors);
  fmt::print("latency SEND→MSG: p50 {:.3f} ms  p90 {:.3f} ms  p99 {:.3f} ms\n", r->p50_ms,
             r->p90_ms, r->p99_ms);
  fmt::print("SQLite: {:.0f} bytes per idle connection per agent (page content)\n",
             r->sqlite_bytes_per_conn);
  fmt::print("agents: {:.1f} µs CPU per message (both, this process)\n", r->agents_cpu_us_per_msg);
  fmt::print("stores: {:.3f} WAL fsyncs per message (both agents)\n", r->wal_syncs_per_msg);
  if (r->server_cpu_us_per_msg) {
    fmt::print("server: {:.2f} µs CPU per message\n", *r->server_cpu_us_per_msg);
  }
  fmt::print("{}\n", result_json(o, *r));
  return r->errors == 0 && r->delivered == o.messages ? 0 : 1;
}

}  // namespace smp::bench
