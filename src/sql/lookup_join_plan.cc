// Lookup joins: JOIN t [FOR SYSTEM_TIME AS OF <proctime>] [AS a] ON <stream expr> = a.col
// [AND ...]. Each equality of a stream-only expression to a plain table column is a key
// (the table is indexed on those columns, the stream side computed per batch); every
// other conjunct filters the joined rows.
#include "sql/lookup_join_plan.h"

#include <algorithm>
#include <climits>

#include "core/diagnostics.h"
#include "sql/join_condition.h"

namespace sluice::sql {

namespace {

// The lowest and highest input column `e` reads ({INT_MAX, -1} for none).
void ColumnRange(const BoundExpr& e, int* lo, int* hi) {
  if (e.op == BoundOp::kColumn) {
    *lo = std::min(*lo, e.column);
    *hi = std::max(*hi, e.column);
  }
  for (const BoundExprPtr& a : e.args) ColumnRange(*a, lo, hi);
}

void SplitConjuncts(BoundExprPtr e, std::vector<BoundExprPtr>* out) {
  if (e->op == BoundOp::kAnd) {
    for (BoundExprPtr& a : e->args) SplitConjuncts(std::move(a), out);
    return;
  }
  out->push_back(std::move(e));
}

// Whether `column` of `node`'s output is a column of a scanned stream (an event time when
// it is a TIMESTAMP), passed through Selects, window assignments and lookup joins.
bool IsStreamColumn(const PlanNode& node, int column) {
  if (column < 0) return false;
  switch (node.kind) {
    case PlanKind::kScan:
      return true;
    case PlanKind::kWindowAssign:
    case PlanKind::kLookupJoin:
      return column < node.inputs[0]->schema->num_fields() && IsStreamColumn(*node.inputs[0], column);
    case PlanKind::kSelect: {
      if (column >= static_cast<int>(node.passthrough.size())) return false;
      return IsStreamColumn(*node.inputs[0], node.passthrough[static_cast<size_t>(column)]);
    }
    default:
      return false;
  }
}

// One key: the table column (in the table) of `eq` and its stream-side expression, when
// `eq` (a kEq) compares a stream-only expression with a plain table column. A table
// column under a cast other than INT32 -> INT64 (which keys compare by value anyway) is
// an error: the table would have to be converted per row.
struct KeyMatch {
  bool found = false;
  int table_column = -1;
  BoundExprPtr stream_side;
};

Result<KeyMatch> MatchKey(BoundExprPtr& eq, int nl, const Schema& table, const ErrorContext& ctx) {
  KeyMatch m;
  for (int side = 0; side < 2; ++side) {
    BoundExpr* t = eq->args[static_cast<size_t>(side)].get();
    BoundExpr* s = eq->args[static_cast<size_t>(1 - side)].get();
    int slo = INT32_MAX, shi = -1;
    ColumnRange(*s, &slo, &shi);
    if (shi < 0 || shi >= nl) continue;  // the stream side must read the stream only
    const BoundExpr* col = t;
    if (col->op == BoundOp::kCast && col->args[0]->op == BoundOp::kColumn && col->args[0]->column >= nl) {
      const DataType& from = col->args[0]->type;
      if (!(from.id == TypeId::kInt32 && col->type.id == TypeId::kInt64)) {
        const Field& f = table.field(col->args[0]->column - nl);
        return ctx.Invalid(eq->pos, "the lookup key " + f.name + " (" + f.type.ToString() +
                                        ") is compared with " + s->type.ToString() + "; CAST the stream "
                                        "side to " + f.type.ToString() + " (the table is indexed on its "
                                        "column as it is)");
      }
      col = col->args[0].get();
    }
    if (col->op != BoundOp::kColumn || col->column < nl) continue;
    m.found = true;
    m.table_column = col->column - nl;
    m.stream_side = std::move(eq->args[static_cast<size_t>(1 - side)]);
    return m;
  }
  return m;
}

BoundExprPtr ColumnOf(int column, const Field& f) {
  auto b = std::make_unique<BoundExpr>();
  b->op = BoundOp::kColumn;
  b->type = f.type;
  b->column = column;
  b->text = f.name;
  return b;
}

// FOR SYSTEM_TIME AS OF <e>: a TIMESTAMP of the stream that is not one of its event-time
// columns (sluice joins with the table's current rows, i.e. as of processing time).
Status CheckSystemTime(const TableRef& right, const PlanNode& left, const InputRelation& left_relation,
                       const ErrorContext& ctx) {
  Binder binder(ctx, left_relation);
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr t, binder.Bind(*right.system_time));
  if (t->type.id != TypeId::kTimestamp) {
    return ctx.Invalid(right.system_time->pos, "FOR SYSTEM_TIME AS OF needs the stream's processing time "
                                               "(a TIMESTAMP such as PROCTIME()), not " + t->type.ToString());
  }
  if (t->op == BoundOp::kColumn && IsStreamColumn(left, t->column)) {
    return ctx.NotSupported(right.system_time->pos,
                            "FOR SYSTEM_TIME AS OF an event-time column (a temporal join against a "
                            "versioned table); sluice joins with the table's current rows: write AS OF "
                            "PROCTIME(), or a column (SELECT *, PROCTIME() AS p_time FROM s)");
  }
  return Status::OK();
}

}  // namespace

