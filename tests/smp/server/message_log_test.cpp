#include "smp/server/message_log.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "server_test_util.h"
#include "smp/encoding/base64.h"

namespace smp::server {
namespace {

using test::make_id;
using test::make_queue;
using test::TempDir;

Message make_message(std::uint8_t n, std::int64_t ts, std::size_t body_size = 16106) {
  MsgId id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(n + i);
  Bytes body(body_size);
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<std::uint8_t>(n * 31 + i);
  return Message{id, ts, std::make_shared<const Bytes>(std::move(body))};
}

using test::error_of;
TEST(SavedMessageLine, HasTheDocumentedLayoutAndRoundTrips) {
  QueueId rid = make_id(1, 1);
  Message m = make_message(3, 1700000000, 5);
  std::string line = format_saved_message(rid, m);
  EXPECT_EQ(line, enc::b64url_encode(view(rid)) + " " +
                      enc::b64url_encode(ByteView(m.id.data(), m.id.size())) + " 1700000000 " +
                      enc::b64url_encode(*m.body));
  auto parsed = parse_saved_message(line + "\r");
  ASSERT_TRUE(parsed);
  const SavedMessage& saved = parsed.value();
  EXPECT_EQ(saved.rid, rid);
  EXPECT_EQ(saved.message.id, m.id);
  EXPECT_EQ(saved.message.timestamp, 1700000000);
  ASSERT_NE(saved.message.body, nullptr);
  EXPECT_EQ(*saved.message.body, *m.body);
}

TEST(SavedMessageLine, RejectsMalformedLines) {
  Message m = make_message(3, 42, 5);
  std::string rid = enc::b64url_encode(view(make_id(1, 1)));
  std::string id = enc::b64url_encode(ByteView(m.id.data(), m.id.size()));
  std::string body = enc::b64url_encode(*m.body);
  std::string line = rid + " " + id + " 42 " + body;
  ASSERT_EQ(line, format_saved_message(make_id(1, 1), m));
  EXPECT_EQ(error_of(parse_saved_message("")), errc::bad_base64);
  EXPECT_EQ(error_of(parse_saved_message(line + " ")), errc::trailing_bytes);
  EXPECT_EQ(error_of(parse_saved_message(line + " x")), errc::trailing_bytes);
  EXPECT_EQ(error_of(parse_saved_message(rid + " " + id + " 42")), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_saved_message(rid + " " + id + " 42 ")), errc::bad_base64);
  EXPECT_EQ(error_of(parse_saved_message(rid + " " + id + " -42 " + body)), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_saved_message(rid + " " + id + "  42 " + body)), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_saved_message(rid + " " + id + " 99999999999999999999 " + body)),
            errc::bad_syntax);
  EXPECT_EQ(error_of(parse_saved_message("AAAA " + id + " 42 " + body)), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_saved_message(rid + " AAAA 42 " + body)), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_saved_message(rid + " " + id + " 42 " + body + "*")),
            errc::trailing_bytes);
  EXPECT_EQ(error_of(parse_saved_message(rid + " " + id + " 42 A")), errc::bad_base64);
  EXPECT_EQ(error_of(parse_saved_message(rid + "  " + id + " 42 " + body)), errc::bad_base64);
  EXPECT_EQ(error_of(parse_saved_message(rid + " " + id + " 42 " + body + "\r\r")),
            errc::trailing_bytes);
}

class MessageLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(queues_.add(make_queue(i)));
  }
  QueueId rid(std::uint32_t i) { return make_queue(i).recipient_id; }

  TempDir dir_;
  QueueStore queues_;
};

