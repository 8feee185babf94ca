#include "smp/agent/group_sync.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace smp::agent {
namespace {

using namespace std::chrono_literals;

// A round that can be held until the test lets it go, counting how often it ran.
class HeldRound {
 public:
  error_code operator()() {
    std::unique_lock lock(mutex_);
    ++started_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !hold_; });
    return result_;
  }
  void hold() {
    std::lock_guard lock(mutex_);
    hold_ = true;
  }
  void release() {
    std::lock_guard lock(mutex_);
    hold_ = false;
    changed_.notify_all();
  }
  void fail_with(errc e) {
    std::lock_guard lock(mutex_);
    result_ = make_error_code(e);
  }
  // Waits until `n` rounds have started.
  bool wait_started(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 5s, [&] { return started_ >= n; });
  }
  int started() {
    std::lock_guard lock(mutex_);
    return started_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool hold_ = false;
  int started_ = 0;
  error_code result_;
};

// Collects the callbacks' results.
struct Answers {
  std::mutex mutex;
  std::condition_variable done;
  std::vector<error_code> results;

  GroupSync::Done callback() {
    return [this](error_code e) {
      std::lock_guard lock(mutex);
      results.push_back(e);
      done.notify_all();
    };
  }
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mutex);
    return done.wait_for(lock, 5s, [&] { return results.size() >= n; });
  }
};

TEST(GroupSyncTest, RequestsMadeDuringARoundShareTheNextOne) {
  HeldRound round;
  Answers answers;
  round.hold();
  GroupSync sync([&] { return round(); });
  sync.request(answers.callback());
  ASSERT_TRUE(round.wait_started(1));
  // Ten callers arrive while the first round (its fsync) is under way.
  for (int i = 0; i < 10; ++i) sync.request(answers.callback());
  round.release();
  ASSERT_TRUE(answers.wait_for(11));
  EXPECT_EQ(round.started(), 2);
  EXPECT_EQ(sync.rounds(), 2u);
  for (const auto& e : answers.results) EXPECT_FALSE(e);
}

TEST(GroupSyncTest, EveryCallbackGetsItsRoundsResult) {
  HeldRound round;
  Answers answers;
  round.fail_with(errc::io_error);
  GroupSync sync([&] { return round(); });
  sync.request(answers.callback());
  sync.request(answers.callback());
  ASSERT_TRUE(answers.wait_for(2));
  for (const auto& e : answers.results) EXPECT_EQ(e, make_error_code(errc::io_error));
}

TEST(GroupSyncTest, AnIdleOneRunsNoRound) {
  std::atomic<int> rounds{0};
  {
    GroupSync sync([&] {
      ++rounds;
      return error_code{};
    });
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(sync.rounds(), 0u);
  }
  EXPECT_EQ(rounds, 0);
}

TEST(GroupSyncTest, TheDestructorAnswersTheRequestsStillWaiting) {
  HeldRound round;
  Answers answers;
  round.hold();
  {
    GroupSync sync([&] { return round(); });
    sync.request(answers.callback());
    ASSERT_TRUE(round.wait_started(1));
    sync.request(answers.callback());  // for the next round, which the destructor runs
    std::thread releaser([&] {
      std::this_thread::sleep_for(10ms);
      round.release();
    });
    releaser.join();
  }
  EXPECT_EQ(answers.results.size(), 2u);
  EXPECT_EQ(round.started(), 2);
}

TEST(GroupSyncTest, RequestsFromManyThreadsAreAllAnswered) {
  std::atomic<int> rounds{0};
  GroupSync sync([&] {
    ++rounds;
    return error_code{};
  });
  constexpr int kThreads = 4, kEach = 200;
  std::vector<std::thread> threads;
  std::atomic<int> answered{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        std::promise<error_code> p;
        auto f = p.get_future();
        sync.request([&p](error_code e) { p.set_value(e); });
        EXPECT_FALSE(f.get());
        ++answered;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(answered, kThreads * kEach);
  EXPECT_LE(rounds, kThreads * kEach);
  EXPECT_EQ(sync.rounds(), static_cast<std::uint64_t>(rounds.load()));
}

}  // namespace
}  // namespace smp::agent
