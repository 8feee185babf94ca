#include "smp/server/store_log.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <system_error>

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

std::string id_str(const QueueId& id) { return enc::b64url_encode(view(id)); }

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
  SMP_TRY(Bytes rdh_bytes, enc::parse_b64url_token(in));
  auto rdh = DhSecret25519::from(rdh_bytes);
  secure_wipe(rdh_bytes.data(), rdh_bytes.size());
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

struct Formatter {
  std::string operator()(const StoreLogCreate& c) const {
    const QueueRecord& q = c.queue;
    std::string s = "CREATE rid=" + id_str(q.recipient_id) +
                    " rk=" + enc::str_encode(q.recipient_key) +
                    " rdh=" + enc::b64url_encode(q.recipient_dh_secret.view()) +
                    " sid=" + id_str(q.sender_id) + " sk=";
    if (q.sender_key) s += enc::str_encode(*q.sender_key);
    if (q.notifier) {
      s += " nid=" + id_str(q.notifier->notifier_id) +
           " nk=" + enc::str_encode(q.notifier->notifier_key);
    }
    return s;
  }
  std::string operator()(const StoreLogSecure& r) const {
    return "SECURE " + id_str(r.rid) + " " + enc::str_encode(r.key);
  }
  std::string operator()(const StoreLogNotifier& r) const {
    return "NOTIFIER " + id_str(r.rid) + " " + id_str(r.creds.notifier_id) + " " +
           enc::str_encode(r.creds.notifier_key);
  }
  std::string operator()(const StoreLogDelete& r) const { return "DELETE " + id_str(r.rid); }
  std::string operator()(const StoreLogSuspend& r) const { return "SUSPEND " + id_str(r.rid); }
};

}  // namespace

std::string format_store_log_record(const StoreLogRecord& record) {
  return std::visit(Formatter{}, record);
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
  std::string line = format_store_log_record(record);
  line += '\n';
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

class Replayer {
 public:
  explicit Replayer(QueueStore& store, StoreLogLoadReport& report)
      : store_(store), report_(report) {}

  void line(std::string_view raw) {
    ++report_.lines;
    std::string_view text = log_text::strip_cr(raw);
    if (text.empty()) return skip(text, "empty line");
    auto rec = parse_record(text);
    if (!rec) return skip(text, errc_name(static_cast<errc>(rec.error().value())));
    std::visit([&](auto& r) { apply(text, r); }, *rec);
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
  void apply(std::string_view text, StoreLogCreate& c) {
    std::optional<QueueRecord> old;  // decoded only when the rid is taken (rare)
    if (store_.contains(c.queue.recipient_id)) old = store_.by_recipient(c.queue.recipient_id);
    if (old) (void)store_.remove(c.queue.recipient_id);
    if (store_.add(std::move(c.queue))) return;
    if (old) (void)store_.add(std::move(*old));
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

Result<void> ensure_exists(const std::filesystem::path& path) {
  SMP_TRY(file_io::Fd fd, file_io::open_for_append(path));
  return fd.close();
}

Result<void> replay(const std::filesystem::path& path, QueueStore& store,
                    StoreLogLoadReport& report) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error_code(errc::io_error);
  Replayer replayer(store, report);
  std::string line;
  while (std::getline(in, line)) replayer.line(line);
  if (in.bad()) return make_error_code(errc::io_error);
  return {};
}

Result<void> write_compacted(const std::filesystem::path& path, const QueueStore& store) {
  std::vector<QueueId> rids;
  rids.reserve(store.size());
  store.for_each([&](const QueueRecord& q) { rids.push_back(q.recipient_id); });
  std::sort(rids.begin(), rids.end());
  SMP_TRY(file_io::AtomicFile out, file_io::AtomicFile::create(path));
  for (const QueueId& rid : rids) {
    auto q = store.by_recipient(rid);
    if (!q) continue;
    std::string lines = format_store_log_record(StoreLogCreate{*q}) + '\n';
    if (q->status == QueueStatus::off)
      lines += format_store_log_record(StoreLogSuspend{rid}) + '\n';
    SMP_TRY_VOID(out.write(lines));
  }
  return out.commit();
}

}  // namespace

Result<std::pair<std::unique_ptr<StoreLog>, StoreLogLoadReport>> load_and_compact_store_log(
    const std::filesystem::path& path, QueueStore& store, StoreLogOptions options) {
  StoreLogLoadReport report;
  SMP_TRY_VOID(ensure_exists(path));
  SMP_TRY_VOID(replay(path, store, report));
  report.queues = store.size();
  SMP_TRY_VOID(write_compacted(path, store));
  SMP_TRY(auto log, StoreLog::open_for_append(path, options));
  return std::make_pair(std::move(log), std::move(report));
}

}  // namespace smp::server
