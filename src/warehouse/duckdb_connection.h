// DuckDBConnection: one DuckDB connection (internal to the DuckDB adapter). Not
// thread-safe; see warehouse.h for the contract of each method.
#pragma once

#include <duckdb.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "warehouse/table_name.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

// An open DuckDB database, shared by every Warehouse and Connection that uses it;
// closed when the last of them goes away.
class DuckDBDatabase {
 public:
  DuckDBDatabase(duckdb_database db, std::string path) : db_(db), path_(std::move(path)) {}
  ~DuckDBDatabase() { duckdb_close(&db_); }
  DuckDBDatabase(const DuckDBDatabase&) = delete;
  DuckDBDatabase& operator=(const DuckDBDatabase&) = delete;

  duckdb_database handle() const { return db_; }
  const std::string& path() const { return path_; }  // absolute, or ":memory:"

 private:
  duckdb_database db_;
  std::string path_;
};

class DuckDBConnection : public Connection {
 public:
  static Result<std::unique_ptr<Connection>> Make(std::shared_ptr<DuckDBDatabase> db);
  ~DuckDBConnection() override;

  Status Execute(std::string_view sql) override;
  Result<QueryResult> Query(std::string_view sql) override;
  Result<bool> TableExists(std::string_view table) override;
  Status EnsureTable(std::string_view table, const Schema& schema) override;
  Result<std::unique_ptr<TableAppender>> Append(std::string_view table,
                                                const Schema& schema) override;
  Result<std::unique_ptr<TableUpserter>> Upsert(
      std::string_view table, const Schema& schema,
      const std::vector<std::string>& key_columns) override;
  Result<std::optional<CommitRecord>> LastCommit(std::string_view sink) override;

 private:
  DuckDBConnection(std::shared_ptr<DuckDBDatabase> db, duckdb_connection conn)
      : db_(std::move(db)), conn_(conn) {}
  // The existing columns of `name` as (name, DuckDB type) pairs; empty if no table.
  Result<std::vector<std::pair<std::string, std::string>>> Columns(const TableName& name);
  // Runs the prepared statement `index` of a multi-statement text.
  Result<QueryResult> QueryPrepared(duckdb_prepared_statement prepared, std::string_view sql,
                                    bool single_statement);

  std::shared_ptr<DuckDBDatabase> db_;  // keeps the database open while connected
  duckdb_connection conn_;
};

}  // namespace sluice::warehouse
