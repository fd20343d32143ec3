#include "sql/datetime_format.h"

#include <cctype>
#include <cstring>

#include "core/time.h"
#include "core/types.h"

namespace sluice::sql {

namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDayLocal = 86400 * kMicrosPerSecond;

constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",
                                       "May",     "June",     "July",      "August",
                                       "September", "October", "November", "December"};
constexpr const char* kDayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The calendar pieces of one timestamp.
struct Civil {
  int64_t days;  // since 1970-01-01
  int year, month, day;
  int64_t micros_of_day;
  int Dow() const { return static_cast<int>(((days + 4) % 7 + 7) % 7); }  // 0 = Sunday
  int Doy() const { return static_cast<int>(days - DaysFromCivil(year, 1, 1)) + 1; }
};

Civil ToCivil(int64_t micros) {
  Civil c;
  c.days = FloorDiv(micros, kMicrosPerDayLocal);
  c.micros_of_day = micros - c.days * kMicrosPerDayLocal;
  CivilFromDays(static_cast<int32_t>(c.days), &c.year, &c.month, &c.day);
  return c;
}

// ISO 8601 week number: the week (Monday first) holding the year's first Thursday is 1.
int IsoWeek(const Civil& c) {
  const int isodow = c.Dow() == 0 ? 7 : c.Dow();
  const int64_t thursday = c.days - isodow + 4;
  int y, m, d;
  CivilFromDays(static_cast<int32_t>(thursday), &y, &m, &d);
  return static_cast<int>((thursday - DaysFromCivil(y, 1, 1)) / 7) + 1;
}

char* Digits(char* out, int64_t v, int width) {
  if (v < 0) {
    *out++ = '-';
    v = -v;
  }
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (int i = n; i < width; ++i) *out++ = '0';
  while (n > 0) *out++ = buf[--n];
  return out;
}

char* Text(char* out, const char* s, size_t n) {
  std::memcpy(out, s, n);
  return out + n;
}

struct JavaLetter {
  char letter;
  int count;  // exact run length; 0 = any other length
  int field;  // DateTimeFormat::Field as int
};

}  // namespace

void DateTimeFormat::AddLiteral(std::string_view s) {
  if (s.empty()) return;
  if (!parts_.empty() && parts_.back().field == Field::kLiteral &&
      parts_.back().begin + parts_.back().length == literals_.size()) {
    parts_.back().length += static_cast<uint32_t>(s.size());
  } else {
    parts_.push_back(Part{Field::kLiteral, static_cast<uint32_t>(literals_.size()),
                          static_cast<uint32_t>(s.size())});
  }
  literals_.append(s);
  max_length_ += s.size();
}

void DateTimeFormat::Add(Field f) {
  parts_.push_back(Part{f, 0, 0});
  max_length_ += 12;  // the longest field: a month name, or a year with sign
}

