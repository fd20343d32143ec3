#include "core/value.h"

#include <charconv>
#include <cmath>

#include "core/time.h"

namespace sluice {

std::string FormatDecimal(int64_t unscaled, int scale) {
  if (scale == 0) return std::to_string(unscaled);
  const bool neg = unscaled < 0;
  const uint64_t mag = neg ? 0 - static_cast<uint64_t>(unscaled) : static_cast<uint64_t>(unscaled);
  const uint64_t div = static_cast<uint64_t>(Pow10(scale));
  std::string frac = std::to_string(mag % div);
  frac.insert(0, static_cast<size_t>(scale) - frac.size(), '0');
  return (neg ? "-" : "") + std::to_string(mag / div) + "." + frac;
}

namespace {

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  return std::string(buf, p);
}

}  // namespace

std::string Value::ToString() const {
  if (is_null()) return "NULL";
  switch (type_.id) {
    case TypeId::kBoolean: return int_value() ? "true" : "false";
    case TypeId::kInt32:
    case TypeId::kInt64: return std::to_string(int_value());
    case TypeId::kDouble: return FormatDouble(double_value());
    case TypeId::kDecimal: return FormatDecimal(int_value(), type_.scale);
    case TypeId::kVarchar: return string_value();
    case TypeId::kTimestamp: return FormatTimestamp(int_value());
    case TypeId::kDate: return FormatDate(static_cast<int32_t>(int_value()));
    case TypeId::kInterval: return FormatInterval(interval_value());
  }
  return "?";
}

Value GetValue(const Column& col, int64_t i) {
  const DataType& t = col.type();
  if (col.IsNull(i)) return Value::Null(t);
  switch (t.id) {
    case TypeId::kBoolean: return Value::Boolean(col.Get<uint8_t>(i) != 0);
    case TypeId::kInt32: return Value::Int32(col.Get<int32_t>(i));
    case TypeId::kInt64: return Value::Int64(col.Get<int64_t>(i));
    case TypeId::kDouble: return Value::Double(col.Get<double>(i));
    case TypeId::kDecimal: return Value::Decimal(col.Get<int64_t>(i), t.precision, t.scale);
    case TypeId::kVarchar: return Value::Varchar(std::string(col.GetString(i)));
    case TypeId::kTimestamp: return Value::Timestamp(col.Get<int64_t>(i));
    case TypeId::kDate: return Value::Date(col.Get<int32_t>(i));
    case TypeId::kInterval: return Value::FromInterval(col.Get<Interval>(i));
  }
  return Value::Null(t);
}

void AppendValue(Column* col, const Value& v) {
  if (v.is_null()) {
    col->AppendNull();
    return;
  }
  switch (col->type().id) {
    case TypeId::kBoolean: col->Append<uint8_t>(v.int_value() != 0); break;
    case TypeId::kInt32:
    case TypeId::kDate: col->Append<int32_t>(static_cast<int32_t>(v.int_value())); break;
    case TypeId::kInt64:
    case TypeId::kDecimal:
    case TypeId::kTimestamp: col->Append<int64_t>(v.int_value()); break;
    case TypeId::kDouble: col->Append<double>(v.double_value()); break;
    case TypeId::kVarchar: col->AppendString(v.string_value()); break;
    case TypeId::kInterval: col->Append<Interval>(v.interval_value()); break;
  }
}

std::string FormatCell(const Column& col, int64_t i) {
  if (col.IsNull(i)) return "NULL";
  switch (col.type().id) {
    case TypeId::kBoolean: return col.Get<uint8_t>(i) ? "true" : "false";
    case TypeId::kInt32: return std::to_string(col.Get<int32_t>(i));
    case TypeId::kInt64: return std::to_string(col.Get<int64_t>(i));
    case TypeId::kDouble: return FormatDouble(col.Get<double>(i));
    case TypeId::kDecimal: return FormatDecimal(col.Get<int64_t>(i), col.type().scale);
    case TypeId::kVarchar: return std::string(col.GetString(i));
    case TypeId::kTimestamp: return FormatTimestamp(col.Get<int64_t>(i));
    case TypeId::kDate: return FormatDate(col.Get<int32_t>(i));
    case TypeId::kInterval: return FormatInterval(col.Get<Interval>(i));
  }
  return "?";
}

}  // namespace sluice
