// ExpressionCompiler: turns a bound expression tree into a kernel tree, choosing each
// kernel's template instance from the argument types once, and folding subtrees
// whose inputs are all constants into constants.
#pragma once

#include "sql/bound_expr.h"
#include "sql/kernel.h"
#include "sql/sql_error.h"
#include "sql/subexpression_cache.h"

namespace sluice::sql {

class ExpressionCompiler {
 public:
  // `ctx` names the script for runtime error messages ("file:line:col").
  explicit ExpressionCompiler(const ErrorContext& ctx) : ctx_(ctx) {}

  // Fails only on a bound tree the binder should not have produced (Internal), or a
  // regular expression RE2 rejects.
  // With common subexpressions enabled, a subtree `subexpressions` says to share
  // (see subexpression_cache.h) compiles to one kernel per query, and each use of it
  // to a kernel that reads its result.
  Result<KernelPtr> Compile(const BoundExpr& e);

  // Enables common subexpression elimination through `subexpressions` (borrowed; it
  // must have counted every tree compiled and outlive the kernels). Null disables it.
  void set_subexpressions(SubexpressionCache* subexpressions) { subexpressions_ = subexpressions; }

 private:
  Result<KernelPtr> CompileNode(const BoundExpr& e);
  Result<KernelPtr> Build(const BoundExpr& e, std::vector<KernelPtr> args);
  const ErrorContext& ctx_;
  SubexpressionCache* subexpressions_ = nullptr;
};

}  // namespace sluice::sql
