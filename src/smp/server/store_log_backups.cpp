#include "smp/server/store_log_backups.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <system_error>
#include <utility>

#include "smp/encoding/iso8601.h"
#include "smp/common/file_io.h"

namespace smp::server {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

namespace {

constexpr auto kKeepNewerThan = std::chrono::hours(24);
constexpr auto kRemoveOlderThan = std::chrono::hours(24 * 21);
constexpr std::size_t kMinOldBackups = 3;

fs::path with_suffix(const fs::path& log, std::string_view suffix) {
  fs::path p = log;
  p += suffix;
  return p;
}

}  // namespace

Result<bool> recover_interrupted_compaction(const fs::path& log) {
  // (in_place_error: a Result<bool> is also constructible from an error_code)
  const Result<bool> io_error(boost::system::in_place_error, make_error_code(errc::io_error));
  const fs::path start = with_suffix(log, ".start");
  std::error_code ec;
  if (!fs::exists(start, ec)) {
    if (ec) return io_error;
    return false;
  }
  if (fs::exists(log, ec)) {
    fs::rename(log, with_suffix(log, ".bak"), ec);
    if (ec) return io_error;
  }
  fs::rename(start, log, ec);
  if (ec) return io_error;
  if (auto synced = file_io::sync_parent_dir(log); !synced) return io_error;
  return true;
}

fs::path timed_backup_path(const fs::path& log, Clock::time_point now) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(now);
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - secs).count();
  std::time_t t = Clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string suffix = fmt::format(".{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (nanos > 0) {
    std::string fraction = fmt::format("{:09}", nanos);
    while (fraction.back() == '0') fraction.pop_back();
    suffix += '.';
    suffix += fraction;
  }
  suffix += 'Z';
  return with_suffix(log, suffix);
}

std::optional<Clock::time_point> timed_backup_time(const fs::path& log,
                                                   const fs::path& candidate) {
  const std::string prefix = log.filename().string() + ".";
  const std::string name = candidate.filename().string();
  if (!name.starts_with(prefix)) return std::nullopt;
  auto t = enc::parse_iso8601(std::string_view(name).substr(prefix.size()));
  if (!t) return std::nullopt;
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(t->time_since_epoch()));
}

Result<std::vector<fs::path>> remove_old_backups(const fs::path& log, Clock::time_point now) {
  fs::path dir = log.parent_path();
  if (dir.empty()) dir = ".";
  std::vector<std::pair<Clock::time_point, fs::path>> backups;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto t = timed_backup_time(log, it->path())) backups.emplace_back(*t, it->path());
  }
  if (ec) return make_error_code(errc::io_error);
  std::sort(backups.begin(), backups.end());
  // Older than a day, then all but the newest three of those, then older than 21 days.
  auto older = std::partition_point(backups.begin(), backups.end(), [&](const auto& b) {
    return b.first < now - kKeepNewerThan;
  });
  const auto candidates = static_cast<std::size_t>(older - backups.begin());
  std::vector<fs::path> removed;
  for (std::size_t i = 0; i + kMinOldBackups < candidates; ++i) {
    if (backups[i].first >= now - kRemoveOlderThan) continue;
    fs::remove(backups[i].second, ec);
    if (ec) return make_error_code(errc::io_error);
    removed.push_back(backups[i].second);
  }
  return removed;
}

}  // namespace smp::server
