// BindSelect: FROM resolution, star expansion, output names, WHERE.
#include <set>

#include "core/diagnostics.h"
#include "sql/binder.h"

namespace sluice::sql {

namespace {

// The catalog's spelling of `name`, or "" when it has no such table.
std::string CanonicalName(const Catalog& catalog, const std::string& name) {
  for (const std::string& n : catalog.TableNames()) {
    if (EqualsIgnoreCase(n, name)) return n;
  }
  return name;
}

Status ExpandStar(const SelectItem& item, const BoundSelect& out, const Binder& binder,
                  const ErrorContext& ctx, std::vector<BoundExprPtr>* items,
                  std::vector<std::string>* names) {
  const Schema& s = *out.input_schema;
  int first = 0;
  int count = s.num_fields();
  if (!item.star_qualifier.empty()) {
    const RelationScope* found = nullptr;
    std::string known;
    for (const RelationScope& scope : binder.scopes()) {
      if (!known.empty()) known += ", ";
      known += scope.qualifiers.front();
      for (const std::string& q : scope.qualifiers) {
        if (EqualsIgnoreCase(q, item.star_qualifier)) found = &scope;
      }
    }
    if (found == nullptr) {
      return ctx.Invalid(item.pos, "unknown table '" + item.star_qualifier + "' in " +
                                       item.star_qualifier + ".*; the query reads " + known);
    }
    first = found->first;
    count = found->count;
  }
  for (int i = first; i < first + count; ++i) {
    auto b = std::make_unique<BoundExpr>();
    b->op = BoundOp::kColumn;
    b->type = s.field(i).type;
    b->column = i;
    b->pos = item.pos;
    b->text = s.field(i).name;
    items->push_back(std::move(b));
    names->push_back(s.field(i).name);
  }
  return Status::OK();
}

// ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) as select item `index`.
Status BindRankItem(const SelectItem& item, Binder& binder, const ErrorContext& ctx, int index,
                    BoundSelect* out) {
  const ParsedExpr& e = *item.expr;
  std::string name;
  for (char c : e.op) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name != "row_number") {
    if (name == "rank" || name == "dense_rank") {
      return ctx.NotSupported(e.pos, name + "() (ROW_NUMBER() is; ties then rank by arrival)");
    }
    return ctx.NotSupported(e.pos, "the window function " + e.op + "() (only ROW_NUMBER() OVER (...) "
                                   "for top-N and deduplication is)");
  }
  if (!e.args.empty() || e.star) return ctx.Invalid(e.pos, "ROW_NUMBER() takes no arguments");
  if (out->rank_item >= 0) return ctx.NotSupported(e.pos, "two ROW_NUMBER() columns in one SELECT");
  if (e.over->order_by.empty()) {
    return ctx.Invalid(e.over->pos, "ROW_NUMBER() needs ORDER BY in OVER (...): it decides which "
                                    "rows are kept");
  }
  for (const ParsedExprPtr& p : e.over->partition_by) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, binder.Bind(*p));
    out->rank_partition.push_back(std::move(b));
  }
  for (const OrderTerm& t : e.over->order_by) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, binder.Bind(*t.expr));
    if (b->untyped_null) return ctx.Invalid(t.expr->pos, "ORDER BY NULL orders nothing");
    out->rank_order.push_back(std::move(b));
    out->rank_descending.push_back(t.descending);
    out->rank_nulls_first.push_back(t.nulls_first);
  }
  out->rank_item = index;
  out->rank_pos = e.pos;
  auto placeholder = MakeBound(BoundOp::kConstant, DataType::Int64(), e, ctx);
  placeholder->value = Value::Int64(0);
  out->items.push_back(std::move(placeholder));
  return Status::OK();
}

// The first call with OVER inside `e` (e itself included), or nullptr.
const ParsedExpr* FindOverCall(const ParsedExpr& e) {
  if (e.kind == ExprKind::kFunction && e.over) return &e;
  for (const auto& a : e.args) {
    if (const ParsedExpr* f = FindOverCall(*a)) return f;
  }
  return nullptr;
}

