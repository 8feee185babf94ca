// What the server costs, measured against a real server in a child process over TLS on
// 127.0.0.1 (run: smp_microbench --benchmark_filter=Server):
//   BM_CryptoFloorPerMessage  the crypto a delivered message cannot avoid on the server: two
//                             Ed25519 verifications (of a SEND with the benchmark's body, whose
//                             SHA-512 covers 16 KB, and of an ACK), one crypto_box of the padded
//                             body, and five 16 KB TLS records (SEND and ACK in; OK, MSG, OK
//                             out);
//   BM_ServerDelivery/threads server CPU (user + system of the child) per delivered message
//                             and messages per second, senders and recipients in this process
//                             (they replay pre-signed blocks, so they cost little but TLS);
//   BM_ServerIdleConnections  the server's resident memory per idle connection.
// Not a unit test: numbers depend on the machine (and on what else it runs).

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "smp/crypto/cbox.h"
#include "smp/crypto/hash.h"
#include "smp/crypto/sign.h"
#include "smp/protocol/transmission.h"
#include "smp/protocol/wire_format.h"
#include "smp/server/message_store.h"
#include "smp/server/queue_store.h"
#include "smp/server/server.h"
#include "smp/transport/certificates.h"
#include "smp/transport/connect.h"

namespace {

using namespace smp;
namespace net = boost::asio;
namespace proto = protocol;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kBodySize = 16000;  // a full agent message is about this big

// --- Crypto floor -------------------------------------------------------------------------------

void BM_CryptoFloorPerMessage(benchmark::State& state) {
  auto key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  Bytes send_signed(kBodySize + 50, 0x33), ack_signed(45, 0x34);
  Bytes send_sig = crypto::sign(key.private_key, send_signed);
  Bytes ack_sig = crypto::sign(key.private_key, ack_signed);
  Bytes secret = crypto::random_bytes(32);
  auto cb = crypto::CbKey::from_dh_secret(secret).value();
  Bytes body(kBodySize, 'm');
  Bytes boxed(proto::kServerEncryptedBodyLength);
  crypto::CbNonce nonce{};
  std::array<std::uint8_t, 32> aead_key{};
  std::array<std::uint8_t, 12> iv{};
  Bytes record(proto::kBlockSize), out(proto::kBlockSize + 16);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::verify(key.public_key, send_sig, send_signed));
    benchmark::DoNotOptimize(crypto::verify(key.public_key, ack_sig, ack_signed));
    (void)cb.encrypt_into(nonce, body, boxed);
    for (int r = 0; r < 5; ++r) {  // a TLS 1.2 ChaCha20-Poly1305 record per block
      int len = 0;
      EVP_EncryptInit_ex(ctx, EVP_chacha20_poly1305(), nullptr, aead_key.data(), iv.data());
      EVP_EncryptUpdate(ctx, nullptr, &len, iv.data(), 13);
      EVP_EncryptUpdate(ctx, out.data(), &len, record.data(), static_cast<int>(record.size()));
      EVP_EncryptFinal_ex(ctx, out.data() + len, &len);
    }
    benchmark::ClobberMemory();
  }
  EVP_CIPHER_CTX_free(ctx);
}
BENCHMARK(BM_CryptoFloorPerMessage)->Unit(benchmark::kMicrosecond);

// --- A server in a child process -----------------------------------------------------------------

struct ChildServer {
  pid_t pid = -1;
  int stop_fd = -1;  // closing it stops the child
  std::uint16_t port = 0;
  Bytes key_hash;
  std::filesystem::path dir;

