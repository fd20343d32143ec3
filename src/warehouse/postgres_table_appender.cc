#include "warehouse/postgres_table_appender.h"

#include "warehouse/batch_shape.h"
#include "warehouse/postgres_client.h"
#include "warehouse/postgres_commit_log.h"

namespace sluice::warehouse {

Result<std::unique_ptr<TableAppender>> PostgresTableAppender::Make(PGconn* conn, TableName table,
                                                                   Schema schema,
                                                                   std::string copy_sql) {
  return std::unique_ptr<TableAppender>(new PostgresTableAppender(
      conn, std::move(table), std::move(schema), std::move(copy_sql)));
}

PostgresTableAppender::~PostgresTableAppender() {
  // Destroyed without Close: pending rows are dropped, not committed (Close commits).
  DiscardPending();
}

Status PostgresTableAppender::SendCopy() {
  if (copy_.rows() == 0) return Status::OK();
  SLUICE_RETURN_NOT_OK(Begin());
  return copy_.Send(conn_, copy_sql_);
}

Status PostgresTableAppender::Begin() {
  if (in_transaction_) return Status::OK();
  if (PQstatus(conn_) == CONNECTION_BAD) return PostgresError(conn_, nullptr);
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    return Status::Invalid("cannot append to " + table_.ToString() +
                           ": the connection is inside a transaction it did not open; "
                           "commit or roll it back first (Flush commits the appender's own)");
  }
  SLUICE_RETURN_NOT_OK(PostgresExec(conn_, "BEGIN"));
  in_transaction_ = true;
  return Status::OK();
}

void PostgresTableAppender::DiscardPending() {
  copy_.Clear();
  if (in_transaction_) (void)PostgresExec(conn_, "ROLLBACK");
  in_transaction_ = false;
}

Status PostgresTableAppender::Fail(Status error) {
  const bool had_rows = in_transaction_ || copy_.rows() > 0;
  DiscardPending();
  if (!had_rows) return error;
  return error.WithContext("rows written to " + table_.ToString() +
                           " since the last flush were rolled back");
}

Status PostgresTableAppender::Write(const RecordBatch& batch) {
  if (closed_) return Status::Invalid("appender for " + table_.ToString() + " is closed");
  SLUICE_RETURN_NOT_OK(CheckBatchShape(batch, schema_, "appender for " + table_.ToString()));
  if (batch.num_rows() == 0) return Status::OK();
  copy_.Encode(batch);
  if (copy_.bytes() >= kCopyChunkBytes) {
    Status st = SendCopy();
    if (!st.ok()) return Fail(st);
  }
  return Status::OK();
}

Status PostgresTableAppender::Flush() {
  if (closed_) return Status::OK();
  Status st = SendCopy();
  if (!st.ok()) return Fail(st);
  if (!in_transaction_) return Status::OK();
  in_transaction_ = false;
  return PostgresCommit(conn_, "rows written to " + table_.ToString() + " since the last flush");
}

Status PostgresTableAppender::FlushWithCommit(const std::string& sink, int64_t checkpoint_id,
                                              const std::string& position) {
  if (closed_) return Status::Invalid("appender for " + table_.ToString() + " is closed");
  const bool had_rows = in_transaction_ || copy_.rows() > 0;
  Status st = SendCopy();
  if (st.ok()) st = Begin();
  if (st.ok()) st = RecordPostgresCommit(conn_, sink, checkpoint_id, position);
  if (st.ok()) {
    in_transaction_ = false;
    return PostgresCommit(conn_, "checkpoint " + std::to_string(checkpoint_id) + " of sink '" +
                                     sink + "' and the rows written to " + table_.ToString() +
                                     " since the last flush");
  }
  if (!had_rows) {
    DiscardPending();
    return st;
  }
  return Fail(st);
}

Status PostgresTableAppender::Close() {
  if (closed_) return Status::OK();
  Status st = Flush();
  DiscardPending();
  closed_ = true;
  return st;
}

}  // namespace sluice::warehouse
