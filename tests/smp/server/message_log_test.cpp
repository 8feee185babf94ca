#include "smp/server/message_log.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "server_test_util.h"
#include "smp/crypto/cbox.h"
#include "smp/encoding/base64.h"
#include "smp/protocol/wire_format.h"

namespace smp::server {
namespace {

using test::make_id;
using test::make_queue;
using test::TempDir;

Message make_message(std::uint8_t n, std::int64_t ts, std::size_t body_size = 16000,
                     bool notification = false) {
  MsgId id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(n + i);
  Bytes body(body_size);
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<std::uint8_t>(n * 31 + i);
  return Message{.id = id,
                 .timestamp = ts,
                 .flags = MsgFlags{notification},
                 .body = std::make_shared<const Bytes>(std::move(body))};
}

Message make_marker(std::uint8_t n, std::int64_t ts) {
  Message m = make_message(n, ts, 0);
  m.kind = MessageKind::quota;
  m.body.reset();
  return m;
}

using test::error_of;

// Known answers: MLRv3's strEncode (Server/MsgStore.hs) over Message's StrEncoding
// (Protocol.hs at 6.5.5): "v3 " <rid> <msgId> <ts> then "flags=" <T|F> <body>, or "quota".
constexpr std::string_view kRid = "ERERERERERERERERERERERERERERERER";    // 0x11 × 24
constexpr std::string_view kMsgId = "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIi";  // 0x22 × 24

TEST(SavedMessageLine, WritesTheReferenceMessageLog) {
  QueueId rid;
  rid.fill(0x11);
  Message m{.timestamp = 1733356800, .body = std::make_shared<const Bytes>(to_bytes(as_bytes("hello")))};
  m.id.fill(0x22);
  const std::string line = "v3 " + std::string(kRid) + " " + std::string(kMsgId) + " 1733356800 flags=F aGVsbG8=";
  EXPECT_EQ(format_saved_message(rid, m), line);
  m.flags.notification = true;
  EXPECT_EQ(format_saved_message(rid, m),
            "v3 " + std::string(kRid) + " " + std::string(kMsgId) + " 1733356800 flags=T aGVsbG8=");
  Message marker{.timestamp = -5, .kind = MessageKind::quota};
  marker.id.fill(0x22);
  EXPECT_EQ(format_saved_message(rid, marker),
            "v3 " + std::string(kRid) + " " + std::string(kMsgId) + " -5 quota");

  auto parsed = parse_saved_message(line + "\r");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->rid, rid);
  EXPECT_EQ(parsed->message.id, m.id);
  EXPECT_EQ(parsed->message.timestamp, 1733356800);
  EXPECT_FALSE(parsed->message.flags.notification);
  EXPECT_FALSE(parsed->message.is_quota());
  EXPECT_FALSE(parsed->server_encrypted);
  EXPECT_EQ(*parsed->message.body, to_bytes(as_bytes("hello")));
}

TEST(SavedMessageLine, ReadsWhatTheReferenceReads) {
  const std::string head = "v3 " + std::string(kRid) + " " + std::string(kMsgId) + " 17 ";
  auto marker = parse_saved_message(head + "quota");
  ASSERT_TRUE(marker);
  EXPECT_TRUE(marker->message.is_quota());
  EXPECT_FALSE(marker->message.body);
  EXPECT_EQ(marker->message.timestamp, 17);
  // Flags may be absent, and a flag letter may be followed by more (MsgFlags' smpP).
  auto no_flags = parse_saved_message(head + "aGVsbG8=");
  ASSERT_TRUE(no_flags);
  EXPECT_FALSE(no_flags->message.flags.notification);
  auto more = parse_saved_message(head + "flags=Txyz aGVsbG8=");
  ASSERT_TRUE(more);
  EXPECT_TRUE(more->message.flags.notification);
  EXPECT_EQ(*more->message.body, to_bytes(as_bytes("hello")));
  // The body's padding is optional in base64url.
  EXPECT_TRUE(parse_saved_message(head + "flags=F aGVsbG8"));
  // An empty body (which the reference could not read back) is read.
  auto empty = parse_saved_message(head + "flags=F ");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->message.body->empty());
}