Result<bool> IsLookupJoin(const TableRef& right, const Catalog& catalog, const ErrorContext& ctx) {
  if (right.kind != TableRefKind::kStream) return false;
  if (right.system_time) return true;
  if (right.window != WindowKind::kNone || catalog.FindTable(right.Name()) != nullptr) return false;
  Result<SchemaPtr> table = catalog.FindLookupTable(right.Name());
  if (!table.ok()) {
    return ctx.Invalid(right.pos, "cannot look up table '" + right.Name() + "': " + table.status().message());
  }
  return *table != nullptr;
}

Result<LookupJoinPlan> PlanLookupJoin(const TableRef& join, PlanPtr left, InputRelation left_relation,
                                      const Catalog& catalog, const PlanOptions& options,
                                      const ErrorContext& ctx) {
  const TableRef& right = *join.right;
  const std::string name = right.Name();
  if (right.window != WindowKind::kNone) {
    return ctx.NotSupported(right.window_pos, "a window over a lookup table");
  }
  if (catalog.FindTable(name) != nullptr) {
    return ctx.Invalid(right.system_time_pos,
                       "'" + name + "' is a stream; FOR SYSTEM_TIME AS OF looks up a table (a warehouse "
                       "table, seed, model or materialized view); join two streams with JOIN ... ON");
  }
  Result<SchemaPtr> found = catalog.FindLookupTable(name);
  if (!found.ok()) {
    return ctx.Invalid(right.pos, "cannot look up table '" + name + "': " + found.status().message());
  }
  if (*found == nullptr) {
    return ctx.Invalid(right.pos, "unknown table '" + name + "' for a lookup join; it must be a table of "
                                  "the warehouse (a seed, a model, or a materialized view declared "
                                  "before this query); check the name or create the table first");
  }
  const SchemaPtr table = *found;
  if (!left->append_only) {
    return ctx.NotSupported(join.pos, "a lookup join over a changelog (an aggregate, a top-N or an outer "
                                      "join on its left); look the table up before aggregating");
  }
  if (right.system_time) SLUICE_RETURN_NOT_OK(CheckSystemTime(right, *left, left_relation, ctx));
  if (!join.join_on) {
    return ctx.NotSupported(join.pos, "a lookup join without ON; write JOIN " + name +
                                          " FOR SYSTEM_TIME AS OF ... AS t ON s.k = t.k");
  }

  const int nl = left->schema->num_fields();
  LookupJoinPlan out;
  std::vector<Field> fields = left->schema->fields();
  for (Field f : table->fields()) {
    if (join.join_type == JoinType::kLeft) f.nullable = true;
    fields.push_back(std::move(f));
  }
  out.relation.schema = MakeSchema(std::move(fields));
  out.relation.table = left_relation.table + " JOIN " + name;
  out.relation.scopes = left_relation.scopes;
  if (out.relation.scopes.empty()) out.relation.scopes.push_back(StreamScope(left_relation.table, "", nl));
  RelationScope scope = StreamScope(name, right.alias.name, table->num_fields());
  scope.first = nl;
  out.relation.scopes.push_back(std::move(scope));

  Binder binder(ctx, out.relation);
  if (const ParsedExpr* agg = FindAggregateCall(*join.join_on)) {
    return ctx.Invalid(agg->pos, "aggregate functions are not allowed in a join condition");
  }
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr on, binder.BindBoolean(*join.join_on, "JOIN condition"));
  std::vector<BoundExprPtr> conjuncts;
  SplitConjuncts(std::move(on), &conjuncts);
  BoundSelect keys;
  keys.input_table = left_relation.table;
  keys.input_schema = left->schema;
  std::vector<Field> key_fields;
  std::vector<int> table_keys;
  BoundExprPtr residual;
  for (BoundExprPtr& c : conjuncts) {
    if (c->op == BoundOp::kEq) {
      SLUICE_ASSIGN_OR_RETURN(KeyMatch m, MatchKey(c, nl, *table, ctx));
      if (m.found) {
        key_fields.push_back(Field{"__key" + std::to_string(table_keys.size()), m.stream_side->type, true});
        keys.items.push_back(std::move(m.stream_side));
        table_keys.push_back(m.table_column);
        continue;
      }
    }
    residual = AndConjuncts(std::move(residual), std::move(c));
  }
  if (table_keys.empty()) {
    return ctx.NotSupported(join.join_on->pos,
                            "a lookup join without a key; write ON <stream expression> = " +
                                (right.alias.name.empty() ? name : right.alias.name) +
                                ".<column> (the table is indexed on that column)");
  }
  keys.output_schema = MakeSchema(std::move(key_fields));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<CompiledSelect> key_select, CompiledSelect::Make(std::move(keys), ctx));

  PlanPtr n = std::make_shared<PlanNode>();
  n->kind = PlanKind::kLookupJoin;
  n->pos = join.pos;
  n->schema = out.relation.schema;
  n->append_only = true;
  n->join_type = join.join_type;
  n->lookup_table = name;
  n->lookup_schema = table;
  n->lookup_table_keys = std::move(table_keys);
  n->lookup_keys = std::move(key_select);
  n->lookup_refresh_us = options.lookup_refresh_us;
  if (residual) {
    BoundSelect r;
    r.input_table = out.relation.table;
    r.input_schema = n->schema;
    r.where = std::move(residual);
    r.items.push_back(ColumnOf(0, n->schema->field(0)));
    r.output_schema = MakeSchema({n->schema->field(0)});
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<CompiledSelect> rs, CompiledSelect::Make(std::move(r), ctx));
    n->lookup_residual = std::move(rs);
  }
  n->inputs.push_back(std::move(left));
  out.node = std::move(n);
  return out;
}

}  // namespace sluice::sql
