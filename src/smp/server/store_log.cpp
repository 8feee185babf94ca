#include "smp/server/store_log.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <span>
#include <system_error>
#include <thread>

#include "smp/common/try.h"
#include "smp/common/file_io.h"
#include "smp/server/log_text.h"
#include "smp/server/store_log_backups.h"

namespace smp::server {

struct StoreLog::State {
  std::mutex mu;
  file_io::Fd fd;  // guarded by mu; invalid after close()
};

StoreLog::StoreLog(std::filesystem::path path, int fd, StoreLogOptions options)
    : path_(std::move(path)), options_(options), state_(std::make_unique<State>()) {
  state_->fd = file_io::Fd(fd);
}

StoreLog::~StoreLog() = default;

Result<std::unique_ptr<StoreLog>> StoreLog::open_for_append(const std::filesystem::path& path,
                                                            StoreLogOptions options) {
  SMP_TRY(file_io::Fd fd, file_io::open_for_append(path));
  SMP_TRY(int last, file_io::last_byte(fd.get()));
  if (last >= 0 && last != '\n') SMP_TRY_VOID(file_io::write_all(fd.get(), "\n"));
  return std::unique_ptr<StoreLog>(new StoreLog(path, fd.release(), options));
}

Result<void> StoreLog::append(const StoreLogRecord& record) {
  std::string line;
  append_store_log_line(line, record);
  std::lock_guard lock(state_->mu);
  if (!state_->fd.valid()) return make_error_code(errc::io_error);
  SMP_TRY_VOID(file_io::write_all(state_->fd.get(), line));
  if (options_.sync_each_append) SMP_TRY_VOID(file_io::sync(state_->fd.get(), true));
  return {};
}

Result<void> StoreLog::close() {
  std::lock_guard lock(state_->mu);
  if (!state_->fd.valid()) return {};
  auto synced = file_io::sync(state_->fd.get(), false);
  auto closed = state_->fd.close();
  if (!synced) return synced;
  return closed;
}

// ---------------------------------------------------------------------------------------------

namespace {

// One line as the parser left it for the replay: its text (without the \r) and its record or
// why it did not parse. Parsing is pure, so lines may be parsed on several threads and then
// applied in file order with exactly the result of a serial replay.
struct ParsedLine {
  std::string_view text;
  Result<StoreLogRecord> record;
  bool torn = false;  // the last line of the file, without its newline
};

ParsedLine parse_line(std::string_view raw, bool torn) {
  std::string_view text = log_text::strip_cr(raw);
  if (text.empty() || torn) return {text, make_error_code(errc::bad_syntax), torn};
  return {text, parse_store_log_line(text), false};
}

class Replayer {
 public:
  explicit Replayer(QueueStore& store, StoreLogLoadReport& report)
      : store_(store), report_(report) {}

  void line(ParsedLine& p) {
    ++report_.lines;
    if (p.torn) return skip(p.text, "torn last line (no newline)");
    if (p.text.empty()) return skip(p.text, "empty line");
    if (!p.record) return skip(p.text, errc_name(static_cast<errc>(p.record.error().value())));
    std::visit([&](auto& r) { apply(p.text, r); }, *p.record);
  }

 private:
  void skip(std::string_view text, std::string_view why) {
    ++report_.skipped_lines;
    if (report_.errors.size() < kMaxLoadErrors) {
      report_.errors.push_back("line " + std::to_string(report_.lines) + " (" +
                               std::string(store_log_keyword(text)) + "): " + std::string(why));
    }
  }
  void skip_unless_ok(std::string_view text, const error_code& e) {
    skip(text, errc_name(static_cast<errc>(e.value())));
  }

