// Calendar and clock helpers: TIMESTAMP is int64 microseconds since 1970-01-01 UTC,
// DATE is int32 days since 1970-01-01 (proleptic Gregorian).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/types.h"

namespace sluice {

inline constexpr int64_t kMicrosPerSecond = 1000000;
inline constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

// Days since epoch for a civil date; month 1..12, day 1..31 (not range-checked).
int32_t DaysFromCivil(int year, int month, int day);
void CivilFromDays(int32_t days, int* year, int* month, int* day);

// Parses "YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|+HH[:MM]|-HH[:MM]]" into UTC micros.
// Returns false on anything else (callers build the user-facing message).
bool ParseTimestamp(std::string_view text, int64_t* micros);
// Parses "YYYY-MM-DD".
bool ParseDate(std::string_view text, int32_t* days);
// "YYYY-MM-DD HH:MM:SS[.ffffff]" with trailing zero digits of the fraction trimmed.
std::string FormatTimestamp(int64_t micros);
// Writes the ISO form "YYYY-MM-DDTHH:MM:SS.ffffffZ" into buf (>= 40 bytes: years outside
// 0000-9999 take more digits, at most 30 characters in all); returns length.
int FormatTimestampIso(int64_t micros, char* buf);
std::string FormatDate(int32_t days);
std::string FormatInterval(const Interval& iv);

// Parses a duration such as "250ms", "30s", "5m", "1h", "2d", "1h30m" or a bare number
// of seconds into microseconds; fails with a message naming the accepted units.
Result<int64_t> ParseDuration(std::string_view text);
// "1h30m", "250ms", "0s".
std::string FormatDuration(int64_t micros);

// Wall clock, microseconds since epoch, UTC.
int64_t NowMicros();
// Monotonic clock, nanoseconds (for measuring durations).
int64_t MonotonicNanos();

}  // namespace sluice
