#include "smp/server/store_log.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <span>
#include <system_error>
#include <thread>

#include "smp/common/try.h"
#include "smp/encoding/base64.h"
#include "smp/encoding/key_string.h"
#include "smp/server/file_io.h"
#include "smp/server/log_text.h"

namespace smp::server {
namespace {

using log_text::expect;
using log_text::expect_end;
using log_text::parse_id;

Result<crypto::PublicKey> parse_key(std::string_view& in) {
  return enc::parse_public_key(in, crypto::kSignatureAlgorithms);
}

// "rid=… rk=… rdh=… sid=… sk=[…][ nid=… nk=…]" (QueueRec's strP).
Result<QueueRecord> parse_queue(std::string_view& in) {
  SMP_TRY_VOID(expect(in, "rid="));
  SMP_TRY(QueueId rid, parse_id(in));
  SMP_TRY_VOID(expect(in, " rk="));
  SMP_TRY(crypto::PublicKey rk, parse_key(in));
  SMP_TRY_VOID(expect(in, " rdh="));
  std::array<std::uint8_t, DhSecret25519::kSize> rdh_bytes;
  auto rdh_size = enc::parse_b64url_token_into(in, rdh_bytes);
  std::optional<DhSecret25519> rdh;
  if (rdh_size && *rdh_size == rdh_bytes.size()) rdh = DhSecret25519::from(rdh_bytes);
  secure_wipe(rdh_bytes.data(), rdh_bytes.size());
  if (!rdh_size) return rdh_size.error();
  if (!rdh) return make_error_code(errc::bad_syntax);
  SMP_TRY_VOID(expect(in, " sid="));
  SMP_TRY(QueueId sid, parse_id(in));
  SMP_TRY_VOID(expect(in, " sk="));
  std::optional<crypto::PublicKey> sk;
  if (!in.empty() && in.front() != ' ') {
    SMP_TRY(crypto::PublicKey k, parse_key(in));
    sk = k;
  }
  std::optional<NotifierCredentials> notifier;
  if (!in.empty()) {
    SMP_TRY_VOID(expect(in, " nid="));
    SMP_TRY(QueueId nid, parse_id(in));
    SMP_TRY_VOID(expect(in, " nk="));
    SMP_TRY(crypto::PublicKey nk, parse_key(in));
    notifier = NotifierCredentials{nid, nk};
  }
  return QueueRecord{.recipient_id = rid,
                     .sender_id = sid,
                     .recipient_key = rk,
                     .recipient_dh_secret = *rdh,
                     .sender_key = sk,
                     .notifier = notifier};
}

Result<StoreLogRecord> parse_record(std::string_view in) {
  if (in.starts_with("CREATE ")) {
    in.remove_prefix(7);
    SMP_TRY(QueueRecord q, parse_queue(in));
    SMP_TRY_VOID(expect_end(in));
    return StoreLogCreate{std::move(q)};
  }
  if (in.starts_with("SECURE ")) {
    in.remove_prefix(7);
    SMP_TRY(QueueId rid, parse_id(in));
    SMP_TRY_VOID(expect(in, " "));
    SMP_TRY(crypto::PublicKey key, parse_key(in));
    SMP_TRY_VOID(expect_end(in));
    return StoreLogSecure{rid, key};
  }
  if (in.starts_with("NOTIFIER ")) {
    in.remove_prefix(9);
    SMP_TRY(QueueId rid, parse_id(in));
    SMP_TRY_VOID(expect(in, " "));
    SMP_TRY(QueueId nid, parse_id(in));
    SMP_TRY_VOID(expect(in, " "));
    SMP_TRY(crypto::PublicKey key, parse_key(in));
    SMP_TRY_VOID(expect_end(in));
    return StoreLogNotifier{rid, NotifierCredentials{nid, key}};
  }
  if (in.starts_with("DELETE ")) {
    in.remove_prefix(7);
    SMP_TRY(QueueId rid, parse_id(in));
    SMP_TRY_VOID(expect_end(in));
    return StoreLogDelete{rid};
  }
  if (in.starts_with("SUSPEND ")) {
    in.remove_prefix(8);
    SMP_TRY(QueueId rid, parse_id(in));
    SMP_TRY_VOID(expect_end(in));
    return StoreLogSuspend{rid};
  }
  return make_error_code(errc::bad_tag);
}

void append_id(std::string& out, const QueueId& id) { enc::b64url_encode_append(out, view(id)); }

// Appends the record's line (without the newline) to `out`, with no temporary strings.
struct Appender {
  std::string& out;

