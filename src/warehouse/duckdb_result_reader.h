// Converts a DuckDB query result into sluice batches (internal to the DuckDB adapter).
#pragma once

#include <duckdb.h>

#include "core/status.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

// Reads every chunk of `result` (which the caller still destroys) into batches of up to
// 2048 rows, one per DuckDB chunk. Every column's type must map (MapDuckDBType is not
// kUnsupported); the caller casts the others to VARCHAR in SQL first.
Result<QueryResult> ReadDuckDBResult(duckdb_result* result);

}  // namespace sluice::warehouse
