// Slow readers against the smp-server process: 100 recipients subscribe and then never read
// while they keep writing, and senders keep sending to their queues. The server stops reading
// each once its bounded send queue is full, and hangs up on it when a message for it has found
// no room for send_timeout (10 s by default). Meanwhile a valid client keeps completing round
// trips at its usual pace, senders get OK, and the server's memory stays bounded: what the
// stalled sessions and stored messages took is reused afterwards, not grown.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "never_reading_client.h"
#include "process_stats.h"
#include "server_process_fixture.h"
#include "soak.h"

namespace smp::test {
namespace {

using Clock = std::chrono::steady_clock;

class ServerSlowReadersTest : public ServerProcessFixture {};

struct Probe {
  std::atomic<int> round_trips{0}, errors{0};
  std::atomic<long> worst_us{0};
};

// PING, and a message from `s` to `c` through c's own queue, over and over until `done`.
void probe_loop(std::unique_ptr<TestClient> c, std::unique_ptr<TestClient> s,
                const std::atomic<bool>& done, Probe& p) {
  if (!c || !s) {
    ++p.errors;
    return;
  }
  RecipientQueue q = create_queue(*c, "pn");
  for (int i = 0; !done; ++i) {
    auto t0 = Clock::now();
    auto pong = c->request("p", {}, cmd::Ping{});
    std::string body = "probe " + std::to_string(i);
    auto ok = s->request("s", q.sid, cmd::Send{bytes_of(body)});
    auto m = c->receive();  // the MSG for our own subscription
    auto acked = c->request("a", q.rid, cmd::Ack{}, q.key());
    long us = static_cast<long>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
    const auto* msg = m ? m->as<msg::Msg>() : nullptr;
    auto plain = msg ? decrypt_message(q, *msg) : Result<Bytes>(make_error_code(errc::cb_decrypt));
    if (!pong || pong->tag() != "PONG" || !ok || ok->tag() != "OK" || !plain ||
        std::string(as_chars(*plain)) != body || !acked || acked->tag() != "OK") {
      ++p.errors;
      ADD_FAILURE() << "the probe's round trip " << i << " failed";
      return;
    }
    ++p.round_trips;
    long worst = p.worst_us.load();
    while (us > worst && !p.worst_us.compare_exchange_weak(worst, us)) {
    }
    std::this_thread::sleep_for(20ms);
  }
}

TEST_F(ServerSlowReadersTest, RecipientsThatNeverReadAreCutWhileOthersKeepTheirPace) {
  const int readers = soak_count(100);
  const int senders = 4;
  const int per_queue = 5;  // messages each sender sends to each slow queue (quota is 256)
  init({"--disable-store-log"});
  auto server = start();
  const pid_t pid = server->pid();
  for (int i = 0; i < 10; ++i) expect_pong(*connect());  // warm-up
  auto fds0 = open_fds(pid);
  auto rss0 = rss_kib(pid);
  ASSERT_TRUE(fds0 && rss0);

  // The probe's pace with nobody else around.
  std::atomic<bool> done{false};
  Probe alone;
  {
    std::thread t([&] { probe_loop(connect(), connect(), done, alone); });
    std::this_thread::sleep_for(1s);
    done = true;
    t.join();
  }
  ASSERT_GT(alone.round_trips.load(), 0);

  // The slow recipients: each subscribed to one queue, then flooding without reading.
  std::vector<RecipientQueue> queues;
  std::vector<std::unique_ptr<NeverReadingClient>> slow;
  for (int i = 0; i < readers; ++i) {
    auto c = connect();
    ASSERT_TRUE(c);
    queues.push_back(create_queue(*c, numbered("n", i)));
    slow.push_back(std::make_unique<NeverReadingClient>(std::move(c)));
  }
  done = false;
  Probe probe;
  auto probe_recipient = connect();
  auto probe_sender = connect();
  std::thread probe_thread([&] {
    probe_loop(std::move(probe_recipient), std::move(probe_sender), done, probe);
  });
  std::uint64_t rss_peak = *rss0;
  auto sample = [&] { rss_peak = std::max(rss_peak, rss_kib(pid).value_or(0)); };
  ASSERT_TRUE(NeverReadingClient::wait_all_stalled(slow, 500ms, 60s))
      << "a slow reader was cut before its queue filled";
  sample();
  int stalled_blocks = 0;
  for (auto& s : slow) stalled_blocks += s->written();

  // Senders keep sending to every slow queue: the first message finds no room.
  auto senders_start = Clock::now();
  std::atomic<int> sent{0}, refused{0};
  std::vector<std::thread> sender_threads;
  for (int t = 0; t < senders; ++t) {
    sender_threads.emplace_back([&, t] {
      auto c = connect();
      if (!c) return;
      for (int round = 0; round < per_queue; ++round) {
        for (int i = 0; i < readers; ++i) {
          auto body = numbered(numbered("m", t) + "-", round);
          auto r = c->request("s", queues[static_cast<std::size_t>(i)].sid, cmd::Send{bytes_of(body)});
          if (r && r->tag() == "OK") {
            ++sent;
          } else {
            ++refused;
          }
        }
      }
    });
  }
  for (auto& t : sender_threads) t.join();

  // Every slow reader is cut within send_timeout (+ slack for a loaded machine).
  auto deadline = senders_start + 35s;
  for (auto& s : slow) {
    while (!s->ended() && Clock::now() < deadline) {
      sample();
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(s->ended()) << "a recipient that never reads was not disconnected";
  }
  auto cut_after = Clock::now() - senders_start;
  std::this_thread::sleep_for(500ms);  // the probe keeps going a little after
  done = true;
  probe_thread.join();
  slow.clear();

  EXPECT_EQ(refused.load(), 0);
  EXPECT_EQ(sent.load(), readers * senders * per_queue);
  EXPECT_EQ(probe.errors.load(), 0);
  EXPECT_GT(probe.round_trips.load(), 0);
  // The probe's worst round trip under load stays within a few seconds (generous: sanitizer
  // builds and a shared 2-core machine); its pace is reported below.
  EXPECT_LT(probe.worst_us.load(), 3'000'000);

  // The messages stay stored (16 KB each, encrypted) until their queues go.
  auto rss_cut = rss_kib(pid).value_or(0);
  // None of them is lost: a new connection takes every one, then deletes the queues.
  int drained = 0;
  {
    auto drainer = connect();
    ASSERT_TRUE(drainer);
    for (const auto& q : queues) {
      auto r = drainer->request("sub", q.rid, cmd::Sub{}, q.key());
      for (int n = 0; r && r->as<msg::Msg>() && n <= senders * per_queue; ++n) {
        ++drained;
        r = drainer->request("ack", q.rid, cmd::Ack{}, q.key());
      }
      EXPECT_TRUE(r && r->tag() == "OK") << (r ? r->tag() : "no reply");
      expect_ok(drainer->request("d", q.rid, cmd::Del{}, q.key()), "d", q.rid);
    }
  }
  EXPECT_EQ(drained, sent.load()) << "messages lost";

  auto rss_deleted = rss_kib(pid).value_or(0);

  // The allocator keeps what it freed in the middle of its heap, so RSS does not drop back;
  // but it is reused: the same number of messages again (queues without subscribers) fits in
  // it without growing the process.
  std::vector<RecipientQueue> refill;
  {
    auto owner = connect();
    ASSERT_TRUE(owner);
    for (int i = 0; i < readers; ++i) refill.push_back(create_queue(*owner, "r"));
  }
  {
    auto sender = connect();
    ASSERT_TRUE(sender);
    for (int round = 0; round < senders * per_queue; ++round) {
      for (const auto& q : refill) {
        expect_ok(sender->request("s", q.sid, cmd::Send{bytes_of("refill")}), "s", q.sid);
      }
    }
    for (const auto& q : refill) expect_ok(sender->request("d", q.rid, cmd::Del{}, q.key()), "d", q.rid);
  }
  auto rss_refill = rss_kib(pid).value_or(0);

  auto fds = settle_at_most<std::size_t>([&] { return open_fds(pid); }, *fds0, 10s);
  ASSERT_TRUE(fds);
  EXPECT_LE(*fds, *fds0) << "descriptors leaked";
  double seconds = std::chrono::duration<double>(cut_after).count();
  std::printf("[ figures  ] slow readers: %d held, %d blocks written before they stalled, %d "
              "messages sent to them (%d received later, %d lost), all cut %.1f s after the first; "
              "probe %d round trips "
              "(worst %.1f ms; alone %d in 1 s, worst %.1f ms), errors %d; RSS %llu -> peak %llu "
              "-> %llu once cut -> %llu once their queues are deleted -> %llu after as many messages "
              "again; fds %zu -> %zu\n",
              readers, stalled_blocks, sent.load(), drained, sent.load() - drained, seconds,
              probe.round_trips.load(),
              static_cast<double>(probe.worst_us.load()) / 1000.0, alone.round_trips.load(),
              static_cast<double>(alone.worst_us.load()) / 1000.0, probe.errors.load(),
              static_cast<unsigned long long>(*rss0), static_cast<unsigned long long>(rss_peak),
              static_cast<unsigned long long>(rss_cut),
              static_cast<unsigned long long>(rss_deleted),
              static_cast<unsigned long long>(rss_refill), *fds0, *fds);
  if (!kSanitizerBuild) {
    // Per slow reader the server holds at most send_queue_limit + 1 queued records and the
    // transport's buffers (a few 16 KB blocks): well under 256 KiB. Stored messages are 16 KB
    // each. What is left once the queues are gone is allocator slack.
    std::uint64_t stored_kib = static_cast<std::uint64_t>(sent.load()) * 17;
    EXPECT_LE(rss_peak, *rss0 + stored_kib + static_cast<std::uint64_t>(readers) * 256)
        << "memory grew beyond the bound";
    EXPECT_LE(rss_refill, rss_peak + 8 * 1024) << "freed memory was not reused";
  }
  stop(*server);
}

}  // namespace
}  // namespace smp::test
