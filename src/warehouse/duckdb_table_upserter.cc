#include "warehouse/duckdb_table_upserter.h"

#include <atomic>

#include "warehouse/duckdb_commit_log.h"
#include "warehouse/duckdb_types.h"

namespace sluice::warehouse {

namespace {

std::atomic<int64_t> g_staging_counter{0};

}  // namespace

Result<std::unique_ptr<TableUpserter>> DuckDBTableUpserter::Make(
    duckdb_connection conn, const TableName& table, const Schema& schema,
    const std::vector<std::string>& keys) {
  const std::string where = "upsert into " + table.ToString();
  SLUICE_ASSIGN_OR_RETURN(UpsertKeys resolved, ResolveUpsertKeys(where, schema, keys));
  const std::string staging = "_sluice_upsert_" + std::to_string(++g_staging_counter);
  std::unique_ptr<DuckDBTableUpserter> upserter(
      new DuckDBTableUpserter(conn, table, schema, resolved, staging));
  const Schema& staged = upserter->stager_.staging_schema();
  std::string create = "CREATE TEMP TABLE " + QuoteIdentifier(staging) + " (";
  for (int i = 0; i < staged.num_fields(); ++i) {
    const Field& f = staged.field(i);
    if (i > 0) create += ", ";
    create += QuoteIdentifier(f.name) + " " + DuckDBTypeName(f.type);
  }
  create += ")";
  SLUICE_RETURN_NOT_OK(DuckDBExec(conn, create).WithContext(where + ": creating the staging table"));
  upserter->BuildSql(schema, resolved.columns);
  SLUICE_RETURN_NOT_OK(upserter->Open());
  return std::unique_ptr<TableUpserter>(std::move(upserter));
}

DuckDBTableUpserter::DuckDBTableUpserter(duckdb_connection conn, TableName table,
                                         const Schema& schema, const UpsertKeys& keys,
                                         std::string staging)
    : conn_(conn),
      table_(std::move(table)),
      stager_(table_.ToString(), schema, keys),
      staging_(std::move(staging)),
      writer_(stager_.staging_schema()) {}

DuckDBTableUpserter::~DuckDBTableUpserter() {
  // Destroyed without Close: pending changes are dropped, not committed (Close commits).
  DiscardPending();
  (void)DuckDBExec(conn_, "DROP TABLE IF EXISTS temp.main." + QuoteIdentifier(staging_));
}

void DuckDBTableUpserter::BuildSql(const Schema& schema, const std::vector<int>& key_columns) {
  std::vector<std::string> columns;
  for (const Field& f : schema.fields()) columns.push_back(f.name);
  const UpsertStatements sql = BuildUpsertStatements(
      table_.ToSql(), "temp.main." + QuoteIdentifier(staging_), columns, key_columns);
  dedupe_sql_ = sql.dedupe;
  apply_sql_ = sql.remove + ";\n" + sql.insert + ";\nDELETE FROM temp.main." +
               QuoteIdentifier(staging_);
}

Status DuckDBTableUpserter::Open() {
  if (duckdb_appender_create_ext(conn_, "temp", "main", staging_.c_str(), &appender_) !=
      DuckDBSuccess) {
    Status st = Status::Invalid("cannot stage changes for " + table_.ToString() + ": " +
                                AppenderError(appender_));
    duckdb_appender_destroy(&appender_);
    appender_ = nullptr;
    return st;
  }
  return Status::OK();
}

void DuckDBTableUpserter::DiscardPending() {
  // Destroying the appender flushes what it buffers into the staging table, inside the
  // open transaction, which the rollback then undoes.
  if (appender_ != nullptr) duckdb_appender_destroy(&appender_);
  appender_ = nullptr;
  if (in_transaction_) (void)DuckDBExec(conn_, "ROLLBACK");
  in_transaction_ = false;
  staged_batches_ = 0;
}

Status DuckDBTableUpserter::Fail(Status error) {
  const bool had_changes = in_transaction_;
  DiscardPending();
  if (!had_changes) return error;
  return error.WithContext("changes written to " + table_.ToString() +
                           " since the last flush were rolled back");
}

Status DuckDBTableUpserter::Write(const RecordBatch& batch) {
  if (closed_) return Status::Invalid("upserter for " + table_.ToString() + " is closed");
  return WriteStaged(stager_.StageInserts(batch));
}

Status DuckDBTableUpserter::WriteChanges(const ChangeBatch& changes) {
  if (closed_) return Status::Invalid("upserter for " + table_.ToString() + " is closed");
  if (changes.rows == nullptr) return Status::Invalid("change batch without rows");
  return WriteStaged(stager_.Stage(*changes.rows, changes.ops));
}

Status DuckDBTableUpserter::WriteStaged(Result<RecordBatchPtr> staged) {
  SLUICE_RETURN_NOT_OK(staged.status());
  if (*staged == nullptr) return Status::OK();
  if (appender_ == nullptr) SLUICE_RETURN_NOT_OK(Open());
  if (!in_transaction_) {
    SLUICE_RETURN_NOT_OK(DuckDBExec(conn_, "BEGIN TRANSACTION"));
    in_transaction_ = true;
  }
  Status st = writer_.Append(appender_, **staged, "the staging table of " + table_.ToString());
  if (!st.ok()) return Fail(st);
  ++staged_batches_;
  return Status::OK();
}

Status DuckDBTableUpserter::ApplyStaged() {
  if (appender_ != nullptr && duckdb_appender_flush(appender_) != DuckDBSuccess) {
    return Status::Invalid("staging changes for " + table_.ToString() +
                           " failed: " + AppenderError(appender_));
  }
  if (staged_batches_ > 1) {
    SLUICE_RETURN_NOT_OK(DuckDBExec(conn_, dedupe_sql_)
                             .WithContext("compacting the changes for " + table_.ToString()));
  }
  if (staged_batches_ > 0) {
    SLUICE_RETURN_NOT_OK(
        DuckDBExec(conn_, apply_sql_).WithContext("applying changes to " + table_.ToString()));
  }
  staged_batches_ = 0;
  return Status::OK();
}

Status DuckDBTableUpserter::Flush() {
  if (closed_ || !in_transaction_) return Status::OK();
  Status st = ApplyStaged();
  if (st.ok()) {
    st = DuckDBExec(conn_, "COMMIT").WithContext("committing changes to " + table_.ToString());
    if (st.ok()) {
      in_transaction_ = false;
      return st;
    }
  }
  return Fail(st);
}

Status DuckDBTableUpserter::FlushWithCommit(const std::string& sink, int64_t checkpoint_id,
                                            const std::string& position) {
  if (closed_) return Status::Invalid("upserter for " + table_.ToString() + " is closed");
  const bool had_changes = in_transaction_;
  if (!in_transaction_) {
    SLUICE_RETURN_NOT_OK(DuckDBExec(conn_, "BEGIN TRANSACTION"));
    in_transaction_ = true;
  }
  Status st = ApplyStaged();
  if (st.ok()) st = RecordCommit(conn_, sink, checkpoint_id, position);
  if (st.ok()) {
    st = DuckDBExec(conn_, "COMMIT").WithContext("committing changes to " + table_.ToString());
    if (st.ok()) {
      in_transaction_ = false;
      return st;
    }
  }
  if (!had_changes) {
    DiscardPending();
    return st;
  }
  return Fail(st);
}

Status DuckDBTableUpserter::Close() {
  if (closed_) return Status::OK();
  Status st = Flush();
  DiscardPending();
  closed_ = true;
  return st;
}

}  // namespace sluice::warehouse
