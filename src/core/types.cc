#include "core/types.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sluice {

int DataType::ByteWidth() const {
  switch (id) {
    case TypeId::kBoolean: return 1;
    case TypeId::kInt32: return 4;
    case TypeId::kInt64: return 8;
    case TypeId::kDouble: return 8;
    case TypeId::kDecimal: return 8;
    case TypeId::kVarchar: return 4;
    case TypeId::kTimestamp: return 8;
    case TypeId::kDate: return 4;
    case TypeId::kInterval: return 16;
  }
  return 0;
}

bool DataType::IsNumeric() const {
  return id == TypeId::kInt32 || id == TypeId::kInt64 || id == TypeId::kDouble ||
         id == TypeId::kDecimal;
}

std::string DataType::ToString() const {
  switch (id) {
    case TypeId::kBoolean: return "BOOLEAN";
    case TypeId::kInt32: return "INT32";
    case TypeId::kInt64: return "INT64";
    case TypeId::kDouble: return "DOUBLE";
    case TypeId::kDecimal:
      return "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    case TypeId::kVarchar: return "VARCHAR";
    case TypeId::kTimestamp: return "TIMESTAMP";
    case TypeId::kDate: return "DATE";
    case TypeId::kInterval: return "INTERVAL";
  }
  return "UNKNOWN";
}

namespace {

std::string Upper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

bool ParseInt(std::string_view s, int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<DataType> ParseDataType(std::string_view text) {
  const std::string t = Upper(text);
  if (t == "BOOLEAN" || t == "BOOL") return DataType::Boolean();
  if (t == "INT32" || t == "INT" || t == "INTEGER" || t == "INT4") return DataType::Int32();
  if (t == "INT64" || t == "BIGINT" || t == "INT8" || t == "LONG") return DataType::Int64();
  if (t == "DOUBLE" || t == "FLOAT8" || t == "DOUBLEPRECISION" || t == "FLOAT" || t == "REAL") {
    return DataType::Double();
  }
  if (t == "VARCHAR" || t == "TEXT" || t == "STRING") return DataType::Varchar();
  if (t == "TIMESTAMP" || t == "TIMESTAMPTZ" || t == "TIMESTAMP(3)" || t == "TIMESTAMP(6)") {
    return DataType::Timestamp();
  }
  if (t == "DATE") return DataType::Date();
  if (t == "INTERVAL") return DataType::Interval();
  for (std::string_view prefix : {"DECIMAL", "NUMERIC"}) {
    if (t.rfind(prefix, 0) != 0) continue;
    std::string_view rest(t);
    rest.remove_prefix(prefix.size());
    if (rest.empty()) return DataType::Decimal(18, 3);
    if (rest.front() != '(' || rest.back() != ')') break;
    rest = rest.substr(1, rest.size() - 2);
    int p = 0, s = 0;
    const size_t comma = rest.find(',');
    if (!ParseInt(rest.substr(0, comma), &p) ||
        (comma != std::string_view::npos && !ParseInt(rest.substr(comma + 1), &s))) {
      break;
    }
    if (p < 1 || p > kMaxDecimalPrecision || s < 0 || s > p) {
      return Status::Invalid("DECIMAL(" + std::to_string(p) + "," + std::to_string(s) +
                             ") is out of range: precision must be 1.." +
                             std::to_string(kMaxDecimalPrecision) + " and scale 0..precision");
    }
    return DataType::Decimal(static_cast<uint8_t>(p), static_cast<uint8_t>(s));
  }
  return Status::Invalid("unknown type '" + std::string(text) +
                         "'; use one of BOOLEAN, INT32 (INT), INT64 (BIGINT), DOUBLE, "
                         "DECIMAL(p,s), VARCHAR, TIMESTAMP, DATE, INTERVAL");
}

int64_t Pow10(int n) {
  static constexpr int64_t kTable[] = {1LL,
                                       10LL,
                                       100LL,
                                       1000LL,
                                       10000LL,
                                       100000LL,
                                       1000000LL,
                                       10000000LL,
                                       100000000LL,
                                       1000000000LL,
                                       10000000000LL,
                                       100000000000LL,
                                       1000000000000LL,
                                       10000000000000LL,
                                       100000000000000LL,
                                       1000000000000000LL,
                                       10000000000000000LL,
                                       100000000000000000LL,
                                       1000000000000000000LL};
  return kTable[std::clamp(n, 0, 18)];
}

}  // namespace sluice
