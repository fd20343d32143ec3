// Value: one scalar of any sluice type, or NULL. For literals, tests and slow paths
// only; hot loops work on Column buffers directly.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "core/column.h"
#include "core/types.h"

namespace sluice {

class Value {
 public:
  Value() = default;  // untyped NULL
  static Value Null(DataType type) { Value v; v.type_ = type; return v; }
  static Value Boolean(bool b) { return Value(DataType::Boolean(), int64_t{b}); }
  static Value Int32(int32_t x) { return Value(DataType::Int32(), int64_t{x}); }
  static Value Int64(int64_t x) { return Value(DataType::Int64(), x); }
  static Value Double(double x) { return Value(DataType::Double(), x); }
  // `unscaled` is the value times 10^scale.
  static Value Decimal(int64_t unscaled, uint8_t p, uint8_t s) {
    return Value(DataType::Decimal(p, s), unscaled);
  }
  static Value Varchar(std::string s) { return Value(DataType::Varchar(), std::move(s)); }
  static Value Timestamp(int64_t micros) { return Value(DataType::Timestamp(), micros); }
  static Value Date(int32_t days) { return Value(DataType::Date(), int64_t{days}); }
  static Value FromInterval(sluice::Interval iv) { return Value(DataType::Interval(), iv); }

  const DataType& type() const { return type_; }
  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  // Integer-like payload: BOOLEAN, INT32, INT64, DECIMAL (unscaled), TIMESTAMP, DATE.
  int64_t int_value() const { return std::get<int64_t>(v_); }
  double double_value() const { return std::get<double>(v_); }
  const std::string& string_value() const { return std::get<std::string>(v_); }
  sluice::Interval interval_value() const { return std::get<sluice::Interval>(v_); }

  // SQL text of the value as sluice prints it ("NULL", "12.50", "2024-01-01 10:00:00").
  std::string ToString() const;
  bool operator==(const Value& other) const { return type_ == other.type_ && v_ == other.v_; }

 private:
  template <typename T>
  Value(DataType type, T v) : type_(type), v_(std::move(v)) {}

  DataType type_ = DataType::Int64();
  std::variant<std::monostate, int64_t, double, std::string, sluice::Interval> v_;
};

// Reads row i of `col` as a Value.
Value GetValue(const Column& col, int64_t i);
// Appends `v` to `col`; v's type must match (a NULL of any type appends a null).
void AppendValue(Column* col, const Value& v);
// Formats row i of `col` the way Value::ToString would, without building a Value.
std::string FormatCell(const Column& col, int64_t i);
// Appends row i of `col` as text for machines (files, JSON), without allocating:
// BOOLEAN true/false, DOUBLE shortest round-trip form (NaN, Infinity, -Infinity), DECIMAL
// exact digits, TIMESTAMP "2024-01-01T00:00:00.123456Z" (UTC, always six fraction
// digits), DATE "2024-01-01", INTERVAL as FormatInterval. Precondition: row i is not NULL.
void AppendCellText(const Column& col, int64_t i, std::string* out);
void AppendInt(int64_t v, std::string* out);
void AppendDouble(double d, std::string* out);
void AppendDecimal(int64_t unscaled, int scale, std::string* out);
// Formats a DECIMAL unscaled value: FormatDecimal(1250, 2) == "12.50".
std::string FormatDecimal(int64_t unscaled, int scale);

}  // namespace sluice
