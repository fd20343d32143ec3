#include "sql/sql.h"

#include "sql/binder.h"

namespace sluice::sql {

namespace {

// A window without aggregation needs stream::WindowAssign before the select: the stream
// planner runs it; a plain CompiledSelect would read the missing window columns.
Status RefuseWindowTvf(const BoundSelect& bound, const SelectStmt& select, const ErrorContext& ctx) {
  if (!bound.window_tvf) return Status::OK();
  return ctx.NotSupported(select.from.window_pos,
                          "a window table function without aggregation here (add GROUP BY "
                          "window_start, window_end and an aggregate)");
}

}  // namespace

Result<std::unique_ptr<CompiledSelect>> CompileSelect(const SelectStmt& select, const Catalog& catalog,
                                                      std::string_view sql, const std::string& file) {
  const ErrorContext ctx{sql, file};
  SLUICE_ASSIGN_OR_RETURN(BoundSelect bound, BindSelect(select, catalog, ctx));
  SLUICE_RETURN_NOT_OK(RefuseWindowTvf(bound, select, ctx));
  if (bound.aggregate) {
    return ctx.NotSupported(select.pos, "an aggregate query here (it needs a stateful operator)");
  }
  return CompiledSelect::Make(std::move(bound), ctx);
}

Result<CompiledQuery> CompileSelectQuery(const SelectStmt& select, const Catalog& catalog,
                                         std::string_view sql, const std::string& file) {
  const ErrorContext ctx{sql, file};
  SLUICE_ASSIGN_OR_RETURN(BoundSelect bound, BindSelect(select, catalog, ctx));
  SLUICE_RETURN_NOT_OK(RefuseWindowTvf(bound, select, ctx));
  CompiledQuery q;
  if (bound.aggregate) {
    SLUICE_ASSIGN_OR_RETURN(q.aggregate, CompiledAggregate::Make(std::move(bound), ctx));
  } else {
    SLUICE_ASSIGN_OR_RETURN(q.select, CompiledSelect::Make(std::move(bound), ctx));
  }
  return q;
}

Result<CompiledQuery> CompileQuery(const Statement& stmt, const Catalog& catalog,
                                   std::string_view script, const std::string& file) {
  if (!stmt.select) return Status::Invalid("statement has no query");
  return CompileSelectQuery(*stmt.select, catalog, script, file);
}

Result<std::unique_ptr<CompiledSelect>> Compile(const Statement& stmt, const Catalog& catalog,
                                                std::string_view script, const std::string& file) {
  if (!stmt.select) return Status::Invalid("statement has no query");
  return CompileSelect(*stmt.select, catalog, script, file);
}

}  // namespace sluice::sql
