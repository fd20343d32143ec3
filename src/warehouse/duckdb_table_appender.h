// DuckDBTableAppender: bulk-loads sluice batches into one DuckDB table through DuckDB's
// appender, one data chunk (2048 rows) at a time, with vector data and validity filled
// straight from Column buffers (internal to the DuckDB adapter).
//
// Why the appender and not an Arrow scan: see docs/warehouse.md ("Loading"). In short,
// the appender skips per-batch SQL planning and was several times faster for the
// 1-4K-row batches sluice moves.
#pragma once

#include <duckdb.h>

#include <memory>
#include <vector>

#include "core/schema.h"
#include "warehouse/duckdb_chunk_writer.h"
#include "warehouse/table_name.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

class DuckDBTableAppender : public TableAppender {
 public:
  // Creates an appender on `conn` (borrowed: it must outlive the appender) for the
  // fields of `schema`, matched to `table`'s columns by name. Fails with DuckDB's
  // message when the table or a column is missing.
  static Result<std::unique_ptr<TableAppender>> Make(duckdb_connection conn, const TableName& table,
                                                     const Schema& schema);
  ~DuckDBTableAppender() override;

  Status Write(const RecordBatch& batch) override;
  Status Flush() override;
  Status Close() override;
  Status FlushWithCommit(const std::string& sink, int64_t checkpoint_id,
                         const std::string& position) override;

 private:
  DuckDBTableAppender(duckdb_connection conn, TableName table, Schema schema);
  // (Re)creates the DuckDB appender with the schema's columns active.
  Status Open();
  // Drops buffered and uncommitted rows and the DuckDB appender.
  void DiscardPending();
  Status RunSql(const char* sql);
  // Rolls back the pending transaction and returns `error` with a note saying so.
  Status Fail(Status error);

  duckdb_connection conn_;
  duckdb_appender appender_ = nullptr;  // null after an error until the next Write
  TableName table_;
  Schema schema_;
  DuckDBChunkWriter writer_;
  bool in_transaction_ = false;
  bool closed_ = false;
};

}  // namespace sluice::warehouse
