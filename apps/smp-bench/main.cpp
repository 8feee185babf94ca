// smp-bench: load generator for SMP servers (ours or the reference), one harness for both.
// Modes with --server offer the current generation (SMP 6..18) by default and take SMP v1
// from a server without it; --smp v1 forces v1, --smp current refuses v1. Every JSON line
// has "smp_version": the version agreed (1 for v1; null where nothing connects).
//   smp-bench throughput  --server ADDR --queues Q --conns C --messages N --size S
//                         [--alg ed25519|ed448|x25519] [--window W] [--server-pid PID]
//                         [--threads T]
//                         [--proxy ADDR [--proxy-pid PID]]
//   smp-bench connections --server ADDR --count K [--parallel P] [--hold S] [--server-pid PID]
//   smp-bench queues      --server ADDR --count Q --conns C [--parallel P] [--alg A|x25519]
//                         [--hold S]
//                         [--server-pid PID]
//   smp-bench scaling     --server ADDR --pairs P --queues Q --messages N --size S
//                         [--alg ed25519|ed448] [--window W] [--server-pid PID] [--threads T]
//   smp-bench crypto      [--smp v1|current] [--alg ed25519|ed448|x25519] [--size S]
//   smp-bench transport
//   smp-bench agent       --server ADDR --connections N --messages M --size S
//                         [--alg ed448|ed25519] [--burst | --window W] [--server-pid PID]
//   smp-bench storelog    --count N --out FILE [--alg A] [--secure-percent P] [--delete-percent P]
//   smp-bench startup     --server-bin BIN [--server-bin BIN2] --store-log FILE [--rounds R]
// x25519 queue keys (crypto_box authenticators) need the current generation. throughput
// compares the server's CPU with the crypto floor of the generation it agreed, and with that
// floor plus the kernel's for the message's five blocks one at a time (transport).
// Targets off this machine need --allow-remote. Progress lines go to stderr while a run goes
// on; the summary to stdout, its last line one JSON object.
#include <algorithm>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "agent_command.h"
#include "bench_support.h"
#include "connections.h"
#include "crypto_floor.h"
#include "queues.h"
#include "scaling.h"
#include "smp/client/client_config.h"
#include "smp/protocol/versions.h"
#include "smp/protocol/wire_format.h"
#include "startup.h"
#include "store_log_gen.h"
#include "throughput.h"
#include "transport_floor.h"

