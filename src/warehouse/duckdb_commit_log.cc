#include "warehouse/duckdb_commit_log.h"

#include "warehouse/duckdb_result_reader.h"

namespace sluice::warehouse {

namespace {

// Owns a prepared statement and a result.
class Statement {
 public:
  ~Statement() {
    if (executed_) duckdb_destroy_result(&result_);
    duckdb_destroy_prepare(&prepared_);
  }
  Status Prepare(duckdb_connection conn, const char* sql) {
    if (duckdb_prepare(conn, sql, &prepared_) != DuckDBSuccess) {
      const char* e = duckdb_prepare_error(prepared_);
      return Status::Invalid(std::string("preparing a statement on ") + kCommitsTable +
                             " failed: " + (e != nullptr ? e : "unknown DuckDB error"));
    }
    return Status::OK();
  }
  duckdb_prepared_statement get() { return prepared_; }
  Result<QueryResult> Run() {
    executed_ = true;
    if (duckdb_execute_prepared(prepared_, &result_) != DuckDBSuccess) {
      const char* e = duckdb_result_error(&result_);
      return Status::Invalid(std::string("a statement on ") + kCommitsTable +
                             " failed: " + (e != nullptr ? e : "unknown DuckDB error"));
    }
    return ReadDuckDBResult(&result_);
  }

 private:
  duckdb_prepared_statement prepared_ = nullptr;
  duckdb_result result_{};
  bool executed_ = false;
};

constexpr const char* kCreateSql =
    "CREATE TABLE IF NOT EXISTS main._sluice_commits ("
    "sink VARCHAR PRIMARY KEY, checkpoint_id BIGINT NOT NULL, "
    "position VARCHAR NOT NULL, committed_at TIMESTAMP NOT NULL)";

}  // namespace

Status DuckDBExec(duckdb_connection conn, const std::string& sql) {
  duckdb_result res;
  Status st;
  if (duckdb_query(conn, sql.c_str(), &res) != DuckDBSuccess) {
    const char* e = duckdb_result_error(&res);
    st = Status::Invalid(e != nullptr ? e : "unknown DuckDB error");
  }
  duckdb_destroy_result(&res);
  return st;
}

namespace {

class DuckDBCommitStore : public CommitStore {
 public:
  explicit DuckDBCommitStore(duckdb_connection conn) : conn_(conn) {}

  Status EnsureTable() override { return DuckDBExec(conn_, kCreateSql); }

  Result<std::optional<int64_t>> LockAndRead(const std::string& sink) override {
    // DuckDB has no row locks: a concurrent writer of the same row fails at COMMIT
    // ("Conflict on update"), which rolls its data back with it.
    Statement read;
    SLUICE_RETURN_NOT_OK(
        read.Prepare(conn_, "SELECT checkpoint_id FROM main._sluice_commits WHERE sink = ?"));
    duckdb_bind_varchar_length(read.get(), 1, sink.data(), sink.size());
    SLUICE_ASSIGN_OR_RETURN(QueryResult stored, read.Run());
    if (stored.num_rows() == 0) return std::optional<int64_t>();
    return std::optional<int64_t>(stored.batches[0]->column(0).Get<int64_t>(0));
  }

  Status Write(const std::string& sink, int64_t checkpoint_id, const std::string& position,
               int64_t committed_at_micros) override {
    Statement write;
    SLUICE_RETURN_NOT_OK(write.Prepare(
        conn_,
        "INSERT INTO main._sluice_commits VALUES (?, ?, ?, ?) ON CONFLICT (sink) DO UPDATE SET "
        "checkpoint_id = excluded.checkpoint_id, position = excluded.position, "
        "committed_at = excluded.committed_at"));
    duckdb_bind_varchar_length(write.get(), 1, sink.data(), sink.size());
    duckdb_bind_int64(write.get(), 2, checkpoint_id);
    duckdb_bind_varchar_length(write.get(), 3, position.data(), position.size());
    duckdb_bind_timestamp(write.get(), 4, duckdb_timestamp{committed_at_micros});
    SLUICE_ASSIGN_OR_RETURN(QueryResult ignored, write.Run());
    (void)ignored;
    return Status::OK();
  }

 private:
  duckdb_connection conn_;
};

}  // namespace

Status RecordCommit(duckdb_connection conn, const std::string& sink, int64_t checkpoint_id,
                    const std::string& position) {
  DuckDBCommitStore store(conn);
  return RecordCommit(&store, sink, checkpoint_id, position);
}

Result<std::optional<CommitRecord>> ReadCommit(duckdb_connection conn, std::string_view sink) {
  Statement exists;
  SLUICE_RETURN_NOT_OK(exists.Prepare(
      conn,
      "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND "
      "schema_name = 'main' AND table_name = '_sluice_commits'"));
  SLUICE_ASSIGN_OR_RETURN(QueryResult found, exists.Run());
  if (found.num_rows() == 0 || found.batches[0]->column(0).Get<int64_t>(0) == 0) {
    return std::optional<CommitRecord>();
  }
  Statement read;
  SLUICE_RETURN_NOT_OK(read.Prepare(
      conn,
      "SELECT sink, checkpoint_id, position, committed_at FROM main._sluice_commits "
      "WHERE sink = ?"));
  duckdb_bind_varchar_length(read.get(), 1, sink.data(), sink.size());
  SLUICE_ASSIGN_OR_RETURN(QueryResult row, read.Run());
  if (row.num_rows() == 0) return std::optional<CommitRecord>();
  const RecordBatch& b = *row.batches[0];
  CommitRecord rec;
  rec.sink = std::string(b.column(0).GetString(0));
  rec.checkpoint_id = b.column(1).Get<int64_t>(0);
  rec.position = std::string(b.column(2).GetString(0));
  rec.committed_at = b.column(3).Get<int64_t>(0);
  return std::optional<CommitRecord>(std::move(rec));
}

}  // namespace sluice::warehouse
