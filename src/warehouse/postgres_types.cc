#include "warehouse/postgres_types.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace sluice::warehouse {

namespace {

constexpr uint16_t kNumericPos = 0x0000;
constexpr uint16_t kNumericNeg = 0x4000;
constexpr uint16_t kNumericNaN = 0xC000;
constexpr uint16_t kNumericPinf = 0xD000;
constexpr uint16_t kNumericNinf = 0xF000;

// numeric's typmod is ((precision << 16) | scale) + 4; -1 when unconstrained.
bool NumericTypmod(int typmod, int* precision, int* scale) {
  if (typmod < 4) return false;
  const int t = typmod - 4;
  *precision = (t >> 16) & 0xFFFF;
  *scale = t & 0xFFFF;
  // Negative scales (PG 15) arrive as 11-bit two's complement; sluice has none.
  return *scale <= *precision;
}

}  // namespace

std::string PostgresTypeName(const DataType& type) {
  switch (type.id) {
    case TypeId::kBoolean:
      return "boolean";
    case TypeId::kInt32:
      return "integer";
    case TypeId::kInt64:
      return "bigint";
    case TypeId::kDouble:
      return "double precision";
    case TypeId::kDecimal:
      return "numeric(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case TypeId::kVarchar:
      return "text";
    case TypeId::kTimestamp:
      return "timestamp without time zone";
    case TypeId::kDate:
      return "date";
    case TypeId::kInterval:
      return "interval";
  }
  return "text";
}

bool PostgresColumnAccepts(const DataType& type, PgOid oid, int typmod) {
  switch (type.id) {
    case TypeId::kBoolean:
      return oid == kPgBool;
    case TypeId::kInt32:
      return oid == kPgInt4;
    case TypeId::kInt64:
      return oid == kPgInt8;
    case TypeId::kDouble:
      return oid == kPgFloat8;
    case TypeId::kDecimal: {
      int p = 0, s = 0;
      return oid == kPgNumeric && NumericTypmod(typmod, &p, &s) && p == type.precision &&
             s == type.scale;
    }
    case TypeId::kVarchar:
      return oid == kPgText || oid == kPgVarchar || oid == kPgBpchar;
    case TypeId::kTimestamp:
      return oid == kPgTimestamp || oid == kPgTimestamptz;
    case TypeId::kDate:
      return oid == kPgDate;
    case TypeId::kInterval:
      return oid == kPgInterval;
  }
  return false;
}

PgColumnMapping MapPostgresType(PgOid oid, int typmod) {
  switch (oid) {
    case kPgBool:
      return {PgReader::kBool, DataType::Boolean()};
    case kPgInt2:
      return {PgReader::kInt2, DataType::Int32()};
    case kPgInt4:
      return {PgReader::kInt4, DataType::Int32()};
    case kPgInt8:
      return {PgReader::kInt8, DataType::Int64()};
    case kPgFloat4:
      return {PgReader::kFloat4, DataType::Double()};
    case kPgFloat8:
      return {PgReader::kFloat8, DataType::Double()};
    case kPgNumeric: {
      int p = 0, s = 0;
      if (NumericTypmod(typmod, &p, &s) && p >= 1 && p <= kMaxDecimalPrecision) {
        return {PgReader::kNumericDecimal,
                DataType::Decimal(static_cast<uint8_t>(p), static_cast<uint8_t>(s))};
      }
      return {PgReader::kNumericDouble, DataType::Double()};
    }
    case kPgText:
    case kPgVarchar:
    case kPgBpchar:
    case kPgName:
      return {PgReader::kText, DataType::Varchar()};
    case kPgTimestamp:
    case kPgTimestamptz:
      return {PgReader::kTimestamp, DataType::Timestamp()};
    case kPgDate:
      return {PgReader::kDate, DataType::Date()};
    case kPgInterval:
      return {PgReader::kInterval, DataType::Interval()};
    default:
      return {PgReader::kCastToText, DataType::Varchar()};
  }
}

