// CPU time and resident memory of another process on this machine, from /proc (Linux), for
// measuring the server under test; and the calling thread's own CPU time, for the floors.
// Pure reads; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace smp::bench {

struct ProcessSample {
  std::chrono::microseconds cpu{0};  // user + system time so far
  std::uint64_t rss_bytes = 0;       // VmRSS
};

// nullopt when /proc/<pid> cannot be read (no such process, not Linux).
std::optional<ProcessSample> sample_process(int pid);

// The calling thread's CPU time so far (CLOCK_THREAD_CPUTIME_ID), in microseconds.
double thread_cpu_us();

}  // namespace smp::bench