// The OVER clause as text, to tell whether two calls share it.
std::string OverText(const OverClause& o, const ErrorContext& ctx) {
  std::string t = "P";
  for (const ParsedExprPtr& p : o.partition_by) t += "|" + ExprText(*p, ctx);
  t += "O";
  for (const OrderTerm& term : o.order_by) {
    t += "|" + ExprText(*term.expr, ctx) + (term.descending ? " d" : " a") +
         (term.nulls_first ? "f" : "l");
  }
  t += "F" + std::to_string(o.has_frame) + std::to_string(o.frame_range) +
       std::to_string(o.frame_preceding);
  return t;
}

// agg(x) OVER (...) as select item `index`: count, sum, avg, min, max over a frame.
Status BindOverAggregateItem(const SelectItem& item, Binder& binder, const ErrorContext& ctx,
                             int index, std::string* first_over, BoundSelect* out) {
  const ParsedExpr& e = *item.expr;
  const OverClause& over = *e.over;
  std::string name;
  for (char c : e.op) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "approx_count_distinct") return ctx.NotSupported(e.pos, name + "() OVER (...)");
  if (e.distinct) return ctx.NotSupported(e.pos, name + "(DISTINCT ...) OVER (...)");
  if (e.filter) return ctx.NotSupported(e.filter->pos, "FILTER in an aggregate OVER (...)");
  const std::string text = OverText(over, ctx);
  if (out->over_items.empty()) {
    *first_over = text;
    if (over.order_by.empty()) {
      return ctx.NotSupported(over.pos, name + "() OVER (...) without ORDER BY (its frame would be "
                                             "the whole partition, which changes with every row); "
                                             "add ORDER BY and a frame such as ROWS BETWEEN 10 "
                                             "PRECEDING AND CURRENT ROW");
    }
    if (over.has_frame && over.frame_range && over.frame_preceding == 0) {
      return ctx.NotSupported(over.frame_start_pos, "a RANGE frame starting at CURRENT ROW; write "
                                                    "ROWS BETWEEN n PRECEDING AND CURRENT ROW");
    }
    for (const ParsedExprPtr& p : over.partition_by) {
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, binder.Bind(*p));
      out->rank_partition.push_back(std::move(b));
    }
    for (const OrderTerm& t : over.order_by) {
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, binder.Bind(*t.expr));
      if (b->untyped_null) return ctx.Invalid(t.expr->pos, "ORDER BY NULL orders nothing");
      if (b->type.id == TypeId::kInterval) {
        return ctx.NotSupported(t.expr->pos, "ORDER BY an INTERVAL in OVER (...) with an aggregate");
      }
      out->rank_order.push_back(std::move(b));
      out->rank_descending.push_back(t.descending);
      out->rank_nulls_first.push_back(t.nulls_first);
    }
    out->over_pos = over.pos;
    out->over_preceding = over.has_frame ? over.frame_preceding : -1;
    out->over_range_peers = !over.has_frame || over.frame_range;
  } else if (text != *first_over) {
    return ctx.NotSupported(over.pos, "OVER aggregates with different OVER (...) clauses in one "
                                      "SELECT; give them the same PARTITION BY, ORDER BY and frame, "
                                      "or compute them in separate queries");
  }
  BoundAggregate agg;
  agg.text = ExprText(e, ctx);
  if (e.star) {
    if (name != "count") return ctx.Invalid(e.pos, name + "(*) is not allowed; only count takes '*'");
    agg.kind = AggregateKind::kCountStar;
    agg.type = DataType::Int64();
  } else {
    if (e.args.size() != 1) {
      return ctx.Invalid(e.pos, name + "() takes exactly one argument" +
                                    std::string(name == "count" ? " (or *)" : ""));
    }
    if (const ParsedExpr* inner = FindOverCall(*e.args[0])) {
      return ctx.Invalid(inner->pos, "window function calls cannot be nested");
    }
    SLUICE_ASSIGN_OR_RETURN(agg.arg, binder.Bind(*e.args[0]));
    if (agg.arg->untyped_null) {
      SLUICE_ASSIGN_OR_RETURN(agg.arg, binder.Coerce(std::move(agg.arg), DataType::Int64()));
    }
    const DataType t = agg.arg->type;
    const SourcePos at = e.args[0]->pos;
    const bool numeric = t.id == TypeId::kInt32 || t.id == TypeId::kInt64 ||
                         t.id == TypeId::kDecimal || t.id == TypeId::kDouble;
    if (name == "count") {
      agg.kind = AggregateKind::kCount;
      agg.type = DataType::Int64();
    } else if (name == "min" || name == "max") {
      if (t.id == TypeId::kVarchar || t.id == TypeId::kInterval) {
        return ctx.NotSupported(at, name + "() of " + t.ToString() + " over a window frame");
      }
      agg.kind = name == "min" ? AggregateKind::kMin : AggregateKind::kMax;
      agg.type = t;
    } else {
      if (!numeric) return ctx.Invalid(at, name + "() needs a numeric argument, not " + t.ToString());
      agg.kind = name == "avg" ? AggregateKind::kAvg : AggregateKind::kSum;
      agg.type = name == "avg" || t.id == TypeId::kDouble ? DataType::Double()
                 : t.id == TypeId::kDecimal               ? DataType::Decimal(18, t.scale)
                                                          : DataType::Int64();
    }
  }
  auto placeholder = MakeBound(BoundOp::kConstant, agg.type, e, ctx);
  placeholder->value = Value::Null(agg.type);
  out->items.push_back(std::move(placeholder));
  out->over_items.push_back(index);
  out->over_aggregates.push_back(std::move(agg));
  return Status::OK();
}

