// Type mapping and binary wire encodings between sluice and PostgreSQL (internal to
// the PostgreSQL adapter). The tables users read are in docs/warehouse.md; keep the
// two in step.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "core/types.h"

namespace sluice::warehouse {

// Type OIDs of PostgreSQL's built-in types (stable across versions; from pg_type.dat).
using PgOid = unsigned int;
inline constexpr PgOid kPgBool = 16;
inline constexpr PgOid kPgName = 19;
inline constexpr PgOid kPgInt8 = 20;
inline constexpr PgOid kPgInt2 = 21;
inline constexpr PgOid kPgInt4 = 23;
inline constexpr PgOid kPgText = 25;
inline constexpr PgOid kPgFloat4 = 700;
inline constexpr PgOid kPgFloat8 = 701;
inline constexpr PgOid kPgBpchar = 1042;
inline constexpr PgOid kPgVarchar = 1043;
inline constexpr PgOid kPgDate = 1082;
inline constexpr PgOid kPgTimestamp = 1114;
inline constexpr PgOid kPgTimestamptz = 1184;
inline constexpr PgOid kPgInterval = 1186;
inline constexpr PgOid kPgNumeric = 1700;

// PostgreSQL counts timestamps from 2000-01-01 00:00:00 UTC, sluice from 1970-01-01.
inline constexpr int64_t kPgEpochMicros = 946684800000000LL;
inline constexpr int32_t kPgEpochDays = 10957;

// The PostgreSQL column type that stores `type`, spelled as format_type() prints it
// ("integer", "numeric(12,2)", "timestamp without time zone").
std::string PostgresTypeName(const DataType& type);

// Whether a column of PostgreSQL type (`oid`, `typmod`) takes `type`'s values in the
// binary COPY format and keeps them exactly: the type PostgresTypeName names, or for
// VARCHAR also varchar(n) / char(n), for TIMESTAMP also timestamptz (both hold UTC
// microseconds). numeric must have exactly DECIMAL's precision and scale.
bool PostgresColumnAccepts(const DataType& type, PgOid oid, int typmod);

// How one binary result column is read into a sluice column.
enum class PgReader {
  kBool,
  kInt2,
  kInt4,
  kInt8,
  kFloat4,
  kFloat8,
  kNumericDecimal,  // numeric(p <= 18, s): exact
  kNumericDouble,   // numeric without typmod or with p > 18
  kText,            // text, varchar, bpchar, name: the bytes
  kTimestamp,       // timestamp and timestamptz
  kDate,
  kInterval,
  kCastToText,  // anything else: must be cast to text in SQL before reading
};

struct PgColumnMapping {
  PgReader reader = PgReader::kCastToText;
  DataType type = DataType::Varchar();
};

PgColumnMapping MapPostgresType(PgOid oid, int typmod);

// --- binary wire format (network byte order) ---

inline uint16_t LoadBE16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline uint32_t LoadBE32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t LoadBE64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}
inline void StoreBE16(uint8_t* p, uint16_t v) {
  v = __builtin_bswap16(v);
  std::memcpy(p, &v, 2);
}
inline void StoreBE32(uint8_t* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}
inline void StoreBE64(uint8_t* p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

// Largest binary numeric EncodeNumeric writes: 4 header fields and up to 6 base-10000
// digits (|unscaled| < 2^63 with up to 3 digits of padding to a group boundary).
inline constexpr int kMaxNumericBytes = 8 + 2 * 6;

// Writes the binary numeric (ndigits, weight, sign, dscale, base-10000 digits) of
// `unscaled` / 10^scale to `out` (at least kMaxNumericBytes); returns the bytes written.
int EncodeNumeric(int64_t unscaled, int scale, uint8_t* out);

// Reads a binary numeric as an unscaled integer at `scale`. Returns false for NaN,
// infinities, malformed data, values with more than `scale` fractional digits, and
// values with |unscaled| >= 10^18.
bool DecodeNumericUnscaled(const char* data, int len, int scale, int64_t* out);

// Reads a binary numeric as the nearest double (NaN and infinities included).
double DecodeNumericDouble(const char* data, int len);

}  // namespace sluice::warehouse
