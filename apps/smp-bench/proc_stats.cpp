#include "proc_stats.h"

#include <fstream>
#include <sstream>
#include <time.h>
#include <string>
#include <unistd.h>

namespace smp::bench {

namespace {

// utime and stime (fields 14 and 15 of /proc/<pid>/stat), in clock ticks. The command name
// (field 2) may hold spaces, so fields are counted after its closing parenthesis.
std::optional<unsigned long long> cpu_ticks(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) {
      stime = std::stoull(field);
      return utime + stime;
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> rss_bytes(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      std::uint64_t kb = 0;
      in >> kb;
      return kb * 1024;
    }
    in.ignore(1 << 16, '\n');
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProcessSample> sample_process(int pid) {
  auto ticks = cpu_ticks(pid);
  auto rss = rss_bytes(pid);
  if (!ticks || !rss) return std::nullopt;
  long per_second = ::sysconf(_SC_CLK_TCK);
  if (per_second <= 0) return std::nullopt;
  auto us =
      static_cast<long long>(*ticks * 1000000ULL / static_cast<unsigned long long>(per_second));
  return ProcessSample{std::chrono::microseconds(us), *rss};
}

double thread_cpu_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

}  // namespace smp::bench