Result<int64_t> WindowLength(const ParsedExpr& e, const char* what, const BoundSelect& out,
                             const ErrorContext& ctx) {
  Binder b(ctx, out.source_schema, out.input_table, "");
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, b.Bind(e));
  if (!v->is_constant() || v->type.id != TypeId::kInterval || v->value.is_null()) {
    return ctx.Invalid(e.pos, std::string("the window ") + what +
                                  " must be a constant INTERVAL, e.g. INTERVAL '10' SECOND");
  }
  const Interval iv = v->value.interval_value();
  const int64_t micros = int64_t{iv.days} * 86400 * 1000000 + iv.micros;
  if (iv.months != 0 || micros <= 0) {
    return ctx.Invalid(e.pos, std::string("the window ") + what +
                                  " must be positive and given in days or smaller units "
                                  "(months have no fixed length)");
  }
  return micros;
}

}  // namespace

Status BindWindow(const SelectStmt& select, const ErrorContext& ctx, BoundSelect* out) {
  return BindWindowFrom(select.from, ctx, out);
}

Status BindWindowFrom(const TableRef& from, const ErrorContext& ctx, BoundSelect* out) {
  out->window = from.window;
  out->source_schema = out->input_schema;
  const Schema& src = *out->source_schema;
  const int ts = from.time_column.quoted ? -1 : src.FieldIndex(from.time_column.name);
  int index = ts;
  if (from.time_column.quoted) {
    for (int i = 0; i < src.num_fields(); ++i) {
      if (src.field(i).name == from.time_column.name) index = i;
    }
  }
  if (index < 0) {
    std::vector<std::string> names;
    for (const Field& f : src.fields()) names.push_back(f.name);
    std::string msg = "unknown column '" + from.time_column.name + "' in " + out->input_table;
    const std::string hint = SuggestionHint(from.time_column.name, names);
    if (!hint.empty()) msg += " (" + hint + ")";
    return ctx.Invalid(from.time_column.pos, msg);
  }
  if (src.field(index).type.id != TypeId::kTimestamp) {
    return ctx.Invalid(from.time_column.pos, "the window's time column '" + src.field(index).name +
                                                 "' must be TIMESTAMP, not " +
                                                 src.field(index).type.ToString());
  }
  for (const char* reserved : {"window_start", "window_end"}) {
    if (src.FieldIndex(reserved) >= 0) {
      return ctx.Invalid(from.window_pos, std::string("the stream already has a column named ") +
                                              reserved + "; a window adds its own");
    }
  }
  out->time_column = index;
  SLUICE_ASSIGN_OR_RETURN(out->window_size, WindowLength(*from.window_size, "size", *out, ctx));
  out->window_slide = out->window_size;
  if (from.window == WindowKind::kHop || from.window == WindowKind::kCumulate) {
    const bool hop = from.window == WindowKind::kHop;
    SLUICE_ASSIGN_OR_RETURN(out->window_slide,
                            WindowLength(*from.window_slide, hop ? "slide" : "step", *out, ctx));
    if (out->window_size % out->window_slide != 0) {
      return ctx.Invalid(from.window_size->pos,
                         hop ? "a HOP window's size must be a multiple of its slide"
                             : "a CUMULATE window's size must be a multiple of its step (e.g. "
                               "step INTERVAL '1' MINUTE, size INTERVAL '1' HOUR)");
    }
  }
  for (const Identifier& key : from.window_partition) {
    const int k = src.FieldIndex(key.name);
    if (k < 0) {
      std::vector<std::string> names;
      for (const Field& f : src.fields()) names.push_back(f.name);
      std::string msg = "unknown partition column '" + key.name + "' in " + out->input_table;
      const std::string hint = SuggestionHint(key.name, names);
      if (!hint.empty()) msg += " (" + hint + ")";
      return ctx.Invalid(key.pos, msg);
    }
    out->window_partition.push_back(k);
  }
  std::vector<Field> fields = src.fields();
  fields.push_back(Field{"window_start", DataType::Timestamp(), false});
  fields.push_back(Field{"window_end", DataType::Timestamp(), false});
  out->input_schema = MakeSchema(std::move(fields));
  return Status::OK();
}