Result<DateTimeFormat> DateTimeFormat::Compile(std::string_view p, Style style) {
  DateTimeFormat f;
  size_t i = 0;
  if (style == Style::kJava) {
    while (i < p.size()) {
      const char c = p[i];
      if (c == '\'') {
        const size_t close = p.find('\'', i + 1);
        if (close == std::string_view::npos) {
          return Status::Invalid("unterminated quoted text in date format '" + std::string(p) + "'");
        }
        f.AddLiteral(close == i + 1 ? std::string_view("'") : p.substr(i + 1, close - i - 1));
        i = close + 1;
        continue;
      }
      if (!std::isalpha(static_cast<unsigned char>(c))) {
        f.AddLiteral(p.substr(i, 1));
        ++i;
        continue;
      }
      size_t n = 1;
      while (i + n < p.size() && p[i + n] == c) ++n;
      const int k = static_cast<int>(n);
      Field field;
      switch (c) {
        case 'y': field = k == 2 ? Field::kYear2 : Field::kYear4; break;
        case 'M': field = k >= 4 ? Field::kMonthLong : k == 3 ? Field::kMonthShort : k == 2 ? Field::kMonth2 : Field::kMonth1; break;
        case 'd': field = k >= 2 ? Field::kDay2 : Field::kDay1; break;
        case 'D': field = k >= 3 ? Field::kDayOfYear3 : Field::kDayOfYear1; break;
        case 'H': field = k >= 2 ? Field::kHour24_2 : Field::kHour24_1; break;
        case 'h': field = k >= 2 ? Field::kHour12_2 : Field::kHour12_1; break;
        case 'm': field = k >= 2 ? Field::kMinute2 : Field::kMinute1; break;
        case 's': field = k >= 2 ? Field::kSecond2 : Field::kSecond1; break;
        case 'S':
          if (k != 3 && k != 6) {
            return Status::Invalid("date format letter S must be SSS (milliseconds) or SSSSSS (microseconds)");
          }
          field = k == 3 ? Field::kMillis3 : Field::kMicros6;
          break;
        case 'a': field = Field::kAmPm; break;
        case 'E': field = k >= 4 ? Field::kDayLong : Field::kDayShort; break;
        default:
          return Status::Invalid("unknown date format letter '" + std::string(1, c) +
                                 "'; use y M d D H h m s S a E, and quote text as 'text'");
      }
      f.Add(field);
      i += n;
    }
    return f;
  }
  // PostgreSQL to_char: longest template first.
  struct Tpl {
    std::string_view text;
    Field field;
  };
  static constexpr Tpl kTpls[] = {
      {"YYYY", Field::kYear4},  {"HH24", Field::kHour24_2}, {"HH12", Field::kHour12_2},
      {"Month", Field::kMonthLong}, {"DDD", Field::kDayOfYear3}, {"Mon", Field::kMonthShort},
      {"Day", Field::kDayLong}, {"YY", Field::kYear2},       {"MM", Field::kMonth2},
      {"DD", Field::kDay2},     {"HH", Field::kHour12_2},   {"MI", Field::kMinute2},
      {"SS", Field::kSecond2},  {"MS", Field::kMillis3},    {"US", Field::kMicros6},
      {"AM", Field::kAmPm},     {"PM", Field::kAmPm},       {"Dy", Field::kDayShort},
  };
  while (i < p.size()) {
    if (p[i] == '"') {
      const size_t close = p.find('"', i + 1);
      if (close == std::string_view::npos) {
        return Status::Invalid("unterminated quoted text in to_char format '" + std::string(p) + "'");
      }
      f.AddLiteral(p.substr(i + 1, close - i - 1));
      i = close + 1;
      continue;
    }
    bool matched = false;
    for (const Tpl& t : kTpls) {
      if (p.substr(i, t.text.size()) == t.text) {
        f.Add(t.field);
        i += t.text.size();
        matched = true;
        break;
      }
    }
    if (!matched) {
      f.AddLiteral(p.substr(i, 1));
      ++i;
    }
  }
  return f;
}

