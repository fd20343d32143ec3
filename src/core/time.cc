#include "core/time.h"

#include <cctype>
#include <chrono>
#include <cstdio>

namespace sluice {

// Howard Hinnant's civil-from-days algorithm (public domain description).
int32_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = static_cast<unsigned>((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int32_t>(era * 146097 + doe - 719468);
}

void CivilFromDays(int32_t days, int* year, int* month, int* day) {
  // In 64 bits: days near INT32_MAX would overflow the shift to the 0000-03-01 epoch.
  const int64_t z = int64_t{days} + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe + era * 400);
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = y + (*month <= 2);
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

bool ParseDatePart(std::string_view s, int* y, int* m, int* d) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!Digits(s, 0, 4, y) || !Digits(s, 5, 2, m) || !Digits(s, 8, 2, d)) return false;
  return *m >= 1 && *m <= 12 && *d >= 1 && *d <= DaysInMonth(*y, *m);
}

}  // namespace

bool ParseDate(std::string_view s, int32_t* days) {
  int y, m, d;
  if (s.size() != 10 || !ParseDatePart(s, &y, &m, &d)) return false;
  *days = DaysFromCivil(y, m, d);
  return true;
}

bool ParseTimestamp(std::string_view s, int64_t* micros) {
  int y, mo, d;
  if (!ParseDatePart(s, &y, &mo, &d)) return false;
  int64_t result = static_cast<int64_t>(DaysFromCivil(y, mo, d)) * kMicrosPerDay;
  size_t pos = 10;
  if (pos < s.size() && (s[pos] == ' ' || s[pos] == 'T')) {
    int hh, mm, ss = 0;
    if (!Digits(s, pos + 1, 2, &hh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &mm)) {
      return false;
    }
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!Digits(s, pos + 1, 2, &ss)) return false;
      pos += 3;
    }
    if (hh > 23 || mm > 59 || ss > 60) return false;
    int64_t frac = 0;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      int digits = 0;
      while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
        if (digits < 6) frac = frac * 10 + (s[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return false;
      for (int i = digits; i < 6; ++i) frac *= 10;
    }
    result += (static_cast<int64_t>(hh) * 3600 + mm * 60 + ss) * kMicrosPerSecond + frac;
  }
  if (pos < s.size()) {
    if (s[pos] == 'Z' && pos + 1 == s.size()) return (*micros = result, true);
    if (s[pos] != '+' && s[pos] != '-') return false;
    const int sign = s[pos] == '+' ? 1 : -1;
    int oh, om = 0;
    if (!Digits(s, pos + 1, 2, &oh)) return false;
    size_t p = pos + 3;
    if (p < s.size() && s[p] == ':') ++p;
    if (p < s.size()) {
      if (!Digits(s, p, 2, &om) || p + 2 != s.size()) return false;
    }
    if (oh > 23 || om > 59) return false;
    result -= sign * (static_cast<int64_t>(oh) * 3600 + om * 60) * kMicrosPerSecond;
  }
  *micros = result;
  return true;
}

namespace {
void SplitMicros(int64_t micros, int32_t* days, int64_t* rem) {
  int64_t d = micros / kMicrosPerDay;
  int64_t r = micros % kMicrosPerDay;
  if (r < 0) {
    r += kMicrosPerDay;
    --d;
  }
  *days = static_cast<int32_t>(d);
  *rem = r;
}
}  // namespace

std::string FormatTimestamp(int64_t micros) {
  int32_t days;
  int64_t rem;
  SplitMicros(micros, &days, &rem);
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  const int64_t secs = rem / kMicrosPerSecond;
  int64_t frac = rem % kMicrosPerSecond;
  char buf[48];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", y, m, d,
                        static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                        static_cast<int>(secs % 60));
  if (frac) {
    int width = 6;
    while (frac % 10 == 0) {
      frac /= 10;
      --width;
    }
    std::snprintf(buf + n, sizeof(buf) - static_cast<size_t>(n), ".%0*lld", width,
                  static_cast<long long>(frac));
  }
  return buf;
}