Status BindWindowKeys(const SelectStmt& select, const ErrorContext& ctx, bool aggregate,
                      BoundSelect* out) {
  const TableRef& from = select.from;
  const int start = out->source_schema->num_fields();
  for (size_t k = 0; k < out->group_keys.size(); ++k) {
    const BoundExpr& key = *out->group_keys[k];
    if (key.op != BoundOp::kColumn) continue;
    if (key.column == start) out->window_start_key = static_cast<int>(k);
    if (key.column == start + 1) out->window_end_key = static_cast<int>(k);
  }
  if (!aggregate) {
    if (from.window == WindowKind::kSession) {
      return ctx.Invalid(from.window_pos, "a SESSION window query must aggregate and GROUP BY "
                                          "window_start, window_end (a session's bounds are "
                                          "only known once it closes)");
    }
    if (select.emit_on_window_close) {
      return ctx.Invalid(select.emit_pos, "EMIT ON WINDOW CLOSE needs an aggregate over the "
                                          "window (GROUP BY window_start, window_end)");
    }
    out->window_tvf = true;
    return Status::OK();
  }
  if (out->window_start_key < 0) {
    return ctx.Invalid(from.window_pos,
                       "a windowed query must aggregate and GROUP BY window_start (e.g. "
                       "SELECT window_start, window_end, count(*) ... GROUP BY window_start, "
                       "window_end)");
  }
  if (from.window == WindowKind::kCumulate && out->window_end_key < 0) {
    return ctx.Invalid(from.window_pos, "a CUMULATE window aggregate must GROUP BY window_start "
                                        "and window_end (its windows share their start)");
  }
  if (from.window == WindowKind::kSession) {
    if (out->window_end_key < 0) {
      return ctx.Invalid(from.window_pos, "a SESSION window aggregate must GROUP BY window_start "
                                          "and window_end");
    }
    for (size_t p = 0; p < out->window_partition.size(); ++p) {
      int found = -1;
      for (size_t k = 0; k < out->group_keys.size(); ++k) {
        const BoundExpr& key = *out->group_keys[k];
        if (key.op == BoundOp::kColumn && key.column == out->window_partition[p]) {
          found = static_cast<int>(k);
        }
      }
      if (found < 0) {
        return ctx.Invalid(from.window_partition[p].pos,
                           "SESSION's partition column '" + from.window_partition[p].name +
                               "' must also be in GROUP BY");
      }
      out->window_partition_keys.push_back(found);
    }
    if (out->window_partition.empty()) {
      for (size_t k = 0; k < out->group_keys.size(); ++k) {
        const int ki = static_cast<int>(k);
        if (ki != out->window_start_key && ki != out->window_end_key) {
          out->window_partition_keys.push_back(ki);
        }
      }
    }
  }
  out->emit_on_window_close = select.emit_on_window_close;
  return Status::OK();
}