namespace {

using smp::bench::JsonLine;
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

void print_crypto(const smp::bench::CryptoFloor& f) {
  const bool v1 = f.generation == smp::bench::FloorGeneration::v1;
  fmt::print(
      "crypto per operation ({}, {}, {}-byte body): sign SEND {:.1f} µs, verify SEND {:.1f} µs, "
      "sign ACK {:.1f} µs, verify ACK {:.1f} µs\n",
      v1 ? "SMP v1" : "SMP 18", smp::crypto::algorithm_name(f.alg), f.body_size,
      f.sign_send_us, f.verify_send_us, f.sign_ack_us, f.verify_ack_us);
  fmt::print(
      "  crypto_box body {:.1f} µs (open {:.1f} µs), TLS {} record 16 KB seal {:.1f} µs, "
      "open {:.1f} µs\n",
      f.box_us, f.box_open_us, v1 ? "1.2" : "1.3", f.record_seal_us, f.record_open_us);
  if (!v1) {
    fmt::print("  block encryption (chain step + XSalsa20-Poly1305) seal {:.1f} µs, open {:.1f} µs\n",
               f.block_seal_us, f.block_open_us);
  }
  fmt::print("crypto per delivered message: server {:.1f} µs, clients {:.1f} µs\n", f.server_us,
             f.client_us);
  fmt::print(
      "crypto limit: {:.0f} msgs/s with server and clients on {} CPU(s), "
      "{:.0f} msgs/s for a server alone on one CPU\n",
      f.machine_limit_msgs_per_s(), f.cores, f.server_core_limit_msgs_per_s());
}

void add_crypto(JsonLine& j, const smp::bench::CryptoFloor& f) {
  j.add("crypto_generation", smp::bench::generation_name(f.generation))
      .add("crypto_server_us_per_msg", f.server_us)
      .add("crypto_client_us_per_msg", f.client_us)
      .add("crypto_limit_msgs_per_s", f.machine_limit_msgs_per_s())
      .add("crypto_server_core_limit_msgs_per_s", f.server_core_limit_msgs_per_s())
      .add("cores", static_cast<std::uint64_t>(f.cores));
}

// True (and why, on stderr) when --smp current met a server that agreed SMP v1.
bool refuses_version(smp::client::GenerationChoice choice, std::uint16_t agreed) {
  if (smp::client::accepts_version(choice, agreed)) return false;
  fmt::print(stderr, "smp-bench: the server agreed SMP v{}, not the current generation\n",
             agreed);
  return true;
}

// The floor of the generation a run agreed (or will, for the measurement taken before it).
smp::bench::FloorGeneration floor_generation(std::uint16_t smp_version) {
  return smp_version == smp::protocol::kSmpV1 ? smp::bench::FloorGeneration::v1
                                             : smp::bench::FloorGeneration::current;
}

// True (and why, on stderr) for X25519 keys with SMP v1, which has no authenticators.
bool refuses_algorithm(smp::bench::FloorGeneration g, KeyAlgorithm alg) {
  if (g == smp::bench::FloorGeneration::current || alg != KeyAlgorithm::x25519) return false;
  fmt::print(stderr, "smp-bench: x25519 queue keys need the current generation (--smp current)\n");
  return true;
}

int crypto_mode(smp::bench::FloorGeneration g, KeyAlgorithm alg, std::size_t size) {
  if (refuses_algorithm(g, alg)) return 2;
  auto f = smp::bench::measure_crypto_floor(g, alg, size);
  print_crypto(f);
  JsonLine j;
  j.add("mode", "crypto")
      .add_null("smp_version")
      .add("alg", smp::crypto::algorithm_name(alg))
      .add("sent", std::uint64_t{0})
      .add("delivered", std::uint64_t{0})
      .add("errors", std::uint64_t{0})
      .add("msgs_per_s", f.machine_limit_msgs_per_s())
      .add("sign_send_us", f.sign_send_us)
      .add("verify_send_us", f.verify_send_us)
      .add("sign_ack_us", f.sign_ack_us)
      .add("verify_ack_us", f.verify_ack_us)
      .add("box_us", f.box_us)
      .add("box_open_us", f.box_open_us)
      .add("block_seal_us", f.block_seal_us)
      .add("block_open_us", f.block_open_us)
      .add("record_seal_us", f.record_seal_us)
      .add("record_open_us", f.record_open_us);
  add_crypto(j, f);
  fmt::print("{}\n", j.str());
  return 0;
}

void print_transport(const smp::bench::TransportFloor& t) {
  fmt::print(
      "transport per delivered message one at a time (5 blocks of {} B on loopback TCP, no "
      "crypto): server {:.1f} µs\n",
      t.wire_bytes, t.server_us);
}

int transport_mode() {
  auto t = smp::bench::measure_transport_floor();
  if (!t) {
    fmt::print(stderr, "smp-bench: {}\n", t.error().message());
    return 1;
  }
  print_transport(*t);
  JsonLine j;
  j.add("mode", "transport")
      .add_null("smp_version")
      .add("sent", std::uint64_t{0})
      .add("delivered", std::uint64_t{0})
      .add("errors", std::uint64_t{0})
      .add("transport_messages", std::uint64_t{t->messages})
      .add("transport_wire_bytes_per_block", std::uint64_t{t->wire_bytes})
      .add("transport_server_us_per_msg", t->server_us);
  fmt::print("{}\n", j.str());
  return 0;
}

int throughput_mode(smp::bench::ThroughputOptions o, smp::client::GenerationChoice choice) {
  // The floor of the generation offered first; measured again below if another was agreed.
  auto expected = choice == smp::client::GenerationChoice::v1 ? smp::bench::FloorGeneration::v1
                                                             : smp::bench::FloorGeneration::current;
  if (refuses_algorithm(expected, o.alg)) return 2;
  auto floor_before = smp::bench::measure_crypto_floor(expected, o.alg, o.size);
  auto transport_before = smp::bench::measure_transport_floor();
  // Through a proxy, the same load goes directly first, so that one run compares the routes.
  std::optional<smp::bench::ThroughputResult> direct;
  if (o.proxy) {
    auto direct_options = o;
    direct_options.proxy.reset();
    direct_options.proxy_pid.reset();
    auto d = smp::bench::run_throughput(direct_options);
    if (!d) {
      fmt::print(stderr, "smp-bench: {}\n", d.error().message());
      return 1;
    }
    direct = *d;
  }
  auto r = smp::bench::run_throughput(o);
  if (!r) {
    fmt::print(stderr, "smp-bench: {}{}\n", o.proxy ? "through the proxy: " : "",
               r.error().message());
    return 1;
  }
  if (refuses_version(choice, r->smp_version)) return 1;
  if (direct) {
    fmt::print("direct:  delivered {} of {} sent in {:.3f} s: {:.0f} msgs/s, errors {}, "
               "p50 {:.3f} ms\n",
               direct->delivered, direct->sent, direct->seconds, direct->msgs_per_s,
               direct->errors, direct->p50_ms);
    fmt::print("proxied through {}:{}:\n", o.proxy->host, o.proxy->port);
  }
  const auto agreed = floor_generation(r->smp_version);
  if (agreed != expected) {  // --smp auto with a server that speaks only v1
    floor_before = smp::bench::measure_crypto_floor(agreed, o.alg, o.size);
  }
  auto floor_after = smp::bench::measure_crypto_floor(agreed, o.alg, o.size);
  auto floor = smp::bench::average_floor(floor_before, floor_after);
  auto transport_after = smp::bench::measure_transport_floor();
  std::optional<smp::bench::TransportFloor> transport;
  if (transport_before && transport_after) {
    transport = smp::bench::average_transport_floor(*transport_before, *transport_after);
  }
  fmt::print("queues {}  connections {}+{}  messages {}  size {} B  {}  SMP version {}\n",
             o.queues, o.conns, o.conns, o.messages, o.size, smp::crypto::algorithm_name(o.alg),
             r->smp_version);
  fmt::print("delivered {} of {} sent in {:.3f} s: {:.0f} msgs/s, errors {}\n", r->delivered,
             r->sent, r->seconds, r->msgs_per_s, r->errors);
  fmt::print("latency send→MSG: p50 {:.3f} ms  p90 {:.3f} ms  p99 {:.3f} ms\n", r->p50_ms,
             r->p90_ms, r->p99_ms);
  print_crypto(floor);
  fmt::print(
      "  (the mean of the floor before the run, server {:.1f} µs, and after it, {:.1f} µs)\n",
      floor_before.server_us, floor_after.server_us);
  double ratio = r->msgs_per_s / floor.machine_limit_msgs_per_s();
  fmt::print("throughput / crypto limit: {:.3f}\n", ratio);
  if (transport) print_transport(*transport);
  std::optional<double> cpu_ratio, cpu_ratio_with_transport;
  if (r->server_cpu_us_per_msg) {
    cpu_ratio = *r->server_cpu_us_per_msg / floor.server_us;
    fmt::print("server: {:.2f} µs CPU per message ({:.2f}× its crypto), RSS {} bytes\n",
               *r->server_cpu_us_per_msg, *cpu_ratio, *r->server_rss_bytes);
    if (transport) {
      cpu_ratio_with_transport =
          *r->server_cpu_us_per_msg / (floor.server_us + transport->server_us);
      fmt::print("  {:.2f}× crypto + transport one at a time ({:.1f} µs)\n",
                 *cpu_ratio_with_transport, floor.server_us + transport->server_us);
    }
  }
  if (r->proxy_cpu_us_per_msg) {
    fmt::print("proxy: {:.2f} µs CPU per forwarded message\n", *r->proxy_cpu_us_per_msg);
  }
  if (direct && direct->msgs_per_s > 0) {
    fmt::print("proxied / direct: {:.3f} of the rate, p50 latency {:.3f} ms vs {:.3f} ms\n",
               r->msgs_per_s / direct->msgs_per_s, r->p50_ms, direct->p50_ms);
  }
  JsonLine j;
  j.add("mode", "throughput")
      .add("route", o.proxy ? "proxied" : "direct")
      .add("smp_version", std::uint64_t{r->smp_version})
      .add("alg", smp::crypto::algorithm_name(o.alg))
      .add("sent", r->sent)
      .add("delivered", r->delivered)
      .add("errors", r->errors)
      .add("msgs_per_s", r->msgs_per_s)
      .add("p50_ms", r->p50_ms)
      .add("p90_ms", r->p90_ms)
      .add("p99_ms", r->p99_ms)
      .add("server_cpu_us_per_msg", r->server_cpu_us_per_msg)
      .add("server_rss_bytes", r->server_rss_bytes);
  add_crypto(j, floor);
  j.add("crypto_server_us_before", floor_before.server_us)
      .add("crypto_server_us_after", floor_after.server_us)
      .add("ratio_to_crypto_limit", ratio)
      .add("server_cpu_ratio_to_crypto", cpu_ratio)
      .add("transport_server_us_per_msg",
           transport ? std::optional<double>(transport->server_us) : std::nullopt)
      .add("server_cpu_ratio_to_crypto_and_transport", cpu_ratio_with_transport);
  if (direct) {
    j.add("proxy_cpu_us_per_msg", r->proxy_cpu_us_per_msg)
        .add("direct_delivered", direct->delivered)
        .add("direct_errors", direct->errors)
        .add("direct_msgs_per_s", direct->msgs_per_s)
        .add("direct_p50_ms", direct->p50_ms)
        .add("direct_p99_ms", direct->p99_ms)
        .add("direct_server_cpu_us_per_msg", direct->server_cpu_us_per_msg);
  }
  fmt::print("{}\n", j.str());
  return r->errors == 0 && (!direct || direct->errors == 0) ? 0 : 1;
}

int scaling_mode(const smp::bench::ScalingOptions& o) {
  auto r = smp::bench::run_scaling(o);
  if (!r) {
    fmt::print(stderr, "smp-bench: {}\n", r.error().message());
    return 1;
  }
  fmt::print("pairs {}  queues {}  messages {}  size {} B  {}  window {}\n", o.pairs, o.queues,
             o.messages, o.size, smp::crypto::algorithm_name(o.alg), o.window);
  fmt::print("delivered {} of {} sent in {:.3f} s: {:.0f} msgs/s, errors {}\n", r->delivered,
             r->sent, r->seconds, r->msgs_per_s, r->errors);
  fmt::print("generator: {:.1f} µs CPU per message, {:.2f} cores busy\n",
             r->generator_cpu_us_per_msg, r->generator_cores_busy);
  // With server and generator sharing the cores and both CPU-bound, K cores move at most
  // K·10⁶ / (server + generator µs) messages per second; one server thread at most 10⁶ /
  // server µs. The ratio of the two bounds what more server threads can show here.
  std::optional<double> share, ceiling;
  if (r->server_cpu_us_per_msg && *r->server_cpu_us_per_msg > 0) {
    double s = *r->server_cpu_us_per_msg, g = r->generator_cpu_us_per_msg;
    share = g / (s + g);
    ceiling = 2 * s / (s + g);
    fmt::print("server: {:.1f} µs CPU per message, {:.2f} cores busy\n", s, *r->server_cores_busy);
    fmt::print(
        "generator's share of the CPU per message {:.2f}: on 2 shared cores 2 server "
        "threads can reach at most {:.2f}x one\n",
        *share, *ceiling);
  }
  JsonLine j;
  j.add("mode", "scaling")
      .add("smp_version", std::uint64_t{smp::protocol::kSmpV1})  // its replay speaks v1 only
      .add("alg", smp::crypto::algorithm_name(o.alg))
      .add("size", static_cast<std::uint64_t>(o.size))
      .add("sent", r->sent)
      .add("delivered", r->delivered)
      .add("errors", r->errors)
      .add("seconds", r->seconds)
      .add("msgs_per_s", r->msgs_per_s)
      .add("generator_cpu_us_per_msg", r->generator_cpu_us_per_msg)
      .add("generator_cores_busy", r->generator_cores_busy)
      .add("server_cpu_us_per_msg", r->server_cpu_us_per_msg)
      .add("server_cores_busy", r->server_cores_busy)
      .add("generator_share", share)
      .add("two_core_ratio_ceiling", ceiling);
  fmt::print("{}\n", j.str());
  return r->errors == 0 ? 0 : 1;
}

int connections_mode(const smp::bench::ConnectionsOptions& o,
                     smp::client::GenerationChoice choice) {
  std::uint64_t limit = smp::bench::raise_open_file_limit();
  if (limit < o.count + 64) {
    fmt::print(stderr, "smp-bench: {} connections need more open files than the limit of {}\n",
               o.count, limit);
    return 2;
  }
  auto r = smp::bench::run_connections(o);
  if (!r) {
    fmt::print(stderr, "smp-bench: {}\n", r.error().message());
    return 1;
  }
  if (refuses_version(choice, r->smp_version)) return 1;
  fmt::print("connections: {} of {} established in {:.3f} s ({:.0f}/s), errors {}\n",
             r->established, o.count, r->seconds, r->per_s, r->errors);
  fmt::print("agreed: SMP version {} over TLS {}{}\n", r->smp_version, r->tls13 ? "1.3" : "1.2",
             r->block_encryption ? ", block encryption" : "");
  fmt::print("handshake (TCP + TLS + SMP): p50 {:.3f} ms  p90 {:.3f} ms  p99 {:.3f} ms\n",
             r->p50_ms, r->p90_ms, r->p99_ms);
  if (r->server_rss_per_connection) {
    fmt::print("server: {:.1f} µs CPU per handshake, RSS {} bytes, {:.0f} bytes per connection\n",
               *r->server_cpu_us_per_handshake, *r->server_rss_bytes,
               *r->server_rss_per_connection);
  }
  JsonLine j;
  j.add("mode", "connections")
      .add("offer", o.protocols == smp::transport::ClientProtocols::current_and_v1 ? "current"
                                                                                  : "v1")
      .add("smp_version", std::uint64_t{r->smp_version})
      .add("tls", r->tls13 ? "1.3" : "1.2")
      .add_bool("block_encryption", r->block_encryption)
      .add("sent", r->attempted)
      .add("delivered", r->established)
      .add("errors", r->errors)
      .add("msgs_per_s", r->per_s)
      .add("p50_ms", r->p50_ms)
      .add("p90_ms", r->p90_ms)
      .add("p99_ms", r->p99_ms)
      .add("server_cpu_us_per_msg", r->server_cpu_us_per_handshake)
      .add("server_rss_bytes", r->server_rss_bytes)
      .add("server_rss_bytes_per_connection", r->server_rss_per_connection);
  fmt::print("{}\n", j.str());
  return r->errors == 0 ? 0 : 1;
}

int queues_mode(const smp::bench::QueuesOptions& o, smp::client::GenerationChoice choice) {
  auto r = smp::bench::run_queues(o);
  if (!r) {
    fmt::print(stderr, "smp-bench: {}\n", r.error().message());
    return 1;
  }
  if (refuses_version(choice, r->smp_version)) return 1;
  fmt::print("queues: {} of {} created over {} connection(s) in {:.3f} s ({:.0f}/s), errors {}\n",
             r->created, o.count, o.conns, r->seconds, r->per_s, r->errors);
  fmt::print("NEW → IDS: p50 {:.3f} ms  p90 {:.3f} ms  p99 {:.3f} ms\n", r->p50_ms, r->p90_ms,
             r->p99_ms);
  if (r->server_rss_per_queue) {
    fmt::print("server: {:.1f} µs CPU per NEW, RSS {} bytes, {:.0f} bytes per subscribed queue\n",
               *r->server_cpu_us_per_queue, *r->server_rss_bytes, *r->server_rss_per_queue);
  }
  JsonLine j;
  j.add("mode", "queues")
      .add("smp_version", std::uint64_t{r->smp_version})
      .add("alg", smp::crypto::algorithm_name(o.alg))
      .add("sent", r->attempted)
      .add("delivered", r->created)
      .add("errors", r->errors)
      .add("msgs_per_s", r->per_s)
      .add("p50_ms", r->p50_ms)
      .add("p90_ms", r->p90_ms)
      .add("p99_ms", r->p99_ms)
      .add("server_cpu_us_per_msg", r->server_cpu_us_per_queue)
      .add("server_rss_bytes", r->server_rss_bytes)
      .add("server_rss_bytes_per_queue", r->server_rss_per_queue);
  fmt::print("{}\n", j.str());
  return r->errors == 0 ? 0 : 1;
}

int storelog_mode(const smp::bench::StoreLogGenOptions& o) {
  auto r = smp::bench::generate_store_log(o);
  if (!r) {
    fmt::print(stderr, "smp-bench: cannot write {}: {}\n", o.out.string(), r.error().message());
    return 1;
  }
  fmt::print("store log {}: {} CREATE, {} SECURE, {} DELETE lines, {} live queues, {} bytes\n",
             o.out.string(), r->creates, r->secures, r->deletes, r->live_queues, r->bytes);
  JsonLine j;
  j.add("mode", "storelog")
      .add_null("smp_version")
      .add("creates", r->creates)
      .add("secures", r->secures)
      .add("deletes", r->deletes)
      .add("live_queues", r->live_queues)
      .add("bytes", r->bytes);
  fmt::print("{}\n", j.str());
  return 0;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int startup_mode(const smp::bench::StartupOptions& o) {
  auto runs = smp::bench::run_startup(o);
  if (!runs) {
    fmt::print(stderr, "smp-bench: start-up run failed (see the server's stderr): {}\n",
               runs.error().message());
    return 1;
  }
  JsonLine j;
  j.add("mode", "startup")
      .add_null("smp_version")
      .add("rounds", static_cast<std::uint64_t>(o.rounds));
  for (std::size_t b = 0; b < o.server_bins.size(); ++b) {
    std::vector<double> wall, cpu, rss;
    for (const auto& r : *runs) {
      if (r.bin != b) continue;
      wall.push_back(r.wall_s);
      cpu.push_back(r.cpu_s);
      rss.push_back(static_cast<double>(r.rss_bytes));
    }
    fmt::print(
        "bin {} ({}): median of {}: {:.3f} s wall to Listening, {:.3f} s CPU, RSS {:.0f} KB\n", b,
        o.server_bins[b].string(), wall.size(), median(wall), median(cpu), median(rss) / 1024);
    std::string suffix = b == 0 ? "" : fmt::format("_{}", b);
    j.add("wall_s" + suffix, median(wall))
        .add("cpu_s" + suffix, median(cpu))
        .add("rss_bytes" + suffix, static_cast<std::uint64_t>(median(rss)));
  }
  fmt::print("{}\n", j.str());
  return 0;
}

// Bounds that keep a run finite on one machine.
constexpr std::size_t kMaxConnections = 100000;
constexpr std::size_t kMaxQueues = 5000000;
constexpr double kMaxHoldSeconds = 3600;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"smp-bench - SMP server load generator"};
  app.require_subcommand(1);

