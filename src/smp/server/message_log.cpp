#include "smp/server/message_log.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <utility>
#include <vector>
#include <system_error>

#include "smp/common/try.h"
#include "smp/encoding/base64.h"
#include "smp/server/file_io.h"
#include "smp/server/log_text.h"

namespace smp::server {

std::string format_saved_message(const QueueId& rid, const Message& message) {
  std::string s = enc::b64url_encode(view(rid));
  s += ' ';
  s += enc::b64url_encode(ByteView(message.id.data(), message.id.size()));
  s += ' ';
  s += std::to_string(message.timestamp);
  s += ' ';
  s += enc::b64url_encode(*message.body);
  return s;
}

Result<SavedMessage> parse_saved_message(std::string_view line) {
  std::string_view in = log_text::strip_cr(line);
  SMP_TRY(QueueId rid, log_text::parse_id(in));
  SMP_TRY_VOID(log_text::expect(in, " "));
  SMP_TRY(QueueId msg_id, log_text::parse_id(in));  // message ids are 24 bytes too
  SMP_TRY_VOID(log_text::expect(in, " "));
  SMP_TRY(std::int64_t ts, log_text::parse_decimal(in));
  SMP_TRY_VOID(log_text::expect(in, " "));
  SMP_TRY(Bytes body, enc::parse_b64url_token(in));
  SMP_TRY_VOID(log_text::expect_end(in));
  return SavedMessage{rid, Message{msg_id, ts, std::make_shared<const Bytes>(std::move(body))}};
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
    if (!queues.by_recipient(rid)) continue;
    for (const Message& m : msgs) {
      SMP_TRY_VOID(out.write(format_saved_message(rid, m) + '\n'));
      ++count;
    }
  }
  SMP_TRY_VOID(out.commit());
  return count;
}

Result<std::size_t> restore_messages(const std::filesystem::path& path, MessageStore& messages,
                                     const QueueStore& queues, std::int64_t expire_before,
                                     std::size_t quota) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return make_error_code(errc::io_error);
    return 0;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error_code(errc::io_error);
  std::size_t restored = 0, garbled = 0, no_queue = 0, expired = 0, over_quota = 0;
  std::string line;
  while (std::getline(in, line)) {
    auto saved = parse_saved_message(line);
    if (!saved) {
      ++garbled;
      continue;
    }
    if (saved->message.timestamp < expire_before) {
      ++expired;
      continue;
    }
    if (!queues.by_recipient(saved->rid)) {
      ++no_queue;
      continue;
    }
    if (!messages.get_or_create(saved->rid)->push(std::move(saved->message), quota)) {
      ++over_quota;
      continue;
    }
    ++restored;
  }
  if (in.bad()) return make_error_code(errc::io_error);
  in.close();
  if (garbled + no_queue + over_quota > 0) {
    spdlog::warn("restored {} messages; skipped {} garbled lines, {} of deleted queues, {} over quota",
                 restored, garbled, no_queue, over_quota);
  }
  if (expired > 0) spdlog::info("{} saved messages expired", expired);
  if (!std::filesystem::remove(path, ec) || ec) return make_error_code(errc::io_error);
  return restored;
}

}  // namespace smp::server
