// The warehouse: where sluice lands tables and runs SQL over them. An interface with
// one adapter per database (DuckDB today, embedded; PostgreSQL later), so nothing above
// this module names a particular database.
//
// Thread safety: a Warehouse is safe for concurrent use from many threads; each thread
// takes its own Connection, which is not thread-safe. A TableAppender belongs to the
// Connection that made it and must be closed (or destroyed) before that Connection.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/record_batch.h"
#include "core/schema.h"
#include "core/status.h"

namespace sluice::warehouse {

// The rows of one query, in order, as batches of about 2K rows.
struct QueryResult {
  SchemaPtr schema;
  std::vector<RecordBatchPtr> batches;

  int64_t num_rows() const {
    int64_t n = 0;
    for (const auto& b : batches) n += b->num_rows();
    return n;
  }
};

// A bulk loader into one table. Rows written between two Flush calls form one
// transaction: nothing is visible to other connections until Flush returns OK, and a
// failed Write or Flush rolls the pending rows back (the error says so).
class TableAppender {
 public:
  virtual ~TableAppender() = default;
  // Appends `batch`, whose schema must equal the one given to Connection::Append
  // (same field count and types; names are matched when the appender is made).
  virtual Status Write(const RecordBatch& batch) = 0;
  // Commits everything written since the last Flush; a no-op when nothing is pending.
  virtual Status Flush() = 0;
  // Flushes and releases the appender. Idempotent; Write after Close fails.
  virtual Status Close() = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  // Runs one or more statements, discarding any rows. Errors carry the database's own
  // message (kParseError for syntax errors, kInvalid for other SQL errors).
  virtual Status Execute(std::string_view sql) = 0;
  // Runs `sql` (one or more statements; the rows of the last one are returned), with
  // every column mapped to a sluice type as docs/warehouse.md describes.
  virtual Result<QueryResult> Query(std::string_view sql) = 0;
  // Whether a table or view named `table` ("name" or "schema.name") exists.
  virtual Result<bool> TableExists(std::string_view table) = 0;
  // Creates `table` with columns mapped from `schema` if it is missing (the schema
  // part of a qualified name is created too). If it exists, every field must have a
  // column of the same name (case-insensitive) and the same type, otherwise the error
  // names the column and both types; fields the table lacks are added as nullable
  // columns. Columns the table has beyond the schema are left alone (they receive
  // NULL when appending). Warehouse columns are always nullable.
  virtual Status EnsureTable(std::string_view table, const Schema& schema) = 0;
  // A bulk loader writing `schema`'s fields, matched by name, into `table` (which must
  // exist; see EnsureTable). Never issues SQL per row.
  virtual Result<std::unique_ptr<TableAppender>> Append(std::string_view table,
                                                        const Schema& schema) = 0;
};

class Warehouse {
 public:
  virtual ~Warehouse() = default;
  // A new connection for the calling thread. Connections may outlive the Warehouse
  // object that made them (the database stays open until the last one closes).
  virtual Result<std::unique_ptr<Connection>> Connect() = 0;
  // Where the data lives, for people: "duckdb:/abs/path/warehouse.duckdb".
  virtual std::string Describe() const = 0;
};

}  // namespace sluice::warehouse
