// Parser: SQL text to AST (ast.h). Recursive descent with PostgreSQL operator
// precedence. Errors are ParseError (or NotImplemented for recognised but
// unsupported features) statuses whose messages are formatted with FormatSqlError.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sql/ast.h"

namespace sluice::sql {

// Parses a script of `;`-separated statements (CREATE MATERIALIZED VIEW .. AS SELECT,
// INSERT INTO sink SELECT). Empty statements are skipped. A statement that fails to
// parse does not stop the others from being checked: the error status lists every
// failing statement, one formatted error after another, separated by newlines.
Result<std::vector<Statement>> ParseScript(std::string_view script, const std::string& file);

// Parses exactly one SELECT (an optional trailing ';' is allowed). For tests, ad-hoc
// queries and tools.
Result<std::shared_ptr<const SelectStmt>> ParseSelect(std::string_view sql, const std::string& file);

// Parses one expression (the whole text). Positions refer to `sql`.
Result<ParsedExprPtr> ParseExpression(std::string_view sql, const std::string& file);

}  // namespace sluice::sql
