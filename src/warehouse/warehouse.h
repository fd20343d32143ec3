// The warehouse: where sluice lands tables and runs SQL over them. An interface with
// one adapter per database (DuckDB, embedded, and PostgreSQL, a server), so nothing above
// this module names a particular database.
//
// Thread safety: a Warehouse is safe for concurrent use from many threads; each thread
// takes its own Connection, which is not thread-safe. A TableAppender (or TableUpserter)
// belongs to the Connection that made it and must be closed (or destroyed) before that
// Connection.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/record_batch.h"
#include "core/schema.h"
#include "core/status.h"
#include "warehouse/changelog.h"

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

  // Exactly-once loading: commits everything written since the last Flush AND records
  // (`sink`, `checkpoint_id`, `position`) as that sink's row in the warehouse table
  // `_sluice_commits`, in ONE transaction, so data and position become durable together
  // or not at all (see docs/warehouse.md, "Exactly-once loading"). `position` is opaque
  // to the warehouse (the caller serializes its source positions). Also valid with
  // nothing pending (records the position alone).
  //
  // Replays are refused: when `_sluice_commits` already holds a checkpoint id >=
  // `checkpoint_id` for `sink`, returns AlreadyExists, rolls back the rows written
  // since the last Flush (they belong to a checkpoint that is already in the table)
  // and leaves the commit row alone. Any other error rolls back data and commit row.
  virtual Status FlushWithCommit(const std::string& sink, int64_t checkpoint_id,
                                 const std::string& position) {
    (void)sink;
    (void)checkpoint_id;
    (void)position;
    return Status::NotImplemented("FlushWithCommit is not supported by this warehouse yet");
  }
};

// Applies changelogs to one table as upserts on a key (Connection::Upsert). The
// transaction contract is TableAppender's: changes written between two Flush calls
// commit together at Flush, an error rolls them back and says so, and an upserter
// destroyed without Close drops them. Write(batch) upserts every row (all +I).
class TableUpserter : public TableAppender {
 public:
  // Applies `changes` (semantics: see ChangeBatch in warehouse/changelog.h): compacted
  // per key with every change written since the last Flush, visible at the next Flush.
  // `changes.rows` must have the schema given to Upsert. A batch with a NULL key, a bad
  // op code or the wrong op count is refused as a whole (Invalid) and changes written
  // before it stay pending.
  virtual Status WriteChanges(const ChangeBatch& changes) = 0;
};

// The last exactly-once commit of a sink (a row of `_sluice_commits`).
struct CommitRecord {
  std::string sink;
  int64_t checkpoint_id = 0;
  std::string position;       // as given to FlushWithCommit
  int64_t committed_at = 0;   // microseconds since the epoch, UTC
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

  // An upserter applying changelogs to `table` (which must exist with every field of
  // `schema`; see EnsureTable) on the key `key_columns` (field names of `schema`, one
  // or more; not DOUBLE or INTERVAL). The table needs no primary key or unique
  // constraint. Fails with Invalid naming the column when a key column is unknown,
  // repeated or of a refused type, or when a field is named `_sluice_*` (reserved).
  virtual Result<std::unique_ptr<TableUpserter>> Upsert(std::string_view table,
                                                        const Schema& schema,
                                                        const std::vector<std::string>& key_columns) {
    (void)table;
    (void)schema;
    (void)key_columns;
    return Status::NotImplemented("upserts are not supported by this warehouse yet");
  }

  // The row of `_sluice_commits` for `sink`, or nullopt when the sink never committed
  // (or the table does not exist yet). Sees only committed data.
  virtual Result<std::optional<CommitRecord>> LastCommit(std::string_view sink) {
    (void)sink;
    return Status::NotImplemented("exactly-once commits are not supported by this warehouse yet");
  }
};

class Warehouse {
 public:
  virtual ~Warehouse() = default;
  // A new connection for the calling thread. Connections may outlive the Warehouse
  // object that made them (the database stays open until the last one closes).
  virtual Result<std::unique_ptr<Connection>> Connect() = 0;
  // Where the data lives, for people: "duckdb:/abs/path/warehouse.duckdb".
  virtual std::string Describe() const = 0;
  // The database behind it: "duckdb" or "postgres".
  virtual std::string_view Kind() const = 0;
};

}  // namespace sluice::warehouse
