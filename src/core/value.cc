#include "core/value.h"

#include <charconv>
#include <string>
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

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  const auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, p);
}

void AppendDouble(double d, std::string* out) {
  if (std::isnan(d)) return out->append("NaN"), void();
  if (std::isinf(d)) return out->append(d > 0 ? "Infinity" : "-Infinity"), void();
  char buf[32];
  const auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  out->append(buf, p);
}

void AppendDecimal(int64_t unscaled, int scale, std::string* out) {
  char buf[32];
  const bool neg = unscaled < 0;
  uint64_t mag = neg ? 0 - static_cast<uint64_t>(unscaled) : static_cast<uint64_t>(unscaled);
  char* end = buf + sizeof(buf);
  char* p = end;
  for (int k = 0; k < scale; ++k) {
    *--p = static_cast<char>('0' + mag % 10);
    mag /= 10;
  }
  if (scale > 0) *--p = '.';
  do {
    *--p = static_cast<char>('0' + mag % 10);
    mag /= 10;
  } while (mag > 0);
  if (neg) *--p = '-';
  out->append(p, end);
}

void AppendCellText(const Column& col, int64_t i, std::string* out) {
  const DataType& t = col.type();
  switch (t.id) {
    case TypeId::kBoolean: out->append(col.Get<uint8_t>(i) ? "true" : "false"); return;
    case TypeId::kInt32: AppendInt(col.Get<int32_t>(i), out); return;
    case TypeId::kInt64: AppendInt(col.Get<int64_t>(i), out); return;
    case TypeId::kDouble: AppendDouble(col.Get<double>(i), out); return;
    case TypeId::kDecimal: AppendDecimal(col.Get<int64_t>(i), t.scale, out); return;
    case TypeId::kVarchar: out->append(col.GetString(i)); return;
    case TypeId::kTimestamp: {
      char buf[40];
      const int n = FormatTimestampIso(col.Get<int64_t>(i), buf);
      out->append(buf, static_cast<size_t>(n));
      return;
    }
    case TypeId::kDate: out->append(FormatDate(col.Get<int32_t>(i))); return;
    case TypeId::kInterval: out->append(FormatInterval(col.Get<Interval>(i))); return;
  }
}

}  // namespace sluice
