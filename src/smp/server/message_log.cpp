#include "smp/server/message_log.h"

#include <spdlog/spdlog.h>

#include <fstream>
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
  SMP_TRY(file_io::AtomicFile out, file_io::AtomicFile::create(path));
  std::size_t count = 0;
  Result<void> status;
  messages.for_each([&](const QueueId& rid, const MessageQueue& q) {
    if (!status) return;
    if (!queues.by_recipient(rid)) return;
    for (const Message& m : q.snapshot()) {
      status = out.write(format_saved_message(rid, m) + '\n');
      if (!status) return;
      ++count;
    }
  });
  if (!status) return status.error();
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