TEST(SavedMessageLine, RoundTrips) {
  QueueId rid = make_id(1, 1);
  for (const Message& m : {make_message(3, 1700000000, 5), make_message(4, -1, 16088, true),
                           make_marker(5, 12)}) {
    auto parsed = parse_saved_message(format_saved_message(rid, m));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->rid, rid);
    EXPECT_EQ(parsed->message.id, m.id);
    EXPECT_EQ(parsed->message.timestamp, m.timestamp);
    EXPECT_EQ(parsed->message.flags, m.flags);
    EXPECT_EQ(parsed->message.kind, m.kind);
    if (m.body) {
      EXPECT_EQ(*parsed->message.body, *m.body);
    }
  }
}

TEST(SavedMessageLine, RejectsMalformedLines) {
  const std::string rid(kRid), id(kMsgId);
  const std::string v3 = "v3 " + rid + " " + id + " 42 ";
  EXPECT_EQ(error_of(parse_saved_message("")), errc::bad_base64);
  EXPECT_EQ(error_of(parse_saved_message("v3")), errc::bad_base64);
  EXPECT_EQ(error_of(parse_saved_message("v3 " + rid + " " + id + " 42")), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_saved_message(v3 + "quota ")), errc::bad_base64);
  EXPECT_EQ(error_of(parse_saved_message(v3 + "flags=X aGVsbG8=")), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_saved_message(v3 + "flags=T")), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_saved_message(v3 + "flags=T aGVsbG8= ")), errc::trailing_bytes);
  EXPECT_EQ(error_of(parse_saved_message(v3 + "flags=T aGVsbG8=*")), errc::trailing_bytes);
  EXPECT_EQ(error_of(parse_saved_message("v3 AAAA " + id + " 42 quota")), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_saved_message("v3 " + rid + " AAAA 42 quota")), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_saved_message("v3 " + rid + " " + id + " x quota")), errc::bad_syntax);
  const std::string too_long = enc::b64url_encode(Bytes(protocol::kMaxMessageLength + 1, 1));
  EXPECT_EQ(error_of(parse_saved_message(v3 + "flags=F " + too_long)), errc::smp_large_msg);
  // The earlier format.
  const std::string body = enc::b64url_encode(Bytes(5, 1));
  const std::string old = rid + " " + id + " 42 " + body;
  EXPECT_TRUE(parse_saved_message(old));
  EXPECT_EQ(error_of(parse_saved_message(old + " ")), errc::trailing_bytes);
  EXPECT_EQ(error_of(parse_saved_message(rid + " " + id + " 42 ")), errc::bad_base64);
  EXPECT_EQ(error_of(parse_saved_message(rid + " " + id + " -42 " + body)), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_saved_message(rid + "  " + id + " 42 " + body)), errc::bad_base64);
}

class MessageLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(queues_.add(make_queue(i)));
  }
  QueueId rid(std::uint32_t i) { return make_queue(i).recipient_id; }
  std::filesystem::path bak(const std::filesystem::path& p) { return p.string() + ".bak"; }
  static void push(MessageStore& store, const QueueId& rid, Message m, std::size_t quota = 256) {
    ASSERT_TRUE(store.get_or_create(rid)->push(std::move(m), quota, QuotaRule::mark));
  }

  TempDir dir_;
  QueueStore queues_;
};

