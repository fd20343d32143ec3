#include "connectors/text_value.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "core/time.h"
#include "core/value.h"

namespace sluice::connectors {

namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsIntegerSyntax(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

}  // namespace

bool ParseBoolText(std::string_view s, uint8_t* out) {
  static constexpr std::string_view kTrue[] = {"true", "t", "yes", "y", "1", "on"};
  static constexpr std::string_view kFalse[] = {"false", "f", "no", "n", "0", "off"};
  if (s == "true") return (*out = 1, true);  // the common spellings first
  if (s == "false") return (*out = 0, true);
  if (s.empty() || s.size() > 5) return false;
  for (std::string_view t : kTrue) {
    if (IEquals(s, t)) return (*out = 1, true);
  }
  for (std::string_view f : kFalse) {
    if (IEquals(s, f)) return (*out = 0, true);
  }
  return false;
}

bool ParseInt64Text(std::string_view s, int64_t* out) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    neg = s[i] == '-';
    ++i;
  }
  if (i == s.size()) return false;
  uint64_t v = 0;
  const uint64_t limit = neg ? uint64_t{9223372036854775808ull} : uint64_t{9223372036854775807ull};
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (!IsDigit(c)) return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

bool ParseInt32Text(std::string_view s, int32_t* out) {
  int64_t v;
  if (!ParseInt64Text(s, &v) || v < INT32_MIN || v > INT32_MAX) return false;
  *out = static_cast<int32_t>(v);
  return true;
}

bool ParseDoubleText(std::string_view s, double* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

DecimalParse ParseDecimalText(std::string_view s, int precision, int scale, int64_t* out) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    neg = s[i] == '-';
    ++i;
  }
  char digits[64];  // significant digits, leading zeros dropped
  int n = 0;
  int frac_digits = 0;
  bool any_digit = false, dot = false, overflow = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (IsDigit(c)) {
      any_digit = true;
      if (dot) ++frac_digits;
      if (n == 0 && c == '0') continue;
      if (n < static_cast<int>(sizeof(digits))) {
        digits[n++] = c;
      } else {
        overflow = true;
      }
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any_digit) return DecimalParse::kNotNumber;
  int64_t exp = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
    if (i == s.size()) return DecimalParse::kNotNumber;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (exp < 100000) exp = exp * 10 + (s[i] - '0');
    }
    if (eneg) exp = -exp;
  }
  if (i != s.size()) return DecimalParse::kNotNumber;
  if (overflow) return DecimalParse::kTooLarge;
  if (n == 0) return (*out = 0, DecimalParse::kOk);
  // value = digits * 10^(exp - frac_digits); unscaled = value * 10^scale.
  const int64_t shift = exp - frac_digits + scale;
  const int64_t keep = n + shift;  // digits of the unscaled integer part
  if (keep > precision) return DecimalParse::kTooLarge;
  uint64_t v = 0;
  if (shift >= 0) {
    for (int k = 0; k < n; ++k) v = v * 10 + static_cast<uint64_t>(digits[k] - '0');
    for (int64_t k = 0; k < shift; ++k) v *= 10;
  } else {
    for (int64_t k = 0; k < keep; ++k) v = v * 10 + static_cast<uint64_t>(digits[k] - '0');
    if (keep >= 0 && digits[keep] >= '5') ++v;  // round half away from zero
    if (v >= static_cast<uint64_t>(Pow10(precision))) return DecimalParse::kTooLarge;
  }
  *out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return DecimalParse::kOk;
}