  ~ChildServer() {
    if (stop_fd >= 0) close(stop_fd);
    if (pid > 0) waitpid(pid, nullptr, 0);
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

// REQUIRES: no other threads in this process (fork).
std::unique_ptr<ChildServer> start_child(std::size_t threads) {
  auto child = std::make_unique<ChildServer>();
  std::string pattern = (std::filesystem::temp_directory_path() / "smp-bench-XXXXXX").string();
  child->dir = mkdtemp(pattern.data());
  transport::CertificateOptions options;
  options.algorithm = transport::CertificateAlgorithm::ed25519;
  auto certs = transport::generate_certificates(options).value();
  (void)transport::write_certificate_files(child->dir, certs);
  auto hash = transport::key_hash_of_certificate_pem(certs.ca_cert_pem).value();
  child->key_hash.assign(hash.begin(), hash.end());

  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) return nullptr;
  pid_t pid = fork();
  if (pid == 0) {
    close(to_child[1]);
    close(from_child[0]);
    server::ServerConfig cfg;
    cfg.listeners = {{"127.0.0.1", "0", transport::TransportKind::tls}};
    cfg.ca_cert_file = child->dir / "ca.crt";
    cfg.server_cert_file = child->dir / "server.crt";
    cfg.server_key_file = child->dir / "server.key";
    cfg.threads = threads;
    cfg.msg_queue_quota = 1000000;
    server::QueueStore queues;
    server::MessageStore messages;
    server::Server s(cfg, queues, messages, nullptr);
    std::uint16_t port = s.start() ? s.bound_ports().at(0) : 0;
    (void)!write(from_child[1], &port, sizeof(port));
    char c;
    (void)!read(to_child[0], &c, 1);  // returns when the parent closes its end
    s.stop();
    _exit(0);
  }
  close(to_child[0]);
  close(from_child[1]);
  child->pid = pid;
  child->stop_fd = to_child[1];
  (void)!read(from_child[0], &child->port, sizeof(child->port));
  close(from_child[0]);
  return child;
}

// utime + stime of a process, in seconds.
double process_cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  std::istringstream in(line.substr(line.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double process_rss_bytes(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/statm");
  unsigned long long size = 0, resident = 0;
  f >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Runs one coroutine to completion on a private io_context.
template <class T>
T run_sync(net::io_context& io, net::awaitable<T> op) {
  auto f = net::co_spawn(io, std::move(op), net::use_future);
  io.restart();
  io.run();
  return f.get();
}

using Transport = std::unique_ptr<transport::BlockTransport>;

Transport connect(net::io_context& io, const ChildServer& s) {
  auto t = run_sync(io, transport::connect_tls(io.get_executor(), "127.0.0.1",
                                               std::to_string(s.port), s.key_hash,
                                               std::chrono::seconds(10)));
  return t ? std::move(*t) : nullptr;
}

Bytes encode(const transport::BlockTransport& t, std::string_view corr, ByteView qid,
             const proto::Command& c, const crypto::PrivateKey* key) {
  proto::TransmissionIds ids{t.session_id(), as_bytes(corr), qid};
  return proto::encode_command_transmission(ids, c, key).value();
}

// One sender and one recipient connection moving `count` messages through a fresh queue.
struct Pair {
  net::io_context send_io, recv_io;
  Transport sender, recipient;
  Bytes send_block, ack_block;
  int count = 0;

  bool setup(const ChildServer& s, int n) {
    count = n;
    recipient = connect(recv_io, s);
    sender = connect(send_io, s);
    if (!recipient || !sender) return false;
    auto rk = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
    auto dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
    auto sk = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
    Bytes ids_content = run_sync(recv_io, [&]() -> net::awaitable<Bytes> {
      (void)co_await recipient->write_block(
          encode(*recipient, "n", {}, proto::cmd::New{rk.public_key, dh.public_key},
                 &rk.private_key));
      auto r = co_await recipient->read_block();
      co_return r ? *r : Bytes{};
    }());
    auto ids = proto::receive_broker_message(ids_content, recipient->session_id());
    if (!ids.message || !std::holds_alternative<proto::msg::Ids>(*ids.message)) return false;
    const auto& i = std::get<proto::msg::Ids>(*ids.message);
    Bytes rid = to_bytes(i.rcv_id), sid = to_bytes(i.snd_id);
    run_sync(recv_io, [&]() -> net::awaitable<void> {
      (void)co_await recipient->write_block(
          encode(*recipient, "k", rid, proto::cmd::Key{sk.public_key}, &rk.private_key));
      (void)co_await recipient->read_block();
    }());
    Bytes body(kBodySize, 'b');
    send_block = encode(*sender, "s", sid, proto::cmd::Send{body}, &sk.private_key);
    ack_block = encode(*recipient, "a", rid, proto::cmd::Ack{}, &rk.private_key);
    return true;
  }

  // Sender: up to 8 SENDs in flight.
  net::awaitable<void> send_all() {
    int sent = 0, answered = 0;
    while (sent < count && sent < 8) {
      (void)co_await sender->write_block(send_block);
      ++sent;
    }
    while (answered < count) {
      auto r = co_await sender->read_block_view();
      if (!r) co_return;
      ++answered;
      if (sent < count) {
        (void)co_await sender->write_block(send_block);
        ++sent;
      }
    }
  }

  // Recipient: ACK every MSG (the answer to an ACK is the next MSG or OK).
  net::awaitable<void> receive_all() {
    int received = 0;
    while (received < count) {
      auto r = co_await recipient->read_block_view();
      if (!r) co_return;
      // "MSG " after the ids: cheap check on the tag's position is not needed; MSG blocks
      // are the long ones.
      if (r->size() > 1000) {
        ++received;
        (void)co_await recipient->write_block(ack_block);
      }
    }
  }
};

void BM_ServerDelivery(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  constexpr int kPairs = 4;
  constexpr int kMessages = 2000;  // per pair
  auto child = start_child(threads);
  if (!child || child->port == 0) {
    state.SkipWithError("server did not start");
    return;
  }
  std::vector<std::unique_ptr<Pair>> pairs;
  for (int i = 0; i < kPairs; ++i) {
    pairs.push_back(std::make_unique<Pair>());
    if (!pairs.back()->setup(*child, kMessages)) {
      state.SkipWithError("client setup failed");
      return;
    }
  }
  for (auto _ : state) {
    double cpu0 = process_cpu_seconds(child->pid);
    auto t0 = Clock::now();
    std::vector<std::thread> workers;
    for (auto& p : pairs) {
      net::co_spawn(p->send_io, p->send_all(), net::detached);
      net::co_spawn(p->recv_io, p->receive_all(), net::detached);
      workers.emplace_back([&p] {
        p->send_io.restart();
        p->send_io.run();
      });
      workers.emplace_back([&p] {
        p->recv_io.restart();
        p->recv_io.run();
      });
    }
    for (auto& w : workers) w.join();
    double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    double cpu = process_cpu_seconds(child->pid) - cpu0;
    double msgs = kPairs * kMessages;
    state.SetIterationTime(wall);
    state.counters["msgs_per_s"] = msgs / wall;
    state.counters["server_cpu_us_per_msg"] = cpu * 1e6 / msgs;
    state.counters["server_cores_busy"] = cpu / wall;
  }
  for (auto& p : pairs) {
    p->sender->close();
    p->recipient->close();
    p->send_io.restart();
    p->send_io.run();
    p->recv_io.restart();
    p->recv_io.run();
  }
}
BENCHMARK(BM_ServerDelivery)->Arg(1)->Arg(2)->Iterations(1)->UseManualTime()->Unit(
    benchmark::kMillisecond);

void BM_ServerIdleConnections(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto child = start_child(1);
  if (!child || child->port == 0) {
    state.SkipWithError("server did not start");
    return;
  }
  for (auto _ : state) {
    net::io_context io;
    // One warm-up connection so lazily made shared state is not counted.
    std::vector<Transport> open;
    open.push_back(connect(io, *child));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    double before = process_rss_bytes(child->pid);
    for (int i = 0; i < n; ++i) {
      auto t = connect(io, *child);
      if (!t) break;
      // A PING each, so every connection has read and written a block as a used one has.
      (void)run_sync(io, [&]() -> net::awaitable<bool> {
        Bytes ping = encode(*t, "p", {}, proto::cmd::Ping{}, nullptr);
        (void)co_await t->write_block(ping);
        auto r = co_await t->read_block();
        co_return static_cast<bool>(r);
      }());
      open.push_back(std::move(t));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    double after = process_rss_bytes(child->pid);
    state.counters["rss_bytes_per_connection"] = (after - before) / n;
    state.counters["connections"] = static_cast<double>(open.size() - 1);
    for (auto& t : open) {
      if (t) t->close();
    }
    io.restart();
    io.run();
  }
}
BENCHMARK(BM_ServerIdleConnections)->Arg(500)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