TEST_F(MessageLogTest, SavesAndRestoresEveryMessageInOrder) {
  auto path = dir_ / std::string(kMessagesFileName);
  MessageStore saved;
  ASSERT_TRUE(saved.get_or_create(rid(0))->push(make_message(1, 100), 256));
  ASSERT_TRUE(saved.get_or_create(rid(0))->push(make_message(2, 101), 256));
  ASSERT_TRUE(saved.get_or_create(rid(2))->push(make_message(3, 102), 256));
  (void)saved.get_or_create(rid(1));  // an empty queue writes nothing
  auto n = save_messages(path, saved, queues_);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / (std::string(kMessagesFileName) + ".tmp")));

  MessageStore restored;
  auto r = restore_messages(path, restored, queues_, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3u);
  EXPECT_FALSE(std::filesystem::exists(path));
  auto q0 = restored.find(rid(0))->snapshot();
  ASSERT_EQ(q0.size(), 2u);
  EXPECT_EQ(q0[0].id, make_message(1, 0).id);
  EXPECT_EQ(q0[0].timestamp, 100);
  EXPECT_EQ(*q0[0].body, *make_message(1, 100).body);
  EXPECT_EQ(q0[1].id, make_message(2, 0).id);
  EXPECT_EQ(restored.find(rid(2))->size(), 1u);
  EXPECT_FALSE(restored.find(rid(1)));
}

TEST_F(MessageLogTest, SkipsQueuesThatNoLongerExist) {
  auto path = dir_ / "messages.log";
  MessageStore saved;
  QueueId gone = make_id(50, 1);
  ASSERT_TRUE(saved.get_or_create(gone)->push(make_message(1, 100), 256));
  ASSERT_TRUE(saved.get_or_create(rid(1))->push(make_message(2, 100), 256));
  QueueStore with_gone;
  ASSERT_TRUE(with_gone.add(make_queue(50)));
  ASSERT_TRUE(with_gone.add(make_queue(1)));
  ASSERT_EQ(test::ok(save_messages(path, saved, with_gone)), 2u);
  MessageStore restored;
  EXPECT_EQ(test::ok(restore_messages(path, restored, queues_, 0)), 1u);
  EXPECT_FALSE(restored.find(gone));
  EXPECT_EQ(restored.find(rid(1))->size(), 1u);
  // Saving leaves out messages of queues the queue store does not have.
  MessageStore again;
  ASSERT_TRUE(again.get_or_create(gone)->push(make_message(1, 100), 256));
  EXPECT_EQ(test::ok(save_messages(path, again, queues_)), 0u);
}

TEST_F(MessageLogTest, DropsExpiredMessagesAndRespectsQuota) {
  auto path = dir_ / "messages.log";
  MessageStore saved;
  for (std::uint8_t i = 0; i < 6; ++i)
    ASSERT_TRUE(saved.get_or_create(rid(0))->push(make_message(i, 100 + i), 256));
  ASSERT_EQ(test::ok(save_messages(path, saved, queues_)), 6u);
  MessageStore restored;
  ASSERT_TRUE(restored.get_or_create(rid(0))->push(make_message(99, 500), 256));
  // ts 100, 101 expire; of 102..105 only two fit next to the message already there.
  EXPECT_EQ(test::ok(restore_messages(path, restored, queues_, 102, 3)), 2u);
  auto msgs = restored.find(rid(0))->snapshot();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[1].timestamp, 102);
  EXPECT_EQ(msgs[2].timestamp, 103);
}

TEST_F(MessageLogTest, SkipsMalformedLines) {
  auto path = dir_ / "messages.log";
  std::string good1 = format_saved_message(rid(0), make_message(1, 100, 64));
  std::string good2 = format_saved_message(rid(1), make_message(2, 100, 64));
  test::write_file(path, good1 + "\n" + "garbage\n" + "\n" + good2.substr(0, 40) + "\n" +
                             good2 + "\r\n" + good1.substr(0, good1.size() - 3));
  MessageStore restored;
  EXPECT_EQ(test::ok(restore_messages(path, restored, queues_, 0)), 2u);
  EXPECT_EQ(restored.find(rid(0))->size(), 1u);
  EXPECT_EQ(restored.find(rid(1))->size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(MessageLogTest, MissingFileRestoresNothing) {
  MessageStore restored;
  auto r = restore_messages(dir_ / "none.log", restored, queues_, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0u);
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
  ASSERT_TRUE(saved.get_or_create(rid(0))->push(make_message(1, 1, 3), 8));
  ASSERT_EQ(test::ok(save_messages(path, saved, queues_)), 1u);
  EXPECT_EQ(test::read_file(path), format_saved_message(rid(0), make_message(1, 1, 3)) + "\n");
}

}  // namespace
}  // namespace smp::server
