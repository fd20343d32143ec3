// ExpressionCompiler: turns a bound expression tree into a kernel tree, choosing each
// kernel's template instance from the argument types once, and folding subtrees
// whose inputs are all constants into constants.
#pragma once

#include "sql/bound_expr.h"
#include "sql/kernel.h"
#include "sql/sql_error.h"

namespace sluice::sql {

class ExpressionCompiler {
 public:
  // `ctx` names the script for runtime error messages ("file:line:col").
  explicit ExpressionCompiler(const ErrorContext& ctx) : ctx_(ctx) {}

  // Fails only on a bound tree the binder should not have produced (Internal), or a
  // regular expression RE2 rejects.
  Result<KernelPtr> Compile(const BoundExpr& e);

 private:
  Result<KernelPtr> Build(const BoundExpr& e, std::vector<KernelPtr> args);
  const ErrorContext& ctx_;
};

}  // namespace sluice::sql
