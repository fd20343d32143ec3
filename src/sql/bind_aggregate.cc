// Binding of aggregate queries: GROUP BY keys over the input, aggregate calls, and the
// select list and HAVING over the aggregation frame (keys, then aggregate results).
#include <algorithm>
#include <cctype>

#include "sql/binder.h"

namespace sluice::sql {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsAggregateCall(const ParsedExpr& e) {
  // agg(x) OVER (...) is a window function, not a group aggregate.
  return e.kind == ExprKind::kFunction && IsAggregateFunctionName(e.op) && !e.over;
}

// Whether `e` can never be NULL; decides whether a group key may be an upsert key.
bool NeverNull(const BoundExpr& e, const Schema& input) {
  switch (e.op) {
    case BoundOp::kConstant: return !e.value.is_null();
    case BoundOp::kColumn: return !input.field(e.column).nullable;
    case BoundOp::kCoalesce:
      return std::any_of(e.args.begin(), e.args.end(),
                         [&](const BoundExprPtr& a) { return NeverNull(*a, input); });
    case BoundOp::kCast: return !e.flag && NeverNull(*e.args[0], input);
    default: return false;
  }
}

// Resolves the select list and HAVING: aggregate calls and GROUP BY expressions become
// frame columns; a column outside both is an error.
class FrameScope final : public AggregateScope {
 public:
  FrameScope(Binder& input, const ErrorContext& ctx, BoundSelect* out,
             std::vector<std::string> key_texts)
      : input_(input), ctx_(ctx), out_(out), key_texts_(std::move(key_texts)) {}

  Result<BoundExprPtr> Resolve(const ParsedExpr& e) override {
    if (IsAggregateCall(e)) return BindAggregate(e);
    if (e.kind == ExprKind::kLiteral) return BoundExprPtr();
    if (e.kind == ExprKind::kColumnRef) {
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr col, input_.Bind(e));
      for (size_t k = 0; k < out_->group_keys.size(); ++k) {
        const BoundExpr& key = *out_->group_keys[k];
        if (key.op == BoundOp::kColumn && key.column == col->column) {
          return FrameRef(static_cast<int>(k), key.type, e);
        }
      }
      return ctx_.Invalid(e.pos, "column '" + ExprText(e, ctx_) +
                                     "' must appear in GROUP BY or be used in an aggregate "
                                     "function");
    }
    const std::string text = Lower(ExprText(e, ctx_));
    for (size_t k = 0; k < key_texts_.size(); ++k) {
      if (key_texts_[k] == text) {
        return FrameRef(static_cast<int>(k), out_->group_keys[k]->type, e);
      }
    }
    return BoundExprPtr();
  }

 private:
  BoundExprPtr FrameRef(int column, const DataType& type, const ParsedExpr& e) {
    BoundExprPtr b = MakeBound(BoundOp::kColumn, type, e, ctx_);
    b->column = column;
    return b;
  }

  Result<BoundExprPtr> BindAggregate(const ParsedExpr& e) {
    const std::string name = Lower(e.op);
    for (const auto& a : e.args) {
      if (const ParsedExpr* inner = FindAggregateCall(*a)) {
        return ctx_.Invalid(inner->pos, "aggregate function calls cannot be nested");
      }
    }
    if (e.filter) {
      if (const ParsedExpr* inner = FindAggregateCall(*e.filter)) {
        return ctx_.Invalid(inner->pos, "aggregate functions are not allowed in FILTER");
      }
    }
    BoundAggregate agg;
    agg.text = ExprText(e, ctx_);
    const int keys = static_cast<int>(out_->group_keys.size());
    const std::string key = Lower(agg.text);
    for (size_t j = 0; j < agg_texts_.size(); ++j) {
      if (agg_texts_[j] == key) {
        return FrameRef(keys + static_cast<int>(j), out_->aggregates[j].type, e);
      }
    }
    const bool known = name == "count" || name == "sum" || name == "avg" || name == "min" ||
                       name == "max" || name == "approx_count_distinct";
    if (!known) return ctx_.NotSupported(e.pos, "aggregate function " + name + "()");
    if (e.star) {
      if (name != "count") return ctx_.Invalid(e.pos, name + "(*) is not allowed; only count takes '*'");
      agg.kind = AggregateKind::kCountStar;
      agg.type = DataType::Int64();
    } else {
      if (e.args.size() != 1) {
        return ctx_.Invalid(e.pos, name + "() takes exactly one argument" +
                                       std::string(name == "count" ? " (or *)" : ""));
      }
      SLUICE_ASSIGN_OR_RETURN(agg.arg, input_.Bind(*e.args[0]));
      if (agg.arg->untyped_null) {
        SLUICE_ASSIGN_OR_RETURN(agg.arg, input_.Coerce(std::move(agg.arg), DataType::Int64()));
      }
      SLUICE_RETURN_NOT_OK(TypeAggregate(name, e, &agg));
    }
    if (e.filter) {
      SLUICE_ASSIGN_OR_RETURN(agg.filter, input_.BindBoolean(*e.filter, "FILTER condition"));
    }
    const DataType type = agg.type;
    out_->aggregates.push_back(std::move(agg));
    agg_texts_.push_back(key);
    return FrameRef(keys + static_cast<int>(agg_texts_.size()) - 1, type, e);
  }

