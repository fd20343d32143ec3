// DateTimeFormat: a date_format/to_char pattern compiled once per query into a list
// of fields and literal runs, then applied to TIMESTAMPs without allocation.
//
// Two pattern dialects:
//  * kJava (Flink's DATE_FORMAT, Java SimpleDateFormat letters): yyyy yy MM M dd d HH H
//    hh h mm m ss s SSS SSSSSS a EEE EEEE MMM MMMM D; 'quoted text' is literal, '' is a
//    quote; other ASCII letters are errors; other characters are literal.
//  * kPostgres (to_char): YYYY YY MM DD DDD HH24 HH12 HH MI SS MS US AM PM Mon Month Dy
//    Day; "quoted text" is literal; anything else is copied as is.
// Extract fields (EXTRACT(field FROM ts)) live here as well, sharing the calendar code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice::sql {

class DateTimeFormat {
 public:
  enum class Style : uint8_t { kJava, kPostgres };

  // Compiles `pattern`; Invalid with a message naming the bad letter otherwise.
  static Result<DateTimeFormat> Compile(std::string_view pattern, Style style);

  // An upper bound of the bytes Format writes.
  size_t MaxLength() const { return max_length_; }
  // Writes `micros` (UTC) formatted into out[0..MaxLength()); returns the length.
  size_t Format(int64_t micros, char* out) const;

 private:
  enum class Field : uint8_t {
    kLiteral, kYear4, kYear2, kMonth2, kMonth1, kMonthShort, kMonthLong, kDay2, kDay1,
    kDayOfYear3, kDayOfYear1, kHour24_2, kHour24_1, kHour12_2, kHour12_1, kMinute2, kMinute1,
    kSecond2, kSecond1, kMillis3, kMicros6, kAmPm, kDayShort, kDayLong,
  };
  struct Part {
    Field field;
    uint32_t begin = 0;  // kLiteral: range in literals_
    uint32_t length = 0;
  };
  void AddLiteral(std::string_view s);
  void Add(Field f);

  std::vector<Part> parts_;
  std::string literals_;
  size_t max_length_ = 0;
};

// EXTRACT fields. Every one returns an INT64.
enum class ExtractField : uint8_t {
  kYear, kQuarter, kMonth, kWeek, kDay, kDow, kIsoDow, kDoy, kHour, kMinute, kSecond,
  kMillisecond, kMicrosecond, kEpoch,
};
// Parses a field name (case-insensitive; plurals such as "hours" accepted). False if unknown.
bool ParseExtractField(std::string_view name, ExtractField* out);
// The names ParseExtractField accepts, for messages.
std::string ExtractFieldNames();
// The field of a TIMESTAMP (microseconds since the epoch, UTC).
int64_t ExtractFromTimestamp(ExtractField f, int64_t micros);

}  // namespace sluice::sql
