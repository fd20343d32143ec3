// DuckDBTableUpserter: applies changelogs to one DuckDB table as upserts on a key
// (internal to the DuckDB adapter; the contract is TableUpserter's in warehouse.h).
//
// How: each WriteChanges compacts its batch per key in memory (ChangeCompactor) and
// appends the surviving rows, with a removal flag and a sequence number, to a private
// TEMP staging table through DuckDB's appender. Flush then runs, in the transaction
// that has been open since the first write:
//   1. (only when several batches are staged) drop staged rows superseded by a later
//      change to the same key: DELETE ... USING (max(_sluice_seq) per key);
//   2. DELETE FROM target USING staging WHERE keys match;
//   3. INSERT INTO target SELECT ... FROM staging WHERE NOT _sluice_delete;
//   4. DELETE FROM staging;
// and commits. No SQL per row; no primary key needed on the target.
#pragma once

#include <duckdb.h>

#include <memory>
#include <string>
#include <vector>

#include "core/schema.h"
#include "warehouse/change_stager.h"
#include "warehouse/changelog.h"
#include "warehouse/duckdb_chunk_writer.h"
#include "warehouse/table_name.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

class DuckDBTableUpserter : public TableUpserter {
 public:
  // Creates the staging table and an appender on `conn` (borrowed: it must outlive the
  // upserter) for `table`, which the caller has checked holds every field of `schema`.
  // Fails with Invalid for a bad key (unknown, repeated, DOUBLE/INTERVAL) or a field
  // named `_sluice_*`.
  static Result<std::unique_ptr<TableUpserter>> Make(duckdb_connection conn,
                                                     const TableName& table,
                                                     const Schema& schema,
                                                     const std::vector<std::string>& keys);
  ~DuckDBTableUpserter() override;

  Status Write(const RecordBatch& batch) override;
  Status WriteChanges(const ChangeBatch& changes) override;
  Status Flush() override;
  Status FlushWithCommit(const std::string& sink, int64_t checkpoint_id,
                         const std::string& position) override;
  Status Close() override;

 private:
  DuckDBTableUpserter(duckdb_connection conn, TableName table, const Schema& schema,
                      const UpsertKeys& keys, std::string staging);
  Status Open();
  void BuildSql(const Schema& schema, const std::vector<int>& key_columns);
  // Loads a batch from ChangeStager into the staging table (opening the transaction).
  Status WriteStaged(Result<RecordBatchPtr> staged);
  // Writes the staged changes into the target table (inside the open transaction).
  Status ApplyStaged();
  void DiscardPending();
  Status Fail(Status error);

  duckdb_connection conn_;
  TableName table_;
  ChangeStager stager_;  // its staging schema: the upsert schema + _sluice_delete, _sluice_seq
  std::string staging_;  // table name in the temp catalog
  std::string dedupe_sql_;
  std::string apply_sql_;
  DuckDBChunkWriter writer_;
  duckdb_appender appender_ = nullptr;  // null after an error until the next write
  int64_t staged_batches_ = 0;  // since the last flush
  bool in_transaction_ = false;
  bool closed_ = false;
};

}  // namespace sluice::warehouse
