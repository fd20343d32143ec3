#include "warehouse/duckdb_connection.h"

#include <cctype>
#include <cstring>
#include <vector>

#include "warehouse/duckdb_commit_log.h"
#include "warehouse/duckdb_result_reader.h"
#include "warehouse/duckdb_table_appender.h"
#include "warehouse/duckdb_table_upserter.h"
#include "warehouse/duckdb_types.h"

namespace sluice::warehouse {

namespace {

// DuckDB's messages start with their kind ("Parser Error: ..."); keep them verbatim.
Status SqlError(const char* message) {
  std::string msg = message != nullptr ? message : "unknown DuckDB error";
  if (msg.rfind("Parser Error", 0) == 0) return Status::ParseError(std::move(msg));
  return Status::Invalid(std::move(msg));
}

// Owns a prepared statement.
class Prepared {
 public:
  ~Prepared() { duckdb_destroy_prepare(&p_); }
  duckdb_prepared_statement* out() { return &p_; }
  duckdb_prepared_statement get() const { return p_; }
  Status error() const { return SqlError(duckdb_prepare_error(p_)); }

 private:
  duckdb_prepared_statement p_ = nullptr;
};

// Owns a result.
class ResultHolder {
 public:
  ResultHolder() { std::memset(&r_, 0, sizeof(r_)); }
  ~ResultHolder() { duckdb_destroy_result(&r_); }
  duckdb_result* get() { return &r_; }

