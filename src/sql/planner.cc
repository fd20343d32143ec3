// PlanQuery: a parsed SELECT to a logical plan (plan.h). FROM items are planned first
// (streams, subqueries, joins), then the SELECT is bound over what they produce and
// becomes a Select, Aggregate or WindowAggregate node; a ROW_NUMBER() subquery becomes a
// TopN whose bound comes from the enclosing query's WHERE.
#include <algorithm>
#include <optional>

#include "sql/binder.h"
#include "sql/join_condition.h"
#include "sql/lookup_join_plan.h"
#include "sql/plan.h"

namespace sluice::sql {

namespace {

constexpr const char* kOpColumn = "__op";

// A FROM item planned: its node and the names the enclosing SELECT sees.
struct Planned {
  PlanPtr node;
  InputRelation relation;
};

PlanPtr NewNode(PlanKind kind, SourcePos pos) {
  auto n = std::make_shared<PlanNode>();
  n->kind = kind;
  n->pos = pos;
  return n;
}

BoundExprPtr ColumnRef(int column, const Field& f, SourcePos pos) {
  auto b = std::make_unique<BoundExpr>();
  b->op = BoundOp::kColumn;
  b->type = f.type;
  b->column = column;
  b->pos = pos;
  b->text = f.name;
  return b;
}

// `rn` compared with an integer literal in one conjunct of WHERE: the top-N bound.
struct RankBound {
  bool found = false;
  int64_t limit = 0;
};

bool IsRankColumn(const ParsedExpr& e, const std::string& rank_name, const std::string& alias) {
  if (e.kind != ExprKind::kColumnRef) return false;
  if (!EqualsIgnoreCase(e.names.back().name, rank_name)) return false;
  if (e.names.size() == 1) return true;
  return EqualsIgnoreCase(e.names[e.names.size() - 2].name, alias);
}

void FindRankBound(const ParsedExpr& e, const std::string& rank_name, const std::string& alias,
                   RankBound* out) {
  if (e.kind != ExprKind::kBinary) return;
  if (e.op == "AND") {
    FindRankBound(*e.args[0], rank_name, alias, out);
    FindRankBound(*e.args[1], rank_name, alias, out);
    return;
  }
  std::string op = e.op;
  const ParsedExpr* col = e.args[0].get();
  const ParsedExpr* lit = e.args[1].get();
  if (!IsRankColumn(*col, rank_name, alias)) {
    std::swap(col, lit);
    if (op == "<=") op = ">=";
    else if (op == ">=") op = "<=";
    else if (op == "<") op = ">";
    else if (op == ">") op = "<";
  }
  if (!IsRankColumn(*col, rank_name, alias) || lit->kind != ExprKind::kLiteral ||
      lit->null_literal ||
      (lit->value.type().id != TypeId::kInt64 && lit->value.type().id != TypeId::kInt32)) {
    return;
  }
  const int64_t n = lit->value.int_value();
  int64_t limit = -1;
  if (op == "<=" || op == "=") limit = n;
  if (op == "<") limit = n - 1;
  if (limit < 0) return;
  if (!out->found || limit < out->limit) out->limit = limit;
  out->found = true;
}

// The name of the ROW_NUMBER() item of `s`, or "".
std::string RankItemName(const SelectStmt& s) {
  for (const SelectItem& item : s.items) {
    if (!item.star && item.expr->kind == ExprKind::kFunction && item.expr->over) {
      return item.alias.name.empty() ? "row_number" : item.alias.name;
    }
  }
  return "";
}

class Planner {
 public:
  Planner(const Catalog& catalog, const PlanOptions& options, const ErrorContext& ctx)
      : catalog_(catalog), options_(options), ctx_(ctx) {}

