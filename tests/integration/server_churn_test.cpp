// Connection churn against the smp-server process: thousands of connections opened and
// dropped at every stage (after a command, right after the SMP handshake, after TLS only,
// mid-ClientHello, before a byte) from several threads at once. Afterwards the server holds
// no more descriptors than before and its resident memory has not grown beyond a bound.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "process_stats.h"
#include "raw_socket.h"
#include "server_process_fixture.h"
#include "soak.h"

namespace smp::test {
namespace {

class ServerChurnTest : public ServerProcessFixture {};

// One connect/disconnect cycle of kind i % 5; false if a step that must work failed.
bool churn_once(int i, std::uint16_t port, const Bytes& hash) {
  switch (i % 5) {
    case 0: {  // a command, then a hang-up
      auto c = TestClient::connect(port, hash);
      if (!c) return false;
      auto r = c->request("p", {}, cmd::Ping{});
      return r && r->tag() == "PONG";
    }
    case 1:  // the SMP handshake, then a hang-up
      return TestClient::connect(port, hash) != nullptr;
    case 2:  // TLS only
      return open_tls_only(port, hash) != nullptr;
    case 3: {  // part of a ClientHello
      RawSocket s(port);
      const std::uint8_t hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00};
      return s.connected() && s.write(ByteView(hello, sizeof hello));
    }
    default:  // TCP only
      return RawSocket(port).connected();
  }
}

TEST_F(ServerChurnTest, ThousandsOfCyclesLeaveNoDescriptorsOrMemoryBehind) {
  const int cycles = soak_count(3000);
  const int threads = 4;
  init({"--disable-store-log"});
  auto server = start();
  const pid_t pid = server->pid();
  const Bytes hash = key_hash();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(churn_once(i, port_, hash));  // warm-up
  auto fds0 = settle_at_most<std::size_t>([&] { return open_fds(pid); }, 0, 1s);
  auto rss0 = rss_kib(pid);
  ASSERT_TRUE(fds0 && rss0);

  std::atomic<int> next{0}, failed{0};
  std::vector<std::uint64_t> rss_seen;  // at each quarter, from thread 0
  std::vector<std::thread> workers;
  auto start_time = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = next++; i < cycles; i = next++) {
        if (!churn_once(i, port_, hash)) ++failed;
        if (t == 0 && i % (cycles / 4) < threads) rss_seen.push_back(rss_kib(pid).value_or(0));
      }
    });
  }
  for (auto& w : workers) w.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  EXPECT_EQ(failed.load(), 0);

  auto fds = settle_at_most<std::size_t>([&] { return open_fds(pid); }, *fds0, 15s);
  ASSERT_TRUE(fds);
  EXPECT_LE(*fds, *fds0) << "descriptors leaked";
  auto rss = rss_kib(pid).value_or(0);
  std::string trend;
  for (auto r : rss_seen) trend += std::to_string(r) + " ";
  std::printf("[ figures  ] churn: %d cycles in %.1f s from %d threads, %d failed; fds %zu -> "
              "%zu; RSS %llu -> %llu KiB (along the way: %s)\n",
              cycles, seconds, threads, failed.load(), *fds0, *fds,
              static_cast<unsigned long long>(*rss0), static_cast<unsigned long long>(rss),
              trend.c_str());
  if (!kSanitizerBuild) {
    EXPECT_LE(rss, *rss0 + 16 * 1024) << "memory grew with churn";
  }
  expect_pong(*connect());
  stop(*server);
}

}  // namespace
}  // namespace smp::test
