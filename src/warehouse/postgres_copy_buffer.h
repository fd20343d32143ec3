// PostgresCopyBuffer: sluice batches encoded in PostgreSQL's binary COPY format straight
// from the Column buffers, and shipped as one COPY ... FROM STDIN (FORMAT binary)
// statement (internal to the PostgreSQL adapter; used by the table appender and the
// upserter's staging table). Transactions are the caller's business. Not thread-safe.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/buffer.h"
#include "core/record_batch.h"
#include "core/status.h"

namespace sluice::warehouse {

class PostgresCopyBuffer {
 public:
  // Appends the rows of `batch` (its column types must be those the COPY's target
  // columns accept, see PostgresColumnAccepts): one pass to size every row, then one
  // plain loop per column writing the values at each row's cursor.
  void Encode(const RecordBatch& batch);

  // Bytes and rows encoded and not yet sent.
  size_t bytes() const { return buffer_.size(); }
  int64_t rows() const { return rows_; }

  // Runs `copy_sql` ("COPY t (a, b) FROM STDIN (FORMAT binary)") on `conn` and sends
  // the encoded rows through it; a no-op without rows. The buffer is empty afterwards,
  // whatever the outcome; on error the status carries the server's message (IOError
  // when the connection is gone) and the caller's transaction is aborted.
  Status Send(PGconn* conn, const std::string& copy_sql);

  // Drops the encoded rows.
  void Clear();

 private:
  Buffer buffer_;  // COPY header + encoded rows not yet sent
  int64_t rows_ = 0;
  std::vector<int64_t> cursor_;  // per row of the batch being encoded: next byte to write
};

}  // namespace sluice::warehouse