  Result<PlanPtr> PlanTree(const SelectStmt& s, int64_t rank_limit) {
    SLUICE_ASSIGN_OR_RETURN(PlanPtr first, PlanSelect(s, rank_limit));
    if (s.union_all.empty()) return first;
    PlanPtr u = NewNode(PlanKind::kUnion, s.pos);
    u->schema = first->schema;
    u->append_only = first->append_only;
    u->inputs.push_back(first);
    int branch = 1;
    for (const auto& b : s.union_all) {
      ++branch;
      SLUICE_ASSIGN_OR_RETURN(PlanPtr next, PlanSelect(*b, -1));
      const Schema& a = *first->schema;
      const Schema& c = *next->schema;
      if (a.num_fields() != c.num_fields()) {
        return ctx_.Invalid(b->pos, "UNION ALL branch " + std::to_string(branch) + " has " +
                                        std::to_string(c.num_fields()) + " columns, the first has " +
                                        std::to_string(a.num_fields()));
      }
      for (int i = 0; i < a.num_fields(); ++i) {
        if (!(a.field(i).type == c.field(i).type)) {
          return ctx_.Invalid(b->pos, "UNION ALL branch " + std::to_string(branch) + " column " +
                                          std::to_string(i + 1) + " ('" + c.field(i).name + "') is " +
                                          c.field(i).type.ToString() + ", the first branch's ('" +
                                          a.field(i).name + "') is " + a.field(i).type.ToString() +
                                          "; CAST one of them");
        }
      }
      u->append_only = u->append_only && next->append_only;
      u->inputs.push_back(std::move(next));
    }
    // Nullability: a column is NOT NULL only when it is in every branch.
    std::vector<Field> fields = first->schema->fields();
    for (const PlanPtr& in : u->inputs) {
      for (size_t i = 0; i < fields.size(); ++i) {
        fields[i].nullable = fields[i].nullable || in->schema->field(static_cast<int>(i)).nullable;
      }
    }
    u->schema = MakeSchema(std::move(fields));
    return u;
  }

 private:
  // One SELECT (its union_all branches ignored). `rank_limit` is the enclosing query's
  // bound on this query's ROW_NUMBER() (-1 = none given).
  Result<PlanPtr> PlanSelect(const SelectStmt& s, int64_t rank_limit) {
    SLUICE_ASSIGN_OR_RETURN(Planned from, PlanFrom(s.from, s));
    if (s.from.window != WindowKind::kNone && from.node->kind != PlanKind::kScan) {
      return ctx_.NotSupported(s.from.window_pos, "a window over a subquery or join");
    }
    if (s.from.processing_time) SLUICE_RETURN_NOT_OK(AddProcTime(s.from, &from));
    SLUICE_ASSIGN_OR_RETURN(BoundSelect bound, BindSelectOver(s, from.relation, ctx_));
    bound.window_processing_time = s.from.processing_time;
    if (bound.aggregate) return PlanAggregate(std::move(bound), from.node, s);
    if (bound.window != WindowKind::kNone && !bound.over_items.empty()) {
      return ctx_.NotSupported(bound.over_pos, "an aggregate OVER (...) over a window table "
                                               "function; apply it to a subquery over the window");
    }
    if (bound.window != WindowKind::kNone && bound.rank_item >= 0) {
      return ctx_.NotSupported(bound.rank_pos, "ROW_NUMBER() over a window table function "
                                               "(window top-N); rank an aggregate of the window instead");
    }
    if (bound.window != WindowKind::kNone) {
      // SELECT ... FROM TUMBLE(...) without aggregation: assign windows, then select.
      PlanPtr assign = MakeWindowAssign(bound, from.node, s.from.window_pos);
      return MakeSelect(std::move(bound), assign);
    }
    if (!bound.over_items.empty()) return PlanOverAggregate(std::move(bound), from.node);
    if (bound.rank_item >= 0) {
      if (rank_limit < 0) {
        return ctx_.Invalid(bound.rank_pos,
                            "ROW_NUMBER() over a stream must be bounded by the enclosing query: "
                            "SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (...) AS rn FROM ...) "
                            "WHERE rn <= N (without a bound every row would be kept forever)");
      }
      return PlanTopN(std::move(bound), from.node, rank_limit);
    }
    return MakeSelect(std::move(bound), from.node);
  }

  static PlanPtr MakeWindowAssign(const BoundSelect& w, const PlanPtr& scan, SourcePos pos) {
    PlanPtr n = NewNode(PlanKind::kWindowAssign, pos);
    n->window = w.window;
    n->window_size = w.window_size;
    n->window_slide = w.window_slide;
    n->time_column = w.time_column;
    n->schema = w.input_schema;
    n->inputs.push_back(scan);
    return n;
  }