  Status TypeAggregate(const std::string& name, const ParsedExpr& e, BoundAggregate* agg) {
    const DataType t = agg->arg->type;
    const SourcePos at = e.args[0]->pos;
    if (name == "count") {
      agg->kind = e.distinct ? AggregateKind::kCountDistinct : AggregateKind::kCount;
      agg->type = DataType::Int64();
      return Status::OK();
    }
    if (name == "approx_count_distinct") {
      if (t.id == TypeId::kInterval) return ctx_.NotSupported(at, name + "() of INTERVAL values");
      agg->kind = AggregateKind::kApproxCountDistinct;
      agg->type = DataType::Int64();
      return Status::OK();
    }
    if (name == "min" || name == "max") {
      if (t.id == TypeId::kInterval) return ctx_.NotSupported(at, name + "() of INTERVAL values");
      agg->kind = name == "min" ? AggregateKind::kMin : AggregateKind::kMax;
      agg->type = t;
      return Status::OK();
    }
    if (e.distinct) return ctx_.NotSupported(e.pos, name + "(DISTINCT ...)");
    if (!t.IsNumeric()) {
      return ctx_.Invalid(at, name + "() needs a numeric argument, not " + t.ToString());
    }
    if (name == "avg") {
      agg->kind = AggregateKind::kAvg;
      agg->type = DataType::Double();
      return Status::OK();
    }
    agg->kind = AggregateKind::kSum;
    if (t.id == TypeId::kDouble) {
      agg->type = DataType::Double();
    } else if (t.id == TypeId::kDecimal) {
      agg->type = DataType::Decimal(18, t.scale);
    } else {
      agg->type = DataType::Int64();
    }
    return Status::OK();
  }

  Binder& input_;
  const ErrorContext& ctx_;
  BoundSelect* out_;
  std::vector<std::string> key_texts_;  // lowercased GROUP BY texts
  std::vector<std::string> agg_texts_;  // lowercased aggregate calls, for reuse
};

Status BindGroupKeys(const SelectStmt& select, Binder& input, const ErrorContext& ctx,
                     BoundSelect* out, std::vector<std::string>* key_texts,
                     std::vector<std::string>* key_names) {
  for (const ParsedExprPtr& g : select.group_by) {
    const ParsedExpr* src = g.get();
    if (g->kind == ExprKind::kLiteral && !g->null_literal &&
        (g->value.type().id == TypeId::kInt32 || g->value.type().id == TypeId::kInt64)) {
      const int64_t n = g->value.int_value();
      if (n < 1 || n > static_cast<int64_t>(select.items.size()) ||
          select.items[static_cast<size_t>(n - 1)].star) {
        return ctx.Invalid(g->pos, "GROUP BY " + std::to_string(n) +
                                       " does not name a select item (1.." +
                                       std::to_string(select.items.size()) + ", not *)");
      }
      src = select.items[static_cast<size_t>(n - 1)].expr.get();
    }
    if (const ParsedExpr* agg = FindAggregateCall(*src)) {
      return ctx.Invalid(agg->pos, "aggregate functions are not allowed in GROUP BY");
    }
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr key, input.Bind(*src));
    if (key->untyped_null) {
      SLUICE_ASSIGN_OR_RETURN(key, input.Coerce(std::move(key), DataType::Varchar()));
    }
    key_texts->push_back(Lower(ExprText(*src, ctx)));
    key_names->push_back(key->op == BoundOp::kColumn ? out->input_schema->field(key->column).name
                                                     : ExprText(*src, ctx));
    out->group_keys.push_back(std::move(key));
  }
  return Status::OK();
}

}  // namespace

