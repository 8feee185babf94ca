// What /proc says about a process under test: resident memory (VmRSS) and open file
// descriptors, for the soak tests' "back to baseline" checks. Linux only; nullopt when the
// process cannot be read (gone, or another OS). Pure reads; thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

namespace smp::test {

// VmRSS in KiB.
inline std::optional<std::uint64_t> rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      std::uint64_t kib = 0;
      if (in >> kib) return kib;
      return std::nullopt;
    }
    in.ignore(1 << 12, '\n');
  }
  return std::nullopt;
}

// Entries of /proc/<pid>/fd.
inline std::optional<std::size_t> open_fds(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
  if (ec) return std::nullopt;
  std::size_t n = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return std::nullopt;
    ++n;
  }
  return n;
}

// Polls `value` every 50 ms until it is at most `limit` or `timeout` passes; returns the last
// reading (nullopt if the process could not be read). Connections close asynchronously, so
// "back to baseline" is a wait, not a single reading.
template <class T>
std::optional<T> settle_at_most(const std::function<std::optional<T>()>& value, T limit,
                                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto v = value();
    if (!v || *v <= limit || std::chrono::steady_clock::now() > deadline) return v;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace smp::test
