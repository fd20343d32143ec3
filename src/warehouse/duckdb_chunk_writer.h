// DuckDBChunkWriter: copies sluice batches into a DuckDB appender one data chunk (2048
// rows) at a time, with vector data and validity filled straight from Column buffers
// (internal to the DuckDB adapter; shared by the table appender and the upserter).
#pragma once

#include <duckdb.h>

#include <string>

#include "core/record_batch.h"
#include "core/schema.h"
#include "core/status.h"

namespace sluice::warehouse {

class DuckDBChunkWriter {
 public:
  // A writer for batches whose columns have the types of `schema`'s fields.
  explicit DuckDBChunkWriter(const Schema& schema);
  ~DuckDBChunkWriter();
  DuckDBChunkWriter(const DuckDBChunkWriter&) = delete;
  DuckDBChunkWriter& operator=(const DuckDBChunkWriter&) = delete;

  // Appends every row of `batch` (whose column types the caller has checked) to
  // `appender` (borrowed). On error returns Invalid naming `target`, with DuckDB's
  // message; the appender then accepts nothing more and must be destroyed.
  Status Append(duckdb_appender appender, const RecordBatch& batch, const std::string& target);

 private:
  Status AppendSlice(duckdb_appender appender, const RecordBatch& batch, int64_t offset,
                     int64_t rows, const std::string& target);

  duckdb_data_chunk chunk_ = nullptr;  // reused for every slice
};

// DuckDB's last appender error, or a placeholder.
std::string AppenderError(duckdb_appender appender);

}  // namespace sluice::warehouse