  // TUMBLE(stream, PROCTIME(), ...): a Select over the scan appends column `proctime`,
  // the wall-clock time of each batch, which the window then uses.
  Status AddProcTime(const TableRef& ref, Planned* from) {
    const Schema& in = *from->node->schema;
    if (in.FieldIndex("proctime") >= 0) {
      return ctx_.Invalid(ref.time_column.pos, "the stream already has a column named proctime; "
                                               "PROCTIME() windows add one");
    }
    BoundSelect sel;
    sel.input_table = from->relation.table;
    sel.input_schema = from->node->schema;
    std::vector<Field> fields = in.fields();
    for (int i = 0; i < in.num_fields(); ++i) sel.items.push_back(ColumnRef(i, in.field(i), ref.pos));
    auto now = std::make_unique<BoundExpr>();
    now->op = BoundOp::kProcTime;
    now->type = DataType::Timestamp();
    now->pos = ref.time_column.pos;
    now->text = "PROCTIME()";
    sel.items.push_back(std::move(now));
    fields.push_back(Field{"proctime", DataType::Timestamp(), false});
    sel.output_schema = MakeSchema(std::move(fields));
    SLUICE_ASSIGN_OR_RETURN(from->node, MakeSelect(std::move(sel), from->node));
    from->relation.schema = from->node->schema;
    from->relation.scopes.back().count = from->node->schema->num_fields();
    return Status::OK();
  }

  // `direct`: ref is the FROM of `owner` itself (a window there is bound with the SELECT);
  // otherwise a windowed stream (in a join) becomes a WindowAssign node here.
  Result<Planned> PlanFrom(const TableRef& ref, const SelectStmt& owner, bool direct = true) {
    Planned p;
    switch (ref.kind) {
      case TableRefKind::kStream: {
        SLUICE_ASSIGN_OR_RETURN(p.relation, ResolveStream(ref, catalog_, ctx_));
        p.node = NewNode(PlanKind::kScan, ref.pos);
        p.node->table = p.relation.table;
        p.node->schema = p.relation.schema;
        if (!direct && ref.window != WindowKind::kNone) {
          BoundSelect w;
          w.input_schema = p.relation.schema;
          w.input_table = p.relation.table;
          SLUICE_RETURN_NOT_OK(BindWindowFrom(ref, ctx_, &w));
          if (w.window == WindowKind::kSession) {
            return ctx_.NotSupported(ref.window_pos, "a SESSION window inside a join");
          }
          p.node = MakeWindowAssign(w, p.node, ref.window_pos);
          p.relation.schema = p.node->schema;
        }
        p.relation.scopes.push_back(
            StreamScope(p.relation.table, ref.alias.name, p.relation.schema->num_fields()));
        return p;
      }
      case TableRefKind::kSubquery: {
        int64_t limit = -1;
        const std::string rank = RankItemName(*ref.subquery);
        if (!rank.empty() && owner.where) {
          RankBound b;
          FindRankBound(*owner.where, rank, ref.alias.name, &b);
          if (b.found) limit = b.limit;
        }
        if (!rank.empty() && limit == 0) {
          return ctx_.Invalid(owner.where->pos, "the bound on " + rank + " keeps no row");
        }
        SLUICE_ASSIGN_OR_RETURN(p.node, PlanTree(*ref.subquery, limit));
        p.relation.table = ref.alias.name.empty() ? "(subquery)" : ref.alias.name;
        p.relation.schema = p.node->schema;
        RelationScope scope;
        scope.qualifiers.push_back(p.relation.table);
        scope.count = p.node->schema->num_fields();
        p.relation.scopes.push_back(std::move(scope));
        return p;
      }
      case TableRefKind::kJoin:
        return PlanJoin(ref, owner);
    }
    return Status::Internal("unknown FROM item kind");
  }