  // CREATE replaces a queue with the same rid, as SMP v1's M.insert does; if the new record
  // cannot go in (an id belongs to another queue), the old stays.
  // (add leaves the store unchanged when it fails, so trying it first is the same.)
  void apply(std::string_view text, StoreLogCreate& c) {
    auto added = store_.add(c.queue);
    if (added) return;
    if (added.error() == errc::already_exists) {
      if (auto old = store_.remove(c.queue.recipient_id)) {
        if (store_.add(std::move(c.queue))) return;
        (void)store_.add(std::move(*old));
      }
      return skip(text, "sender, notifier or link id of another queue");
    }
    skip_unless_ok(text, added.error());
  }
  void apply(std::string_view text, StoreLogLink& r) {
    if (!store_.contains(r.rid)) return;
    if (auto set = store_.set_link(r.rid, std::move(r.link)); !set) {
      if (set.error() == errc::already_exists) return skip(text, "link id of another queue");
      skip(text, "the queue has other link data");
    }
  }
  void apply(std::string_view, StoreLogDeleteLink& r) { (void)store_.delete_link(r.rid); }
  void apply(std::string_view text, StoreLogSecure& s) {
    if (!store_.contains(s.rid)) return;
    if (!store_.secure(s.rid, s.key, SecureCommand::key))
      skip(text, "queue already secured, kept the first key");
  }
  void apply(std::string_view text, StoreLogKeys& k) {
    if (!store_.contains(k.rid)) return;
    if (auto r = store_.update_recipient_keys(k.rid, k.keys); !r) skip_unless_ok(text, r.error());
  }
  void apply(std::string_view text, StoreLogNotifier& n) {
    auto q = store_.by_recipient(n.rid);
    if (!q) return;
    if (q->notifier == n.creds) return;  // the same record again
    auto r = store_.add_notifier(n.rid, n.creds, NotifierRule::replace);
    if (!r) skip(text, "notifier id of another queue");
  }
  void apply(std::string_view, StoreLogSuspend& s) { (void)store_.suspend(s.rid); }
  void apply(std::string_view, StoreLogBlock& b) { (void)store_.block(b.rid, b.info); }
  void apply(std::string_view, StoreLogUnblock& u) { (void)store_.unblock(u.rid); }
  void apply(std::string_view, StoreLogDelete& d) { (void)store_.remove(d.rid); }
  void apply(std::string_view, StoreLogDeleteNotifier& d) { (void)store_.delete_notifier(d.rid); }
  void apply(std::string_view, StoreLogTime& t) { (void)store_.update_time(t.rid, t.date); }
  void apply(std::string_view text, StoreLogNewService& s) {
    auto r = store_.get_or_create_service(s.service);
    if (!r) return skip_unless_ok(text, r.error());
    if (r->first != s.service.id) skip(text, "service certificate already known under another id");
  }
  void apply(std::string_view text, StoreLogQueueService& s) {
    if (!store_.contains(s.rid)) return;
    if (auto r = store_.set_queue_service(s.rid, s.party, s.service_id); !r)
      skip(text, "the queue has no notifier");
  }