bool ParseIntervalText(std::string_view s, Interval* out) {
  Interval iv;
  bool any = false;
  size_t i = 0;
  auto skip_spaces = [&] {
    while (i < s.size() && s[i] == ' ') ++i;
  };
  skip_spaces();
  while (i < s.size()) {
    const size_t start = i;
    bool neg = false;
    if (s[i] == '-' || s[i] == '+') neg = s[i++] == '-';
    const size_t num_start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == num_start) return false;
    if (i < s.size() && s[i] == ':') {  // [-]HH:MM:SS[.ffffff]
      size_t end = s.find(' ', start);
      if (end == std::string_view::npos) end = s.size();
      std::string_view t = s.substr(num_start, end - num_start);
      int64_t h, m, sec;
      const size_t c1 = t.find(':');
      const size_t c2 = t.find(':', c1 + 1);
      if (c2 == std::string_view::npos) return false;
      std::string_view secs = t.substr(c2 + 1);
      const size_t dotpos = secs.find('.');
      int64_t frac = 0;
      if (dotpos != std::string_view::npos) {
        std::string_view f = secs.substr(dotpos + 1);
        if (f.empty() || f.size() > 6 || !ParseInt64Text(f, &frac) || f[0] == '-' || f[0] == '+') {
          return false;
        }
        for (size_t k = f.size(); k < 6; ++k) frac *= 10;
        secs = secs.substr(0, dotpos);
      }
      if (!ParseInt64Text(t.substr(0, c1), &h) || !ParseInt64Text(t.substr(c1 + 1, c2 - c1 - 1), &m) ||
          !ParseInt64Text(secs, &sec) || h < 0 || m < 0 || m > 59 || sec < 0 || sec > 59 ||
          h > 1000000000) {
        return false;
      }
      const int64_t us = (h * 3600 + m * 60 + sec) * kMicrosPerSecond + frac;
      iv.micros += neg ? -us : us;
      i = end;
      any = true;
      skip_spaces();
      continue;
    }
    int64_t n;
    if (!ParseInt64Text(s.substr(num_start, i - num_start), &n) || n > 1000000000) return false;
    if (neg) n = -n;
    skip_spaces();
    const size_t unit_start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    std::string_view unit = s.substr(unit_start, i - unit_start);
    if (unit.size() > 1 && (unit.back() == 's' || unit.back() == 'S')) unit.remove_suffix(1);
    if (IEquals(unit, "year")) {
      iv.months += static_cast<int32_t>(n * 12);
    } else if (IEquals(unit, "month")) {
      iv.months += static_cast<int32_t>(n);
    } else if (IEquals(unit, "week")) {
      iv.days += static_cast<int32_t>(n * 7);
    } else if (IEquals(unit, "day")) {
      iv.days += static_cast<int32_t>(n);
    } else if (IEquals(unit, "hour")) {
      iv.micros += n * 3600 * kMicrosPerSecond;
    } else if (IEquals(unit, "minute")) {
      iv.micros += n * 60 * kMicrosPerSecond;
    } else if (IEquals(unit, "second")) {
      iv.micros += n * kMicrosPerSecond;
    } else if (IEquals(unit, "millisecond")) {
      iv.micros += n * 1000;
    } else if (IEquals(unit, "microsecond")) {
      iv.micros += n;
    } else {
      return false;
    }
    any = true;
    skip_spaces();
  }
  if (!any) return false;
  *out = iv;
  return true;
}

const char* AppendTextValue(std::string_view text, Column* col) {
  const DataType& t = col->type();
  if (t.id == TypeId::kVarchar) {
    col->AppendString(text);
    return nullptr;
  }
  const std::string_view s = TrimSpaces(text);
  switch (t.id) {
    case TypeId::kBoolean: {
      uint8_t b;
      if (!ParseBoolText(s, &b)) return "is not a boolean (use true/false, t/f, yes/no or 1/0)";
      col->Append<uint8_t>(b);
      return nullptr;
    }
    case TypeId::kInt32: {
      int32_t v;
      if (ParseInt32Text(s, &v)) return (col->Append<int32_t>(v), nullptr);
      return IsIntegerSyntax(s) ? "is out of range for INT32" : "is not an integer";
    }
    case TypeId::kInt64: {
      int64_t v;
      if (ParseInt64Text(s, &v)) return (col->Append<int64_t>(v), nullptr);
      return IsIntegerSyntax(s) ? "is out of range for INT64" : "is not an integer";
    }
    case TypeId::kDouble: {
      double v;
      if (!ParseDoubleText(s, &v)) return "is not a number";
      col->Append<double>(v);
      return nullptr;
    }
    case TypeId::kDecimal: {
      int64_t v;
      switch (ParseDecimalText(s, t.precision, t.scale, &v)) {
        case DecimalParse::kOk: col->Append<int64_t>(v); return nullptr;
        case DecimalParse::kNotNumber: return "is not a number";
        case DecimalParse::kTooLarge: return "has too many digits for the precision";
      }
      return "is not a number";
    }
    case TypeId::kTimestamp: {
      int64_t v;
      if (!ParseTimestamp(s, &v)) {
        return "is not a timestamp (use ISO 8601, e.g. 2024-01-31T12:00:00Z)";
      }
      col->Append<int64_t>(v);
      return nullptr;
    }
    case TypeId::kDate: {
      int32_t v;
      if (!ParseDate(s, &v)) return "is not a date (use YYYY-MM-DD)";
      col->Append<int32_t>(v);
      return nullptr;
    }
    case TypeId::kInterval: {
      Interval v;
      if (!ParseIntervalText(s, &v)) return "is not an interval (e.g. '1 day 02:00:00')";
      col->Append<Interval>(v);
      return nullptr;
    }
    case TypeId::kVarchar: break;
  }
  return "has an unsupported type";
}

