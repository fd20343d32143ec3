// PostgresTableAppender: bulk-loads sluice batches into one PostgreSQL table with
// COPY ... FROM STDIN (FORMAT binary), encoding the binary COPY rows straight from the
// Column buffers (internal to the PostgreSQL adapter).
//
// Rows are encoded into a buffer and shipped as one COPY statement whenever about
// kCopyChunkBytes are pending, and at Flush; the first COPY after a Flush opens a
// transaction (BEGIN) and Flush commits it. So the rows between two Flush calls are one
// transaction, the connection stays usable for other statements between Writes (they
// run inside that transaction), and an error in any COPY rolls back every row written
// since the last Flush.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "core/schema.h"
#include "warehouse/postgres_copy_buffer.h"
#include "warehouse/table_name.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

class PostgresTableAppender : public TableAppender {
 public:
  // Bytes of encoded rows that trigger a COPY before Flush.
  static constexpr size_t kCopyChunkBytes = size_t{4} << 20;

  // An appender on `conn` (borrowed: it must outlive the appender) writing `schema`'s
  // fields with `copy_sql` ("COPY t (a, b) FROM STDIN (FORMAT binary)", whose column
  // list matches the fields and whose column types PostgresColumnAccepts). `table` is
  // the name used in messages.
  static Result<std::unique_ptr<TableAppender>> Make(PGconn* conn, TableName table,
                                                     Schema schema, std::string copy_sql);
  ~PostgresTableAppender() override;

  Status Write(const RecordBatch& batch) override;
  Status Flush() override;
  Status Close() override;
  // Ships the pending rows, then records the commit (postgres_commit_log.h) in the same
  // transaction and commits both.
  Status FlushWithCommit(const std::string& sink, int64_t checkpoint_id,
                         const std::string& position) override;

 private:
  PostgresTableAppender(PGconn* conn, TableName table, Schema schema, std::string copy_sql)
      : conn_(conn),
        table_(std::move(table)),
        schema_(std::move(schema)),
        copy_sql_(std::move(copy_sql)) {}
  // Opens the appender's transaction unless it is open; refuses a connection that is
  // inside a transaction the appender did not open.
  Status Begin();
  // Ships the encoded rows as one COPY inside the transaction (opening it if needed).
  Status SendCopy();
  // Drops buffered rows and rolls back the open transaction.
  void DiscardPending();
  // DiscardPending, and returns `error` noting that pending rows were rolled back.
  Status Fail(Status error);

  PGconn* conn_;
  TableName table_;
  Schema schema_;
  std::string copy_sql_;
  PostgresCopyBuffer copy_;  // rows encoded and not yet sent
  bool in_transaction_ = false;
  bool closed_ = false;
};

}  // namespace sluice::warehouse