Result<InputRelation> ResolveStream(const TableRef& from, const Catalog& catalog,
                                    const ErrorContext& ctx) {
  const std::string name = from.Name();
  InputRelation rel;
  rel.schema = catalog.FindTable(name);
  if (!rel.schema) {
    if (std::string why = catalog.ExplainMissing(name); !why.empty()) {
      return ctx.Invalid(from.pos, "stream '" + name + "' is not available: " + why);
    }
    std::string msg = "unknown stream '" + name + "'";
    const std::vector<std::string> names = catalog.TableNames();
    const std::string hint = SuggestionHint(name, names);
    if (!hint.empty()) msg += " (" + hint + ")";
    if (names.empty()) msg += "; no sources are declared (add one under sources/)";
    return ctx.Invalid(from.pos, msg);
  }
  rel.table = CanonicalName(catalog, name);
  return rel;
}

Result<BoundSelect> BindSelect(const SelectStmt& select, const Catalog& catalog,
                               const ErrorContext& ctx) {
  if (select.from.kind != TableRefKind::kStream) {
    return ctx.NotSupported(select.from.pos, select.from.kind == TableRefKind::kJoin
                                                 ? "a JOIN here (the stream planner handles joins)"
                                                 : "a subquery here (the stream planner handles them)");
  }
  SLUICE_ASSIGN_OR_RETURN(InputRelation input, ResolveStream(select.from, catalog, ctx));
  return BindSelectOver(select, input, ctx);
}

