#include "warehouse/postgres_connection.h"

#include <cctype>
#include <cstdlib>

#include "warehouse/postgres_client.h"
#include "warehouse/postgres_commit_log.h"
#include "warehouse/postgres_result_reader.h"
#include "warehouse/postgres_table_appender.h"
#include "warehouse/postgres_table_upserter.h"

namespace sluice::warehouse {

namespace {

// sluice names are identifiers written without quotes, so in PostgreSQL they behave
// like unquoted identifiers: new tables, schemas and columns get lower-case names.
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> OptionalText(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// The column named `name`: an exact match, else a case-insensitive one; null if none.
template <typename Column>
const Column* FindColumn(const std::vector<Column>& columns, std::string_view name) {
  const Column* loose = nullptr;
  for (const Column& col : columns) {
    if (col.name == name) return &col;
    if (loose == nullptr && EqualsIgnoreCase(col.name, name)) loose = &col;
  }
  return loose;
}

Status CheckDistinctFields(const TableName& name, const Schema& schema) {
  for (int i = 0; i < schema.num_fields(); ++i) {
    if (schema.FieldIndex(schema.field(i).name) != i) {
      return Status::Invalid("table " + name.ToString() + ": column '" + schema.field(i).name +
                             "' appears twice (names are case-insensitive); alias one of them");
    }
  }
  return Status::OK();
}

}  // namespace

Status PostgresConnection::Execute(std::string_view sql) {
  return PostgresExec(conn_, std::string(sql));
}

Result<QueryResult> PostgresConnection::Query(std::string_view sql) {
  const std::vector<std::string_view> statements = SplitStatements(sql);
  if (statements.empty()) return Status::Invalid("no SQL statement to run");
  if (statements.size() > 1) {
    // Everything before the last statement runs as one simple-protocol message (and so
    // in one implicit transaction, unless it opens its own).
    const size_t last = static_cast<size_t>(statements.back().data() - sql.data());
    SLUICE_RETURN_NOT_OK(PostgresExec(conn_, std::string(sql.substr(0, last))));
  }
  return QueryStatement(statements.back());
}

Result<QueryResult> PostgresConnection::QueryStatement(std::string_view statement) {
  std::string text(statement);
  PGresultPtr desc;
  auto prepare = [&]() -> Status {
    PGresultPtr prep(PQprepare(conn_, "", text.c_str(), 0, nullptr));
    if (prep == nullptr || PQresultStatus(prep.get()) != PGRES_COMMAND_OK) {
      return PostgresError(conn_, prep.get());
    }
    desc.reset(PQdescribePrepared(conn_, ""));
    if (desc == nullptr || PQresultStatus(desc.get()) != PGRES_COMMAND_OK) {
      return PostgresError(conn_, desc.get());
    }
    return Status::OK();
  };
  SLUICE_RETURN_NOT_OK(prepare());
  const int ncols = PQnfields(desc.get());
  std::vector<std::string> names;
  std::vector<PgColumnMapping> mappings;
  int first_cast = -1;
  for (int c = 0; c < ncols; ++c) {
    names.emplace_back(PQfname(desc.get(), c));
    mappings.push_back(MapPostgresType(PQftype(desc.get(), c), PQfmod(desc.get(), c)));
    if (mappings.back().reader == PgReader::kCastToText && first_cast < 0) first_cast = c;
  }
  if (first_cast >= 0) {
    // Types sluice has no column for (json, uuid, arrays, bytea, time, ...) are read as
    // PostgreSQL's own text output. The alias list renames the columns by position, so
    // duplicate names survive.
    const PgOid cast_oid = PQftype(desc.get(), first_cast);
    const int cast_mod = PQfmod(desc.get(), first_cast);
    std::string select = "SELECT ", aliases;
    for (int c = 0; c < ncols; ++c) {
      const std::string ref = "c" + std::to_string(c + 1);
      select += (c > 0 ? ", " : "");
      select += mappings[static_cast<size_t>(c)].reader == PgReader::kCastToText
                    ? "CAST(" + ref + " AS text)"
                    : ref;
      select += " AS " + QuoteIdentifier(names[static_cast<size_t>(c)]);
      aliases += (c > 0 ? ", " : "") + ref;
    }
    text = select + " FROM (\n" + text + "\n) AS sluice_query(" + aliases + ")";
    Status st = prepare();
    if (!st.ok()) {
      std::string type_name = "oid " + std::to_string(cast_oid);
      auto r = PostgresQueryText(conn_, "SELECT pg_catalog.format_type($1::oid, $2::int)",
                                 {std::to_string(cast_oid), std::to_string(cast_mod)});
      if (r.ok() && !r->empty() && (*r)[0][0]) type_name = *(*r)[0][0];
      return Status::NotImplemented(
          "column '" + names[static_cast<size_t>(first_cast)] + "' has PostgreSQL type " +
          type_name +
          ", which sluice reads as text only for a query it can wrap as a subquery (a "
          "SELECT); cast it to text in the query (" +
          names[static_cast<size_t>(first_cast)] + "::text)");
    }
    for (int c = 0; c < ncols; ++c) {
      mappings[static_cast<size_t>(c)] =
          MapPostgresType(PQftype(desc.get(), c), PQfmod(desc.get(), c));
    }
  }
  std::vector<Field> fields;
  std::vector<PgReader> readers;
  for (int c = 0; c < ncols; ++c) {
    fields.push_back({names[static_cast<size_t>(c)], mappings[static_cast<size_t>(c)].type});
    readers.push_back(mappings[static_cast<size_t>(c)].reader);
  }
  if (PQsendQueryPrepared(conn_, "", 0, nullptr, nullptr, nullptr, 1) == 0) {
    return PostgresError(conn_, nullptr);
  }
  return ReadPostgresRows(conn_, MakeSchema(std::move(fields)), readers);
}

Result<std::optional<PostgresConnection::ExistingTable>> PostgresConnection::FindTable(
    const TableName& name) {
  static const char* kSql =
      "SELECT c.oid::text, n.nspname, c.relname FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND lower(c.relname) = lower($2::text) "
      "AND CASE WHEN $1::text IS NULL THEN pg_catalog.pg_table_is_visible(c.oid) "
      "ELSE lower(n.nspname) = lower($1::text) END "
      "ORDER BY c.relname = $2::text DESC, n.nspname = $1::text DESC NULLS LAST LIMIT 1";
  SLUICE_ASSIGN_OR_RETURN(auto rows,
                          PostgresQueryText(conn_, kSql, {OptionalText(name.schema), name.table}));
  if (rows.empty()) return std::optional<ExistingTable>();
  ExistingTable t;
  t.oid = *rows[0][0];
  t.name.schema = *rows[0][1];
  t.name.table = *rows[0][2];
  return std::optional<ExistingTable>(std::move(t));
}

Result<std::vector<PostgresConnection::ExistingColumn>> PostgresConnection::Columns(
    const ExistingTable& table) {
  // A domain column stores its base type (and binary COPY goes through it).
  static const char* kSql =
      "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
      "(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END)::text, "
      "(CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END)::text, "
      "pg_catalog.format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END, "
      "CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END) "
      "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
      "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
  SLUICE_ASSIGN_OR_RETURN(auto rows, PostgresQueryText(conn_, kSql, {table.oid}));
  std::vector<ExistingColumn> out;
  for (const TextRow& row : rows) {
    ExistingColumn col;
    col.name = *row[0];
    col.type_name = *row[1];
    col.oid = static_cast<PgOid>(std::strtoul(row[2]->c_str(), nullptr, 10));
    col.typmod = std::atoi(row[3]->c_str());
    col.base_type_name = *row[4];
    out.push_back(std::move(col));
  }
  return out;
}

Result<bool> PostgresConnection::TableExists(std::string_view table) {
  SLUICE_ASSIGN_OR_RETURN(TableName name, ParseTableName(table));
  SLUICE_ASSIGN_OR_RETURN(auto found, FindTable(name));
  return found.has_value();
}

Status PostgresConnection::EnsureTable(std::string_view table, const Schema& schema) {
  SLUICE_ASSIGN_OR_RETURN(TableName name, ParseTableName(table));
  if (schema.num_fields() == 0) {
    return Status::Invalid("cannot create table " + name.ToString() + " without columns");
  }
  SLUICE_RETURN_NOT_OK(CheckDistinctFields(name, schema));
  SLUICE_ASSIGN_OR_RETURN(auto found, FindTable(name));
  if (!found) {
    TableName create{Lower(name.schema), Lower(name.table)};
    std::string sql;
    if (!create.schema.empty())
      sql += "CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(create.schema) + ";\n";
    sql += "CREATE TABLE IF NOT EXISTS " + create.ToSql() + " (";
    for (int i = 0; i < schema.num_fields(); ++i) {
      if (i > 0) sql += ", ";
      sql += QuoteIdentifier(Lower(schema.field(i).name)) + " " +
             PostgresTypeName(schema.field(i).type);
    }
    sql += ")";
    Status st = PostgresExec(conn_, sql);
    if (st.ok()) return st;
    // Another connection may have created it at the same moment (IF NOT EXISTS does not
    // cover that race); if so, check it like any existing table.
    SLUICE_ASSIGN_OR_RETURN(found, FindTable(name));
    if (!found) return st.WithContext("creating table " + name.ToString());
  }
  SLUICE_ASSIGN_OR_RETURN(auto existing, Columns(*found));
  std::vector<const Field*> missing;
  for (const Field& f : schema.fields()) {
    const ExistingColumn* col = FindColumn(existing, f.name);
    if (col == nullptr) {
      missing.push_back(&f);
      continue;
    }
    if (!PostgresColumnAccepts(f.type, col->oid, col->typmod)) {
      return Status::Invalid("column '" + f.name + "' of table " + name.ToString() +
                             " has type " + col->type_name +
                             " in the warehouse, but the data has type " + f.type.ToString() +
                             " (" + PostgresTypeName(f.type) +
                             " in PostgreSQL); cast it in the query to match, or rename or drop "
                             "the table to let sluice recreate it");
    }
  }
  for (const Field* f : missing) {
    SLUICE_RETURN_NOT_OK(
        PostgresExec(conn_, "ALTER TABLE " + found->name.ToSql() + " ADD COLUMN IF NOT EXISTS " +
                                QuoteIdentifier(Lower(f->name)) + " " + PostgresTypeName(f->type))
            .WithContext("adding column '" + f->name + "' to " + name.ToString()));
  }
  return Status::OK();
}

Result<std::unique_ptr<TableAppender>> PostgresConnection::Append(std::string_view table,
                                                                  const Schema& schema) {
  SLUICE_ASSIGN_OR_RETURN(TableName name, ParseTableName(table));
  SLUICE_RETURN_NOT_OK(CheckDistinctFields(name, schema));
  SLUICE_ASSIGN_OR_RETURN(auto found, FindTable(name));
  if (!found) {
    return Status::Invalid("cannot append to table " + name.ToString() +
                           ": it does not exist (create it first, as EnsureTable does)");
  }
  SLUICE_ASSIGN_OR_RETURN(auto existing, Columns(*found));
  std::string copy = "COPY " + found->name.ToSql() + " (";
  for (int i = 0; i < schema.num_fields(); ++i) {
    const Field& f = schema.field(i);
    const ExistingColumn* col = FindColumn(existing, f.name);
    if (col == nullptr) {
      return Status::Invalid("cannot append to table " + name.ToString() + ", column '" +
                             f.name + "': the table has no such column");
    }
    if (!PostgresColumnAccepts(f.type, col->oid, col->typmod)) {
      return Status::Invalid("cannot append to table " + name.ToString() + ", column '" +
                             f.name + "': it has type " + col->type_name +
                             " in the warehouse, but the data has type " + f.type.ToString() +
                             " (" + PostgresTypeName(f.type) + " in PostgreSQL)");
    }
    copy += (i > 0 ? ", " : "") + QuoteIdentifier(col->name);
  }
  copy += ") FROM STDIN (FORMAT binary)";
  return PostgresTableAppender::Make(conn_, name, schema, std::move(copy));
}

Result<std::unique_ptr<TableUpserter>> PostgresConnection::Upsert(
    std::string_view table, const Schema& schema, const std::vector<std::string>& key_columns) {
  SLUICE_ASSIGN_OR_RETURN(TableName name, ParseTableName(table));
  SLUICE_RETURN_NOT_OK(CheckDistinctFields(name, schema));
  SLUICE_ASSIGN_OR_RETURN(auto found, FindTable(name));
  if (!found) {
    return Status::Invalid("cannot upsert into table " + name.ToString() +
                           ": it does not exist; create it first (EnsureTable)");
  }
  SLUICE_ASSIGN_OR_RETURN(auto existing, Columns(*found));
  std::vector<PostgresTableUpserter::TargetColumn> columns;
  for (const Field& f : schema.fields()) {
    const ExistingColumn* col = FindColumn(existing, f.name);
    if (col == nullptr) {
      return Status::Invalid("cannot upsert into table " + name.ToString() +
                             ": it has no column '" + f.name +
                             "'; EnsureTable adds missing columns");
    }
    if (!PostgresColumnAccepts(f.type, col->oid, col->typmod)) {
      return Status::Invalid("cannot upsert into table " + name.ToString() + ": column '" +
                             f.name + "' has type " + col->type_name +
                             " in the warehouse, but the data has type " + f.type.ToString() +
                             " (" + PostgresTypeName(f.type) + " in PostgreSQL)");
    }
    columns.push_back({col->name, col->base_type_name});
  }
  return PostgresTableUpserter::Make(conn_, found->name, name.ToString(), schema, columns,
                                     key_columns);
}

Result<std::optional<CommitRecord>> PostgresConnection::LastCommit(std::string_view sink) {
  if (sink.find('\0') != std::string_view::npos) {
    return Status::Invalid("a sink name holds a NUL byte; use printable text");
  }
  return ReadPostgresCommit(conn_, sink);
}

}  // namespace sluice::warehouse
