#include "core/time.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

int64_t Ts(const char* s) {
  int64_t us = 0;
  EXPECT_TRUE(ParseTimestamp(s, &us)) << s;
  return us;
}

TEST(TimeTest, CivilRoundTripOverCenturies) {
  for (int32_t d = -800000; d <= 800000; d += 997) {
    int y, m, dd;
    CivilFromDays(d, &y, &m, &dd);
    ASSERT_EQ(DaysFromCivil(y, m, dd), d);
  }
  // The ends of the DATE range (found by fuzz/corpus/sql under UBSan: the shift to the
  // civil epoch overflowed 32 bits).
  for (const int32_t d : {INT32_MIN, INT32_MIN + 1, INT32_MAX - 1, INT32_MAX}) {
    int y, m, dd;
    CivilFromDays(d, &y, &m, &dd);
    EXPECT_EQ(DaysFromCivil(y, m, dd), d) << y << "-" << m << "-" << dd;
  }
  EXPECT_EQ(FormatDate(INT32_MAX), "5881580-07-11");
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
}

TEST(TimeTest, ParsesTimestampForms) {
  EXPECT_EQ(Ts("1970-01-01"), 0);
  EXPECT_EQ(Ts("1970-01-01 00:00:01"), 1000000);
  EXPECT_EQ(Ts("1970-01-01T00:00:01.25Z"), 1250000);
  EXPECT_EQ(Ts("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(Ts("1970-01-01T00:00:00-0130"), 5400000000LL);
  EXPECT_EQ(Ts("2024-02-29 23:59:59.999999"), Ts("2024-03-01") - 1);
  EXPECT_EQ(Ts("1969-12-31 23:59:59"), -1000000);
}

TEST(TimeTest, RejectsMalformedTimestamps) {
  int64_t us;
  for (const char* bad : {"", "2024", "2024-13-01", "2023-02-29", "2024-01-01 25:00:00",
                          "2024-01-01 10:00:00junk", "2024-01-01T10", "2024-01-01 10:00:00.",
                          "yesterday", "2024-1-1"}) {
    EXPECT_FALSE(ParseTimestamp(bad, &us)) << bad;
  }
  int32_t d;
  EXPECT_FALSE(ParseDate("2024-01-01 00:00", &d));
  EXPECT_TRUE(ParseDate("2024-01-01", &d));
  EXPECT_EQ(d, 19723);
}

TEST(TimeTest, FormatsTimestamps) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01 00:00:00");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(FormatTimestamp(Ts("2024-05-06 07:08:09.12")), "2024-05-06 07:08:09.12");
  char buf[40];
  const int n = FormatTimestampIso(1250000, buf);
  EXPECT_EQ(std::string(buf, n), "1970-01-01T00:00:01.250000Z");
  // Years past 9999 (SQL arithmetic can reach them) are written whole, not cut off
  // (found by fuzz/corpus/sql/crash_timestamp_iso_year_10000).
  const int big = FormatTimestampIso(253402300800LL * kMicrosPerSecond, buf);
  EXPECT_EQ(std::string(buf, big), "10000-01-01T00:00:00.000000Z");
  const int max = FormatTimestampIso(INT64_MAX, buf);
  EXPECT_EQ(std::string(buf, max), "294247-01-10T04:00:54.775807Z");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
}

TEST(TimeTest, Durations) {
  EXPECT_EQ(*ParseDuration("30s"), 30 * kMicrosPerSecond);
  EXPECT_EQ(*ParseDuration("250ms"), 250000);
  EXPECT_EQ(*ParseDuration("1h30m"), 5400 * kMicrosPerSecond);
  EXPECT_EQ(*ParseDuration("2d"), 2 * kMicrosPerDay);
  EXPECT_EQ(*ParseDuration("5"), 5 * kMicrosPerSecond);
  for (const char* bad : {"", "s", "10x", "-5s", "1.5s", "5 s"}) {
    auto r = ParseDuration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("250ms, 30s"), std::string::npos);
  }
  // Past int64 microseconds is an error, not a wrap-around (found by fuzz_duration).
  for (const char* huge : {"1000000000000d", "999999999999h999999999999h", "106751992d"}) {
    auto r = ParseDuration(huge);
    ASSERT_FALSE(r.ok()) << huge;
    EXPECT_NE(r.status().message().find("too long"), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(*ParseDuration("106751991d"), 106751991 * kMicrosPerDay);
  // What FormatDuration writes parses back, however large.
  EXPECT_EQ(*ParseDuration(FormatDuration(31815000000252)), 31815000000252);
  EXPECT_EQ(*ParseDuration(FormatDuration(INT64_MAX)), INT64_MAX);
  EXPECT_EQ(FormatDuration(5400 * kMicrosPerSecond), "1h30m");
  EXPECT_EQ(FormatDuration(250000), "250ms");
  EXPECT_EQ(FormatDuration(0), "0s");
}

TEST(TimeTest, IntervalText) {
  EXPECT_EQ(FormatInterval({0, 0, 0}), "00:00:00");
  EXPECT_EQ(FormatInterval({0, 1, -1500000}), "1 day -00:00:01.500000");
  EXPECT_EQ(FormatInterval({0, 0, INT64_MIN}), "-2562047788:00:54.775808");
}

}  // namespace
}  // namespace sluice
