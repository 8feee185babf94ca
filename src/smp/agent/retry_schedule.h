// The wait before each retry (spec §7.7, withRetryInterval): `initial` until the waits reach
// `increase_after`, then ×3/2 per wait (integer µs) up to `max` — by default 1 s ×11, 1.5,
// 2.25, 3.375, 5.0625, 7.59375, then 10 s. The fast-start variant (HELLO, reconnection) first
// waits `fast_initial`, doubling while below `initial`, then runs the reference schedule.
// Plain copyable value types; not synchronised.
#pragma once

#include <chrono>

namespace smp::agent {

using namespace std::chrono_literals;

// The reference's RetryInterval (reconnectInterval in defaultAgentConfig).
struct RetryInterval {
  std::chrono::microseconds initial = 1s;
  std::chrono::microseconds increase_after = 10s;
  std::chrono::microseconds max = 10s;
};

class RetrySchedule {
 public:
  // Exactly the reference's sequence.
  static RetrySchedule reference(RetryInterval interval = {});
  // fast_initial, 2×, 4×, ... while below interval.initial, then the reference's sequence.
  // A fast_initial of zero (or not below interval.initial) gives the reference's schedule.
  static RetrySchedule fast_start(RetryInterval interval = {},
                                  std::chrono::microseconds fast_initial = 25ms);

  // The wait before the next attempt; advances the schedule.
  std::chrono::microseconds next();

 private:
  RetrySchedule(RetryInterval interval, std::chrono::microseconds fast)
      : interval_(interval), fast_(fast), delay_(interval.initial) {}

  RetryInterval interval_;
  std::chrono::microseconds fast_;  // the next fast-phase wait; zero once that phase is over
  std::chrono::microseconds delay_;
  std::chrono::microseconds elapsed_{0};
};

}  // namespace smp::agent