  void operator()(const StoreLogCreate& c) const { create(c.queue); }
  void create(const QueueRecord& q) const {
    out += "CREATE rid=";
    append_id(out, q.recipient_id);
    out += " rk=";
    enc::str_encode_append(out, q.recipient_key);
    out += " rdh=";
    enc::b64url_encode_append(out, q.recipient_dh_secret.view());
    out += " sid=";
    append_id(out, q.sender_id);
    out += " sk=";
    if (q.sender_key) enc::str_encode_append(out, *q.sender_key);
    if (q.notifier) {
      out += " nid=";
      append_id(out, q.notifier->notifier_id);
      out += " nk=";
      enc::str_encode_append(out, q.notifier->notifier_key);
    }
  }
  void operator()(const StoreLogSecure& r) const {
    out += "SECURE ";
    append_id(out, r.rid);
    out += ' ';
    enc::str_encode_append(out, r.key);
  }
  void operator()(const StoreLogNotifier& r) const {
    out += "NOTIFIER ";
    append_id(out, r.rid);
    out += ' ';
    append_id(out, r.creds.notifier_id);
    out += ' ';
    enc::str_encode_append(out, r.creds.notifier_key);
  }
  void operator()(const StoreLogDelete& r) const {
    out += "DELETE ";
    append_id(out, r.rid);
  }
  void operator()(const StoreLogSuspend& r) const {
    out += "SUSPEND ";
    append_id(out, r.rid);
  }
};

}  // namespace

std::string format_store_log_record(const StoreLogRecord& record) {
  std::string line;
  append_store_log_line(line, record);
  line.pop_back();
  return line;
}

void append_store_log_line(std::string& out, const StoreLogRecord& record) {
  std::visit(Appender{out}, record);
  out += '\n';
}

Result<StoreLogRecord> parse_store_log_line(std::string_view line) {
  return parse_record(log_text::strip_cr(line));
}

// ---------------------------------------------------------------------------------------------

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

std::string_view keyword(std::string_view line) {
  for (std::string_view k : {"CREATE", "SECURE", "NOTIFIER", "DELETE", "SUSPEND"})
    if (line.starts_with(k)) return k;
  return "unknown";
}

// One line as the parser left it for the replay: its text (without the \r) and its record or
// why it did not parse. Parsing is pure, so lines may be parsed on several threads and then
// applied in file order with exactly the result of a serial replay.
struct ParsedLine {
  std::string_view text;
  Result<StoreLogRecord> record;
};

ParsedLine parse_line(std::string_view raw) {
  std::string_view text = log_text::strip_cr(raw);
  if (text.empty()) return {text, make_error_code(errc::bad_syntax)};  // reported as empty
  return {text, parse_record(text)};
}

class Replayer {
 public:
  explicit Replayer(QueueStore& store, StoreLogLoadReport& report)
      : store_(store), report_(report) {}

  void line(ParsedLine& p) {
    ++report_.lines;
    if (p.text.empty()) return skip(p.text, "empty line");
    if (!p.record) return skip(p.text, errc_name(static_cast<errc>(p.record.error().value())));
    std::visit([&](auto& r) { apply(p.text, r); }, *p.record);
  }

 private:
  void skip(std::string_view text, std::string_view why) {
    ++report_.skipped_lines;
    if (report_.errors.size() < kMaxLoadErrors) {
      report_.errors.push_back("line " + std::to_string(report_.lines) + " (" +
                               std::string(keyword(text)) + "): " + std::string(why));
    }
  }

