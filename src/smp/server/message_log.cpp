#include "smp/server/message_log.h"

#include <fstream>
#include <system_error>
#include <unordered_set>
#include <utility>
#include <vector>

#include "smp/common/try.h"
#include "smp/crypto/cbox.h"
#include "smp/encoding/base64.h"
#include "smp/protocol/wire_format.h"
#include "smp/common/file_io.h"
#include "smp/server/log_text.h"

namespace smp::server {

namespace {

using log_text::consume;
using log_text::expect;
using log_text::expect_end;
using log_text::parse_id;

// A base64url body, possibly empty (at the end of the line).
Result<Bytes> parse_body(std::string_view& in) {
  if (in.empty()) return Bytes{};
  SMP_TRY(Bytes body, enc::parse_b64url_token(in));
  return body;
}

// "flags=<T|F>[anything up to a space] " (MsgFlags' smpP), or nothing.
Result<MsgFlags> parse_flags(std::string_view& in) {
  if (!consume(in, "flags=")) return MsgFlags{};
  MsgFlags flags;
  if (consume(in, "T")) {
    flags.notification = true;
  } else if (!consume(in, "F")) {
    return make_error_code(errc::bad_syntax);
  }
  std::size_t space = in.find(' ');
  if (space == std::string_view::npos) return make_error_code(errc::bad_syntax);
  in.remove_prefix(space + 1);
  return flags;
}

Result<SavedMessage> parse_v3(std::string_view in) {
  SMP_TRY(QueueId rid, parse_id(in));
  SMP_TRY_VOID(expect(in, " "));
  SMP_TRY(MsgId msg_id, parse_id(in));  // message ids are 24 bytes too
  SMP_TRY_VOID(expect(in, " "));
  SMP_TRY(std::int64_t ts, log_text::parse_signed_decimal(in));
  SMP_TRY_VOID(expect(in, " "));
  Message m{.id = msg_id, .timestamp = ts};
  if (in == "quota") {
    m.kind = MessageKind::quota;
    return SavedMessage{rid, std::move(m)};
  }
  SMP_TRY(m.flags, parse_flags(in));
  SMP_TRY(Bytes body, parse_body(in));
  SMP_TRY_VOID(expect_end(in));
  if (body.size() > protocol::kMaxMessageLength) return make_error_code(errc::smp_large_msg);
  m.body = std::make_shared<const Bytes>(std::move(body));
  return SavedMessage{rid, std::move(m)};
}

// Our earlier format: <rid> <msgId> <decimal ts> <server-encrypted body>.
Result<SavedMessage> parse_encrypted(std::string_view in) {
  SMP_TRY(QueueId rid, parse_id(in));
  SMP_TRY_VOID(expect(in, " "));
  SMP_TRY(MsgId msg_id, parse_id(in));
  SMP_TRY_VOID(expect(in, " "));
  SMP_TRY(std::int64_t ts, log_text::parse_decimal(in));
  SMP_TRY_VOID(expect(in, " "));
  SMP_TRY(Bytes body, enc::parse_b64url_token(in));
  SMP_TRY_VOID(expect_end(in));
  Message m{.id = msg_id, .timestamp = ts,
            .body = std::make_shared<const Bytes>(std::move(body))};
  return SavedMessage{rid, std::move(m), true};
}

// The body as sent, from one delivered by SMP v1 under the queue's DH secret.
Result<std::shared_ptr<const Bytes>> decrypt_body(const DhSecret25519& dh, const Message& m) {
  SMP_TRY(crypto::CbKey key, crypto::CbKey::from_dh_secret(dh.view()));
  SMP_TRY(Bytes body, key.decrypt(crypto::cb_nonce(view(m.id)), *m.body));
  if (body.size() > protocol::kMaxMessageLength) return make_error_code(errc::smp_large_msg);
  return std::make_shared<const Bytes>(std::move(body));
}

}  // namespace

std::string format_saved_message(const QueueId& rid, const Message& message) {
  std::string s = "v3 ";
  enc::b64url_encode_append(s, view(rid));
  s += ' ';
  enc::b64url_encode_append(s, view(message.id));
  s += ' ';
  s += std::to_string(message.timestamp);
  if (message.is_quota()) {
    s += " quota";
    return s;
  }
  s += message.flags.notification ? " flags=T " : " flags=F ";
  if (message.body) enc::b64url_encode_append(s, *message.body);
  return s;
}

Result<SavedMessage> parse_saved_message(std::string_view line) {
  std::string_view in = log_text::strip_cr(line);
  if (consume(in, "v3 ")) return parse_v3(in);
  return parse_encrypted(in);
}

Result<std::size_t> save_messages(const std::filesystem::path& path, const MessageStore& messages,
                                  const QueueStore& queues) {
  // Copy out first (bodies are shared, not copied) so no lock is held while writing, and the
  // message store's locks are never held while the queue store's are taken.
  std::vector<std::pair<QueueId, std::vector<Message>>> all;
  messages.for_each([&](const QueueId& rid, const MessageQueue& q) {
    auto msgs = q.snapshot();
    if (!msgs.empty()) all.emplace_back(rid, std::move(msgs));
  });
  SMP_TRY(file_io::AtomicFile out, file_io::AtomicFile::create(path));
  std::size_t count = 0;
  for (const auto& [rid, msgs] : all) {
    if (!queues.contains(rid)) continue;
    for (const Message& m : msgs) {
      SMP_TRY_VOID(out.write(format_saved_message(rid, m) + '\n'));
      ++count;
    }
  }
  SMP_TRY_VOID(out.commit());
  return count;
}

Result<RestoreReport> restore_messages(const std::filesystem::path& path, MessageStore& messages,
                                       const QueueStore& queues, std::int64_t expire_before,
                                       std::size_t quota) {
  RestoreReport report;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return make_error_code(errc::io_error);
    return report;
  }
  report.file_found = true;
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error_code(errc::io_error);
  std::unordered_set<QueueId, QueueIdHash> over_quota_queues;
  std::string line;
  while (std::getline(in, line)) {
    auto saved = parse_saved_message(line);
    if (!saved) {
      ++report.garbled;
      continue;
    }
    std::optional<QueueRecord> q = queues.by_recipient(saved->rid);
    if (!q) {
      ++report.unknown_queue;
      continue;
    }
    Message& m = saved->message;
    if (saved->server_encrypted) {
      auto body = decrypt_body(q->recipient_dh_secret, m);
      if (!body) {
        ++report.garbled;
        continue;
      }
      m.body = std::move(*body);
    }
    std::shared_ptr<MessageQueue> mq = messages.get_or_create(saved->rid);
    if (m.is_quota()) {
      mq->drop_head_quota_marker();
      (void)mq->push(std::move(m), quota, QuotaRule::mark);
      over_quota_queues.insert(saved->rid);
      ++report.quota_markers;
      continue;
    }
    if (m.timestamp < expire_before) {
      ++report.expired;
      continue;
    }
    if (!mq->push(std::move(m), quota, QuotaRule::mark)) {
      ++report.over_quota;
      continue;
    }
    ++report.restored;
  }
  if (in.bad()) return make_error_code(errc::io_error);
  in.close();
  for (const QueueId& rid : over_quota_queues) messages.get_or_create(rid)->set_over_quota();
  std::filesystem::path bak = path;
  bak += ".bak";
  std::filesystem::rename(path, bak, ec);
  if (ec) return make_error_code(errc::io_error);
  return report;
}

}  // namespace smp::server