  smp::bench::ThroughputOptions o;
  smp::bench::ConnectionsOptions co;
  smp::bench::ScalingOptions so;
  smp::bench::QueuesOptions qo;
  std::string server;
  int server_pid = 0;
  bool allow_remote = false;
  bool quiet = false;
  double stall_s = 10;
  KeyAlgorithm crypto_alg = KeyAlgorithm::ed25519;
  std::size_t crypto_size = smp::protocol::kMaxMessageLength;
  const std::map<std::string, KeyAlgorithm> algorithms{{"ed25519", KeyAlgorithm::ed25519},
                                                       {"ed448", KeyAlgorithm::ed448}};
  // Queue keys that may also be X25519 (crypto_box authenticators, the current generation).
  const std::map<std::string, KeyAlgorithm> auth_algorithms{{"ed25519", KeyAlgorithm::ed25519},
                                                            {"ed448", KeyAlgorithm::ed448},
                                                            {"x25519", KeyAlgorithm::x25519}};
  smp::client::GenerationChoice generation = smp::client::GenerationChoice::automatic;
  auto common = [&](CLI::App* sub, const std::string& smp_names = "--smp") {
    sub->add_option("--server", server, "smp://<fingerprint>@host[:port]")->required();
    sub->add_option(smp_names, generation,
                    "auto: offer the current generation (ALPN smp/1, SMP 6..18), SMP v1 with a "
                    "server without it; current: refuse v1; v1: TLS 1.2 and SMP v1 only")
        ->transform(CLI::CheckedTransformer(smp::client::kGenerationNames, CLI::ignore_case))
        ->default_str("auto");
    sub->add_option("--server-pid", server_pid, "server process to sample CPU time and RSS of");
    sub->add_flag("--allow-remote", allow_remote, "allow a server that is not on this machine");
    sub->add_flag("--quiet", quiet, "no progress lines");
  };

