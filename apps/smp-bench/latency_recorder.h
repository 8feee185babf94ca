// Latency samples and their percentiles for smp-bench. Thread-safe (one mutex); samples are
// kept whole (8 bytes each), so percentiles are exact.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <vector>

namespace smp::bench {

class LatencyRecorder {
 public:
  void add(std::chrono::nanoseconds sample) {
    std::lock_guard lock(mutex_);
    samples_.push_back(sample.count());
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return samples_.size();
  }
  // The p-th percentile (0 < p ≤ 100) in milliseconds, nearest-rank; 0 with no samples.
  double percentile_ms(double p) const {
    std::lock_guard lock(mutex_);
    if (samples_.empty()) return 0;
    std::vector<long long> sorted = samples_;
    std::sort(sorted.begin(), sorted.end());
    auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.999999);
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return static_cast<double>(sorted[rank - 1]) / 1e6;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<long long> samples_;
};

}  // namespace smp::bench
