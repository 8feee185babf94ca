// The server's store log (the reference's Server/StoreLog.hs at simplexmq 6.5.5): a text file
// with one record per line (store_log_record.h), appended as queues change and compacted at
// start-up. A StoreLog is thread-safe (one mutex around each append) and owns its file; the
// loading function is not reentrant for one path (the server holds a lock on its directory).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "smp/common/error.h"
#include "smp/server/queue_store.h"
#include "smp/server/store_log_record.h"

namespace smp::server {

struct StoreLogOptions {
  // fdatasync after every append: survives power loss, costs a disk flush per queue change.
  // Default off: each record is still one write(2), so a crash of the process loses nothing.
  bool sync_each_append = false;
};

class StoreLog {
 public:
  // Opens (creating if missing) `path` for appending. If the file ends in a torn line (no
  // final newline), a newline is written first so the next record starts on its own line.
  // errc::io_error if the file cannot be opened.
  static Result<std::unique_ptr<StoreLog>> open_for_append(const std::filesystem::path& path,
                                                           StoreLogOptions options = {});

  ~StoreLog();  // closes quietly
  StoreLog(const StoreLog&) = delete;
  StoreLog& operator=(const StoreLog&) = delete;

  // Writes the record and its newline in one write(2) (fdatasync if configured).
  // errc::io_error on failure or after close().
  Result<void> append(const StoreLogRecord& record);
  // fsync and close; further appends fail. errc::io_error if either fails.
  Result<void> close();

  const std::filesystem::path& path() const { return path_; }

 private:
  StoreLog(std::filesystem::path path, int fd, StoreLogOptions options);

  const std::filesystem::path path_;
  const StoreLogOptions options_;
  struct State;
  std::unique_ptr<State> state_;
};

// How start-up reads the log. The result does not depend on these (tests vary them).
struct StoreLogLoadOptions {
  // Threads parsing each block of lines (this one included); 0 = one per CPU, at most
  // kMaxParseThreads. Records are applied to the store in file order on the calling thread.
  std::size_t parse_threads = 0;
  // Bytes read at a time (a longer line grows the buffer).
  std::size_t read_block_bytes = std::size_t{4} << 20;
  // A block is split between threads only if each gets at least this many lines.
  std::size_t min_lines_per_thread = 256;
  // Keep the log as it was as <path>.<ISO 8601 time> and remove old such backups, as the
  // reference does. Off in tests that do not look at backups.
  bool keep_backups = true;
};
inline constexpr std::size_t kMaxParseThreads = 4;

struct StoreLogLoadReport {
  std::size_t lines = 0;          // lines read (empty lines included)
  std::size_t queues = 0;         // live queues after replay, now in the store
  std::size_t services = 0;       // services after replay
  std::size_t skipped_lines = 0;  // unparsable lines and records that could not be applied
  // One message per skipped line: line number, record keyword and error; never a key, id
  // or secret. At most kMaxLoadErrors kept (skipped_lines has the count).
  std::vector<std::string> errors;
  // The reference's <path>.start existed (its last compaction was interrupted) and was used;
  // the log found beside it was kept as <path>.bak.
  bool recovered_interrupted_compaction = false;
  // Where the log as read was kept (nullopt: no backup was made: a new log, or
  // keep_backups off, or the link failed, which is in `backup_error`).
  std::optional<std::filesystem::path> backup;
  std::string backup_error;
  std::vector<std::filesystem::path> removed_backups;
};
inline constexpr std::size_t kMaxLoadErrors = 100;

// Start-up: restores an interrupted compaction of the reference (see store_log_backups.h),
// reads `path` (creating it if missing), replays it in order into `store`, then writes the
// compacted log — a NEW_SERVICE per service in id order, then one CREATE per live queue
// sorted by recipient id, carrying everything the queue has (status, link data, notifier
// with its DH secret and service, date) — to <path>.tmp, fsyncs it, keeps the old log as a
// timed backup (a hard link), renames the new one over <path>, fsyncs the directory, removes
// old backups and returns the log reopened for appending. A garbled line is skipped and
// reported, never fatal; so is a last line without its newline (a write torn by a crash: a
// prefix of a record may itself parse as a different record).
// Lines are parsed on `load.parse_threads` threads and applied in file order on this one.
//
// Replay, as the reference's readQueueStore with the store's rules (queue_store.h): CREATE
// inserts (replacing a queue with the same rid, as SMP v1 did; a CREATE whose sender,
// notifier or link id belongs to another live queue is skipped and reported); a record for
// an unknown rid is ignored; SECURE for a queue with another sender key is reported and the
// first key kept (the reference's secureQueue answers AUTH); NOTIFIER replaces the notifier
// (as 6.5.5's NKEY does) unless its id belongs to another queue; LINK follows set_link's
// rules; NEW_SERVICE creates the service unless its certificate is known.
// REQUIRES: `store` is empty. errc::io_error when reading or writing the files fails.
Result<std::pair<std::unique_ptr<StoreLog>, StoreLogLoadReport>> load_and_compact_store_log(
    const std::filesystem::path& path, QueueStore& store, StoreLogOptions options = {},
    StoreLogLoadOptions load = {});

}  // namespace smp::server
