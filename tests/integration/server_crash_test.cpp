// Crash safety of the store log: the smp-server process is killed with SIGKILL again and again
// while clients create queues, and restarted each time. Every queue whose IDS reached a client
// must be there after the restart (SUB answers OK; a queue secured by KEY before a crash is
// still secured), the log is compacted at each start (one line per queue), and no start fails.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "server_process_fixture.h"
#include "soak.h"

namespace smp::test {
namespace {

class ServerCrashTest : public ServerProcessFixture {};

struct KnownQueue {
  RecipientQueue q;
  bool secured = false;
};

// The number in "store log: <lines> lines read, <n> queues restored".
std::optional<std::size_t> restored_count(const std::string& out) {
  auto at = out.find(" queues restored");
  if (at == std::string::npos) return std::nullopt;
  auto start = out.rfind(' ', at - 1);
  if (start == std::string::npos) return std::nullopt;
  return static_cast<std::size_t>(std::stoul(out.substr(start + 1, at - start - 1)));
}

TEST_F(ServerCrashTest, QueuesWhoseIdsReachedAClientSurviveRepeatedKill9) {
  const int rounds = soak_count(10);
  const int creators = 3;
  init();
  std::vector<KnownQueue> known;  // every queue a client saw IDS for
  std::size_t attempted = 0;      // NEW commands written
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE(numbered("round ", round));
    auto server = start();
    ASSERT_TRUE(server->running()) << server->err();
    // Compacted at start, before any client is served: one CREATE line per queue.
    auto restored = restored_count(server->out());
    ASSERT_TRUE(restored) << server->out();
    EXPECT_GE(*restored, known.size());
    EXPECT_LE(*restored, attempted);
    EXPECT_EQ(lines_of(read_file(store_log())).size(), *restored);

    {
      auto client = connect();
      ASSERT_TRUE(client);
      for (std::size_t i = 0; i < known.size() && !HasFailure(); ++i) {
        KnownQueue& k = known[i];
        expect_ok(client->request("s", k.q.rid, cmd::Sub{}, k.q.key()), "s", k.q.rid);
        if (k.secured) {
          // KEY was logged before an earlier crash: unsigned sends stay refused.
          expect_err(client->request("u", k.q.sid, cmd::Send{bytes_of("x")}), errc::smp_auth, "u",
                     k.q.sid);
        } else {
          auto sender = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
          expect_ok(client->request("k", k.q.rid, cmd::Key{sender.public_key}, k.q.key()), "k",
                    k.q.rid);
          k.secured = true;
        }
      }
    }
    ASSERT_FALSE(HasFailure());

    // Clients create queues as fast as they can; the server dies under them.
    std::mutex mu;
    std::atomic<std::size_t> sent{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < creators; ++t) {
      threads.emplace_back([&, t] {
        auto c = connect();
        if (!c) return;
        for (int i = 0;; ++i) {
          ++sent;
          auto q = try_create_queue(*c, numbered(numbered("c", t) + "-", i));
          if (!q) return;
          std::lock_guard lock(mu);
          known.push_back(KnownQueue{std::move(*q), false});
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + 37 * (round % 7)));
    server->signal(SIGKILL);
    EXPECT_EQ(server->wait(10s), 128 + SIGKILL);
    for (auto& t : threads) t.join();
    attempted += sent.load();
  }

  auto server = start();
  auto restored = restored_count(server->out());
  ASSERT_TRUE(restored) << server->out();
  EXPECT_GE(*restored, known.size());
  EXPECT_GT(known.size(), static_cast<std::size_t>(rounds * 10)) << "too few queues to mean much";
  RecordProperty("queues_acknowledged", static_cast<int>(known.size()));
  RecordProperty("queues_attempted", static_cast<int>(attempted));
  std::printf("[ figures  ] kill -9 rounds %d, queues acknowledged %zu, NEW sent %zu, restored %zu\n",
              rounds, known.size(), attempted, *restored);
  stop(*server);
}

}  // namespace
}  // namespace smp::test