TEST_F(MessageLogTest, SavesAndRestoresEveryMessageInOrder) {
  auto path = dir_ / std::string(kMessagesFileName);
  MessageStore saved;
  push(saved, rid(0), make_message(1, 100));
  push(saved, rid(0), make_message(2, 101, 7, true));
  push(saved, rid(2), make_message(3, 102));
  (void)saved.get_or_create(rid(1));  // an empty queue writes nothing
  auto n = save_messages(path, saved, queues_);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / (std::string(kMessagesFileName) + ".tmp")));
  EXPECT_TRUE(test::read_file(path).starts_with("v3 "));

  MessageStore restored;
  auto r = restore_messages(path, restored, queues_, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->restored, 3u);
  // Kept as .bak until the next restart, as the reference does.
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::exists(bak(path)));
  auto q0 = restored.find(rid(0))->snapshot();
  ASSERT_EQ(q0.size(), 2u);
  EXPECT_EQ(q0[0].id, make_message(1, 0).id);
  EXPECT_EQ(q0[0].timestamp, 100);
  EXPECT_EQ(*q0[0].body, *make_message(1, 100).body);
  EXPECT_EQ(q0[1].id, make_message(2, 0).id);
  EXPECT_TRUE(q0[1].flags.notification);
  EXPECT_EQ(restored.find(rid(2))->size(), 1u);
  EXPECT_FALSE(restored.find(rid(1)));
}

TEST_F(MessageLogTest, SkipsQueuesThatNoLongerExist) {
  auto path = dir_ / "messages.log";
  MessageStore saved;
  QueueId gone = make_id(50, 1);
  push(saved, gone, make_message(1, 100));
  push(saved, rid(1), make_message(2, 100));
  QueueStore with_gone;
  ASSERT_TRUE(with_gone.add(make_queue(50)));
  ASSERT_TRUE(with_gone.add(make_queue(1)));
  ASSERT_EQ(test::ok(save_messages(path, saved, with_gone)), 2u);
  MessageStore restored;
  RestoreReport r = test::ok(restore_messages(path, restored, queues_, 0));
  EXPECT_EQ(r.restored, 1u);
  EXPECT_EQ(r.unknown_queue, 1u);
  EXPECT_FALSE(restored.find(gone));
  EXPECT_EQ(restored.find(rid(1))->size(), 1u);
  // Saving leaves out messages of queues the queue store does not have.
  MessageStore again;
  push(again, gone, make_message(1, 100));
  EXPECT_EQ(test::ok(save_messages(path, again, queues_)), 0u);
}

// importMessages: expired messages are dropped (quota markers never are); a queue over its
// quota keeps a marker.
TEST_F(MessageLogTest, DropsExpiredMessagesAndLeavesAQuotaMarker) {
  auto path = dir_ / "messages.log";
  MessageStore saved;
  for (std::uint8_t i = 0; i < 6; ++i) push(saved, rid(0), make_message(i, 100 + i));
  ASSERT_EQ(test::ok(save_messages(path, saved, queues_)), 6u);
  MessageStore restored;
  push(restored, rid(0), make_message(99, 500));
  // ts 100, 101 expire; of 102..105 two fit next to the message already there, the third
  // leaves a marker in its place, the fourth is refused.
  RestoreReport r = test::ok(restore_messages(path, restored, queues_, 102, 3));
  EXPECT_EQ(r.restored, 2u);
  EXPECT_EQ(r.expired, 2u);
  EXPECT_EQ(r.over_quota, 2u);
  auto msgs = restored.find(rid(0))->snapshot();
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[1].timestamp, 102);
  EXPECT_EQ(msgs[2].timestamp, 103);
  EXPECT_TRUE(msgs[3].is_quota());
  EXPECT_EQ(msgs[3].id, make_message(4, 0).id);
}

TEST_F(MessageLogTest, QuotaMarkersAreRestoredAndMerged) {
  auto path = dir_ / "messages.log";
  test::write_file(path, format_saved_message(rid(0), make_marker(1, 5)) + "\n" +
                             format_saved_message(rid(1), make_message(2, 100)) + "\n" +
                             format_saved_message(rid(1), make_marker(3, 6)) + "\n");
  MessageStore restored;
  push(restored, rid(0), make_marker(9, 1));  // a marker at the head is replaced
  RestoreReport r = test::ok(restore_messages(path, restored, queues_, 50, 10));
  EXPECT_EQ(r.quota_markers, 2u);
  EXPECT_EQ(r.restored, 1u);
  auto q0 = restored.find(rid(0))->snapshot();
  ASSERT_EQ(q0.size(), 1u);
  EXPECT_EQ(q0[0].id, make_marker(1, 0).id);  // old ts, not expired: a marker
  // Both queues are over quota until emptied: the next message is refused.
  EXPECT_EQ(error_of(restored.find(rid(1))->push(make_message(4, 200), 10, QuotaRule::mark)),
            errc::smp_quota);
  EXPECT_EQ(restored.find(rid(1))->size(), 2u);
}

