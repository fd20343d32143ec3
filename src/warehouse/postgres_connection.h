// PostgresConnection: one libpq connection (internal to the PostgreSQL adapter). Not
// thread-safe; see warehouse.h for the contract of each method.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "warehouse/postgres_types.h"
#include "warehouse/table_name.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

class PostgresConnection : public Connection {
 public:
  // Takes ownership of `conn`, an open connection (CONNECTION_OK).
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Status Execute(std::string_view sql) override;
  Result<QueryResult> Query(std::string_view sql) override;
  Result<bool> TableExists(std::string_view table) override;
  Status EnsureTable(std::string_view table, const Schema& schema) override;
  Result<std::unique_ptr<TableAppender>> Append(std::string_view table,
                                                const Schema& schema) override;
  // DELETE + INSERT from a TEMP staging table loaded by binary COPY; see
  // postgres_table_upserter.h. The connection must not be inside a transaction.
  Result<std::unique_ptr<TableUpserter>> Upsert(
      std::string_view table, const Schema& schema,
      const std::vector<std::string>& key_columns) override;
  Result<std::optional<CommitRecord>> LastCommit(std::string_view sink) override;

 private:
  // A table or view as the catalog spells it.
  struct ExistingTable {
    std::string oid;
    TableName name;  // exact catalog names, schema always set
  };
  struct ExistingColumn {
    std::string name;
    std::string type_name;  // format_type(): "numeric(12,2)"
    std::string base_type_name;  // the same for a domain's base type
    PgOid oid = 0;
    int typmod = -1;
  };
  // The table `name` resolves to: case-insensitive (an exact match wins), in the named
  // schema or else through the search_path. nullopt when there is none.
  Result<std::optional<ExistingTable>> FindTable(const TableName& name);
  Result<std::vector<ExistingColumn>> Columns(const ExistingTable& table);
  // Prepares, describes and runs one statement, returning its rows.
  Result<QueryResult> QueryStatement(std::string_view statement);

  PGconn* conn_;
};

}  // namespace sluice::warehouse
