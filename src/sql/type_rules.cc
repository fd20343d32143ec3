#include "sql/type_rules.h"

#include <algorithm>

namespace sluice::sql {

namespace {

int Rank(TypeId id) {
  switch (id) {
    case TypeId::kInt32: return 1;
    case TypeId::kInt64: return 2;
    case TypeId::kDecimal: return 3;
    case TypeId::kDouble: return 4;
    default: return 0;
  }
}

uint8_t Cap(int p) { return static_cast<uint8_t>(std::clamp(p, 1, kMaxDecimalPrecision)); }

}  // namespace

DataType AsDecimal(const DataType& t) {
  if (t.id == TypeId::kInt32) return DataType::Decimal(10, 0);
  if (t.id == TypeId::kInt64) return DataType::Decimal(18, 0);
  return t;
}

std::optional<DataType> CommonNumericType(const DataType& a, const DataType& b) {
  const int ra = Rank(a.id), rb = Rank(b.id);
  if (ra == 0 || rb == 0) return std::nullopt;
  if (a.id == TypeId::kDouble || b.id == TypeId::kDouble) return DataType::Double();
  if (a.id == TypeId::kDecimal || b.id == TypeId::kDecimal) {
    const DataType da = AsDecimal(a), db = AsDecimal(b);
    const int scale = std::max(da.scale, db.scale);
    const int ints = std::max(da.precision - da.scale, db.precision - db.scale);
    return DataType::Decimal(Cap(ints + scale), static_cast<uint8_t>(scale));
  }
  return ra >= rb ? a : b;
}

std::optional<DataType> DecimalArithmeticType(char op, const DataType& a, const DataType& b) {
  const DataType da = AsDecimal(a), db = AsDecimal(b);
  const int ia = da.precision - da.scale, ib = db.precision - db.scale;
  int scale = 0, precision = 0;
  switch (op) {
    case '*':
      scale = da.scale + db.scale;
      precision = da.precision + db.precision;
      break;
    case '%':
      scale = std::max(da.scale, db.scale);
      precision = std::max(ia, ib) + scale;
      break;
    default:
      scale = std::max(da.scale, db.scale);
      precision = std::max(ia, ib) + scale + 1;
  }
  if (scale > kMaxDecimalPrecision) return std::nullopt;
  return DataType::Decimal(Cap(std::max(precision, scale)), static_cast<uint8_t>(scale));
}

bool CanCast(const DataType& from, const DataType& to) {
  if (from.id == to.id) return true;
  if (from.id == TypeId::kVarchar || to.id == TypeId::kVarchar) return true;
  const bool from_num = from.IsNumeric() || from.id == TypeId::kBoolean;
  const bool to_num = to.IsNumeric() || to.id == TypeId::kBoolean;
  if (from_num && to_num) {
    // BOOLEAN <-> DOUBLE/DECIMAL are not casts in PostgreSQL either.
    if (from.id == TypeId::kBoolean) return to.id == TypeId::kInt32 || to.id == TypeId::kInt64;
    if (to.id == TypeId::kBoolean) return from.id == TypeId::kInt32 || from.id == TypeId::kInt64;
    return true;
  }
  const bool from_time = from.id == TypeId::kTimestamp || from.id == TypeId::kDate;
  const bool to_time = to.id == TypeId::kTimestamp || to.id == TypeId::kDate;
  return from_time && to_time;
}

}  // namespace sluice::sql
