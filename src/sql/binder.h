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

// One FROM item as the binder sees it: the columns [first, first + count) of the input
// schema, qualified by `qualifiers` (its alias; without one, its full and last name).
struct RelationScope {
  std::vector<std::string> qualifiers;
  int first = 0;
  int count = 0;
};

// What a SELECT reads: one stream, a subquery, or the concatenated columns of a join.
struct InputRelation {
  std::string table;   // for messages and BoundSelect::input_table: "bid", "p JOIN a"
  SchemaPtr schema;
  std::vector<RelationScope> scopes;  // empty: one scope over the whole schema (table's names)
};

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
  // window a row falls in). Window aggregates GROUP BY window_start; see window_tvf.
  WindowKind window = WindowKind::kNone;
  SchemaPtr source_schema;   // the stream's own columns
  int time_column = -1;      // in source_schema: TIMESTAMP
  int64_t window_size = 0;   // micros, > 0
  int64_t window_slide = 0;  // micros; == size for TUMBLE; divides size for HOP
  int window_start_key = -1;  // the group key that is window_start
  bool emit_on_window_close = false;
  // (Window additions.) The group key that is window_end, or -1.
  int window_end_key = -1;
  // SESSION ... PARTITION BY: the partition columns (in source_schema) as written; empty =
  // partition by the GROUP BY keys other than window_start/window_end.
  std::vector<int> window_partition;
  // SESSION: the group keys (indices into group_keys) a session is kept per.
  std::vector<int> window_partition_keys;
  // A window query without aggregation (SELECT * FROM TUMBLE(...)): a stateless
  // assignment of window_start/window_end per row (stream::WindowAssign) before `items`.
  // TUMBLE, HOP and CUMULATE only.
  bool window_tvf = false;
  // The window's time column holds PROCTIME() (set by the planner, not the binder): the
  // window closes on wall-clock time (StreamOperator::OnProcessingTime).
  bool window_processing_time = false;

  // SELECT ..., ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) AS rn (not in aggregate
  // queries): items[rank_item] is a BIGINT NOT NULL placeholder the planner replaces with
  // the top-N operator's rank; the partition and order expressions read the input.
  int rank_item = -1;
  SourcePos rank_pos;
  std::vector<BoundExprPtr> rank_partition;
  std::vector<BoundExprPtr> rank_order;
  std::vector<bool> rank_descending;
  std::vector<bool> rank_nulls_first;

  // SELECT ..., agg(x) OVER (PARTITION BY ... ORDER BY ... [frame]) AS a, ... (not in
  // aggregate queries, not with ROW_NUMBER()): items[over_items[i]] is a placeholder the
  // planner replaces with the i-th OVER aggregate (over_aggregates[i]: kind, argument
  // over the input, result type). All of them share one OVER clause, whose partition and
  // order expressions are rank_partition / rank_order / rank_descending /
  // rank_nulls_first. Frame: over_preceding rows before the current one (-1 = UNBOUNDED
  // PRECEDING); over_range_peers: RANGE ... CURRENT ROW (the frame ends at the last peer).
  std::vector<int> over_items;
  std::vector<BoundAggregate> over_aggregates;
  SourcePos over_pos;
  int64_t over_preceding = -1;
  bool over_range_peers = false;
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
// The catalog stream `from` names (its kind is kStream), with its canonical name.
Result<InputRelation> ResolveStream(const TableRef& from, const Catalog& catalog,
                                    const ErrorContext& ctx);
// Binds `select` over an input already resolved (the planner's subqueries and joins).
// select.from is only consulted for a window table function (then `input` is the stream).
Result<BoundSelect> BindSelectOver(const SelectStmt& select, const InputRelation& input,
                                   const ErrorContext& ctx);

// The scope of a stream read as `table` [AS alias].
RelationScope StreamScope(const std::string& table, const std::string& alias, int num_columns);

// Binds expressions over one input table. Thread-compatible; cheap to construct.
class Binder {
 public:
  Binder(const ErrorContext& ctx, SchemaPtr schema, std::string table_name, std::string alias)
      : ctx_(ctx), schema_(std::move(schema)), table_(std::move(table_name)), alias_(std::move(alias)) {
    scopes_.push_back(StreamScope(table_, alias_, schema_->num_fields()));
  }
  // Over several relations (a join): a qualified column must be in its qualifier's scope;
  // an unqualified one must be in exactly one scope.
  Binder(const ErrorContext& ctx, const InputRelation& input)
      : ctx_(ctx), schema_(input.schema), table_(input.table), scopes_(input.scopes) {
    if (scopes_.empty()) scopes_.push_back(StreamScope(table_, "", schema_->num_fields()));
  }
  const std::vector<RelationScope>& scopes() const { return scopes_; }

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
  std::vector<RelationScope> scopes_;
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
// Resolves FROM TUMBLE/HOP/CUMULATE/SESSION (bind_select.cc): time column, sizes, SESSION's
// PARTITION BY columns, the extended input schema.
Status BindWindow(const SelectStmt& select, const ErrorContext& ctx, BoundSelect* out);
// The same for a FROM item (a window in a join): `out` has input_schema and input_table.
Status BindWindowFrom(const TableRef& from, const ErrorContext& ctx, BoundSelect* out);
// After the select list and GROUP BY are bound: finds the window_start/window_end keys and
// SESSION's partition keys, checks what each window kind needs, sets window_tvf for a
// window query without aggregation and emit_on_window_close.
Status BindWindowKeys(const SelectStmt& select, const ErrorContext& ctx, bool aggregate,
                      BoundSelect* out);
// Whether the query aggregates (GROUP BY, HAVING, or an aggregate call in the select list).
bool IsAggregateQuery(const SelectStmt& select);

}  // namespace sluice::sql
