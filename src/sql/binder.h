// Binder: resolves a parsed SELECT against a Catalog into typed bound expressions
// (bound_expr.h), applying the dialect's type rules (type_rules.h). Errors are
// formatted statuses pointing at the offending token: Invalid for name and type
// errors, NotImplemented for recognised but unsupported features.
#pragma once

#include <string>
#include <vector>

#include "core/schema.h"
#include "core/status.h"
#include "sql/ast.h"
#include "sql/bound_expr.h"
#include "sql/catalog.h"

namespace sluice::sql {

struct BoundSelect {
  std::string input_table;      // the catalog's spelling of the FROM name
  SchemaPtr input_schema;
  std::vector<BoundExprPtr> items;  // one per output column (stars expanded)
  BoundExprPtr where;           // BOOLEAN, or nullptr
  SchemaPtr output_schema;      // names: alias, else column name, else expression text
};

Result<BoundSelect> BindSelect(const SelectStmt& select, const Catalog& catalog,
                               const ErrorContext& ctx);

// Binds expressions over one input table. Thread-compatible; cheap to construct.
class Binder {
 public:
  Binder(const ErrorContext& ctx, SchemaPtr schema, std::string table_name, std::string alias)
      : ctx_(ctx), schema_(std::move(schema)), table_(std::move(table_name)), alias_(std::move(alias)) {}

  Result<BoundExprPtr> Bind(const ParsedExpr& e);
  // Binds and requires BOOLEAN (NULL becomes a BOOLEAN NULL); `what` names the place
  // ("WHERE", "argument of AND") in the message.
  Result<BoundExprPtr> BindBoolean(const ParsedExpr& e, const std::string& what);

  // Converts `e` to type `t`: untyped NULLs and string literals become constants of
  // type t (a literal that does not parse is an error at its position), other
  // expressions get a cast node. Fails when no cast exists.
  Result<BoundExprPtr> Coerce(BoundExprPtr e, const DataType& t);
  // The type two operands are brought to for comparison and for CASE/COALESCE/IN.
  // Fails with "cannot <verb> A with B; CAST one side" at `pos`.
  Result<DataType> Unify(const BoundExpr& a, const BoundExpr& b, SourcePos pos,
                         const std::string& verb);

  const ErrorContext& ctx() const { return ctx_; }

 private:
  friend class FunctionBinder;
  Result<BoundExprPtr> BindColumn(const ParsedExpr& e);
  Result<BoundExprPtr> BindLiteral(const ParsedExpr& e);
  Result<BoundExprPtr> BindUnary(const ParsedExpr& e);
  Result<BoundExprPtr> BindBinary(const ParsedExpr& e);
  Result<BoundExprPtr> BindArithmetic(const ParsedExpr& e, BoundExprPtr l, BoundExprPtr r);
  Result<BoundExprPtr> BindComparison(const ParsedExpr& e, BoundOp op, BoundExprPtr l,
                                      BoundExprPtr r);
  Result<BoundExprPtr> BindIs(const ParsedExpr& e);
  Result<BoundExprPtr> BindBetween(const ParsedExpr& e);
  Result<BoundExprPtr> BindIn(const ParsedExpr& e);
  Result<BoundExprPtr> BindLike(const ParsedExpr& e);
  Result<BoundExprPtr> BindCase(const ParsedExpr& e);
  Result<BoundExprPtr> BindCast(const ParsedExpr& e);
  Result<BoundExprPtr> BindFunction(const ParsedExpr& e);

  // Brings every expression of `list` to one type (for CASE results, COALESCE, ...).
  Status UnifyAll(std::vector<BoundExpr*> list, SourcePos pos, const std::string& verb,
                  DataType* out);

  const ErrorContext& ctx_;
  SchemaPtr schema_;
  std::string table_;
  std::string alias_;
};

// Helpers shared by the binder's files.
BoundExprPtr MakeBound(BoundOp op, DataType type, const ParsedExpr& src, const ErrorContext& ctx);
// The expression's SQL text with runs of whitespace collapsed to one space.
std::string ExprText(const ParsedExpr& e, const ErrorContext& ctx);
// Wraps a BOOLEAN expression in NOT.
BoundExprPtr Negate(BoundExprPtr e);

}  // namespace sluice::sql
