// Text forms of sluice values, shared by the text formats (CSV, NDJSON) of the file
// source and the file and console sinks: parsing one cell of text into a typed column,
// inferring a column type from sample values, and writing values back as CSV cells or
// JSON values so that what the sinks write the source reads back unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/column.h"
#include "core/schema.h"
#include "core/types.h"

namespace sluice::connectors {

// --- parsing: each returns true and sets *out on success, false otherwise ---

// true/false, t/f, yes/no, y/n, 1/0, on/off; ASCII case-insensitive.
bool ParseBoolText(std::string_view s, uint8_t* out);
// Optional sign and decimal digits; false on overflow.
bool ParseInt64Text(std::string_view s, int64_t* out);
bool ParseInt32Text(std::string_view s, int32_t* out);
// Decimal or scientific notation, NaN, Infinity / inf (any case, optional sign).
bool ParseDoubleText(std::string_view s, double* out);

enum class DecimalParse { kOk, kNotNumber, kTooLarge };
// Exact decimal parse into an unscaled int64 with `scale` fractional digits: accepts
// [+-]digits[.digits][(e|E)[+-]digits]. Extra fractional digits are rounded half away from
// zero; more than precision - scale integer digits is kTooLarge.
DecimalParse ParseDecimalText(std::string_view s, int precision, int scale, int64_t* out);

// The INTERVAL text sluice prints ("1 year 2 months 3 days 04:05:06.5"), plus the units
// week/hour/minute/second/millisecond/microsecond (singular or plural) and "-HH:MM:SS".
bool ParseIntervalText(std::string_view s, Interval* out);

// Removes ASCII spaces and tabs at both ends.
inline std::string_view TrimSpaces(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

// Parses `text` as a value of col->type() and appends it. Returns nullptr on success, or
// the problem ("is not a number") without appending anything. VARCHAR always succeeds.
const char* AppendTextValue(std::string_view text, Column* col);

// The message for a bad cell: "column 'price' (DECIMAL(10,2)): 'abc' is not a number".
// The value is cut to 100 characters.
std::string CellError(const Field& field, std::string_view text, std::string_view problem);

// --- type inference ---

// Narrows a column's type from sample values: every value observed must parse as the
// result. Order of preference: BOOLEAN (true/false only), INT64, DOUBLE, DATE, TIMESTAMP,
// else VARCHAR (also when no non-null value was seen).
class TypeGuess {
 public:
  void ObserveText(std::string_view text);  // a CSV cell (not NULL)
  void ObserveJsonBool() { mask_ &= kBool; seen_ = true; }
  void ObserveJsonInt() { mask_ &= kInt | kDouble; seen_ = true; }
  void ObserveJsonDouble() { mask_ &= kDouble; seen_ = true; }
  void ObserveJsonString(std::string_view text);  // only DATE/TIMESTAMP stay candidates
  void ObserveJsonOther() { mask_ = 0; seen_ = true; }  // objects, arrays
  DataType Result() const;

 private:
  static constexpr uint8_t kBool = 1, kInt = 2, kDouble = 4, kDate = 8, kTimestamp = 16;
  uint8_t mask_ = kBool | kInt | kDouble | kDate | kTimestamp;
  bool seen_ = false;
};

// --- writing ---

// A CSV cell: NULL writes nothing; VARCHAR is quoted when empty or when it contains the
// delimiter, the quote, CR, LF or leading/trailing spaces (quotes doubled inside).
void AppendCsvCell(const Column& col, int64_t i, char delimiter, char quote, std::string* out);

}  // namespace sluice::connectors
