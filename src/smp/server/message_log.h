// Undelivered messages across restarts (beyond v1, which loses them; the format is that of
// reference v2.3, which added this): `smp-server-messages.log`, one line per message,
//
//   <b64u rid> <b64u msgId> <decimal ts> <b64u body>
//
// b64u is padded base64url (spec §1.2), ts the SEND time in seconds since the Unix epoch, body
// the server-encrypted body as stored. Lines of one queue are in FIFO order.
// Functions are thread-safe (they only read the stores they are given, or add to them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "smp/common/error.h"
#include "smp/server/message_store.h"
#include "smp/server/queue_store.h"

namespace smp::server {

inline constexpr std::string_view kMessagesFileName = "smp-server-messages.log";

struct SavedMessage {
  QueueId rid;
  Message message;
};

std::string format_saved_message(const QueueId& rid, const Message& message);
// errc::bad_base64, bad_syntax (wrong field count or separators, id not 24 bytes, bad number),
// errc::trailing_bytes. A trailing \r is stripped.
Result<SavedMessage> parse_saved_message(std::string_view line);

// Writes every message of every queue in `messages` whose recipient id is in `queues` to
// `path` atomically (<path>.tmp, fsync, rename, fsync of the directory), replacing it.
// Returns the number of messages written; errc::io_error on failure (`path` is then as before).
// Messages are copied out of the queues first (bodies shared), then written with no store
// lock held; messages added concurrently may or may not be included, so call it after the
// server stopped accepting commands.
Result<std::size_t> save_messages(const std::filesystem::path& path, const MessageStore& messages,
                                  const QueueStore& queues);

// Appends the messages saved in `path` to their queues in `messages`, skipping messages of
// queues not in `queues`, messages with timestamp < expire_before, garbled lines and messages
// beyond `quota` in their queue (counting what it already holds); then deletes the file.
// Skipped lines are logged as a warning with counts only. Returns the number restored; 0 if
// `path` does not exist; errc::io_error if it cannot be read or removed.
inline constexpr std::size_t kNoQuota = static_cast<std::size_t>(-1);
Result<std::size_t> restore_messages(const std::filesystem::path& path, MessageStore& messages,
                                     const QueueStore& queues, std::int64_t expire_before,
                                     std::size_t quota = kNoQuota);

}  // namespace smp::server