Result<BoundSelect> BindSelectOver(const SelectStmt& select, const InputRelation& input,
                                   const ErrorContext& ctx) {
  BoundSelect out;
  out.input_schema = input.schema;
  out.input_table = input.table;
  InputRelation relation = input;
  if (relation.scopes.empty()) {
    relation.scopes.push_back(StreamScope(input.table, select.from.alias.name, input.schema->num_fields()));
  }
  if (select.from.window != WindowKind::kNone) {
    SLUICE_RETURN_NOT_OK(BindWindow(select, ctx, &out));
  } else if (select.emit_on_window_close) {
    return ctx.Invalid(select.emit_pos, "EMIT ON WINDOW CLOSE needs a window: FROM TUMBLE(stream, "
                                        "time_column, INTERVAL ...) or HOP(...)");
  }
  // A window adds window_start and window_end to the stream's scope.
  relation.schema = out.input_schema;
  if (relation.scopes.size() == 1) relation.scopes[0].count = out.input_schema->num_fields();
  Binder binder(ctx, relation);

  std::vector<std::string> names;
  if (select.where) {
    if (const ParsedExpr* agg = FindAggregateCall(*select.where)) {
      return ctx.Invalid(agg->pos, "aggregate functions are not allowed in WHERE; filter on "
                                   "them with HAVING");
    }
  }
  const bool aggregate = IsAggregateQuery(select);
  for (const SelectItem& item : select.items) {
    if (item.star) continue;
    const ParsedExpr* call = FindOverCall(*item.expr);
    if (call == nullptr) continue;
    if (aggregate) {
      return ctx.NotSupported(call->pos, "a window function in a GROUP BY or aggregate query; "
                                         "aggregate in a subquery, then apply OVER (...) outside");
    }
    if (call != item.expr.get()) {
      return ctx.NotSupported(call->pos, "a window function inside an expression; select it as "
                                         "its own column (in a subquery) and compute with it outside");
    }
  }
  if (aggregate) SLUICE_RETURN_NOT_OK(BindAggregateQuery(select, binder, ctx, &out, &names));
  std::string first_over;
  for (const SelectItem& item : select.items) {
    if (aggregate) break;
    if (item.star) {
      SLUICE_RETURN_NOT_OK(ExpandStar(item, out, binder, ctx, &out.items, &names));
      continue;
    }
    if (item.expr->kind == ExprKind::kFunction && item.expr->over &&
        IsAggregateFunctionName(item.expr->op)) {
      if (out.rank_item >= 0) {
        return ctx.NotSupported(item.expr->pos, "ROW_NUMBER() and an aggregate OVER (...) in one "
                                                "SELECT; rank in a subquery first");
      }
      SLUICE_RETURN_NOT_OK(BindOverAggregateItem(item, binder, ctx, static_cast<int>(out.items.size()),
                                                 &first_over, &out));
      names.push_back(item.alias.name.empty() ? ExprText(*item.expr, ctx) : item.alias.name);
      continue;
    }
    if (item.expr->kind == ExprKind::kFunction && item.expr->over) {
      if (!out.over_items.empty()) {
        return ctx.NotSupported(item.expr->pos, "ROW_NUMBER() and an aggregate OVER (...) in one "
                                                "SELECT; rank in a subquery first");
      }
      SLUICE_RETURN_NOT_OK(BindRankItem(item, binder, ctx, static_cast<int>(out.items.size()), &out));
      names.push_back(item.alias.name.empty() ? "row_number" : item.alias.name);
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, binder.Bind(*item.expr));
    if (b->untyped_null) { SLUICE_ASSIGN_OR_RETURN(b, binder.Coerce(std::move(b), DataType::Varchar())); }
    std::string col_name;
    if (!item.alias.name.empty()) {
      col_name = item.alias.name;
    } else if (item.expr->kind == ExprKind::kColumnRef) {
      col_name = out.input_schema->field(b->column).name;
    } else {
      col_name = ExprText(*item.expr, ctx);
    }
    out.items.push_back(std::move(b));
    names.push_back(std::move(col_name));
  }
  // Output tables need distinct column names.
  std::vector<Field> fields;
  for (size_t i = 0; i < out.items.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (EqualsIgnoreCase(names[i], names[j])) {
        return ctx.Invalid(out.items[i]->pos, "duplicate output column name '" + names[i] +
                                                  "'; give one of them an alias with AS");
      }
    }
    Field f{names[i], out.items[i]->type, static_cast<int>(i) != out.rank_item};
    for (size_t o = 0; o < out.over_items.size(); ++o) {
      if (out.over_items[o] == static_cast<int>(i)) {
        f.nullable = out.over_aggregates[o].kind != AggregateKind::kCount &&
                     out.over_aggregates[o].kind != AggregateKind::kCountStar;
      }
    }
    if (out.items[i]->op == BoundOp::kColumn) {
      const Schema& read = aggregate ? *out.frame_schema : *out.input_schema;
      f.nullable = read.field(out.items[i]->column).nullable;
    }
    fields.push_back(std::move(f));
  }
  out.output_schema = MakeSchema(std::move(fields));
  if (select.where) {
    SLUICE_ASSIGN_OR_RETURN(out.where, binder.BindBoolean(*select.where, "WHERE condition"));
  }
  if (out.window != WindowKind::kNone) {
    SLUICE_RETURN_NOT_OK(BindWindowKeys(select, ctx, aggregate, &out));
  }
  return out;
}

}  // namespace sluice::sql
