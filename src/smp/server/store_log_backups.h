// The store log's backups, as the reference keeps them around each compaction
// (readWriteStoreLog and removeStoreLogBackups in Server/StoreLog.hs at simplexmq 6.5.5):
//
// - <log>.start: the reference renames the log to this before writing the compacted log, and
//   back to a timed backup once it is written. If it exists at start-up, the compaction was
//   interrupted: the log beside it is incomplete. It is kept as <log>.bak and <log>.start
//   becomes the log again. (Our own compaction writes <log>.tmp and renames it over the log,
//   so it never leaves a .start.)
// - <log>.<time>: the log as it was before a compaction; <time> is ISO 8601 UTC as Haskell's
//   iso8601Show writes it, e.g. 2025-12-05T09:39:12.123456789Z.
// - Retention: of the backups older than 24 hours, all but the three newest are removed once
//   older than 21 days.
//
// Functions touch only files named after `log` in its directory; not thread-safe for one log.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "smp/common/error.h"

namespace smp::server {

// Restores <log>.start as above. Returns whether it existed; errc::io_error if a rename fails.
Result<bool> recover_interrupted_compaction(const std::filesystem::path& log);

// <log>.<time> for `now` (nanoseconds, trailing zeros of the fraction dropped, as %Q).
std::filesystem::path timed_backup_path(const std::filesystem::path& log,
                                        std::chrono::system_clock::time_point now);
// The time of a backup named by timed_backup_path (or by the reference), nullopt for any
// other name.
std::optional<std::chrono::system_clock::time_point> timed_backup_time(
    const std::filesystem::path& log, const std::filesystem::path& candidate);

// Removes the backups the retention rule drops; returns them. errc::io_error if the
// directory cannot be read or a file cannot be removed.
Result<std::vector<std::filesystem::path>> remove_old_backups(
    const std::filesystem::path& log, std::chrono::system_clock::time_point now);

}  // namespace smp::server