  // CREATE replaces a queue with the same rid, as the reference's M.insert does; if the new
  // record cannot go in (its sender or notifier id belongs to another queue), the old stays.
  // (add leaves the store unchanged when it fails, so trying it first is the same.)
  void apply(std::string_view text, StoreLogCreate& c) {
    if (store_.add(c.queue)) return;
    std::optional<QueueRecord> old = store_.by_recipient(c.queue.recipient_id);
    if (old) {
      (void)store_.remove(c.queue.recipient_id);
      if (store_.add(std::move(c.queue))) return;
      (void)store_.add(std::move(*old));
    }
    skip(text, "sender or notifier id of another queue");
  }
  void apply(std::string_view text, StoreLogSecure& s) {
    auto q = store_.by_recipient(s.rid);
    if (!q) return;
    if (q->sender_key) {
      if (*q->sender_key != s.key) skip(text, "queue already secured, kept the first key");
      return;
    }
    (void)store_.secure(s.rid, s.key);
  }
  void apply(std::string_view text, StoreLogNotifier& n) {
    auto q = store_.by_recipient(n.rid);
    if (!q) return;
    if (q->notifier) {
      if (*q->notifier != n.creds) skip(text, "queue already has a notifier, kept the first");
      return;
    }
    auto r = store_.add_notifier(n.rid, n.creds);
    if (!r) skip(text, "notifier id of another queue");
  }
  void apply(std::string_view, StoreLogDelete& d) { (void)store_.remove(d.rid); }
  void apply(std::string_view, StoreLogSuspend& s) { (void)store_.suspend(s.rid); }

  QueueStore& store_;
  StoreLogLoadReport& report_;
};

// Parses a block's lines split into `parts.size()` contiguous runs, one per thread (this
// thread takes the first); parts[i] gets run i. Falls back to this thread alone if a thread
// cannot be started.
void parse_block(std::span<const std::string_view> lines,
                 std::vector<std::vector<ParsedLine>>& parts) {
  const std::size_t n = parts.size();
  auto parse_run = [&](std::size_t i) {
    std::size_t begin = lines.size() * i / n, end = lines.size() * (i + 1) / n;
    parts[i].clear();
    parts[i].reserve(end - begin);
    for (std::size_t k = begin; k < end; ++k) parts[i].push_back(parse_line(lines[k]));
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
    if (eof && start < filled) {
      lines.emplace_back(buf.data() + start, filled - start);
      start = filled;
    }
    parts.resize(std::clamp<std::size_t>(
        lines.size() / std::max<std::size_t>(load.min_lines_per_thread, 1), 1, threads));
    parse_block(lines, parts);
    for (auto& part : parts)
      for (ParsedLine& p : part) replayer.line(p);
    std::memmove(buf.data(), buf.data() + start, filled - start);
    filled -= start;
  }
  return {};
}

// The compacted log: every queue in recipient-id order, written in large pieces.
Result<void> write_compacted(const std::filesystem::path& path, const QueueStore& store) {
  constexpr std::size_t kWriteChunk = 1 << 20;
  SMP_TRY(file_io::AtomicFile out, file_io::AtomicFile::create(path));
  std::string chunk;
  chunk.reserve(kWriteChunk + 4096);
  Result<void> written;
  store.for_each_sorted([&](const QueueRecord& q) {
    if (!written) return;
    Appender{chunk}.create(q);
    chunk += '\n';
    if (q.status == QueueStatus::off) append_store_log_line(chunk, StoreLogSuspend{q.recipient_id});
    if (chunk.size() >= kWriteChunk) {
      written = out.write(chunk);
      chunk.clear();
    }
  });
  SMP_TRY_VOID(written);
  SMP_TRY_VOID(out.write(chunk));
  return out.commit();
}

}  // namespace

Result<std::pair<std::unique_ptr<StoreLog>, StoreLogLoadReport>> load_and_compact_store_log(
    const std::filesystem::path& path, QueueStore& store, StoreLogOptions options,
    StoreLogLoadOptions load) {
  StoreLogLoadReport report;
  {
    SMP_TRY(file_io::Fd created, file_io::open_for_append(path));  // creates a missing file
    SMP_TRY_VOID(created.close());
  }
  SMP_TRY_VOID(replay(path, store, report, load));
  report.queues = store.size();
  SMP_TRY_VOID(write_compacted(path, store));
  SMP_TRY(auto log, StoreLog::open_for_append(path, options));
  return std::make_pair(std::move(log), std::move(report));
}

}  // namespace smp::server
