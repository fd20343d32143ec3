// Seeds: CSV files under seeds/ loaded as warehouse tables (`sluice seed`), read with
// sluice's own CSV reader (connectors/csv_reader.h).
//
//   - the first line names the columns; types are inferred from every row (BOOLEAN,
//     BIGINT, DOUBLE, DATE, TIMESTAMP, else VARCHAR); an unquoted empty field is NULL
//   - config column_types {column: SQL type} overrides the inference: those columns are
//     read as text and converted by the warehouse (CAST), so any type it knows works
//   - config delimiter: one character (default ",")
//   - the rows are appended in bulk (Connection::Append) into "<identifier>__sluice_tmp",
//     which then replaces the table in one transaction
//
// A record that does not parse (wrong field count, unterminated quote, a value that does
// not fit its column_types type) fails the seed with "seeds/x.csv:LINE: what"; the
// existing table is left as it was.
#pragma once

#include <vector>

#include "core/record_batch.h"
#include "core/status.h"
#include "transform/materialize.h"

namespace sluice::transform {

// The rows of a seed file, read but not loaded.
struct SeedData {
  SchemaPtr schema;  // column_types columns are VARCHAR here
  std::vector<RecordBatchPtr> batches;
  int64_t rows = 0;
};

// Reads `node.seed_file` (shown as node.path in messages). Fails on an unreadable file, an
// empty one, a bad delimiter config, duplicate header names, a column_types entry naming no
// column, or any bad record (the first three are quoted with file:line).
Result<SeedData> ReadSeed(const Node& node);

// Loads the seed of `ctx` into its table (see the file comment).
Result<BuildOutcome> LoadSeed(const BuildContext& ctx);

}  // namespace sluice::transform