 private:
  duckdb_result r_;
};

Result<QueryResult> ExecuteAndRead(duckdb_prepared_statement prepared) {
  ResultHolder res;
  if (duckdb_execute_prepared(prepared, res.get()) != DuckDBSuccess) {
    return SqlError(duckdb_result_error(res.get()));
  }
  return ReadDuckDBResult(res.get());
}

// `sql` without trailing blanks and semicolons, to be wrapped as a subquery.
std::string_view TrimStatement(std::string_view sql) {
  while (!sql.empty() &&
         (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) {
    sql.remove_suffix(1);
  }
  return sql;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<std::unique_ptr<Connection>> DuckDBConnection::Make(std::shared_ptr<DuckDBDatabase> db) {
  duckdb_connection conn = nullptr;
  if (duckdb_connect(db->handle(), &conn) != DuckDBSuccess) {
    return Status::IOError("cannot connect to the DuckDB warehouse " + db->path());
  }
  return std::unique_ptr<Connection>(new DuckDBConnection(std::move(db), conn));
}

DuckDBConnection::~DuckDBConnection() { duckdb_disconnect(&conn_); }

Status DuckDBConnection::Execute(std::string_view sql) {
  ResultHolder res;
  if (duckdb_query(conn_, std::string(sql).c_str(), res.get()) != DuckDBSuccess) {
    return SqlError(duckdb_result_error(res.get()));
  }
  return Status::OK();
}

Result<QueryResult> DuckDBConnection::Query(std::string_view sql) {
  const std::string text(sql);
  duckdb_extracted_statements stmts = nullptr;
  const idx_t n = duckdb_extract_statements(conn_, text.c_str(), &stmts);
  struct Guard {
    duckdb_extracted_statements* s;
    ~Guard() { duckdb_destroy_extracted(s); }
  } guard{&stmts};
  if (n == 0) {
    const char* err = duckdb_extract_statements_error(stmts);
    if (err != nullptr) return SqlError(err);
    return Status::Invalid("no SQL statement to run");
  }
  for (idx_t i = 0; i < n; ++i) {
    Prepared prepared;
    if (duckdb_prepare_extracted_statement(conn_, stmts, i, prepared.out()) != DuckDBSuccess) {
      return prepared.error();
    }
    if (i + 1 == n) return QueryPrepared(prepared.get(), text, n == 1);
    ResultHolder res;
    if (duckdb_execute_prepared(prepared.get(), res.get()) != DuckDBSuccess) {
      return SqlError(duckdb_result_error(res.get()));
    }
  }
  return Status::Internal("unreachable");
}

Result<QueryResult> DuckDBConnection::QueryPrepared(duckdb_prepared_statement prepared,
                                                    std::string_view sql, bool single_statement) {
  const idx_t ncols = duckdb_prepared_statement_column_count(prepared);
  std::vector<std::string> names;
  std::vector<bool> cast;
  bool any_cast = false;
  std::string first_cast;
  for (idx_t c = 0; c < ncols; ++c) {
    const char* name = duckdb_prepared_statement_column_name(prepared, c);
    names.emplace_back(name != nullptr ? name : "");
    duckdb_free(const_cast<char*>(name));
    duckdb_logical_type t = duckdb_prepared_statement_column_logical_type(prepared, c);
    const ColumnMapping m = MapDuckDBType(t);
    duckdb_destroy_logical_type(&t);
    cast.push_back(m.reader == ColumnReader::kUnsupported && m.source != DUCKDB_TYPE_INVALID);
    if (cast.back() && !any_cast)
      first_cast = "column '" + names.back() + "' has DuckDB type " + m.duckdb_name;
    any_cast = any_cast || cast.back();
  }
  if (!any_cast) return ExecuteAndRead(prepared);
  if (!single_statement ||
      duckdb_prepared_statement_type(prepared) != DUCKDB_STATEMENT_TYPE_SELECT) {
    return Status::NotImplemented(first_cast +
                                  ", which sluice shows as text only for a query that is a "
                                  "single SELECT; run it on its own or CAST it to VARCHAR");
  }
  // Types sluice has no column for (LIST, STRUCT, MAP, UUID, BLOB, TIME, ENUM, ...) are
  // read as DuckDB's own text rendering. Positional references keep duplicate names.
  std::string wrapped = "SELECT ";
  for (idx_t c = 0; c < ncols; ++c) {
    if (c > 0) wrapped += ", ";
    const std::string ref = "#" + std::to_string(c + 1);
    wrapped +=
        (cast[c] ? "CAST(" + ref + " AS VARCHAR)" : ref) + " AS " + QuoteIdentifier(names[c]);
  }
  wrapped += " FROM (\n" + std::string(TrimStatement(sql)) + "\n) AS sluice_query";
  Prepared again;
  if (duckdb_prepare(conn_, wrapped.c_str(), again.out()) != DuckDBSuccess) return again.error();
  return ExecuteAndRead(again.get());
}

Result<std::vector<std::pair<std::string, std::string>>> DuckDBConnection::Columns(
    const TableName& name) {
  Prepared prepared;
  const char* sql =
      "SELECT column_name, data_type FROM information_schema.columns "
      "WHERE table_catalog = current_database() "
      "AND lower(table_schema) = lower(coalesce(?, current_schema())) "
      "AND lower(table_name) = lower(?) ORDER BY ordinal_position";
  if (duckdb_prepare(conn_, sql, prepared.out()) != DuckDBSuccess) return prepared.error();
  if (name.schema.empty()) {
    duckdb_bind_null(prepared.get(), 1);
  } else {
    duckdb_bind_varchar(prepared.get(), 1, name.schema.c_str());
  }
  duckdb_bind_varchar(prepared.get(), 2, name.table.c_str());
  SLUICE_ASSIGN_OR_RETURN(QueryResult r, ExecuteAndRead(prepared.get()));
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& b : r.batches) {
    for (int64_t i = 0; i < b->num_rows(); ++i) {
      out.emplace_back(std::string(b->column(0).GetString(i)),
                       std::string(b->column(1).GetString(i)));
    }
  }
  return out;
}

Result<bool> DuckDBConnection::TableExists(std::string_view table) {
  SLUICE_ASSIGN_OR_RETURN(TableName name, ParseTableName(table));
  SLUICE_ASSIGN_OR_RETURN(auto columns, Columns(name));
  return !columns.empty();
}

Status DuckDBConnection::EnsureTable(std::string_view table, const Schema& schema) {
  SLUICE_ASSIGN_OR_RETURN(TableName name, ParseTableName(table));
  if (schema.num_fields() == 0) {
    return Status::Invalid("cannot create table " + name.ToString() + " without columns");
  }
  for (int i = 0; i < schema.num_fields(); ++i) {
    if (schema.FieldIndex(schema.field(i).name) != i) {
      return Status::Invalid("table " + name.ToString() + ": column '" + schema.field(i).name +
                             "' appears twice (names are case-insensitive); alias one of them");
    }
  }
  SLUICE_ASSIGN_OR_RETURN(auto existing, Columns(name));
  if (existing.empty()) {
    std::string sql;
    if (!name.schema.empty())
      sql += "CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(name.schema) + ";\n";
    sql += "CREATE TABLE IF NOT EXISTS " + name.ToSql() + " (";
    for (int i = 0; i < schema.num_fields(); ++i) {
      if (i > 0) sql += ", ";
      sql += QuoteIdentifier(schema.field(i).name) + " " + DuckDBTypeName(schema.field(i).type);
    }
    sql += ")";
    return Execute(sql).WithContext("creating table " + name.ToString());
  }
  std::vector<const Field*> missing;
  for (const Field& f : schema.fields()) {
    const std::pair<std::string, std::string>* found = nullptr;
    for (const auto& col : existing) {
      if (EqualsIgnoreCase(col.first, f.name)) found = &col;
    }
    if (found == nullptr) {
      missing.push_back(&f);
      continue;
    }
    const std::string want = DuckDBTypeName(f.type);
    if (Upper(found->second) != want) {
      return Status::Invalid("column '" + f.name + "' of table " + name.ToString() + " has type " +
                             found->second + " in the warehouse, but the data has type " +
                             f.type.ToString() + " (" + want +
                             " in DuckDB); cast it in the "
                             "query to match, or rename or drop the table to let sluice "
                             "recreate it");
    }
  }
  for (const Field* f : missing) {
    SLUICE_RETURN_NOT_OK(Execute("ALTER TABLE " + name.ToSql() + " ADD COLUMN " +
                                 QuoteIdentifier(f->name) + " " + DuckDBTypeName(f->type))
                             .WithContext("adding column '" + f->name + "' to " + name.ToString()));
  }
  return Status::OK();
}

Result<std::unique_ptr<TableAppender>> DuckDBConnection::Append(std::string_view table,
                                                                const Schema& schema) {
  SLUICE_ASSIGN_OR_RETURN(TableName name, ParseTableName(table));
  return DuckDBTableAppender::Make(conn_, name, schema);
}

Result<std::unique_ptr<TableUpserter>> DuckDBConnection::Upsert(
    std::string_view table, const Schema& schema, const std::vector<std::string>& key_columns) {
  SLUICE_ASSIGN_OR_RETURN(TableName name, ParseTableName(table));
  SLUICE_ASSIGN_OR_RETURN(auto existing, Columns(name));
  if (existing.empty()) {
    return Status::Invalid("cannot upsert into table " + name.ToString() +
                           ": it does not exist; create it first (EnsureTable)");
  }
  for (const Field& f : schema.fields()) {
    const std::pair<std::string, std::string>* found = nullptr;
    for (const auto& col : existing) {
      if (EqualsIgnoreCase(col.first, f.name)) found = &col;
    }
    if (found == nullptr) {
      return Status::Invalid("cannot upsert into table " + name.ToString() + ": it has no column '" +
                             f.name + "'; EnsureTable adds missing columns");
    }
    if (Upper(found->second) != DuckDBTypeName(f.type)) {
      return Status::Invalid("cannot upsert into table " + name.ToString() + ": column '" +
                             f.name + "' has type " + found->second +
                             " in the warehouse, but the data has type " + f.type.ToString());
    }
  }
  return DuckDBTableUpserter::Make(conn_, name, schema, key_columns);
}

Result<std::optional<CommitRecord>> DuckDBConnection::LastCommit(std::string_view sink) {
  return ReadCommit(conn_, sink);
}

}  // namespace sluice::warehouse
