// ChangeStager: the database-neutral half of every adapter's TableUpserter (internal to
// the warehouse module). It resolves the key columns, checks and compacts each change
// batch per key (ChangeCompactor), and turns the surviving rows into a staging batch
// (the upsert schema plus _sluice_delete BOOLEAN and _sluice_seq BIGINT) that the
// adapter bulk-loads into its staging table. BuildUpsertStatements writes the SQL that
// applies a staging table to its target; it is plain SQL that DuckDB and PostgreSQL
// both accept. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/record_batch.h"
#include "core/schema.h"
#include "core/status.h"
#include "warehouse/changelog.h"

namespace sluice::warehouse {

// The key columns of an upsert: indices into the upsert schema and their field names.
struct UpsertKeys {
  std::vector<int> columns;
  std::vector<std::string> names;
};

// Checks an upsert's schema and keys (Connection::Upsert's contract): fails with Invalid,
// the message starting with `where` ("upsert into t"), when a field is named `_sluice_*`
// (reserved), no key is given, or a key is unknown, repeated or of a refused type
// (KeyTypeError). Keys match field names case-insensitively.
Result<UpsertKeys> ResolveUpsertKeys(const std::string& where, const Schema& schema,
                                     const std::vector<std::string>& keys);

// `schema` followed by the two staging columns, _sluice_delete BOOLEAN and _sluice_seq BIGINT.
Schema StagingSchema(const Schema& schema);

// The statements that apply a staging table to its target, inside one transaction:
struct UpsertStatements {
  // Drops staged rows superseded by a later change (a higher _sluice_seq) to the same key;
  // needed only when more than one batch was staged since the last apply.
  std::string dedupe;
  // DELETE FROM target USING staging: every target row whose key was staged (upserted
  // keys are replaced, removed keys go).
  std::string remove;
  // INSERT INTO target SELECT ... FROM staging WHERE NOT _sluice_delete.
  std::string insert;
};

// `target_sql` and `staging_sql`: the tables as quoted SQL names. `columns`: the names
// (unquoted) of the upsert's columns in both tables, in schema order; `key_columns`
// index into them.
UpsertStatements BuildUpsertStatements(const std::string& target_sql,
                                       const std::string& staging_sql,
                                       const std::vector<std::string>& columns,
                                       const std::vector<int>& key_columns);

class ChangeStager {
 public:
  // `label` names the target table in messages; `schema` is the upsert schema.
  ChangeStager(std::string label, const Schema& schema, const UpsertKeys& keys);

  // Checks `rows` (same column count and types as the upsert schema, one valid op per
  // row, no NULL key; see ChangeCompactor) and returns the staging batch holding the
  // last change per key, in order, with its removal flag and sequence numbers that keep
  // growing across calls; nullptr when the batch has no rows. On error nothing is staged
  // and the message names the problem.
  Result<RecordBatchPtr> Stage(const RecordBatch& rows, const std::vector<ChangeOp>& ops);

  // Stage with every row an insert (TableUpserter::Write).
  Result<RecordBatchPtr> StageInserts(const RecordBatch& rows);

  const Schema& staging_schema() const { return staging_schema_; }

 private:
  std::string label_;
  Schema staging_schema_;
  int num_fields_;  // fields of the upsert schema
  ChangeCompactor compactor_;
  std::vector<int32_t> selection_;
  std::vector<ChangeOp> all_inserts_;
  int64_t next_seq_ = 0;
};

}  // namespace sluice::warehouse
