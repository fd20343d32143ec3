// Type mapping between sluice and DuckDB (internal to the DuckDB adapter). The table
// users read is in docs/warehouse.md; keep the two in step.
#pragma once

#include <duckdb.h>

#include <string>

#include "core/types.h"

namespace sluice::warehouse {

// SQL spelling of the DuckDB column type that stores `type`, exactly as DuckDB's
// information_schema.columns.data_type reports it ("INTEGER", "DECIMAL(10,2)").
std::string DuckDBTypeName(const DataType& type);

// A new logical type for `type`; the caller destroys it with duckdb_destroy_logical_type.
duckdb_logical_type NewDuckDBLogicalType(const DataType& type);

// How one DuckDB result column is read into a sluice column.
enum class ColumnReader {
  kBoolean,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kFloat,
  kDouble,
  kDecimal16,
  kDecimal32,
  kDecimal64,
  kWide,  // UBIGINT, HUGEINT, UHUGEINT, DECIMAL(p > 18): DECIMAL(18,s) if all fit, else DOUBLE
  kVarchar,
  kTimestamp,
  kTimestampS,
  kTimestampMs,
  kTimestampNs,
  kDate,
  kInterval,
  kUnsupported,  // must be cast to VARCHAR in SQL before reading
};

struct ColumnMapping {
  ColumnReader reader = ColumnReader::kUnsupported;
  DataType type;  // the sluice type (for kWide: the DECIMAL(18,s) choice)
  duckdb_type source = DUCKDB_TYPE_INVALID;  // the DuckDB physical source (kWide)
  int scale = 0;                             // kWide decimals
  std::string duckdb_name;                   // for messages: "LIST", "HUGEINT"
};

ColumnMapping MapDuckDBType(duckdb_logical_type type);

}  // namespace sluice::warehouse