  Result<Planned> PlanJoin(const TableRef& ref, const SelectStmt& owner) {
    SLUICE_ASSIGN_OR_RETURN(Planned left, PlanFrom(*ref.left, owner, false));
    SLUICE_ASSIGN_OR_RETURN(bool lookup, IsLookupJoin(*ref.right, catalog_, ctx_));
    if (lookup) {
      SLUICE_ASSIGN_OR_RETURN(LookupJoinPlan l, PlanLookupJoin(ref, left.node, std::move(left.relation),
                                                               catalog_, options_, ctx_));
      return Planned{std::move(l.node), std::move(l.relation)};
    }
    SLUICE_ASSIGN_OR_RETURN(Planned right, PlanFrom(*ref.right, owner, false));
    Planned p;
    const int nl = left.node->schema->num_fields();
    std::vector<Field> fields = left.node->schema->fields();
    for (Field f : right.node->schema->fields()) {
      if (ref.join_type == JoinType::kLeft) f.nullable = true;
      fields.push_back(std::move(f));
    }
    p.relation.schema = MakeSchema(std::move(fields));
    p.relation.table = left.relation.table + " JOIN " + right.relation.table;
    p.relation.scopes = left.relation.scopes;
    for (RelationScope scope : right.relation.scopes) {
      scope.first += nl;
      p.relation.scopes.push_back(std::move(scope));
    }
    Binder binder(ctx_, p.relation);
    // FROM a, b: the WHERE clause joins them (for an inner join ON and WHERE agree; the
    // WHERE is applied again above the join, which changes nothing).
    const ParsedExpr* on_expr = ref.join_on.get();
    if (on_expr == nullptr) {
      if (ref.left->kind == TableRefKind::kJoin && !ref.left->join_on) {
        return ctx_.NotSupported(ref.pos, "FROM with more than two comma-separated items; write "
                                          "a JOIN b ON ... JOIN c ON ...");
      }
      if (!owner.where) {
        return ctx_.NotSupported(ref.pos, "FROM a, b without a WHERE condition (a cross join keeps "
                                          "unbounded state); join ON a key");
      }
      on_expr = owner.where.get();
    }
    if (const ParsedExpr* agg = FindAggregateCall(*on_expr)) {
      return ctx_.Invalid(agg->pos, "aggregate functions are not allowed in a join condition");
    }
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr on, binder.BindBoolean(*on_expr, "JOIN condition"));
    // An INNER join's WHERE time bounds between a stream's event time and a window
    // aggregate's window bound join the ON condition (Nexmark q7), so that its state is
    // freed (the WHERE still filters above the join, which changes nothing).
    std::optional<JoinCondition> pulled;
    if (ref.join_type == JoinType::kInner && ref.join_on && owner.where) {
      std::vector<BoundExprPtr> bounds = WhereTimeBounds(*owner.where, &binder, nl);
      if (!bounds.empty()) {
        BoundExprPtr merged = CloneBound(*on);
        for (BoundExprPtr& b : bounds) merged = AndConjuncts(std::move(merged), std::move(b));
        Result<JoinCondition> c = AnalyzeJoinCondition(std::move(merged), nl, ctx_);
        int64_t lo = -1, ro = -1;
        if (c.ok() && c->has_time_bounds && TimeSides(*left.node, *right.node, *c, &lo, &ro) &&
            (lo >= 0 || ro >= 0) &&
            !(lo >= 0 && ro >= 0 && WindowCloseKeyPair(*left.node, *right.node, *c) >= 0)) {
          pulled = std::move(*c);
        }
      }
    }
    JoinCondition cond;
    if (pulled) {
      cond = std::move(*pulled);
    } else {
      SLUICE_ASSIGN_OR_RETURN(cond, AnalyzeJoinCondition(std::move(on), nl, ctx_));
    }
    // Time bounds drive state expiry by the watermark, which is only sound on event-time
    // columns of streams (and their windows) and on window bounds of window aggregates
    // closed by their watermark (WindowCloseOffset). Bounds between other columns
    // (computed times, SESSION or processing-time windows) stay plain conditions.
    int64_t left_close = -1, right_close = -1;
    bool expiring_bounds = cond.has_time_bounds && TimeSides(*left.node, *right.node, cond, &left_close, &right_close);
    // Window bounds on both sides that are also equal keys (a.window_end = b.window_end):
    // the join expires by that key (SetWindowCloseExpiry), its bounds are plain conditions.
    if (expiring_bounds && left_close >= 0 && right_close >= 0 &&
        WindowCloseKeyPair(*left.node, *right.node, cond) >= 0) {
      expiring_bounds = false;
    }
    if (cond.has_time_bounds && !expiring_bounds) {
      left_close = right_close = -1;
      TimeBoundsToResidual(&cond, *p.relation.schema, nl);
      if (cond.left_keys.empty()) {
        return ctx_.NotSupported(on_expr->pos,
                                 "a join whose only link is time bounds between columns that are not "
                                 "event times of streams (state could never be freed); join on a key too");
      }
    }
    PlanPtr j = NewNode(PlanKind::kJoin, ref.pos);
    j->schema = p.relation.schema;
    j->join_type = ref.join_type;
    j->join = std::make_shared<JoinCondition>(std::move(cond));
    j->append_only =
        ref.join_type == JoinType::kInner && left.node->append_only && right.node->append_only;
    if (!left.node->unique_key.empty() && !right.node->unique_key.empty()) {
      j->unique_key = left.node->unique_key;
      for (int k : right.node->unique_key) j->unique_key.push_back(k + nl);
    }
    // A window join: both sides windowed, matched on window_start and window_end; rows
    // expire when their window closes.
    const bool lw = left.node->kind == PlanKind::kWindowAssign;
    const bool rw = right.node->kind == PlanKind::kWindowAssign;
    if (lw && rw) {
      const int ls = left.node->schema->num_fields() - 2;
      const int rs = right.node->schema->num_fields() - 2;
      bool start = false;
      bool end = false;
      for (size_t k = 0; k < j->join->left_keys.size(); ++k) {
        if (j->join->left_keys[k] == ls && j->join->right_keys[k] == rs) start = true;
        if (j->join->left_keys[k] == ls + 1 && j->join->right_keys[k] == rs + 1) end = true;
      }
      if (!start || !end) {
        return ctx_.NotSupported(on_expr->pos,
                                 "a join of two windowed streams that does not match their windows "
                                 "(add ON a.window_start = b.window_start AND a.window_end = "
                                 "b.window_end)");
      }
      j->left_expiry = ls + 1;
      j->right_expiry = rs + 1;
      // Rows leave the state when their window ends, not by time bounds.
      if (j->join->has_time_bounds) TimeBoundsToResidual(j->join.get(), *j->schema, nl);
      j->left_event_time = left.node->time_column;
      j->right_event_time = right.node->time_column;
    } else if (!j->join->has_time_bounds) {
      SetWindowCloseExpiry(*left.node, *right.node, j.get());
    } else if (left_close >= 0 || right_close >= 0) {
      // An interval join with a window bound as the time of one side (or both): state
      // expires by the smaller of the streams' and the window aggregates' watermarks.
      j->left_time_close_offset_us = left_close;
      j->right_time_close_offset_us = right_close;
      j->window_close_expiry = true;
    }
    j->inputs = {left.node, right.node};
    p.node = std::move(j);
    return p;
  }

