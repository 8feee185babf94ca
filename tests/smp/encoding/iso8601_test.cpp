#include "smp/encoding/iso8601.h"

#include <gtest/gtest.h>

namespace smp::enc {
namespace {

using namespace std::chrono;

Timestamp at(year_month_day d, hours h, minutes m, seconds s, milliseconds ms = {}) {
  return Timestamp(sys_days(d)) + h + m + s + ms;
}

TEST(Iso8601, WritesMillisecondsAlwaysWithThreeDigits) {
  EXPECT_EQ(format_iso8601_millis(at(2022y / 1 / 1, 11h, 0min, 1s)).value(),
            "2022-01-01T11:00:01.000Z");
  EXPECT_EQ(format_iso8601_millis(at(2022y / 1 / 1, 11h, 0min, 0s, 123ms)).value(),
            "2022-01-01T11:00:00.123Z");
  EXPECT_EQ(format_iso8601_millis(Timestamp{}).value(), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_millis(at(1969y / 12 / 31, 23h, 59min, 59s, 999ms)).value(),
            "1969-12-31T23:59:59.999Z");
}

TEST(Iso8601, RefusesYearsBeyondFourDigits) {
  EXPECT_FALSE(format_iso8601_millis(Timestamp(sys_days(10000y / 1 / 1))));
  EXPECT_FALSE(format_iso8601_millis(Timestamp(sys_days(year(-1) / 12 / 31))));
}

TEST(Iso8601, ReadsWhatItWrites) {
  for (Timestamp t :
       {Timestamp{}, at(2026y / 11 / 26, 8h, 29min, 9s, 733ms),
        at(2000y / 2 / 29, 0h, 0min, 0s, 1ms), at(9999y / 12 / 31, 23h, 59min, 59s)}) {
    EXPECT_EQ(parse_iso8601(format_iso8601_millis(t).value()).value(), t);
  }
}

TEST(Iso8601, ReadsOtherForms) {
  const Timestamp t = at(2022y / 1 / 1, 11h, 0min, 0s);
  EXPECT_EQ(parse_iso8601("2022-01-01T11:00:00Z").value(), t);
  EXPECT_EQ(parse_iso8601("2022-01-01T11:00:00.5Z").value(), t + 500ms);
  EXPECT_EQ(parse_iso8601("2022-01-01T11:00:00.123456789Z").value(), t + 123ms);
  EXPECT_EQ(parse_iso8601("2022-01-01T13:00:00+02:00").value(), t);
  EXPECT_EQ(parse_iso8601("2022-01-01T13:00:00+0200").value(), t);
  EXPECT_EQ(parse_iso8601("2022-01-01T10:30:00.25-00:30").value(), t + 250ms);
  EXPECT_EQ(parse_iso8601("2022-01-01T10:59:60Z").value(), t);  // leap second rolls over
}

TEST(Iso8601, RejectsMalformedTimestamps) {
  for (std::string_view bad : {
           "",
           "2022-01-01",
           "2022-01-01T11:00:00",
           "2022-01-01 11:00:00Z",
           "2022-1-01T11:00:00Z",
           "22-01-01T11:00:00Z",
           "2022-13-01T11:00:00Z",
           "2022-02-30T11:00:00Z",
           "2022-01-01T24:00:00Z",
           "2022-01-01T11:60:00Z",
           "2022-01-01T11:00:61Z",
           "2022-01-01T11:00:00.Z",
           "2022-01-01T11:00:00.1",
           "2022-01-01T11:00:00+2",
           "2022-01-01T11:00:00+24:00",
           "2022-01-01T11:00:00ZZ",
           "2022-01-01T11:00:00z",
           "20220101T110000Z",
           "2022-01-01T11:00:00Z ",
           "0000-01-01T00:00:00+00:01",
           "9999-12-31T23:59:59-00:01",
           "9999-12-31T23:59:60Z",
       }) {
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
  }
}

}  // namespace
}  // namespace smp::enc