std::string CellError(const Field& field, std::string_view text, std::string_view problem) {
  std::string shown(text.substr(0, 100));
  if (text.size() > 100) shown += "...";
  std::string msg = "column '" + field.name + "' (" + field.type.ToString() + "): ";
  msg += "'" + shown + "' ";
  msg += problem;
  return msg;
}

void TypeGuess::ObserveText(std::string_view text) {
  seen_ = true;
  const std::string_view s = TrimSpaces(text);
  if ((mask_ & kBool) && !(IEquals(s, "true") || IEquals(s, "false"))) mask_ &= ~kBool;
  if (mask_ & kInt) {
    int64_t v;
    if (!ParseInt64Text(s, &v)) mask_ &= ~kInt;
  }
  if (mask_ & kDouble) {
    double v;
    if (s.find_first_of("0123456789") == std::string_view::npos || !ParseDoubleText(s, &v)) {
      mask_ &= ~kDouble;
    }
  }
  if (mask_ & kDate) {
    int32_t v;
    if (!ParseDate(s, &v)) mask_ &= ~kDate;
  }
  if (mask_ & kTimestamp) {
    int64_t v;
    if (!ParseTimestamp(s, &v)) mask_ &= ~kTimestamp;
  }
}

void TypeGuess::ObserveJsonString(std::string_view text) {
  seen_ = true;
  mask_ &= kDate | kTimestamp;
  if (mask_ & kDate) {
    int32_t v;
    if (!ParseDate(text, &v)) mask_ &= ~kDate;
  }
  if (mask_ & kTimestamp) {
    int64_t v;
    if (!ParseTimestamp(text, &v)) mask_ &= ~kTimestamp;
  }
}

DataType TypeGuess::Result() const {
  if (!seen_) return DataType::Varchar();
  if (mask_ & kBool) return DataType::Boolean();
  if (mask_ & kInt) return DataType::Int64();
  if (mask_ & kDouble) return DataType::Double();
  if (mask_ & kDate) return DataType::Date();
  if (mask_ & kTimestamp) return DataType::Timestamp();
  return DataType::Varchar();
}

namespace {

bool NeedsCsvQuotes(std::string_view s, char delimiter, char quote) {
  if (s.empty()) return true;
  if (s.front() == ' ' || s.back() == ' ' || s.front() == '\t' || s.back() == '\t') return true;
  for (char c : s) {
    if (c == delimiter || c == quote || c == '\n' || c == '\r') return true;
  }
  return false;
}

}  // namespace

void AppendCsvCell(const Column& col, int64_t i, char delimiter, char quote, std::string* out) {
  if (col.IsNull(i)) return;
  if (col.type().id != TypeId::kVarchar) return AppendCellText(col, i, out);
  const std::string_view s = col.GetString(i);
  if (!NeedsCsvQuotes(s, delimiter, quote)) return out->append(s), void();
  out->push_back(quote);
  for (char c : s) {
    if (c == quote) out->push_back(quote);
    out->push_back(c);
  }
  out->push_back(quote);
}

}  // namespace sluice::connectors