int EncodeNumeric(int64_t unscaled, int scale, uint8_t* out) {
  const bool negative = unscaled < 0;
  // Pad the fraction to whole base-10000 digits, so the point falls between digits.
  const int pad = (4 - scale % 4) % 4;
  unsigned __int128 magnitude =
      negative ? static_cast<unsigned __int128>(-static_cast<__int128>(unscaled))
               : static_cast<unsigned __int128>(unscaled);
  for (int i = 0; i < pad; ++i) magnitude *= 10;
  const int frac_digits = (scale + pad) / 4;
  uint16_t digits[8];  // least significant first
  int n = 0;
  while (magnitude != 0) {
    digits[n++] = static_cast<uint16_t>(magnitude % 10000);
    magnitude /= 10000;
  }
  // PostgreSQL stores no leading or trailing zero digits; the weight locates the point.
  int low = 0;
  while (low < n && digits[low] == 0) ++low;
  const int ndigits = n - low;
  const int weight = n - 1 - frac_digits;
  StoreBE16(out, static_cast<uint16_t>(ndigits));
  StoreBE16(out + 2, static_cast<uint16_t>(ndigits == 0 ? 0 : weight));
  StoreBE16(out + 4, negative ? kNumericNeg : kNumericPos);
  StoreBE16(out + 6, static_cast<uint16_t>(scale));
  for (int i = 0; i < ndigits; ++i) StoreBE16(out + 8 + 2 * i, digits[n - 1 - i]);
  return 8 + 2 * ndigits;
}

bool DecodeNumericUnscaled(const char* data, int len, int scale, int64_t* out) {
  if (len < 8) return false;
  const int ndigits = LoadBE16(data);
  const int weight = static_cast<int16_t>(LoadBE16(data + 2));
  const uint16_t sign = LoadBE16(data + 4);
  if ((sign != kNumericPos && sign != kNumericNeg) || len != 8 + 2 * ndigits) return false;
  if (ndigits > 8) return false;  // more than 32 significant digits cannot fit 18
  __int128 acc = 0;
  for (int i = 0; i < ndigits; ++i) {
    const int d = LoadBE16(data + 8 + 2 * i);
    if (d >= 10000) return false;
    acc = acc * 10000 + d;
  }
  // acc holds the value times 10^frac, frac = the decimal places its digits cover.
  const int frac = 4 * (ndigits - 1 - weight);
  const __int128 limit = static_cast<__int128>(Pow10(18));
  if (acc != 0) {
    for (int e = frac; e < scale; ++e) {
      acc *= 10;
      if (acc >= limit) return false;
    }
    for (int e = scale; e < frac; ++e) {
      if (acc % 10 != 0) return false;  // digits beyond the scale: not exact
      acc /= 10;
    }
  }
  if (acc >= limit) return false;
  *out = static_cast<int64_t>(sign == kNumericNeg ? -acc : acc);
  return true;
}

double DecodeNumericDouble(const char* data, int len) {
  if (len < 8) return std::numeric_limits<double>::quiet_NaN();
  const int ndigits = LoadBE16(data);
  const int weight = static_cast<int16_t>(LoadBE16(data + 2));
  const uint16_t sign = LoadBE16(data + 4);
  if (sign == kNumericPinf) return std::numeric_limits<double>::infinity();
  if (sign == kNumericNinf) return -std::numeric_limits<double>::infinity();
  if (sign == kNumericNaN || len != 8 + 2 * ndigits) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (ndigits == 0) return 0.0;
  // Print the leading digits with an exponent and let strtod round correctly; 40
  // decimal digits are far more than a double distinguishes.
  const int used = ndigits < 10 ? ndigits : 10;
  char text[64];
  int pos = 0;
  if (sign == kNumericNeg) text[pos++] = '-';
  for (int i = 0; i < used; ++i) {
    pos += std::snprintf(text + pos, sizeof(text) - static_cast<size_t>(pos), "%04d",
                         static_cast<int>(LoadBE16(data + 8 + 2 * i)));
  }
  std::snprintf(text + pos, sizeof(text) - static_cast<size_t>(pos), "e%d",
                4 * (weight - used + 1));
  return std::strtod(text, nullptr);
}

}  // namespace sluice::warehouse
