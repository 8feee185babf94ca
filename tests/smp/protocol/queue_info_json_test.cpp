// QueueInfo, the JSON of INFO (QUE's answer, SMP v14+). Known answers follow the reference's
// aeson encoders at simplexmq 6.5.5 (Server/QueueStore/QueueInfo.hs: deriveJSON defaultJSON —
// omitNothingFields, fields in record order —, enumJSON (dropPrefix "Q"/"MT"); msgId and
// qDelivered are Data.ByteString.Base64.encode (standard alphabet, padded) as Server.hs
// getQueueInfo / toMsgInfo write them; msgTs is a UTCTime, written without a fraction for whole
// seconds).
#include <gtest/gtest.h>

#include "smp/protocol/queue_info.h"

namespace smp::protocol {
namespace {

using Thread = QueueInfo::SubThread;

// (fb ef ff) × 8: "++//" × 8 in the standard alphabet ("--__" in base64url).
Bytes msg_id() {
  Bytes id;
  for (int i = 0; i < 8; ++i) id.insert(id.end(), {0xfb, 0xef, 0xff});
  return id;
}

TEST(QueueInfoJson, AQueueWithNothingLeavesOutTheAbsentFields) {
  const std::string json = R"({"qiSnd":false,"qiNtf":false,"qiSize":0})";
  EXPECT_EQ(encode_queue_info(QueueInfo{}), json);
  auto parsed = parse_queue_info(json);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, QueueInfo{});
}

TEST(QueueInfoJson, EveryFieldInTheReferenceOrder) {
  QueueInfo info{.sender_secured = true,
                 .notifier = true,
                 .sub = QueueInfo::Sub{.thread = Thread::no_sub, .delivered_msg_id = msg_id()},
                 .size = 2,
                 .message = QueueInfo::Msg{.msg_id = msg_id(), .timestamp = 1733356800}};
  const std::string json =
      R"({"qiSnd":true,"qiNtf":true,"qiSub":{"qSubThread":"noSub","qDelivered":"++//++//++//++//++//++//++//++//"},)"
      R"("qiSize":2,"qiMsg":{"msgId":"++//++//++//++//++//++//++//++//","msgTs":"2024-12-05T00:00:00Z","msgType":"message"}})";
  EXPECT_EQ(encode_queue_info(info), json);
  auto parsed = parse_queue_info(json);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, info);
}

TEST(QueueInfoJson, SubThreadsAndTheQuotaMarker) {
  const std::pair<Thread, std::string_view> threads[] = {{Thread::no_sub, "noSub"},
                                                         {Thread::sub_pending, "subPending"},
                                                         {Thread::sub_thread, "subThread"},
                                                         {Thread::prohibit_sub, "prohibitSub"}};
  for (const auto& [thread, name] : threads) {
    QueueInfo info{
        .sub = QueueInfo::Sub{.thread = thread},
        .size = 1,
        .message = QueueInfo::Msg{.msg_id = Bytes(24, 0), .timestamp = 0, .quota = true}};
    const std::string json = R"({"qiSnd":false,"qiNtf":false,"qiSub":{"qSubThread":")" +
                             std::string(name) +
                             R"("},"qiSize":1,"qiMsg":{"msgId":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",)"
                             R"("msgTs":"1970-01-01T00:00:00Z","msgType":"quota"}})";
    EXPECT_EQ(encode_queue_info(info), json) << name;
    auto parsed = parse_queue_info(json);
    ASSERT_TRUE(parsed) << name;
    EXPECT_EQ(*parsed, info) << name;
  }
}

TEST(QueueInfoJson, YearsAreWrittenInFourDigits) {
  QueueInfo info{.size = 1,
                 .message = QueueInfo::Msg{.msg_id = {1, 2, 3}, .timestamp = -30641760000}};
  const std::string json = encode_queue_info(info);
  EXPECT_NE(json.find(R"("msgTs":"0999-01-01T00:00:00Z")"), std::string::npos) << json;
  auto parsed = parse_queue_info(json);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, info);
}

TEST(QueueInfoJson, ReadsWhatAesonReads) {
  // Any field order, nulls for absent fields, unknown fields, a fraction of a second.
  auto parsed = parse_queue_info(
      R"({"qiSize":3,"extra":[1],"qiMsg":{"msgType":"message","msgTs":"2024-12-05T00:00:01.5Z",)"
      R"("msgId":"AQID"},"qiSub":null,"qiNtf":false,"qiSnd":true})");
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->sender_secured);
  EXPECT_FALSE(parsed->sub);
  EXPECT_EQ(parsed->size, 3u);
  ASSERT_TRUE(parsed->message);
  EXPECT_EQ(parsed->message->msg_id, (Bytes{1, 2, 3}));
  EXPECT_EQ(parsed->message->timestamp, 1733356801);
}

TEST(QueueInfoJson, RejectsWhatIsNotQueueInfo) {
  for (
      std::string_view bad : {
          "",
          "null",
          "[]",
          R"({"qiSnd":true})",
          R"({"qiSnd":1,"qiNtf":false,"qiSize":0})",
          R"({"qiSnd":true,"qiNtf":false,"qiSize":-1})",
          R"({"qiSnd":true,"qiNtf":false,"qiSize":0,"qiSub":{"qSubThread":"busy"}})",
          R"({"qiSnd":true,"qiNtf":false,"qiSize":0,"qiSub":{}})",
          R"({"qiSnd":true,"qiNtf":false,"qiSize":0,"qiMsg":{"msgId":"!","msgTs":"2024-12-05T00:00:00Z","msgType":"message"}})",
          R"({"qiSnd":true,"qiNtf":false,"qiSize":0,"qiMsg":{"msgId":"AQID","msgTs":"yesterday","msgType":"message"}})",
          R"({"qiSnd":true,"qiNtf":false,"qiSize":0,"qiMsg":{"msgId":"AQID","msgTs":"2024-12-05T00:00:00Z","msgType":"other"}})",
      }) {
    auto parsed = parse_queue_info(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error(), errc::response_parse) << bad;
  }
}

}  // namespace
}  // namespace smp::protocol
