#include "warehouse/postgres_table_upserter.h"

#include <atomic>

#include "warehouse/postgres_client.h"
#include "warehouse/postgres_commit_log.h"
#include "warehouse/postgres_table_appender.h"

namespace sluice::warehouse {

namespace {

std::atomic<int64_t> g_staging_counter{0};

}  // namespace

Result<std::unique_ptr<TableUpserter>> PostgresTableUpserter::Make(
    PGconn* conn, const TableName& table, const std::string& label, const Schema& schema,
    const std::vector<TargetColumn>& columns, const std::vector<std::string>& keys) {
  const std::string where = "upsert into " + label;
  SLUICE_ASSIGN_OR_RETURN(UpsertKeys resolved, ResolveUpsertKeys(where, schema, keys));
  if (PQstatus(conn) == CONNECTION_BAD) return PostgresError(conn, nullptr);
  if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
    return Status::Invalid(where +
                           ": the connection is inside a transaction; commit or roll it back "
                           "first (the upserter commits its own at Flush)");
  }
  const std::string staging =
      "pg_temp." + QuoteIdentifier("_sluice_upsert_" + std::to_string(++g_staging_counter));
  std::unique_ptr<PostgresTableUpserter> upserter(
      new PostgresTableUpserter(conn, label, schema, resolved, staging));
  std::vector<std::string> names;
  std::string create = "CREATE TEMP TABLE " + staging + " (";
  std::string copy = "COPY " + staging + " (";
  for (size_t i = 0; i < columns.size(); ++i) {
    names.push_back(columns[i].name);
    create += QuoteIdentifier(columns[i].name) + " " + columns[i].base_type + ", ";
    copy += QuoteIdentifier(columns[i].name) + ", ";
  }
  create += "_sluice_delete boolean NOT NULL, _sluice_seq bigint NOT NULL)";
  copy += "_sluice_delete, _sluice_seq) FROM STDIN (FORMAT binary)";
  SLUICE_RETURN_NOT_OK(
      PostgresExec(conn, create).WithContext(where + ": creating the staging table"));
  const UpsertStatements sql =
      BuildUpsertStatements(table.ToSql(), staging, names, resolved.columns);
  upserter->copy_sql_ = std::move(copy);
  upserter->dedupe_sql_ = sql.dedupe;
  upserter->apply_sql_ = sql.remove + ";\n" + sql.insert + ";\nTRUNCATE " + staging;
  return std::unique_ptr<TableUpserter>(std::move(upserter));
}

PostgresTableUpserter::PostgresTableUpserter(PGconn* conn, std::string label,
                                             const Schema& schema, const UpsertKeys& keys,
                                             std::string staging)
    : conn_(conn),
      label_(std::move(label)),
      stager_(label_, schema, keys),
      staging_(std::move(staging)) {}

PostgresTableUpserter::~PostgresTableUpserter() {
  // Destroyed without Close: pending changes are dropped, not committed (Close commits).
  DiscardPending();
  if (PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE) {
    (void)PostgresExec(conn_, "DROP TABLE IF EXISTS " + staging_);
  }
}

void PostgresTableUpserter::DiscardPending() {
  copy_.Clear();
  if (in_transaction_) (void)PostgresExec(conn_, "ROLLBACK");
  in_transaction_ = false;
  staged_batches_ = 0;
}

Status PostgresTableUpserter::Fail(Status error) {
  const bool had_changes = in_transaction_ || copy_.rows() > 0;
  DiscardPending();
  if (!had_changes) return error;
  return error.WithContext("changes written to " + label_ +
                           " since the last flush were rolled back");
}

Status PostgresTableUpserter::Begin() {
  if (in_transaction_) return Status::OK();
  if (PQstatus(conn_) == CONNECTION_BAD) return PostgresError(conn_, nullptr);
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    return Status::Invalid("cannot upsert into " + label_ +
                           ": the connection is inside a transaction the upserter did not "
                           "open; commit or roll it back first");
  }
  SLUICE_RETURN_NOT_OK(PostgresExec(conn_, "BEGIN"));
  in_transaction_ = true;
  return Status::OK();
}

Status PostgresTableUpserter::Write(const RecordBatch& batch) {
  if (closed_) return Status::Invalid("upserter for " + label_ + " is closed");
  return WriteStaged(stager_.StageInserts(batch));
}

Status PostgresTableUpserter::WriteChanges(const ChangeBatch& changes) {
  if (closed_) return Status::Invalid("upserter for " + label_ + " is closed");
  if (changes.rows == nullptr) return Status::Invalid("change batch without rows");
  return WriteStaged(stager_.Stage(*changes.rows, changes.ops));
}

Status PostgresTableUpserter::WriteStaged(Result<RecordBatchPtr> staged) {
  SLUICE_RETURN_NOT_OK(staged.status());
  if (*staged == nullptr) return Status::OK();
  copy_.Encode(**staged);
  ++staged_batches_;
  if (copy_.bytes() >= PostgresTableAppender::kCopyChunkBytes) {
    Status st = Begin();
    if (st.ok()) st = copy_.Send(conn_, copy_sql_);
    if (!st.ok()) return Fail(st.WithContext("staging changes for " + label_));
  }
  return Status::OK();
}

Status PostgresTableUpserter::ApplyStaged() {
  if (staged_batches_ == 0) return Status::OK();
  SLUICE_RETURN_NOT_OK(Begin());
  SLUICE_RETURN_NOT_OK(
      copy_.Send(conn_, copy_sql_).WithContext("staging changes for " + label_));
  if (staged_batches_ > 1) {
    SLUICE_RETURN_NOT_OK(
        PostgresExec(conn_, dedupe_sql_).WithContext("compacting the changes for " + label_));
  }
  SLUICE_RETURN_NOT_OK(
      PostgresExec(conn_, apply_sql_).WithContext("applying changes to " + label_));
  staged_batches_ = 0;
  return Status::OK();
}

Status PostgresTableUpserter::Flush() {
  if (closed_) return Status::OK();
  Status st = ApplyStaged();
  if (!st.ok()) return Fail(st);
  if (!in_transaction_) return Status::OK();
  in_transaction_ = false;
  return PostgresCommit(conn_, "changes written to " + label_ + " since the last flush");
}

Status PostgresTableUpserter::FlushWithCommit(const std::string& sink, int64_t checkpoint_id,
                                              const std::string& position) {
  if (closed_) return Status::Invalid("upserter for " + label_ + " is closed");
  const bool had_changes = in_transaction_ || staged_batches_ > 0;
  Status st = ApplyStaged();
  if (st.ok()) st = Begin();
  if (st.ok()) st = RecordPostgresCommit(conn_, sink, checkpoint_id, position);
  if (st.ok()) {
    in_transaction_ = false;
    return PostgresCommit(conn_, "checkpoint " + std::to_string(checkpoint_id) + " of sink '" +
                                     sink + "' and the changes written to " + label_ +
                                     " since the last flush");
  }
  if (!had_changes) {
    DiscardPending();
    return st;
  }
  return Fail(st);
}

Status PostgresTableUpserter::Close() {
  if (closed_) return Status::OK();
  Status st = Flush();
  DiscardPending();
  closed_ = true;
  return st;
}

}  // namespace sluice::warehouse