// Our earlier format kept the body as delivered by SMP v1 (encrypted for the recipient):
// restoring decrypts it back to what the sender sent.
TEST_F(MessageLogTest, RestoresTheEarlierFormat) {
  auto path = dir_ / "messages.log";
  const QueueRecord q = make_queue(0);
  const Bytes body = to_bytes(as_bytes("a message as the sender sent it"));
  Message m = make_message(7, 1700000000, 0);
  auto key = crypto::CbKey::from_dh_secret(q.recipient_dh_secret.view());
  ASSERT_TRUE(key);
  auto encrypted = key->encrypt(crypto::cb_nonce(view(m.id)), body,
                                protocol::kServerEncryptedPaddedLength);
  ASSERT_TRUE(encrypted);
  const std::string old_line = enc::b64url_encode(view(q.recipient_id)) + " " +
                               enc::b64url_encode(view(m.id)) + " 1700000000 " +
                               enc::b64url_encode(*encrypted);
  Bytes tampered = *encrypted;
  tampered[20] ^= 1;
  const std::string bad_line = enc::b64url_encode(view(make_queue(1).recipient_id)) + " " +
                               enc::b64url_encode(view(m.id)) + " 1700000001 " +
                               enc::b64url_encode(tampered);
  test::write_file(path, old_line + "\n" + bad_line + "\n");
  MessageStore restored;
  RestoreReport r = test::ok(restore_messages(path, restored, queues_, 0));
  EXPECT_EQ(r.restored, 1u);
  EXPECT_EQ(r.garbled, 1u);
  auto msgs = restored.find(q.recipient_id)->snapshot();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(*msgs[0].body, body);
  EXPECT_EQ(msgs[0].timestamp, 1700000000);
  EXPECT_EQ(msgs[0].id, m.id);
  // Saved again, it is written in the reference's format.
  ASSERT_EQ(test::ok(save_messages(path, restored, queues_)), 1u);
  EXPECT_EQ(test::read_file(path), format_saved_message(q.recipient_id, msgs[0]) + "\n");
}

TEST_F(MessageLogTest, SkipsMalformedLines) {
  auto path = dir_ / "messages.log";
  std::string good1 = format_saved_message(rid(0), make_message(1, 100, 64));
  std::string good2 = format_saved_message(rid(1), make_message(2, 100, 64));
  test::write_file(path, good1 + "\n" + "garbage\n" + "\n" + good2.substr(0, 40) + "\n" +
                             good2 + "\r\n" + good1.substr(0, good1.size() - 3));
  MessageStore restored;
  RestoreReport r = test::ok(restore_messages(path, restored, queues_, 0));
  EXPECT_EQ(r.restored, 2u);
  EXPECT_EQ(r.garbled, 4u);
  EXPECT_EQ(restored.find(rid(0))->size(), 1u);
  EXPECT_EQ(restored.find(rid(1))->size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(MessageLogTest, MissingFileRestoresNothing) {
  MessageStore restored;
  auto r = restore_messages(dir_ / "none.log", restored, queues_, 0);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->file_found);
  EXPECT_EQ(r->restored, 0u);
}

TEST_F(MessageLogTest, FailedSaveLeavesThePreviousFile) {
  auto path = dir_ / "messages.log";
  test::write_file(path, "previous\n");
  MessageStore saved;
  auto r = save_messages(dir_ / "missing-dir" / "messages.log", saved, queues_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::io_error));
  EXPECT_EQ(test::read_file(path), "previous\n");
  // A successful save replaces it whole.
  push(saved, rid(0), make_message(1, 1, 3), 8);
  ASSERT_EQ(test::ok(save_messages(path, saved, queues_)), 1u);
  EXPECT_EQ(test::read_file(path), format_saved_message(rid(0), make_message(1, 1, 3)) + "\n");
}

}  // namespace
}  // namespace smp::server