  auto* tp = app.add_subcommand("throughput", "messages per second and send→MSG latency");
  common(tp);
  tp->add_option("--queues", o.queues, "queues")->capture_default_str()->check(CLI::PositiveNumber);
  tp->add_option("--conns", o.conns, "sender connections (and as many recipient ones)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  tp->add_option("--messages", o.messages, "messages in total")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000000}));
  tp->add_option("--size", o.size, "message body bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, smp::protocol::kMaxMessageLength));
  tp->add_option("--alg", o.alg, "queue key algorithm (x25519: the current generation only)")
      ->transform(CLI::CheckedTransformer(auth_algorithms, CLI::ignore_case));
  tp->add_option("--threads", o.threads, "client io threads")->capture_default_str();
  tp->add_option("--window", o.window,
                 "messages a queue may have sent and not yet delivered (0: no limit); "
                 "--queues 1 --window 1 sends every transmission in a block of its own")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{10000}));
  tp->add_option("--stall-timeout", stall_s, "give up after this many seconds without delivery")
      ->capture_default_str();
  std::string proxy;
  int proxy_pid = 0;
  tp->add_option("--proxy", proxy,
                 "also send through this server's proxy role (smp://<fingerprint>@host[:port]) "
                 "after a direct pass, and compare");
  tp->add_option("--proxy-pid", proxy_pid, "proxy process to sample CPU time of");

