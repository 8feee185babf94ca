#include "smp/agent/group_sync.h"

#include <utility>

namespace smp::agent {

GroupSync::GroupSync(Round round) : round_(std::move(round)), thread_([this] { run(); }) {}

GroupSync::~GroupSync() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void GroupSync::request(Done done) {
  {
    std::lock_guard lock(mutex_);
    waiting_.push_back(std::move(done));
  }
  wake_.notify_one();
}

std::uint64_t GroupSync::rounds() const {
  std::lock_guard lock(mutex_);
  return rounds_;
}

void GroupSync::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
    if (waiting_.empty()) return;  // stopping, and every request answered
    std::vector<Done> batch = std::exchange(waiting_, {});
    lock.unlock();
    const error_code result = round_();
    lock.lock();
    ++rounds_;
    lock.unlock();
    for (Done& done : batch) done(result);
    batch.clear();  // the callbacks are released outside the lock too
    lock.lock();
  }
}

}  // namespace smp::agent
