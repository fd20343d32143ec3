#include "warehouse/duckdb_table_appender.h"

#include "warehouse/batch_shape.h"
#include "warehouse/duckdb_commit_log.h"

namespace sluice::warehouse {

Result<std::unique_ptr<TableAppender>> DuckDBTableAppender::Make(duckdb_connection conn,
                                                                 const TableName& table,
                                                                 const Schema& schema) {
  std::unique_ptr<DuckDBTableAppender> appender(new DuckDBTableAppender(conn, table, schema));
  SLUICE_RETURN_NOT_OK(appender->Open());
  return std::unique_ptr<TableAppender>(std::move(appender));
}

DuckDBTableAppender::DuckDBTableAppender(duckdb_connection conn, TableName table, Schema schema)
    : conn_(conn), table_(std::move(table)), schema_(std::move(schema)), writer_(schema_) {}

DuckDBTableAppender::~DuckDBTableAppender() {
  // Destroyed without Close: pending rows are dropped, not committed (Close commits).
  DiscardPending();
}

Status DuckDBTableAppender::Open() {
  const char* schema_name = table_.schema.empty() ? nullptr : table_.schema.c_str();
  if (duckdb_appender_create(conn_, schema_name, table_.table.c_str(), &appender_) !=
      DuckDBSuccess) {
    Status st = Status::Invalid("cannot append to table " + table_.ToString() + ": " +
                                AppenderError(appender_));
    duckdb_appender_destroy(&appender_);
    appender_ = nullptr;
    return st;
  }
  for (const Field& f : schema_.fields()) {
    if (duckdb_appender_add_column(appender_, f.name.c_str()) != DuckDBSuccess) {
      Status st = Status::Invalid("cannot append to table " + table_.ToString() + ", column '" +
                                  f.name + "': " + AppenderError(appender_));
      duckdb_appender_destroy(&appender_);
      appender_ = nullptr;
      return st;
    }
  }
  return Status::OK();
}

void DuckDBTableAppender::DiscardPending() {
  // duckdb_appender_destroy flushes what it buffers, so destroy it inside the open
  // transaction and roll that back; outside a transaction nothing is buffered.
  if (appender_ != nullptr) duckdb_appender_destroy(&appender_);
  appender_ = nullptr;
  if (in_transaction_) (void)RunSql("ROLLBACK");
  in_transaction_ = false;
}

Status DuckDBTableAppender::RunSql(const char* sql) {
  duckdb_result res;
  Status st;
  if (duckdb_query(conn_, sql, &res) != DuckDBSuccess) {
    st = Status::Invalid(std::string(sql) + " failed: " + duckdb_result_error(&res));
  }
  duckdb_destroy_result(&res);
  return st;
}

Status DuckDBTableAppender::Fail(Status error) {
  // After an error DuckDB's appender accepts nothing more: drop it and start a fresh
  // one at the next Write.
  const bool had_rows = in_transaction_;
  DiscardPending();
  if (!had_rows) return error;
  return error.WithContext("rows written to " + table_.ToString() +
                           " since the last flush were rolled back");
}

Status DuckDBTableAppender::Write(const RecordBatch& batch) {
  if (closed_) return Status::Invalid("appender for " + table_.ToString() + " is closed");
  SLUICE_RETURN_NOT_OK(CheckBatchShape(batch, schema_, "appender for " + table_.ToString()));
  if (batch.num_rows() == 0) return Status::OK();
  if (appender_ == nullptr) SLUICE_RETURN_NOT_OK(Open());
  if (!in_transaction_) {
    SLUICE_RETURN_NOT_OK(RunSql("BEGIN TRANSACTION"));
    in_transaction_ = true;
  }
  Status st = writer_.Append(appender_, batch, table_.ToString());
  if (!st.ok()) return Fail(st);
  return Status::OK();
}

Status DuckDBTableAppender::Flush() {
  if (closed_ || !in_transaction_) return Status::OK();
  if (duckdb_appender_flush(appender_) != DuckDBSuccess) {
    return Fail(Status::Invalid("flushing rows into " + table_.ToString() +
                                " failed: " + AppenderError(appender_)));
  }
  Status st = RunSql("COMMIT");
  in_transaction_ = false;
  return st;
}

Status DuckDBTableAppender::FlushWithCommit(const std::string& sink, int64_t checkpoint_id,
                                            const std::string& position) {
  if (closed_) return Status::Invalid("appender for " + table_.ToString() + " is closed");
  const bool had_rows = in_transaction_;
  if (!in_transaction_) {
    SLUICE_RETURN_NOT_OK(RunSql("BEGIN TRANSACTION"));
    in_transaction_ = true;
  }
  Status st;
  if (appender_ != nullptr && duckdb_appender_flush(appender_) != DuckDBSuccess) {
    st = Status::Invalid("flushing rows into " + table_.ToString() +
                         " failed: " + AppenderError(appender_));
  }
  if (st.ok()) st = RecordCommit(conn_, sink, checkpoint_id, position);
  if (st.ok()) {
    st = RunSql("COMMIT");
    in_transaction_ = false;
    if (st.ok()) return st;
    (void)RunSql("ROLLBACK");  // DuckDB rolls back a failed commit; make sure of it
  }
  if (!had_rows) {
    DiscardPending();
    return st;
  }
  return Fail(st);
}

Status DuckDBTableAppender::Close() {
  if (closed_) return Status::OK();
  Status st = Flush();
  DiscardPending();
  closed_ = true;
  return st;
}

}  // namespace sluice::warehouse
