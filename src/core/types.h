// Logical data types of sluice and their physical layout.
//
//   type          physical value            Arrow C format
//   BOOLEAN       uint8_t (0/1), 1 byte      b   (bit-packed on export)
//   INT32         int32_t                    i
//   INT64         int64_t                    l
//   DOUBLE        double                     g
//   DECIMAL(p,s)  int64_t unscaled, p <= 18  d:p,s (widened to 128 bits on export)
//   VARCHAR       int32 offsets + bytes      u
//   TIMESTAMP     int64_t microseconds, UTC  tsu:UTC
//   DATE          int32_t days since epoch   tdD
//   INTERVAL      Interval (16 bytes)        tin (micros scaled to nanos on export)
//
// Every type is nullable; nulls live in a separate validity bitmap.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sluice {

enum class TypeId : uint8_t {
  kBoolean,
  kInt32,
  kInt64,
  kDouble,
  kDecimal,
  kVarchar,
  kTimestamp,
  kDate,
  kInterval,
};

// A calendar interval as SQL defines it: months and days do not have a fixed
// length in microseconds, so the three parts stay separate.
struct Interval {
  int32_t months = 0;
  int32_t days = 0;
  int64_t micros = 0;
  bool operator==(const Interval&) const = default;
};

inline constexpr int kMaxDecimalPrecision = 18;

struct DataType {
  TypeId id = TypeId::kInt64;
  uint8_t precision = 0;  // DECIMAL only
  uint8_t scale = 0;      // DECIMAL only

  static constexpr DataType Boolean() { return {TypeId::kBoolean}; }
  static constexpr DataType Int32() { return {TypeId::kInt32}; }
  static constexpr DataType Int64() { return {TypeId::kInt64}; }
  static constexpr DataType Double() { return {TypeId::kDouble}; }
  static constexpr DataType Decimal(uint8_t p, uint8_t s) { return {TypeId::kDecimal, p, s}; }
  static constexpr DataType Varchar() { return {TypeId::kVarchar}; }
  static constexpr DataType Timestamp() { return {TypeId::kTimestamp}; }
  static constexpr DataType Date() { return {TypeId::kDate}; }
  static constexpr DataType Interval() { return {TypeId::kInterval}; }

  bool operator==(const DataType&) const = default;

  // Width in bytes of one value in the value buffer; VARCHAR returns 4 (its offsets).
  int ByteWidth() const;
  bool IsNumeric() const;
  bool IsVarLength() const { return id == TypeId::kVarchar; }
  // SQL spelling: "BOOLEAN", "DECIMAL(10,2)", ...
  std::string ToString() const;
};

// Parses a SQL type name, case-insensitive, with the usual aliases
// (INT/INTEGER, BIGINT, FLOAT8/DOUBLE PRECISION, TEXT/STRING, BOOL, NUMERIC(p,s)).
// Fails with a message listing the supported types.
Result<DataType> ParseDataType(std::string_view text);

// 10^n for n in [0, 18].
int64_t Pow10(int n);

}  // namespace sluice
