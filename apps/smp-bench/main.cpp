// smp-bench: load generator for SMP servers (ours or the reference), one harness for both.
//   smp-bench throughput --server ADDR --queues Q --conns C --messages N --size S
//                        [--alg ed25519|ed448] [--server-pid PID] [--threads T] [--allow-remote]
//   smp-bench agent --server ADDR --connections N --messages M --size S [--alg ed448|ed25519]
//                   [--burst | --window W] [--server-pid PID] [--allow-remote]
// Prints a summary, then one JSON object as its last line.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "agent_command.h"
#include "smp/protocol/wire_format.h"
#include "throughput.h"

namespace {

using smp::crypto::KeyAlgorithm;

// True when every address `host` resolves to is a loopback address.
bool is_loopback_host(const std::string& host) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(host, "0", ec);
  if (ec || results.empty()) return false;
  for (const auto& entry : results) {
    if (!entry.endpoint().address().is_loopback()) return false;
  }
  return true;
}

std::string result_json(const smp::bench::ThroughputResult& r) {
  std::string json = fmt::format(
      "{{\"mode\":\"throughput\",\"sent\":{},\"delivered\":{},\"errors\":{},"
      "\"msgs_per_s\":{:.1f},\"p50_ms\":{:.3f},\"p90_ms\":{:.3f},\"p99_ms\":{:.3f}",
      r.sent, r.delivered, r.errors, r.msgs_per_s, r.p50_ms, r.p90_ms, r.p99_ms);
  if (r.server_cpu_us_per_msg) {
    json += fmt::format(",\"server_cpu_us_per_msg\":{:.2f}", *r.server_cpu_us_per_msg);
  }
  if (r.server_rss_bytes) json += fmt::format(",\"server_rss_bytes\":{}", *r.server_rss_bytes);
  json.push_back('}');
  return json;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"smp-bench - SMP server load generator"};
  app.require_subcommand(1);

  smp::bench::ThroughputOptions o;
  std::string server;
  int server_pid = 0;
  bool allow_remote = false;
  double stall_s = 10;
  const std::map<std::string, KeyAlgorithm> algorithms{{"ed25519", KeyAlgorithm::ed25519},
                                                       {"ed448", KeyAlgorithm::ed448}};

  auto* tp = app.add_subcommand("throughput", "messages per second and send→MSG latency");
  tp->add_option("--server", server, "smp://<fingerprint>@host[:port]")->required();
  tp->add_option("--queues", o.queues, "queues")->capture_default_str()->check(CLI::PositiveNumber);
  tp->add_option("--conns", o.conns, "sender connections (and as many recipient ones)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  tp->add_option("--messages", o.messages, "messages in total")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  tp->add_option("--size", o.size, "message body bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, smp::protocol::kMaxMessageLength));
  tp->add_option("--alg", o.alg, "queue key algorithm")
      ->transform(CLI::CheckedTransformer(algorithms, CLI::ignore_case));
  tp->add_option("--server-pid", server_pid, "server process to sample CPU time and RSS of");
  tp->add_option("--threads", o.threads, "client io threads")->capture_default_str();
  tp->add_option("--stall-timeout", stall_s, "give up after this many seconds without delivery")
      ->capture_default_str();
  tp->add_flag("--allow-remote", allow_remote, "allow a server that is not on this machine");
  smp::bench::AgentSubcommand agent(app);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  if (agent.parsed()) return agent.run(is_loopback_host);

  auto address = smp::protocol::decode_smp_server(server);
  if (!address) {
    fmt::print(stderr, "smp-bench: not a server address: {}\n", server);
    return 2;
  }
  if (!allow_remote && !is_loopback_host(address->host)) {
    fmt::print(stderr,
               "smp-bench: {} is not a loopback address; load tests against other machines need "
               "--allow-remote\n",
               address->host);
    return 2;
  }
  o.server = std::move(*address);
  if (server_pid > 0) o.server_pid = server_pid;
  o.stall_timeout = std::chrono::milliseconds(static_cast<long long>(stall_s * 1000));
  if (o.queues < o.conns) o.queues = o.conns;

  auto r = smp::bench::run_throughput(o);
  if (!r) {
    fmt::print(stderr, "smp-bench: {}\n", r.error().message());
    return 1;
  }
  fmt::print("queues {}  connections {}+{}  messages {}  size {} B  {}\n", o.queues, o.conns,
             o.conns, o.messages, o.size, smp::crypto::algorithm_name(o.alg));
  fmt::print("delivered {} of {} sent in {:.3f} s: {:.0f} msgs/s, errors {}\n", r->delivered,
             r->sent, r->seconds, r->msgs_per_s, r->errors);
  fmt::print("latency send→MSG: p50 {:.3f} ms  p90 {:.3f} ms  p99 {:.3f} ms\n", r->p50_ms,
             r->p90_ms, r->p99_ms);
  if (r->server_cpu_us_per_msg) {
    fmt::print("server: {:.2f} µs CPU per message, RSS {} bytes\n", *r->server_cpu_us_per_msg,
               *r->server_rss_bytes);
  }
  fmt::print("{}\n", result_json(*r));
  return r->errors == 0 ? 0 : 1;
}