const char* AggregateKindName(AggregateKind kind) {
  switch (kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount:
    case AggregateKind::kCountDistinct: return "count";
    case AggregateKind::kSum: return "sum";
    case AggregateKind::kAvg: return "avg";
    case AggregateKind::kMin: return "min";
    case AggregateKind::kMax: return "max";
    case AggregateKind::kApproxCountDistinct: return "approx_count_distinct";
  }
  return "?";
}

bool SupportsRetraction(AggregateKind kind) {
  return kind != AggregateKind::kApproxCountDistinct;
}

const ParsedExpr* FindAggregateCall(const ParsedExpr& e) {
  if (IsAggregateCall(e)) return &e;
  for (const auto& a : e.args) {
    if (const ParsedExpr* f = FindAggregateCall(*a)) return f;
  }
  if (e.filter) return FindAggregateCall(*e.filter);
  return nullptr;
}

bool IsAggregateQuery(const SelectStmt& select) {
  if (!select.group_by.empty() || select.having) return true;
  return std::any_of(select.items.begin(), select.items.end(), [](const SelectItem& item) {
    return !item.star && FindAggregateCall(*item.expr) != nullptr;
  });
}

Status BindAggregateQuery(const SelectStmt& select, Binder& input_binder, const ErrorContext& ctx,
                          BoundSelect* out, std::vector<std::string>* names) {
  out->aggregate = true;
  std::vector<std::string> key_texts;
  std::vector<std::string> key_names;
  SLUICE_RETURN_NOT_OK(BindGroupKeys(select, input_binder, ctx, out, &key_texts, &key_names));
  const int keys = static_cast<int>(out->group_keys.size());
  FrameScope scope(input_binder, ctx, out, key_texts);
  Binder frame_binder(ctx, out->input_schema, out->input_table, select.from.alias.name);
  frame_binder.set_scope(&scope);
  for (const SelectItem& item : select.items) {
    if (item.star) {
      return ctx.Invalid(item.pos, "SELECT * cannot be used with GROUP BY or aggregates; list "
                                   "the grouped columns and the aggregates");
    }
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, frame_binder.Bind(*item.expr));
    if (b->untyped_null) {
      SLUICE_ASSIGN_OR_RETURN(b, frame_binder.Coerce(std::move(b), DataType::Varchar()));
    }
    const bool is_key = b->op == BoundOp::kColumn && b->column < keys;
    std::string name;
    if (!item.alias.name.empty()) {
      name = item.alias.name;
    } else if (is_key && item.expr->kind == ExprKind::kColumnRef) {
      name = key_names[static_cast<size_t>(b->column)];
    } else {
      name = ExprText(*item.expr, ctx);
    }
    out->key_output.push_back(is_key ? b->column : -1);
    out->items.push_back(std::move(b));
    names->push_back(std::move(name));
  }
  if (select.having) {
    SLUICE_ASSIGN_OR_RETURN(out->having, frame_binder.BindBoolean(*select.having, "HAVING condition"));
  }
  std::vector<Field> frame;
  for (int k = 0; k < keys; ++k) {
    const BoundExpr& key = *out->group_keys[static_cast<size_t>(k)];
    frame.push_back(Field{key_names[static_cast<size_t>(k)], key.type,
                          !NeverNull(key, *out->input_schema)});
  }
  for (const BoundAggregate& a : out->aggregates) {
    const bool is_count = a.kind == AggregateKind::kCountStar || a.kind == AggregateKind::kCount ||
                          a.kind == AggregateKind::kCountDistinct ||
                          a.kind == AggregateKind::kApproxCountDistinct;
    frame.push_back(Field{a.text, a.type, !is_count});
  }
  out->frame_schema = MakeSchema(std::move(frame));
  return Status::OK();
}

}  // namespace sluice::sql
