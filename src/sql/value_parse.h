// Text to typed values, as SQL casts and literals read them. Each parser accepts
// surrounding whitespace and returns false (never throws) on anything else; callers
// build the user-facing message. No allocation.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/types.h"

namespace sluice::sql {

// Optional sign and decimal digits, within int64.
bool ParseInt64Text(std::string_view text, int64_t* out);
// Decimal or scientific notation, "inf", "-infinity", "nan" (case-insensitive).
bool ParseDoubleText(std::string_view text, double* out);
// "12.345" into an unscaled value with `scale` digits, rounding half away from zero;
// fails when the result needs more than `precision` digits. Accepts "1e3" style too.
bool ParseDecimalText(std::string_view text, int precision, int scale, int64_t* out);
// true/false, t/f, yes/no, y/n, on/off, 1/0 (case-insensitive).
bool ParseBoolText(std::string_view text, bool* out);
// "1 day", "2 hours 30 minutes", "-3 seconds", "1 day 02:00:00", "1.5 seconds",
// "01:30:00", "1 year 2 months". Units: microsecond(s)/us, millisecond(s)/ms,
// second(s)/sec(s)/s, minute(s)/min(s)/m, hour(s)/h, day(s)/d, week(s)/w,
// month(s)/mon(s), year(s)/y.
bool ParseIntervalText(std::string_view text, Interval* out);
// A quantity of one unit, as in INTERVAL '4' SECOND: `unit` is the SQL keyword
// (SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, YEAR, MILLISECOND, MICROSECOND).
bool ParseIntervalWithUnit(std::string_view text, std::string_view unit, Interval* out);

// Writes values as text into buf (which must hold 64 bytes); returns the length.
int FormatDecimalTo(int64_t unscaled, int scale, char* buf);
int FormatTimestampTo(int64_t micros, char* buf);
int FormatDateTo(int32_t days, char* buf);

}  // namespace sluice::sql
