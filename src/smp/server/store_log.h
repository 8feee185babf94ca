// The server's store log (spec §5, the reference's Server/StoreLog.hs): a text file with one
// record per line, appended as queues change and compacted at start-up.
//
//   CREATE rid=<b64u> rk=<b64u SPKI> rdh=<b64u 32 bytes> sid=<b64u> sk=[<b64u SPKI>][ nid=<b64u> nk=<b64u SPKI>]
//   SECURE <b64u rid> <b64u SPKI sender key>
//   NOTIFIER <b64u rid> <b64u nid> <b64u SPKI notifier key>
//   DELETE <b64u rid>
//   SUSPEND <b64u rid>
//
// SUSPEND is what later reference versions write for OFF; we write it too, instead of v1's
// DELETE (quirk Q1), and v1 readers skip it as an unparsable line. Functions are pure and
// thread-safe; a StoreLog is thread-safe (one mutex around each append) and owns its file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "smp/common/error.h"
#include "smp/server/queue_record.h"
#include "smp/server/queue_store.h"

namespace smp::server {

// The queue's status is not part of CREATE: it parses as active (a SUSPEND line follows it
// for a suspended queue in a compacted log).
struct StoreLogCreate { QueueRecord queue; };
struct StoreLogSecure { QueueId rid; crypto::PublicKey key; };
struct StoreLogNotifier { QueueId rid; NotifierCredentials creds; };
struct StoreLogDelete { QueueId rid; };
struct StoreLogSuspend { QueueId rid; };

using StoreLogRecord =
    std::variant<StoreLogCreate, StoreLogSecure, StoreLogNotifier, StoreLogDelete, StoreLogSuspend>;

// One line, without the trailing newline.
std::string format_store_log_record(const StoreLogRecord& record);
// The same line and its newline, appended to `out`.
void append_store_log_line(std::string& out, const StoreLogRecord& record);

// Parses one line (a trailing \r is stripped) as the reference's parseAll strP does: fields
// separated by exactly one space, nothing after the last. Errors: errc::bad_tag for an unknown
// record keyword, errc::bad_base64 / bad_der / wrong_algorithm for a bad field (keys must be
// Ed25519/Ed448), errc::bad_syntax for a missing or misplaced field name or separator, an id
// that is not 24 bytes or a DH secret that is not 32 bytes, errc::trailing_bytes for text
// after the record.
Result<StoreLogRecord> parse_store_log_line(std::string_view line);

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
};
inline constexpr std::size_t kMaxParseThreads = 4;

struct StoreLogLoadReport {
  std::size_t lines = 0;          // lines read (empty lines included)
  std::size_t queues = 0;         // live queues after replay, now in the store
  std::size_t skipped_lines = 0;  // unparsable lines and records that could not be applied
  // One message per skipped line: line number, record keyword and error; never a key, id
  // or secret. At most kMaxLoadErrors kept (skipped_lines has the count).
  std::vector<std::string> errors;
};
inline constexpr std::size_t kMaxLoadErrors = 100;

// Start-up: reads `path` (creating it if missing), replays it in order into `store`, then
// writes the compacted log — one CREATE per live queue sorted by recipient id, followed by
// SUSPEND for a suspended queue (the reference drops suspended queues here; we keep them) —
// to <path>.tmp, fsyncs it, renames it over <path>, fsyncs the directory and returns the log
// reopened for appending. A torn or garbled line is skipped and reported, never fatal.
// Lines are parsed on `load.parse_threads` threads and applied in file order on this one.
//
// Replay: CREATE inserts (replacing a queue with the same rid, as the reference does); SECURE,
// NOTIFIER, SUSPEND and DELETE for an unknown rid are ignored like the reference's M.adjust.
// A SECURE or NOTIFIER for a queue that already has one is skipped and reported: the live
// server refused that change (a v1 server logs SECURE before the check, quirk Q2), and the
// reference replay would have replaced the key. A CREATE whose sender or notifier id belongs
// to another live queue is skipped and reported.
// REQUIRES: `store` is empty. errc::io_error when reading or writing the files fails.
Result<std::pair<std::unique_ptr<StoreLog>, StoreLogLoadReport>> load_and_compact_store_log(
    const std::filesystem::path& path, QueueStore& store, StoreLogOptions options = {},
    StoreLogLoadOptions load = {});

}  // namespace smp::server
