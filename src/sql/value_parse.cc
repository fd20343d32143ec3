#include "sql/value_parse.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/schema.h"
#include "core/time.h"

namespace sluice::sql {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Multiplies/adds with overflow detection.
bool MulAdd(int64_t* acc, int64_t mul, int64_t add) {
  return !__builtin_mul_overflow(*acc, mul, acc) && !__builtin_add_overflow(*acc, add, acc);
}

}  // namespace

bool ParseInt64Text(std::string_view text, int64_t* out) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && p == text.data() + text.size();
}

bool ParseDoubleText(std::string_view text, double* out) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  bool neg = false;
  std::string_view word = text;
  if (word.front() == '-') {
    neg = true;
    word.remove_prefix(1);
  }
  if (EqualsIgnoreCase(word, "inf") || EqualsIgnoreCase(word, "infinity")) {
    *out = neg ? -HUGE_VAL : HUGE_VAL;
    return true;
  }
  if (EqualsIgnoreCase(word, "nan")) {
    *out = std::nan("");
    return true;
  }
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && p == text.data() + text.size();
}

bool ParseDecimalText(std::string_view text, int precision, int scale, int64_t* out) {
  text = Trim(text);
  bool neg = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    neg = text.front() == '-';
    text.remove_prefix(1);
  }
  int64_t exp = 0;
  const size_t e = text.find_first_of("eE");
  if (e != std::string_view::npos) {
    if (!ParseInt64Text(text.substr(e + 1), &exp) || exp < -40 || exp > 40) return false;
    text = text.substr(0, e);
  }
  // value = digits * 10^(exp - frac_count); unscaled = digits * 10^shift
  int digit_count = 0;
  int frac_count = 0;
  bool in_frac = false;
  for (char c : text) {
    if (c == '.') {
      if (in_frac) return false;
      in_frac = true;
    } else if (IsDigit(c)) {
      ++digit_count;
      frac_count += in_frac ? 1 : 0;
    } else {
      return false;
    }
  }
  if (digit_count == 0) return false;
  const int64_t shift = scale - frac_count + exp;
  const int64_t keep = shift >= 0 ? digit_count : digit_count + shift;  // digits used
  int64_t acc = 0;
  int round_digit = 0;
  int64_t seen = 0;
  for (char c : text) {
    if (c == '.') continue;
    if (seen < keep) {
      if (!MulAdd(&acc, 10, c - '0')) return false;
    } else if (seen == keep) {
      round_digit = c - '0';
    }
    ++seen;
  }
  for (int64_t i = 0; i < shift; ++i) {
    if (!MulAdd(&acc, 10, 0)) return false;
  }
  if (round_digit >= 5 && !MulAdd(&acc, 1, 1)) return false;
  if (acc >= Pow10(precision < 18 ? precision : 18)) return false;
  *out = neg ? -acc : acc;
  return true;
}

bool ParseBoolText(std::string_view text, bool* out) {
  text = Trim(text);
  for (std::string_view t : {"true", "t", "yes", "y", "on", "1"}) {
    if (EqualsIgnoreCase(text, t)) return *out = true, true;
  }
  for (std::string_view f : {"false", "f", "no", "n", "off", "0"}) {
    if (EqualsIgnoreCase(text, f)) return *out = false, true;
  }
  return false;
}

namespace {

struct UnitSpec {
  std::string_view names[4];
  int32_t months;
  int32_t days;
  int64_t micros;
};

constexpr UnitSpec kUnits[] = {
    {{"microsecond", "microseconds", "us", "usec"}, 0, 0, 1},
    {{"millisecond", "milliseconds", "ms", "msec"}, 0, 0, 1000},
    {{"second", "seconds", "sec", "s"}, 0, 0, kMicrosPerSecond},
    {{"minute", "minutes", "min", "m"}, 0, 0, 60 * kMicrosPerSecond},
    {{"hour", "hours", "h", "hr"}, 0, 0, 3600 * kMicrosPerSecond},
    {{"day", "days", "d", ""}, 0, 1, 0},
    {{"week", "weeks", "w", ""}, 0, 7, 0},
    {{"month", "months", "mon", "mons"}, 1, 0, 0},
    {{"year", "years", "y", "yr"}, 12, 0, 0},
};

const UnitSpec* FindUnit(std::string_view word) {
  if (word.size() > 1 && EqualsIgnoreCase(word.substr(word.size() - 1), "s") &&
      EqualsIgnoreCase(word, "secs")) {
    word = "sec";
  }
  if (EqualsIgnoreCase(word, "mins")) word = "min";
  for (const UnitSpec& u : kUnits) {
    for (std::string_view n : u.names) {
      if (!n.empty() && EqualsIgnoreCase(word, n)) return &u;
    }
  }
  return nullptr;
}

// Adds `qty` (possibly fractional) of `unit` to `out`.
bool AddQuantity(std::string_view qty, const UnitSpec& unit, Interval* out) {
  int64_t whole = 0;
  if (ParseInt64Text(qty, &whole)) {
    int64_t m = 0, d = 0, us = 0;
    if (__builtin_mul_overflow(whole, unit.months, &m) || __builtin_mul_overflow(whole, unit.days, &d) ||
        __builtin_mul_overflow(whole, unit.micros, &us)) {
      return false;
    }
    if (m > INT32_MAX || m < INT32_MIN || d > INT32_MAX || d < INT32_MIN) return false;
    out->months += static_cast<int32_t>(m);
    out->days += static_cast<int32_t>(d);
    return !__builtin_add_overflow(out->micros, us, &out->micros);
  }
  double f = 0;
  if (!ParseDoubleText(qty, &f) || !std::isfinite(f)) return false;
  // Fractions of months/days spill into smaller units as PostgreSQL does (30-day months).
  const double micros = f * (static_cast<double>(unit.months) * 30 * kMicrosPerDay +
                             static_cast<double>(unit.days) * kMicrosPerDay +
                             static_cast<double>(unit.micros));
  if (std::fabs(micros) > 9e18) return false;
  out->micros += static_cast<int64_t>(std::llround(micros));
  return true;
}

// "[-]HH:MM[:SS[.ffffff]]"
bool AddClock(std::string_view t, Interval* out) {
  bool neg = false;
  if (!t.empty() && (t.front() == '-' || t.front() == '+')) {
    neg = t.front() == '-';
    t.remove_prefix(1);
  }
  int64_t parts[3] = {0, 0, 0};
  int n = 0;
  double frac = 0;
  while (!t.empty() && n < 3) {
    size_t colon = t.find(':');
    std::string_view p = t.substr(0, colon);
    if (n == 2) {
      double secs = 0;
      if (!ParseDoubleText(p, &secs) || secs < 0) return false;
      parts[2] = static_cast<int64_t>(secs);
      frac = secs - static_cast<double>(parts[2]);
    } else if (!ParseInt64Text(p, &parts[n]) || parts[n] < 0) {
      return false;
    }
    ++n;
    if (colon == std::string_view::npos) break;
    t.remove_prefix(colon + 1);
    if (t.empty()) return false;
  }
  if (n < 2) return false;
  int64_t us = ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * kMicrosPerSecond +
               static_cast<int64_t>(std::llround(frac * kMicrosPerSecond));
  out->micros += neg ? -us : us;
  return true;
}

}  // namespace

