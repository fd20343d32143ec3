// Binder: resolves a parsed SELECT against a Catalog into typed bound expressions
// (bound_expr.h), applying the dialect's type rules (type_rules.h). Errors are
// formatted statuses pointing at the offending token: Invalid for name and type
// errors, NotImplemented for recognised but unsupported features.
#pragma once

#include <string>
#include <vector>

#include "core/schema.h"
#include "core/status.h"
#include "sql/aggregate.h"
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

  // Aggregate queries (GROUP BY, or an aggregate in the select list or HAVING; no GROUP
  // BY = one global group). Then `where`, `group_keys` and the aggregates' arguments and
  // filters read the input row, while `items` and `having` read the aggregation frame:
  // the group keys (columns 0..k-1) followed by one column per aggregate.
  bool aggregate = false;
  std::vector<BoundExprPtr> group_keys;
  std::vector<BoundAggregate> aggregates;
  BoundExprPtr having;          // BOOLEAN over the frame, or nullptr
  SchemaPtr frame_schema;       // key fields are NOT NULL when the key can never be NULL
  // Per output column: the group key it is exactly (a plain reference), or -1.
  std::vector<int> key_output;

  // FROM TUMBLE/HOP: `input_schema` is the source's columns followed by window_start and
  // window_end (TIMESTAMP NOT NULL), which the window operator fills (HOP: one row per
  // window a row falls in). Window queries must aggregate and GROUP BY window_start.
  WindowKind window = WindowKind::kNone;
  SchemaPtr source_schema;   // the stream's own columns
  int time_column = -1;      // in source_schema: TIMESTAMP
  int64_t window_size = 0;   // micros, > 0
  int64_t window_slide = 0;  // micros; == size for TUMBLE; divides size for HOP
  int window_start_key = -1;  // the group key that is window_start
  bool emit_on_window_close = false;
};

// Resolves expressions of an aggregate query's select list and HAVING before the
// binder's own rules: aggregate calls and GROUP BY expressions become frame columns,
// other column references are errors. Returns nullptr to let the binder go on.
class AggregateScope {
 public:
  virtual ~AggregateScope() = default;
  virtual Result<BoundExprPtr> Resolve(const ParsedExpr& e) = 0;
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
  // Borrowed; consulted for every expression node while set (nullptr = none).
  void set_scope(AggregateScope* scope) { scope_ = scope; }

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
  AggregateScope* scope_ = nullptr;
};

// Helpers shared by the binder's files.
BoundExprPtr MakeBound(BoundOp op, DataType type, const ParsedExpr& src, const ErrorContext& ctx);
// The expression's SQL text with runs of whitespace collapsed to one space.
std::string ExprText(const ParsedExpr& e, const ErrorContext& ctx);
// Wraps a BOOLEAN expression in NOT.
BoundExprPtr Negate(BoundExprPtr e);

// The first aggregate call inside `e` (e itself included), or nullptr.
const ParsedExpr* FindAggregateCall(const ParsedExpr& e);
// Binds the select list, GROUP BY and HAVING of an aggregate query (bind_aggregate.cc):
// fills out->items, out->group_keys, out->aggregates, out->having, out->frame_schema and
// out->key_output, and the output column names into `names`.
Status BindAggregateQuery(const SelectStmt& select, Binder& input_binder, const ErrorContext& ctx,
                          BoundSelect* out, std::vector<std::string>* names);
// Resolves FROM TUMBLE/HOP (bind_select.cc): time column, sizes, the extended input schema.
Status BindWindow(const SelectStmt& select, const ErrorContext& ctx, BoundSelect* out);
// Whether the query aggregates (GROUP BY, HAVING, or an aggregate call in the select list).
bool IsAggregateQuery(const SelectStmt& select);

}  // namespace sluice::sql