  // A join whose equality keys pair a closed-by-watermark window bound on the left with
  // one on the right (WindowCloseOffset): a row with key value v can find no new partner
  // and see no change of its own once both sides' windows of v are closed, so it expires
  // at v + the larger offset. The first such key pair is used.
  static void SetWindowCloseExpiry(const PlanNode& left, const PlanNode& right, PlanNode* j) {
    const int k = WindowCloseKeyPair(left, right, *j->join);
    if (k < 0) return;
    const int lk = j->join->left_keys[static_cast<size_t>(k)];
    const int rk = j->join->right_keys[static_cast<size_t>(k)];
    j->left_expiry = lk;
    j->right_expiry = rk;
    j->expiry_offset_us = std::max(WindowCloseOffset(left, lk), WindowCloseOffset(right, rk));
    j->window_close_expiry = true;
  }

  // The first equality key pair of `cond` that pairs TIMESTAMP window bounds closed by
  // watermark on both sides, or -1.
  static int WindowCloseKeyPair(const PlanNode& left, const PlanNode& right, const JoinCondition& cond) {
    for (size_t k = 0; k < cond.left_keys.size(); ++k) {
      const int lk = cond.left_keys[k];
      const int rk = cond.right_keys[k];
      if (WindowCloseOffset(left, lk) == kNotWindowBound || WindowCloseOffset(right, rk) == kNotWindowBound) {
        continue;
      }
      if (left.schema->field(lk).type.id != TypeId::kTimestamp ||
          right.schema->field(rk).type.id != TypeId::kTimestamp) {
        continue;
      }
      return static_cast<int>(k);
    }
    return -1;
  }

  // Whether both time columns of `cond` (which has time bounds) can expire state: per
  // side an event time of a stream (offset -1) or a closed-by-watermark window bound
  // (offset = WindowCloseOffset, >= 0).
  static bool TimeSides(const PlanNode& left, const PlanNode& right, const JoinCondition& cond,
                        int64_t* left_offset, int64_t* right_offset) {
    const auto side = [](const PlanNode& node, int column, int64_t* offset) {
      if (IsEventTimeInput(node, column)) {
        *offset = -1;
        return true;
      }
      const int64_t d = WindowCloseOffset(node, column);
      if (d == kNotWindowBound || d < 0 || node.schema->field(column).type.id != TypeId::kTimestamp) {
        return false;
      }
      *offset = d;
      return true;
    };
    return side(left, cond.left_time, left_offset) && side(right, cond.right_time, right_offset);
  }

