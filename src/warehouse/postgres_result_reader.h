// Reads PostgreSQL binary-format result rows into sluice batches (internal to the
// PostgreSQL adapter).
#pragma once

#include <libpq-fe.h>

#include <vector>

#include "core/schema.h"
#include "warehouse/postgres_types.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

// Reads the rows of the statement just sent on `conn` with binary results
// (PQsendQueryPrepared(..., resultFormat = 1)) in single-row mode, so at most one
// batch of rows is held by libpq at a time, and returns them as batches of up to
// kDefaultBatchRows rows. Column i is decoded with `readers[i]` (none may be
// kCastToText) into `schema->field(i).type`. Always drains the connection's results,
// so it is ready for the next command even after an error. Fails with the server's
// error, or Invalid naming the column for a value sluice cannot hold (a numeric NaN
// in a DECIMAL column).
Result<QueryResult> ReadPostgresRows(PGconn* conn, SchemaPtr schema,
                                     const std::vector<PgReader>& readers);

}  // namespace sluice::warehouse