size_t DateTimeFormat::Format(int64_t micros, char* out) const {
  const Civil c = ToCivil(micros);
  const int64_t secs = c.micros_of_day / kMicrosPerSecond;
  const int hour = static_cast<int>(secs / 3600);
  const int hour12 = hour % 12 == 0 ? 12 : hour % 12;
  const int minute = static_cast<int>(secs / 60 % 60);
  const int second = static_cast<int>(secs % 60);
  const int64_t frac = c.micros_of_day % kMicrosPerSecond;
  char* o = out;
  for (const Part& part : parts_) {
    switch (part.field) {
      case Field::kLiteral: o = Text(o, literals_.data() + part.begin, part.length); break;
      case Field::kYear4: o = Digits(o, c.year, 4); break;
      case Field::kYear2: o = Digits(o, ((c.year % 100) + 100) % 100, 2); break;
      case Field::kMonth2: o = Digits(o, c.month, 2); break;
      case Field::kMonth1: o = Digits(o, c.month, 1); break;
      case Field::kMonthShort: o = Text(o, kMonthNames[c.month - 1], 3); break;
      case Field::kMonthLong: {
        const char* name = kMonthNames[c.month - 1];
        o = Text(o, name, std::strlen(name));
        break;
      }
      case Field::kDay2: o = Digits(o, c.day, 2); break;
      case Field::kDay1: o = Digits(o, c.day, 1); break;
      case Field::kDayOfYear3: o = Digits(o, c.Doy(), 3); break;
      case Field::kDayOfYear1: o = Digits(o, c.Doy(), 1); break;
      case Field::kHour24_2: o = Digits(o, hour, 2); break;
      case Field::kHour24_1: o = Digits(o, hour, 1); break;
      case Field::kHour12_2: o = Digits(o, hour12, 2); break;
      case Field::kHour12_1: o = Digits(o, hour12, 1); break;
      case Field::kMinute2: o = Digits(o, minute, 2); break;
      case Field::kMinute1: o = Digits(o, minute, 1); break;
      case Field::kSecond2: o = Digits(o, second, 2); break;
      case Field::kSecond1: o = Digits(o, second, 1); break;
      case Field::kMillis3: o = Digits(o, frac / 1000, 3); break;
      case Field::kMicros6: o = Digits(o, frac, 6); break;
      case Field::kAmPm: o = Text(o, hour < 12 ? "AM" : "PM", 2); break;
      case Field::kDayShort: o = Text(o, kDayNames[c.Dow()], 3); break;
      case Field::kDayLong: {
        const char* name = kDayNames[c.Dow()];
        o = Text(o, name, std::strlen(name));
        break;
      }
    }
  }
  return static_cast<size_t>(o - out);
}

namespace {

struct FieldName {
  std::string_view name;
  ExtractField field;
};
constexpr FieldName kFieldNames[] = {
    {"year", ExtractField::kYear},     {"quarter", ExtractField::kQuarter},
    {"month", ExtractField::kMonth},   {"week", ExtractField::kWeek},
    {"day", ExtractField::kDay},       {"dayofmonth", ExtractField::kDay},
    {"dow", ExtractField::kDow},       {"isodow", ExtractField::kIsoDow},
    {"doy", ExtractField::kDoy},       {"dayofyear", ExtractField::kDoy},
    {"hour", ExtractField::kHour},     {"minute", ExtractField::kMinute},
    {"second", ExtractField::kSecond}, {"millisecond", ExtractField::kMillisecond},
    {"microsecond", ExtractField::kMicrosecond}, {"epoch", ExtractField::kEpoch},
};

}  // namespace

bool ParseExtractField(std::string_view name, ExtractField* out) {
  std::string lower;
  for (char ch : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const FieldName& f : kFieldNames) {
    if (lower == f.name || (lower.size() == f.name.size() + 1 && lower.back() == 's' &&
                            std::string_view(lower).substr(0, f.name.size()) == f.name)) {
      *out = f.field;
      return true;
    }
  }
  return false;
}

std::string ExtractFieldNames() {
  std::string out;
  for (const FieldName& f : kFieldNames) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

int64_t ExtractFromTimestamp(ExtractField f, int64_t micros) {
  const Civil c = ToCivil(micros);
  const int64_t second_micros = c.micros_of_day % (60 * kMicrosPerSecond);
  switch (f) {
    case ExtractField::kYear: return c.year;
    case ExtractField::kQuarter: return (c.month - 1) / 3 + 1;
    case ExtractField::kMonth: return c.month;
    case ExtractField::kWeek: return IsoWeek(c);
    case ExtractField::kDay: return c.day;
    case ExtractField::kDow: return c.Dow();
    case ExtractField::kIsoDow: return c.Dow() == 0 ? 7 : c.Dow();
    case ExtractField::kDoy: return c.Doy();
    case ExtractField::kHour: return c.micros_of_day / (3600 * kMicrosPerSecond);
    case ExtractField::kMinute: return c.micros_of_day / (60 * kMicrosPerSecond) % 60;
    case ExtractField::kSecond: return second_micros / kMicrosPerSecond;
    case ExtractField::kMillisecond: return second_micros / 1000;
    case ExtractField::kMicrosecond: return second_micros;
    case ExtractField::kEpoch: return FloorDiv(micros, kMicrosPerSecond);
  }
  return 0;
}

}  // namespace sluice::sql
