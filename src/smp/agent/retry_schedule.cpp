#include "smp/agent/retry_schedule.h"

#include <algorithm>

namespace smp::agent {

RetrySchedule RetrySchedule::reference(RetryInterval interval) {
  return RetrySchedule(interval, std::chrono::microseconds{0});
}

RetrySchedule RetrySchedule::fast_start(RetryInterval interval,
                                        std::chrono::microseconds fast_initial) {
  if (fast_initial < interval.initial && fast_initial.count() > 0) {
    return RetrySchedule(interval, fast_initial);
  }
  return reference(interval);
}

std::chrono::microseconds RetrySchedule::next() {
  if (fast_.count() > 0) {
    auto wait = fast_;
    fast_ *= 2;
    if (fast_ >= interval_.initial) fast_ = std::chrono::microseconds{0};
    return wait;
  }
  // As withRetryInterval: the next delay is decided from the time elapsed before this wait.
  auto wait = delay_;
  if (elapsed_ >= interval_.increase_after && delay_ != interval_.max) {
    delay_ = std::min(delay_ * 3 / 2, interval_.max);
  }
  elapsed_ += wait;
  return wait;
}

}  // namespace smp::agent
