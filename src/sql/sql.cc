#include "sql/sql.h"

#include "sql/binder.h"

namespace sluice::sql {

Result<std::unique_ptr<CompiledSelect>> CompileSelect(const SelectStmt& select, const Catalog& catalog,
                                                      std::string_view sql, const std::string& file) {
  const ErrorContext ctx{sql, file};
  SLUICE_ASSIGN_OR_RETURN(BoundSelect bound, BindSelect(select, catalog, ctx));
  return CompiledSelect::Make(std::move(bound), ctx);
}

Result<std::unique_ptr<CompiledSelect>> Compile(const Statement& stmt, const Catalog& catalog,
                                                std::string_view script, const std::string& file) {
  if (!stmt.select) return Status::Invalid("statement has no query");
  return CompileSelect(*stmt.select, catalog, script, file);
}

}  // namespace sluice::sql
