// The sql module's front door: parse a streams/*.sql script, compile its queries
// against a catalog, and evaluate them over batches.
//
//   SLUICE_ASSIGN_OR_RETURN(auto stmts, sql::ParseScript(text, "streams/orders.sql"));
//   for (const sql::Statement& s : stmts) {
//     SLUICE_ASSIGN_OR_RETURN(auto q, sql::Compile(s, catalog, text, "streams/orders.sql"));
//     ... q->input_table(), q->output_schema(), q->Evaluate(batch) ...
//   }
//
// Every parse and bind error is a Status whose message is already rendered as
// "file:line:col: error: message" plus the offending line and a caret (sql_error.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sql/ast.h"
#include "sql/catalog.h"
#include "sql/compiled_aggregate.h"
#include "sql/compiled_select.h"
#include "sql/parser.h"
#include "sql/sql_error.h"

namespace sluice::sql {

// A compiled query: exactly one of the two is set. `select` for stateless queries
// (projection and filter), `aggregate` for GROUP BY / aggregate queries, whose
// state the stream module keeps (stream::GroupAggregate).
struct CompiledQuery {
  std::unique_ptr<CompiledSelect> select;
  std::unique_ptr<CompiledAggregate> aggregate;

  const std::string& input_table() const {
    return select ? select->input_table() : aggregate->input_table();
  }
  const SchemaPtr& output_schema() const {
    return select ? select->output_schema() : aggregate->output_schema();
  }
};

// Binds and compiles any query; errors as Compile.
Result<CompiledQuery> CompileQuery(const Statement& stmt, const Catalog& catalog,
                                   std::string_view script, const std::string& file);
Result<CompiledQuery> CompileSelectQuery(const SelectStmt& select, const Catalog& catalog,
                                         std::string_view sql, const std::string& file);

// Binds and compiles the statement's SELECT, which must be stateless (an aggregate
// query is NotImplemented here: use CompileQuery). `script` and `file` must be the text and
// name the statement was parsed from (positions refer to them). Errors: Invalid for
// unknown names and type errors, NotImplemented for unsupported features.
Result<std::unique_ptr<CompiledSelect>> Compile(const Statement& stmt, const Catalog& catalog,
                                                std::string_view script, const std::string& file);

// The same for a SELECT parsed with ParseSelect(sql, file).
Result<std::unique_ptr<CompiledSelect>> CompileSelect(const SelectStmt& select, const Catalog& catalog,
                                                      std::string_view sql, const std::string& file);

}  // namespace sluice::sql