  auto* sp = app.add_subcommand(
      "scaling", "server throughput with a replaying generator that costs little CPU");
  common(sp);
  sp->add_option("--pairs", so.pairs, "sender + recipient connection pairs")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  sp->add_option("--queues", so.queues, "queues over all pairs")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  sp->add_option("--messages", so.messages, "messages in total")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000000}));
  sp->add_option("--size", so.size, "message body bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, smp::protocol::kMaxMessageLength));
  sp->add_option("--alg", so.alg, "queue key algorithm")
      ->transform(CLI::CheckedTransformer(algorithms, CLI::ignore_case));
  sp->add_option("--window", so.window, "messages sent and not yet delivered, per pair")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{200}));
  sp->add_option("--threads", so.threads, "generator io threads")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{64}));
  sp->add_option("--stall-timeout", stall_s, "give up after this many seconds without delivery")
      ->capture_default_str();

  auto* cp = app.add_subcommand("connections", "idle handshaked connections: rate and memory");
  common(cp, "--smp,--offer");  // --offer: this mode's older name for it
  cp->add_option("--count", co.count, "connections")
      ->required()
      ->check(CLI::Range(std::size_t{1}, kMaxConnections));
  cp->add_option("--parallel", co.parallel, "handshakes in flight")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  cp->add_option("--hold", co.hold_seconds, "seconds to keep the connections open at the end")
      ->check(CLI::Range(0.0, kMaxHoldSeconds));

  auto* qp = app.add_subcommand("queues", "queue creation rate and memory per queue");
  common(qp);
  qp->add_option("--count", qo.count, "queues")
      ->required()
      ->check(CLI::Range(std::size_t{1}, kMaxQueues));
  qp->add_option("--conns", qo.conns, "connections")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  qp->add_option("--parallel", qo.parallel, "NEW commands in flight")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  qp->add_option("--alg", qo.alg, "recipient key algorithm (x25519: the current generation only)")
      ->transform(CLI::CheckedTransformer(auth_algorithms, CLI::ignore_case));
  qp->add_option("--hold", qo.hold_seconds, "seconds to keep the queues subscribed at the end")
      ->check(CLI::Range(0.0, kMaxHoldSeconds));

  auto* kp = app.add_subcommand("crypto", "the per-message crypto and the rate it allows");
  auto crypto_generation = smp::bench::FloorGeneration::current;
  kp->add_option("--smp", crypto_generation,
                 "the protocol whose crypto is counted: current (SMP 18 over TLS 1.3, block "
                 "encryption) or v1 (SMP v1 over TLS 1.2)")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, smp::bench::FloorGeneration>{
              {"v1", smp::bench::FloorGeneration::v1},
              {"current", smp::bench::FloorGeneration::current}},
          CLI::ignore_case))
      ->default_str("current");
  kp->add_option("--alg", crypto_alg, "queue key algorithm (x25519: the current generation only)")
      ->transform(CLI::CheckedTransformer(auth_algorithms, CLI::ignore_case));
  kp->add_option("--size", crypto_size, "message body bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, smp::protocol::kMaxMessageLength));

  auto* xp = app.add_subcommand(
      "transport", "the kernel's CPU for a message's five blocks one at a time, without crypto");

  smp::bench::StoreLogGenOptions go;
  auto* gp = app.add_subcommand("storelog", "write a store log of N queues without a server");
  gp->add_option("--count", go.count, "CREATE lines")
      ->required()
      ->check(CLI::Range(std::size_t{1}, kMaxQueues));
  gp->add_option("--out", go.out, "file to write")->required();
  gp->add_option("--alg", go.alg, "recipient and sender key algorithm")
      ->transform(CLI::CheckedTransformer(algorithms, CLI::ignore_case));
  gp->add_option("--secure-percent", go.secure_percent, "SECURE lines per 100 CREATEs")
      ->capture_default_str()
      ->check(CLI::Range(0u, 100u));
  gp->add_option("--delete-percent", go.delete_percent, "DELETE lines per 100 CREATEs")
      ->capture_default_str()
      ->check(CLI::Range(0u, 100u));
  gp->add_option("--seed", go.seed, "random seed")->capture_default_str();

  smp::bench::StartupOptions uo;
  auto* up = app.add_subcommand("startup", "smp-server start-up time and CPU on a store log");
  up->add_option("--server-bin", uo.server_bins,
                 "smp-server executable; give two or more to alternate between them")
      ->required()
      ->check(CLI::ExistingFile);
  up->add_option("--store-log", uo.store_log, "store log to start on")
      ->required()
      ->check(CLI::ExistingFile);
  up->add_option("--rounds", uo.rounds, "starts per executable")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100}));
  up->add_option("--port", uo.port, "port on 127.0.0.1")->capture_default_str();
  up->add_option("--timeout", uo.timeout_s, "seconds to wait for Listening")->capture_default_str();
  up->add_flag("--quiet", uo.quiet, "no line per start");

  smp::bench::AgentSubcommand agent(app);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  if (agent.parsed()) return agent.run(is_loopback_host);
  if (gp->parsed()) return storelog_mode(go);
  if (up->parsed()) return startup_mode(uo);

  if (kp->parsed()) return crypto_mode(crypto_generation, crypto_alg, crypto_size);
  if (xp->parsed()) return transport_mode();

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
  std::optional<int> pid;
  if (server_pid > 0) pid = server_pid;
  const auto protocols = smp::client::protocols_for(generation);
  if (cp->parsed()) {
    co.server = std::move(*address);
    co.protocols = protocols;
    co.server_pid = pid;
    co.quiet = quiet;
    return connections_mode(co, generation);
  }
  if (sp->parsed()) {
    so.server = std::move(*address);
    so.server_pid = pid;
    so.stall_timeout = std::chrono::milliseconds(static_cast<long long>(stall_s * 1000));
    if (so.queues < so.pairs) so.queues = so.pairs;
    if (refuses_version(generation, smp::protocol::kSmpV1)) return 1;
    return scaling_mode(so);
  }
  if (qp->parsed()) {
    qo.server = std::move(*address);
    qo.server_pid = pid;
    qo.quiet = quiet;
    qo.protocols = protocols;
    return queues_mode(qo, generation);
  }
  if (!proxy.empty()) {
    auto proxy_address = smp::protocol::decode_smp_server(proxy);
    if (!proxy_address) {
      fmt::print(stderr, "smp-bench: not a server address: {}\n", proxy);
      return 2;
    }
    if (!allow_remote && !is_loopback_host(proxy_address->host)) {
      fmt::print(stderr, "smp-bench: {} is not a loopback address; use --allow-remote\n",
                 proxy_address->host);
      return 2;
    }
    if (generation == smp::client::GenerationChoice::v1) {
      fmt::print(stderr, "smp-bench: --proxy needs the current generation (SMP 8+)\n");
      return 2;
    }
    o.proxy = std::move(*proxy_address);
    if (proxy_pid > 0) o.proxy_pid = proxy_pid;
  }
  o.server = std::move(*address);
  o.server_pid = pid;
  o.protocols = protocols;
  o.stall_timeout = std::chrono::milliseconds(static_cast<long long>(stall_s * 1000));
  if (o.queues < o.conns) o.queues = o.conns;
  return throughput_mode(std::move(o), generation);
}
