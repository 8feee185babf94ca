#include "smp/agent/msg_meta.h"

#include <limits>

#include <gtest/gtest.h>

namespace smp::agent {
namespace {

using namespace std::chrono;

enc::Timestamp at(seconds s, milliseconds ms = {}) {
  return enc::Timestamp(sys_days(2022y / 1 / 1)) + 11h + s + ms;
}

MsgMeta sample(MsgIntegrity integrity) {
  return MsgMeta{integrity, 4, at(1s), Bytes{0x5f, 0x4b, 0x99, 0x70, 0x3a, 0x7e}, at(0s, 123ms), 2};
}

TEST(MsgMeta, WritesTheReferenceForm) {
  EXPECT_EQ(encode_msg_meta(sample(MsgOk{})).value(),
            "OK R=4,2022-01-01T11:00:01.000Z B=X0uZcDp+,2022-01-01T11:00:00.123Z S=2");
}

TEST(MsgMeta, IntegrityForms) {
  EXPECT_EQ(encode_msg_integrity(MsgOk{}).value(), "OK");
  EXPECT_EQ(encode_msg_integrity(MsgSkipped{2, 3}).value(), "ERR NO_ID 2 3");
  EXPECT_EQ(encode_msg_integrity(MsgBadId{1}).value(), "ERR ID 1");
  EXPECT_EQ(encode_msg_integrity(MsgBadHash{}).value(), "ERR HASH");
  EXPECT_EQ(encode_msg_integrity(MsgDuplicate{}).value(), "ERR DUPLICATE");
}

TEST(MsgMeta, RoundTripsEveryIntegrity) {
  for (MsgIntegrity i :
       {MsgIntegrity{MsgOk{}}, MsgIntegrity{MsgSkipped{2, 3}}, MsgIntegrity{MsgBadId{1}},
        MsgIntegrity{MsgBadHash{}}, MsgIntegrity{MsgDuplicate{}}}) {
    std::string text = encode_msg_meta(sample(i)).value();
    std::string_view in = text;
    auto back = parse_msg_meta(in);
    ASSERT_TRUE(back) << text;
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(back.value(), sample(i));
  }
}

// Quirk Q5: the reference parser only knows IDS; we take both.
TEST(MsgMeta, SkippedIdsAreReadAsNoIdOrIds) {
  for (std::string_view text : {"ERR NO_ID 2 3", "ERR IDS 2 3"}) {
    std::string_view in = text;
    auto i = parse_msg_integrity(in);
    ASSERT_TRUE(i) << text;
    EXPECT_EQ(i.value(), MsgIntegrity(MsgSkipped{2, 3}));
  }
}

TEST(MsgMeta, ParsingStopsAfterTheMetadata) {
  std::string_view in = "OK R=4,2022-01-01T11:00:01.000Z B=AAAA,2022-01-01T11:00:00Z S=2 5";
  auto meta = parse_msg_meta(in);
  ASSERT_TRUE(meta);
  EXPECT_EQ(in, " 5");
  EXPECT_EQ(meta.value().broker_id, Bytes(3, 0));
  EXPECT_EQ(meta.value().broker_ts, at(0s));
}

TEST(MsgMeta, RejectsMalformedMetadataAndLeavesInputAlone) {
  for (std::string_view bad : {
           "",
           "OK",
           "ok R=4,2022-01-01T11:00:01Z B=AAAA,2022-01-01T11:00:00Z S=2",
           "OK R=-4,2022-01-01T11:00:01Z B=AAAA,2022-01-01T11:00:00Z S=2",
           "OK R=4 2022-01-01T11:00:01Z B=AAAA,2022-01-01T11:00:00Z S=2",
           "OK R=4,2022-01-01 B=AAAA,2022-01-01T11:00:00Z S=2",
           "OK R=4,2022-01-01T11:00:01Z B=AAA,2022-01-01T11:00:00Z S=2",
           "OK R=4,2022-01-01T11:00:01Z B=AA-A,2022-01-01T11:00:00Z S=2",
           "OK R=4,2022-01-01T11:00:01Z B=,2022-01-01T11:00:00Z S=2",
           "OK R=4,2022-01-01T11:00:01Z B=AAAA,2022-01-01T11:00:00Z S=",
           "OK R=4,2022-01-01T11:00:01Z B=AAAA,2022-01-01T11:00:00Z",
           "OK  R=4,2022-01-01T11:00:01Z B=AAAA,2022-01-01T11:00:00Z S=2",
           "ERR ID R=4,2022-01-01T11:00:01Z B=AAAA,2022-01-01T11:00:00Z S=2",
           "ERR NO_ID 2 R=4,2022-01-01T11:00:01Z B=AAAA,2022-01-01T11:00:00Z S=2",
           "ERR SKIPPED R=4,2022-01-01T11:00:01Z B=AAAA,2022-01-01T11:00:00Z S=2",
           "OK R=99999999999999999999,2022-01-01T11:00:01Z B=AAAA,2022-01-01T11:00:00Z S=2",
       }) {
    std::string_view in = bad;
    EXPECT_FALSE(parse_msg_meta(in)) << bad;
    EXPECT_EQ(in, bad);
  }
}

TEST(MsgMeta, RefusesToWriteWhatCouldNotBeRead) {
  MsgMeta m = sample(MsgOk{});
  m.broker_id.clear();
  EXPECT_FALSE(encode_msg_meta(m));
  m = sample(MsgOk{});
  m.recipient_id = -1;
  EXPECT_FALSE(encode_msg_meta(m));
  m = sample(MsgSkipped{-1, 2});
  EXPECT_FALSE(encode_msg_meta(m));
  m = sample(MsgOk{});
  m.broker_ts = enc::Timestamp(sys_days(10000y / 1 / 1));
  EXPECT_FALSE(encode_msg_meta(m));
}

TEST(DecimalId, ReadsUpToInt64Max) {
  std::string_view max = "9223372036854775807x";
  EXPECT_EQ(parse_decimal_id(max).value(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(max, "x");
  std::string_view over = "9223372036854775808";
  EXPECT_FALSE(parse_decimal_id(over));
  EXPECT_EQ(over, "9223372036854775808");
  std::string_view zeros = "0007";
  EXPECT_EQ(parse_decimal_id(zeros).value(), 7);
  for (std::string_view bad : {"", "-1", "+1", " 1", "x"}) {
    std::string_view in = bad;
    EXPECT_FALSE(parse_decimal_id(in)) << bad;
  }
}

}  // namespace
}  // namespace smp::agent