int FormatTimestampIso(int64_t micros, char* buf) {
  int32_t days;
  int64_t rem;
  SplitMicros(micros, &days, &rem);
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  const int64_t secs = rem / kMicrosPerSecond;
  return std::snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y, m, d,
                       static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                       static_cast<int>(secs % 60), static_cast<int>(rem % kMicrosPerSecond));
}

std::string FormatDate(int32_t days) {
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
  return buf;
}

std::string FormatInterval(const Interval& iv) {
  std::string out;
  auto part = [&](int64_t n, const char* unit) {
    if (!out.empty()) out += ' ';
    out += std::to_string(n) + ' ' + unit + (n == 1 || n == -1 ? "" : "s");
  };
  if (iv.months / 12) part(iv.months / 12, "year");
  if (iv.months % 12) part(iv.months % 12, "month");
  if (iv.days) part(iv.days, "day");
  if (iv.micros || out.empty()) {
    if (!out.empty()) out += ' ';
    // The magnitude as unsigned: -INT64_MIN is not an int64.
    uint64_t us = static_cast<uint64_t>(iv.micros);
    if (iv.micros < 0) {
      out += '-';
      us = 0 - us;
    }
    constexpr uint64_t kUs = kMicrosPerSecond;
    char buf[40];
    const uint64_t secs = us / kUs;
    std::snprintf(buf, sizeof(buf), "%02llu:%02llu:%02llu",
                  static_cast<unsigned long long>(secs / 3600),
                  static_cast<unsigned long long>(secs / 60 % 60),
                  static_cast<unsigned long long>(secs % 60));
    out += buf;
    if (us % kUs) {
      std::snprintf(buf, sizeof(buf), ".%06llu", static_cast<unsigned long long>(us % kUs));
      out += buf;
    }
  }
  return out;
}

Result<int64_t> ParseDuration(std::string_view text) {
  const auto bad = [&] {
    return Status::Invalid("invalid duration '" + std::string(text) +
                           "'; write a number with a unit such as 250ms, 30s, 5m, 1h, 2d or 1h30m");
  };
  // Past int64 microseconds (about 292000 years).
  const auto too_long = [&] {
    return Status::Invalid("duration '" + std::string(text) +
                           "' is too long; write at most 106751991d (about 292000 years)");
  };
  if (text.empty()) return bad();
  int64_t total = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad();
    int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, text[i] - '0', &n)) {
        return too_long();
      }
      ++i;
    }
    size_t j = i;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
    const std::string_view unit = text.substr(i, j - i);
    int64_t scale;
    if (unit.empty() && !any && j == text.size()) scale = kMicrosPerSecond;
    else if (unit == "us") scale = 1;
    else if (unit == "ms") scale = 1000;
    else if (unit == "s") scale = kMicrosPerSecond;
    else if (unit == "m" || unit == "min") scale = 60 * kMicrosPerSecond;
    else if (unit == "h") scale = 3600 * kMicrosPerSecond;
    else if (unit == "d") scale = kMicrosPerDay;
    else return bad();
    int64_t part = 0;
    if (__builtin_mul_overflow(n, scale, &part) || __builtin_add_overflow(total, part, &total)) {
      return too_long();
    }
    any = true;
    i = j;
  }
  return total;
}

std::string FormatDuration(int64_t micros) {
  if (micros == 0) return "0s";
  if (micros % 1000 != 0) return std::to_string(micros) + "us";
  if (micros % kMicrosPerSecond != 0) return std::to_string(micros / 1000) + "ms";
  int64_t s = micros / kMicrosPerSecond;
  std::string out;
  if (s >= 3600) {
    out += std::to_string(s / 3600) + "h";
    s %= 3600;
  }
  if (s >= 60) {
    out += std::to_string(s / 60) + "m";
    s %= 60;
  }
  if (s) out += std::to_string(s) + "s";
  return out;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t MonotonicNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace sluice
