// GroupSync: group commit. Callers ask for a sync with request(); a thread of the GroupSync's
// own runs rounds, each of which takes every request made before it began, runs `round` once
// (write what is waiting, fsync) and completes them all with its result. A request made while
// a round runs waits for the next one: under load one round — one fsync — covers every caller
// that came meanwhile, and callers never block on the disk themselves. An idle GroupSync runs
// no rounds.
//
// Thread-safe. `round` runs on the GroupSync's thread only, one round at a time. The callbacks
// run on that thread too, after their round, in the order of their requests, outside any lock
// of the GroupSync: they must be quick, and must not own (or be the last to release) whatever
// owns the GroupSync, whose destructor would then run on its own thread.
// The destructor runs a last round for the requests still waiting, then joins the thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "smp/common/error.h"

namespace smp::agent {

class GroupSync {
 public:
  using Round = std::function<error_code()>;
  using Done = std::function<void(error_code)>;

  explicit GroupSync(Round round);
  ~GroupSync();
  GroupSync(const GroupSync&) = delete;
  GroupSync& operator=(const GroupSync&) = delete;

  // done(the result of the first round that begins after this call).
  void request(Done done);

  // Rounds run so far.
  std::uint64_t rounds() const;

 private:
  void run();

  const Round round_;
  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable wake_;
  std::vector<Done> waiting_;  // requests for the next round, in order
  std::uint64_t rounds_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest is built
};

}  // namespace smp::agent