  // The time bounds between the two sides among the conjuncts of `where` that bind over
  // the join's columns alone (others may name relations joined later, or be errors the
  // WHERE reports itself).
  static std::vector<BoundExprPtr> WhereTimeBounds(const ParsedExpr& where, Binder* binder, int nl) {
    std::vector<const ParsedExpr*> conjuncts;
    std::vector<const ParsedExpr*> stack = {&where};
    while (!stack.empty()) {
      const ParsedExpr* e = stack.back();
      stack.pop_back();
      if (e->kind == ExprKind::kBinary && e->op == "AND" && e->args.size() == 2) {
        stack.push_back(e->args[1].get());
        stack.push_back(e->args[0].get());
        continue;
      }
      conjuncts.push_back(e);
    }
    std::vector<BoundExprPtr> out;
    for (const ParsedExpr* c : conjuncts) {
      if (FindAggregateCall(*c) != nullptr) continue;
      Result<BoundExprPtr> b = binder->BindBoolean(*c, "WHERE");
      if (!b.ok()) continue;
      for (BoundExprPtr& t : TimeBoundConjuncts(**b, nl)) out.push_back(std::move(t));
    }
    return out;
  }

  // Whether `column` of `node`'s output is an event-time column of an append-only stream:
  // a scanned column or a window bound of a window assignment, passed through Selects.
  static bool IsEventTimeInput(const PlanNode& node, int column) {
    if (!node.append_only || column < 0) return false;
    switch (node.kind) {
      case PlanKind::kScan:
        return true;
      case PlanKind::kWindowAssign:
        // The stream's own columns; window_start/window_end are not event times.
        return column < node.inputs[0]->schema->num_fields() && IsEventTimeInput(*node.inputs[0], column);
      case PlanKind::kSelect: {
        if (column >= static_cast<int>(node.passthrough.size())) return false;
        const int from = node.passthrough[static_cast<size_t>(column)];
        return from >= 0 && IsEventTimeInput(*node.inputs[0], from);
      }
      default:
        return false;
    }
  }

  // A stateless Select over `input`; carries change ops when the input has retractions.
  Result<PlanPtr> MakeSelect(BoundSelect bound, const PlanPtr& input) {
    PlanPtr n = NewNode(PlanKind::kSelect, bound.items.empty() ? SourcePos{} : bound.items[0]->pos);
    n->schema = bound.output_schema;
    n->append_only = input->append_only;
    n->unique_key = MapKey(bound, input->unique_key);
    for (const BoundExprPtr& item : bound.items) {
      n->passthrough.push_back(item->op == BoundOp::kColumn ? item->column : -1);
    }
    if (!input->append_only) {
      n->with_ops = true;
      std::vector<Field> in = bound.input_schema->fields();
      const int op_column = static_cast<int>(in.size());
      in.push_back(Field{kOpColumn, DataType::Int32(), false});
      bound.input_schema = MakeSchema(std::move(in));
      std::vector<Field> out = bound.output_schema->fields();
      out.push_back(Field{kOpColumn, DataType::Int32(), false});
      bound.items.push_back(ColumnRef(op_column, out.back(), SourcePos{}));
      bound.output_schema = MakeSchema(std::move(out));
    }
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<CompiledSelect> compiled,
                            CompiledSelect::Make(std::move(bound), ctx_));
    n->select = std::move(compiled);
    n->inputs.push_back(input);
    return n;
  }

  // The output columns holding the input key `key`, when every key column is selected as is.
  static std::vector<int> MapKey(const BoundSelect& bound, const std::vector<int>& key) {
    std::vector<int> out;
    for (int k : key) {
      int found = -1;
      for (size_t i = 0; i < bound.items.size(); ++i) {
        if (bound.items[i]->op == BoundOp::kColumn && bound.items[i]->column == k) {
          found = static_cast<int>(i);
          break;
        }
      }
      if (found < 0) return {};
      out.push_back(found);
    }
    return out;
  }

