// Undelivered messages across restarts: `smp-server-messages.log`, written when the server
// stops and read (then renamed to .bak) when it starts, one line per message, each queue's
// lines in FIFO order. The format is the reference's MsgLogRecord (Server/MsgStore.hs and
// Message's StrEncoding in Protocol.hs at simplexmq 6.5.5):
//
//   v3 <rid> <msgId> <ts> flags=<T|F> <body>      a message
//   v3 <rid> <msgId> <ts> quota                   a quota marker
//
// ids and the body base64url with padding, <ts> signed decimal seconds since the epoch, the
// flags' T/F whether to notify (the reference reads and ignores anything after that letter,
// and the flags field may be absent). Also read: the format this server wrote before,
//
//   <rid> <msgId> <ts> <server-encrypted body>
//
// where the body is crypto_box(pad(body, 16090)) under the queue's DH secret with the
// message id as nonce, as SMP v1 delivers it: restoring decrypts it back to the body sent.
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
  // The line was in the earlier format: message.body is still encrypted for the recipient.
  bool server_encrypted = false;
};

// The v3 line, without a newline.
std::string format_saved_message(const QueueId& rid, const Message& message);
// Either format. errc::bad_base64, bad_syntax (wrong field count or separators, an id that is
// not 24 bytes, a bad number or flag), errc::trailing_bytes, errc::smp_large_msg for a body
// over 16088 bytes. A trailing \r is stripped. An empty body (which the reference can
// neither write so that it reads back nor read) is accepted.
Result<SavedMessage> parse_saved_message(std::string_view line);

// Writes every message of every queue in `messages` whose recipient id is in `queues` to
// `path` atomically (<path>.tmp, fsync, rename, fsync of the directory), replacing it.
// Returns the number of messages written (quota markers included); errc::io_error on
// failure (`path` is then as before). Messages are copied out of the queues first (bodies
// shared), then written with no store lock held; messages added concurrently may or may not
// be included, so call it after the server stopped accepting commands.
Result<std::size_t> save_messages(const std::filesystem::path& path, const MessageStore& messages,
                                  const QueueStore& queues);

struct RestoreReport {
  std::size_t restored = 0;       // messages now in their queues
  std::size_t quota_markers = 0;  // quota markers restored (their queues are over quota)
  std::size_t expired = 0;        // messages older than expire_before, dropped
  std::size_t unknown_queue = 0;  // lines of queues that no longer exist
  std::size_t over_quota = 0;     // messages beyond their queue's quota, dropped
  std::size_t garbled = 0;        // lines that did not parse (or decrypt)
  bool file_found = false;
};

// Appends the messages saved in `path` to their queues in `messages`, by the reference's
// importMessages: a message older than `expire_before` is dropped (a quota marker never
// is); a message of a queue not in `queues` is dropped and counted; messages are added by
// QuotaRule::mark with `quota`, so one beyond it leaves a quota marker; a restored quota
// marker replaces a marker at the head of its queue, and its queue is left over quota. A
// garbled line is skipped and counted (the reference stops the server unless it is the
// last line). Then `path` is renamed to <path>.bak (replacing an older one), as the
// reference does. A missing file restores nothing. errc::io_error if it cannot be read or
// renamed.
inline constexpr std::size_t kNoQuota = static_cast<std::size_t>(-1);
Result<RestoreReport> restore_messages(const std::filesystem::path& path, MessageStore& messages,
                                       const QueueStore& queues, std::int64_t expire_before,
                                       std::size_t quota = kNoQuota);

}  // namespace smp::server
