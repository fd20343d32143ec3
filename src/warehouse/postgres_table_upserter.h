// PostgresTableUpserter: applies changelogs to one PostgreSQL table as upserts on a key
// (internal to the PostgreSQL adapter; the contract is TableUpserter's in warehouse.h).
//
// How: each WriteChanges compacts its batch per key in memory (ChangeStager, shared with
// DuckDB) and encodes the surviving rows, with a removal flag and a sequence number, in
// the binary COPY format; they go to a private TEMP staging table with one
// COPY ... FROM STDIN (FORMAT binary) whenever about 4 MiB are pending and at Flush. The
// first COPY opens a transaction, and Flush runs inside it:
//   1. (only when several batches are staged) drop staged rows superseded by a later
//      change to the same key: DELETE ... USING (max(_sluice_seq) per key);
//   2. DELETE FROM target USING staging WHERE keys match;
//   3. INSERT INTO target SELECT ... FROM staging WHERE NOT _sluice_delete;
//   4. TRUNCATE staging (a temp table is never vacuumed, so DELETE would bloat it);
// and commits. No SQL per row; no primary key or unique index needed on the target.
// Why not INSERT ... ON CONFLICT: see docs/warehouse.md ("PostgreSQL: upserts").
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "core/schema.h"
#include "warehouse/change_stager.h"
#include "warehouse/postgres_copy_buffer.h"
#include "warehouse/table_name.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

class PostgresTableUpserter : public TableUpserter {
 public:
  // One column of the target, as the catalog spells it.
  struct TargetColumn {
    std::string name;       // exact column name
    std::string base_type;  // format_type() of its type (a domain's base type)
  };

  // Creates the staging table on `conn` (borrowed: it must outlive the upserter), which
  // must not be inside a transaction. `table`: the target's exact catalog name;
  // `label`: the name for messages; `columns[i]`: the target column matching field i of
  // `schema` (the caller has checked the types with PostgresColumnAccepts). Fails with
  // Invalid for a bad key (unknown, repeated, DOUBLE/INTERVAL) or a field named
  // `_sluice_*`.
  static Result<std::unique_ptr<TableUpserter>> Make(PGconn* conn, const TableName& table,
                                                     const std::string& label,
                                                     const Schema& schema,
                                                     const std::vector<TargetColumn>& columns,
                                                     const std::vector<std::string>& keys);
  ~PostgresTableUpserter() override;

  Status Write(const RecordBatch& batch) override;
  Status WriteChanges(const ChangeBatch& changes) override;
  Status Flush() override;
  Status FlushWithCommit(const std::string& sink, int64_t checkpoint_id,
                         const std::string& position) override;
  Status Close() override;

 private:
  PostgresTableUpserter(PGconn* conn, std::string label, const Schema& schema,
                        const UpsertKeys& keys, std::string staging);
  // Encodes a batch from ChangeStager; ships a COPY when enough bytes are pending.
  Status WriteStaged(Result<RecordBatchPtr> staged);
  // Opens the transaction unless it is open.
  Status Begin();
  // Ships pending rows and writes the staged changes into the target (in the transaction).
  Status ApplyStaged();
  void DiscardPending();
  Status Fail(Status error);

  PGconn* conn_;
  std::string label_;
  ChangeStager stager_;
  std::string staging_;  // quoted name in pg_temp
  std::string copy_sql_;
  std::string dedupe_sql_;
  std::string apply_sql_;
  PostgresCopyBuffer copy_;
  int64_t staged_batches_ = 0;  // since the last flush
  bool in_transaction_ = false;
  bool closed_ = false;
};

}  // namespace sluice::warehouse