  Result<PlanPtr> PlanAggregate(BoundSelect bound, const PlanPtr& input, const SelectStmt& s) {
    std::vector<int> key_output = bound.key_output;
    const int num_keys = static_cast<int>(bound.group_keys.size());
    const bool windowed = bound.window != WindowKind::kNone;
    const bool eowc = bound.emit_on_window_close;
    if (windowed && !input->append_only) {
      return ctx_.NotSupported(s.from.window_pos, "a window over a changelog");
    }
    PlanPtr n = NewNode(windowed ? PlanKind::kWindowAggregate : PlanKind::kAggregate, s.pos);
    for (const BoundExprPtr& key : bound.group_keys) {
      n->key_input.push_back(key->op == BoundOp::kColumn ? key->column : -1);
    }
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<CompiledAggregate> agg,
                            CompiledAggregate::Make(std::move(bound), ctx_));
    if (!input->append_only) {
      if (Status st = agg->CheckRetractableInput(); !st.ok()) {
        return Status::NotImplemented(ctx_.Format(s.pos, st.message()));
      }
    }
    n->schema = agg->output_schema();
    n->aggregate = std::move(agg);
    n->allowed_lateness_us = options_.allowed_lateness_us;
    n->append_only = windowed && eowc && options_.allowed_lateness_us == 0;
    for (int k = 0; k < num_keys; ++k) {
      int column = -1;
      for (size_t c = 0; c < key_output.size(); ++c) {
        if (key_output[c] == k) column = static_cast<int>(c);
      }
      if (column < 0) {
        n->unique_key.clear();
        break;
      }
      n->unique_key.push_back(column);
    }
    if (!windowed) {
      // Grouped by a window bound of a window aggregate below: the group is done when
      // that window closes.
      for (size_t k = 0; k < n->key_input.size(); ++k) {
        const int64_t offset = WindowCloseOffset(*input, n->key_input[k]);
        if (offset == kNotWindowBound) continue;
        n->expiry_key = static_cast<int>(k);
        n->expiry_offset_us = offset;
        n->window_close_expiry = true;
        break;
      }
    }
    n->inputs.push_back(input);
    return n;
  }

  // Select(items + partition + order columns) -> TopN -> Select(items with rn in place).
  Result<PlanPtr> PlanTopN(BoundSelect bound, const PlanPtr& input, int64_t limit) {
    const int rank_item = bound.rank_item;
    const SchemaPtr final_schema = bound.output_schema;
    const SourcePos pos = bound.rank_pos;
    BoundSelect pre;
    pre.input_table = bound.input_table;
    pre.input_schema = bound.input_schema;
    pre.where = std::move(bound.where);
    std::vector<Field> fields;
    for (size_t i = 0; i < bound.items.size(); ++i) {
      if (static_cast<int>(i) == rank_item) continue;
      fields.push_back(final_schema->field(static_cast<int>(i)));
      pre.items.push_back(std::move(bound.items[i]));
    }
    const int visible = static_cast<int>(pre.items.size());
    std::vector<int> partition;
    for (size_t i = 0; i < bound.rank_partition.size(); ++i) {
      partition.push_back(static_cast<int>(pre.items.size()));
      fields.push_back(Field{"__partition" + std::to_string(i), bound.rank_partition[i]->type, true});
      pre.items.push_back(std::move(bound.rank_partition[i]));
    }
    std::vector<PlanNode::Order> order;
    for (size_t i = 0; i < bound.rank_order.size(); ++i) {
      order.push_back(PlanNode::Order{static_cast<int>(pre.items.size()), bound.rank_descending[i],
                                      bound.rank_nulls_first[i]});
      fields.push_back(Field{"__order" + std::to_string(i), bound.rank_order[i]->type, true});
      pre.items.push_back(std::move(bound.rank_order[i]));
    }
    pre.output_schema = MakeSchema(std::move(fields));
    // The sink key: partition columns that are selected as they are, then rn.
    std::vector<int> key;
    for (int p : partition) {
      const BoundExpr& e = *pre.items[static_cast<size_t>(p)];
      int found = -1;
      for (int i = 0; i < visible && e.op == BoundOp::kColumn; ++i) {
        const BoundExpr& item = *pre.items[static_cast<size_t>(i)];
        if (item.op == BoundOp::kColumn && item.column == e.column) found = i;
      }
      if (found < 0) {
        key.clear();
        break;
      }
      key.push_back(found < rank_item ? found : found + 1);
    }
    if (key.size() == partition.size()) key.push_back(rank_item);
    SLUICE_ASSIGN_OR_RETURN(PlanPtr prepared, MakeSelect(std::move(pre), input));

    PlanPtr top = NewNode(PlanKind::kTopN, pos);
    top->partition = std::move(partition);
    top->order = std::move(order);
    top->limit = limit;
    top->emit_rank = true;
    std::vector<Field> top_fields = prepared->schema->fields();
    top_fields.push_back(Field{"__rank", DataType::Int64(), false});
    top->schema = MakeSchema(std::move(top_fields));
    top->append_only = false;
    top->inputs.push_back(prepared);

    // Back to the SELECT's columns, rn where ROW_NUMBER() was.
    BoundSelect post;
    post.input_table = "top-n";
    post.input_schema = top->schema;
    const int rank_column = top->schema->num_fields() - 1;
    for (int i = 0; i < final_schema->num_fields(); ++i) {
      const int from = i == rank_item ? rank_column : (i < rank_item ? i : i - 1);
      post.items.push_back(ColumnRef(from, top->schema->field(from), pos));
    }
    post.output_schema = final_schema;
    SLUICE_ASSIGN_OR_RETURN(PlanPtr out, MakeSelect(std::move(post), top));
    out->unique_key = key;
    return out;
  }

  // Select(items + partition + order + arguments) -> OverAggregate -> Select(items with
  // the aggregates in place).
  Result<PlanPtr> PlanOverAggregate(BoundSelect bound, const PlanPtr& input) {
    const SchemaPtr final_schema = bound.output_schema;
    const SourcePos pos = bound.over_pos;
    std::vector<int> call_of_item(bound.items.size(), -1);
    for (size_t o = 0; o < bound.over_items.size(); ++o) {
      call_of_item[static_cast<size_t>(bound.over_items[o])] = static_cast<int>(o);
    }
    BoundSelect pre;
    pre.input_table = bound.input_table;
    pre.input_schema = bound.input_schema;
    pre.where = std::move(bound.where);
    std::vector<Field> fields;
    std::vector<int> item_column(bound.items.size(), -1);
    for (size_t i = 0; i < bound.items.size(); ++i) {
      if (call_of_item[i] >= 0) continue;
      item_column[i] = static_cast<int>(pre.items.size());
      fields.push_back(final_schema->field(static_cast<int>(i)));
      pre.items.push_back(std::move(bound.items[i]));
    }
    auto add = [&](BoundExprPtr e, const std::string& name) {
      const int column = static_cast<int>(pre.items.size());
      fields.push_back(Field{name, e->type, true});
      pre.items.push_back(std::move(e));
      return column;
    };
    std::vector<int> partition;
    for (size_t i = 0; i < bound.rank_partition.size(); ++i) {
      partition.push_back(add(std::move(bound.rank_partition[i]), "__partition" + std::to_string(i)));
    }
    std::vector<PlanNode::Order> order;
    for (size_t i = 0; i < bound.rank_order.size(); ++i) {
      const int c = add(std::move(bound.rank_order[i]), "__order" + std::to_string(i));
      order.push_back(PlanNode::Order{c, bound.rank_descending[i], bound.rank_nulls_first[i]});
    }
    std::vector<PlanNode::OverCall> calls;
    for (size_t o = 0; o < bound.over_aggregates.size(); ++o) {
      BoundAggregate& agg = bound.over_aggregates[o];
      const int arg = agg.arg ? add(std::move(agg.arg), "__arg" + std::to_string(o)) : -1;
      calls.push_back(PlanNode::OverCall{agg.kind, arg});
    }
    pre.output_schema = MakeSchema(std::move(fields));
    SLUICE_ASSIGN_OR_RETURN(PlanPtr prepared, MakeSelect(std::move(pre), input));

    PlanPtr over = NewNode(PlanKind::kOverAggregate, pos);
    over->partition = std::move(partition);
    over->order = std::move(order);
    over->over_calls = std::move(calls);
    over->over_preceding = bound.over_preceding;
    over->over_range_peers = bound.over_range_peers;
    std::vector<Field> over_fields = prepared->schema->fields();
    const int first_call = static_cast<int>(over_fields.size());
    for (size_t o = 0; o < bound.over_aggregates.size(); ++o) {
      const AggregateKind kind = bound.over_aggregates[o].kind;
      over_fields.push_back(Field{"__over" + std::to_string(o), bound.over_aggregates[o].type,
                                  kind != AggregateKind::kCount && kind != AggregateKind::kCountStar});
    }
    over->schema = MakeSchema(std::move(over_fields));
    over->append_only = false;
    // One output row per input row, columns in the same places: a key of the input rows
    // identifies the output rows too (the changes of a row keep its key).
    over->unique_key = prepared->unique_key;
    over->inputs.push_back(prepared);

    BoundSelect post;
    post.input_table = "over";
    post.input_schema = over->schema;
    for (size_t i = 0; i < bound.items.size(); ++i) {
      const int from = call_of_item[i] >= 0 ? first_call + call_of_item[i] : item_column[i];
      post.items.push_back(ColumnRef(from, over->schema->field(from), pos));
    }
    post.output_schema = final_schema;
    return MakeSelect(std::move(post), over);
  }

  const Catalog& catalog_;
  const PlanOptions& options_;
  const ErrorContext& ctx_;
};

}  // namespace

Result<PlanPtr> PlanQuery(const SelectStmt& select, const Catalog& catalog,
                          const PlanOptions& options, const ErrorContext& ctx) {
  Planner planner(catalog, options, ctx);
  return planner.PlanTree(select, -1);
}

}  // namespace sluice::sql