bool ParseIntervalText(std::string_view text, Interval* out) {
  text = Trim(text);
  *out = Interval{};
  if (text.empty()) return false;
  bool any = false;
  while (!text.empty()) {
    size_t sp = 0;
    while (sp < text.size() && !std::isspace(static_cast<unsigned char>(text[sp]))) ++sp;
    std::string_view word = text.substr(0, sp);
    text = Trim(text.substr(sp));
    if (word.find(':') != std::string_view::npos) {
      if (!AddClock(word, out)) return false;
      any = true;
      continue;
    }
    // "2hours" (no space) or "2 hours"
    size_t k = 0;
    while (k < word.size() && (IsDigit(word[k]) || word[k] == '.' || word[k] == '-' || word[k] == '+')) ++k;
    std::string_view qty = word.substr(0, k);
    std::string_view unit = word.substr(k);
    if (qty.empty()) return false;
    if (unit.empty()) {
      if (text.empty()) {
        // a bare number means seconds
        if (!AddQuantity(qty, kUnits[2], out)) return false;
        any = true;
        break;
      }
      sp = 0;
      while (sp < text.size() && !std::isspace(static_cast<unsigned char>(text[sp]))) ++sp;
      unit = text.substr(0, sp);
      text = Trim(text.substr(sp));
    }
    const UnitSpec* u = FindUnit(unit);
    if (u == nullptr || !AddQuantity(qty, *u, out)) return false;
    any = true;
  }
  return any;
}

bool ParseIntervalWithUnit(std::string_view text, std::string_view unit, Interval* out) {
  *out = Interval{};
  const UnitSpec* u = FindUnit(unit);
  if (u == nullptr) return false;
  text = Trim(text);
  // INTERVAL '1 day' DAY and similar: accept a full interval text too.
  if (AddQuantity(text, *u, out)) return true;
  *out = Interval{};
  return ParseIntervalText(text, out);
}

int FormatDecimalTo(int64_t unscaled, int scale, char* buf) {
  const bool neg = unscaled < 0;
  uint64_t mag = neg ? 0 - static_cast<uint64_t>(unscaled) : static_cast<uint64_t>(unscaled);
  char tmp[32];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + mag % 10);
    mag /= 10;
  } while (mag != 0);
  while (n <= scale) tmp[n++] = '0';
  int len = 0;
  if (neg) buf[len++] = '-';
  for (int i = n - 1; i >= 0; --i) {
    buf[len++] = tmp[i];
    if (i == scale && scale > 0) buf[len++] = '.';
  }
  return len;
}

int FormatDateTo(int32_t days, char* buf) {
  int y = 0, m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  return std::snprintf(buf, 64, "%04d-%02d-%02d", y, m, d);
}

int FormatTimestampTo(int64_t micros, char* buf) {
  int64_t days = micros / kMicrosPerDay;
  int64_t rem = micros % kMicrosPerDay;
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  int len = FormatDateTo(static_cast<int32_t>(days), buf);
  const int64_t secs = rem / kMicrosPerSecond;
  const int64_t us = rem % kMicrosPerSecond;
  len += std::snprintf(buf + len, 64 - static_cast<size_t>(len), " %02d:%02d:%02d",
                       static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                       static_cast<int>(secs % 60));
  if (us != 0) {
    int frac = static_cast<int>(us);
    int digits = 6;
    while (frac % 10 == 0) {
      frac /= 10;
      --digits;
    }
    len += std::snprintf(buf + len, 64 - static_cast<size_t>(len), ".%0*d", digits, frac);
  }
  return len;
}

}  // namespace sluice::sql