  QueueStore& store_;
  StoreLogLoadReport& report_;
};

// Parses a block's lines split into `parts.size()` contiguous runs, one per thread (this
// thread takes the first); parts[i] gets run i. Falls back to this thread alone if a thread
// cannot be started. `torn_last`: the block's last line is the file's, without its newline.
void parse_block(std::span<const std::string_view> lines, bool torn_last,
                 std::vector<std::vector<ParsedLine>>& parts) {
  const std::size_t n = parts.size();
  auto parse_run = [&](std::size_t i) {
    std::size_t begin = lines.size() * i / n, end = lines.size() * (i + 1) / n;
    parts[i].clear();
    parts[i].reserve(end - begin);
    for (std::size_t k = begin; k < end; ++k)
      parts[i].push_back(parse_line(lines[k], torn_last && k + 1 == lines.size()));
  };
  std::vector<std::thread> threads;
  std::size_t started = 1;
  try {
    for (; started < n; ++started) threads.emplace_back(parse_run, started);
  } catch (const std::system_error&) {
  }
  parse_run(0);
  for (std::size_t i = started; i < n; ++i) parse_run(i);  // those no thread took
  for (auto& t : threads) t.join();
}

// A CREATE line with Ed25519 keys and no sender key is 197 bytes, with Ed448 keys 229.
constexpr std::uintmax_t kTypicalCreateLineBytes = 200;

Result<void> replay(const std::filesystem::path& path, QueueStore& store,
                    StoreLogLoadReport& report, const StoreLogLoadOptions& load) {
  SMP_TRY(file_io::Fd fd, file_io::open_for_reading(path));
  // A compacted log is mostly CREATE lines of about 200 bytes: room for that many queues.
  std::error_code size_ec;
  auto file_size = std::filesystem::file_size(path, size_ec);
  if (!size_ec) store.reserve(static_cast<std::size_t>(file_size / kTypicalCreateLineBytes));
  Replayer replayer(store, report);
  const std::size_t threads = std::clamp<std::size_t>(
      load.parse_threads != 0 ? load.parse_threads : std::thread::hardware_concurrency(), 1,
      kMaxParseThreads);
  std::vector<std::vector<ParsedLine>> parts;
  std::vector<std::string_view> lines;
  std::vector<char> buf(std::max<std::size_t>(load.read_block_bytes, 1));
  std::size_t filled = 0;
  for (bool eof = false; !eof;) {
    if (filled == buf.size()) buf.resize(buf.size() * 2);  // a line longer than a block
    SMP_TRY(std::size_t got, file_io::read_up_to(fd.get(), buf.data() + filled, buf.size() - filled));
    eof = filled + got < buf.size();
    filled += got;
    // The block's complete lines; at the end of the file also a last line without its
    // newline (a torn line), as getline would give it.
    lines.clear();
    std::size_t start = 0;
    while (start < filled) {
      const void* nl = std::memchr(buf.data() + start, '\n', filled - start);
      if (nl == nullptr) break;
      std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data());
      lines.emplace_back(buf.data() + start, end - start);
      start = end + 1;
    }
    bool torn = false;
    if (eof && start < filled) {
      lines.emplace_back(buf.data() + start, filled - start);
      start = filled;
      torn = true;
    }
    parts.resize(std::clamp<std::size_t>(
        lines.size() / std::max<std::size_t>(load.min_lines_per_thread, 1), 1, threads));
    parse_block(lines, torn, parts);
    for (auto& part : parts)
      for (ParsedLine& p : part) replayer.line(p);
    std::memmove(buf.data(), buf.data() + start, filled - start);
    filled -= start;
  }
  return {};
}

// The compacted log: every service, then every queue in recipient-id order, written in large
// pieces; before it replaces `path`, the old log is kept as a timed backup (a hard link).
Result<void> write_compacted(const std::filesystem::path& path, const QueueStore& store,
                             bool keep_backup, StoreLogLoadReport& report) {
  constexpr std::size_t kWriteChunk = 1 << 20;
  SMP_TRY(file_io::AtomicFile out, file_io::AtomicFile::create(path));
  std::string chunk;
  chunk.reserve(kWriteChunk + 4096);
  for (ServiceRecord& s : store.services()) append_store_log_line(chunk, StoreLogNewService{std::move(s)});
  Result<void> written;
  store.for_each_sorted([&](const QueueRecord& q) {
    if (!written) return;
    append_store_log_line(chunk, StoreLogCreate{q});
    if (chunk.size() >= kWriteChunk) {
      written = out.write(chunk);
      chunk.clear();
    }
  });
  SMP_TRY_VOID(written);
  SMP_TRY_VOID(out.write(chunk));
  if (keep_backup) {
    auto backup = timed_backup_path(path, std::chrono::system_clock::now());
    if (::link(path.c_str(), backup.c_str()) == 0) {
      report.backup = backup;
    } else {
      report.backup_error = std::strerror(errno);
    }
  }
  return out.commit();
}

}  // namespace

Result<std::pair<std::unique_ptr<StoreLog>, StoreLogLoadReport>> load_and_compact_store_log(
    const std::filesystem::path& path, QueueStore& store, StoreLogOptions options,
    StoreLogLoadOptions load) {
  StoreLogLoadReport report;
  SMP_TRY(report.recovered_interrupted_compaction, recover_interrupted_compaction(path));
  std::error_code exists_ec;
  const bool existed = std::filesystem::exists(path, exists_ec);
  if (exists_ec) return make_error_code(errc::io_error);
  {
    SMP_TRY(file_io::Fd created, file_io::open_for_append(path));  // creates a missing file
    SMP_TRY_VOID(created.close());
  }
  SMP_TRY_VOID(replay(path, store, report, load));
  report.queues = store.size();
  report.services = store.services().size();
  SMP_TRY_VOID(write_compacted(path, store, load.keep_backups && existed, report));
  if (load.keep_backups) {
    SMP_TRY(report.removed_backups, remove_old_backups(path, std::chrono::system_clock::now()));
  }
  SMP_TRY(auto log, StoreLog::open_for_append(path, options));
  return std::make_pair(std::move(log), std::move(report));
}

}  // namespace smp::server
