#include "sql/binder.h"

#include <cctype>

#include "core/diagnostics.h"
#include "core/time.h"
#include "sql/type_rules.h"
#include "sql/value_parse.h"

namespace sluice::sql {

std::string ExprText(const ParsedExpr& e, const ErrorContext& ctx) {
  std::string out;
  const size_t b = static_cast<size_t>(e.begin);
  const size_t n = static_cast<size_t>(std::max(0, e.end - e.begin));
  bool space = false;
  for (char c : ctx.script.substr(std::min(b, ctx.script.size()), n)) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

BoundExprPtr MakeBound(BoundOp op, DataType type, const ParsedExpr& src, const ErrorContext& ctx) {
  auto b = std::make_unique<BoundExpr>();
  b->op = op;
  b->type = type;
  b->pos = src.pos;
  b->text = ExprText(src, ctx);
  return b;
}

BoundExprPtr Negate(BoundExprPtr e) {
  auto n = std::make_unique<BoundExpr>();
  n->op = BoundOp::kNot;
  n->type = DataType::Boolean();
  n->pos = e->pos;
  n->text = "NOT (" + e->text + ")";
  n->args.push_back(std::move(e));
  return n;
}

namespace {

bool IsStringLiteral(const BoundExpr& e) {
  return e.is_constant() && !e.untyped_null && e.type.id == TypeId::kVarchar && !e.value.is_null();
}

// Parses a string constant as type t; nullopt if it does not parse.
std::optional<Value> ParseConstant(std::string_view s, const DataType& t) {
  switch (t.id) {
    case TypeId::kBoolean: {
      bool b = false;
      if (ParseBoolText(s, &b)) return Value::Boolean(b);
      break;
    }
    case TypeId::kInt32: {
      int64_t v = 0;
      if (ParseInt64Text(s, &v) && v >= INT32_MIN && v <= INT32_MAX) {
        return Value::Int32(static_cast<int32_t>(v));
      }
      break;
    }
    case TypeId::kInt64: {
      int64_t v = 0;
      if (ParseInt64Text(s, &v)) return Value::Int64(v);
      break;
    }
    case TypeId::kDouble: {
      double d = 0;
      if (ParseDoubleText(s, &d)) return Value::Double(d);
      break;
    }
    case TypeId::kDecimal: {
      int64_t v = 0;
      if (ParseDecimalText(s, t.precision, t.scale, &v)) return Value::Decimal(v, t.precision, t.scale);
      break;
    }
    case TypeId::kVarchar: return Value::Varchar(std::string(s));
    case TypeId::kTimestamp: {
      int64_t us = 0;
      if (ParseTimestamp(s, &us)) return Value::Timestamp(us);
      break;
    }
    case TypeId::kDate: {
      int32_t d = 0;
      if (ParseDate(s, &d)) return Value::Date(d);
      break;
    }
    case TypeId::kInterval: {
      Interval iv;
      if (ParseIntervalText(s, &iv)) return Value::FromInterval(iv);
      break;
    }
  }
  return std::nullopt;
}

// Widening casts of constants done at bind time, so literals stay constants (IN lists,
// round() digits). nullopt when the cast is left to the kernels.
std::optional<Value> FoldWidening(const Value& v, const DataType& t) {
  if (v.is_null()) return Value::Null(t);
  const TypeId from = v.type().id;
  const bool integral = from == TypeId::kInt32 || from == TypeId::kInt64;
  if (integral && t.id == TypeId::kInt64) return Value::Int64(v.int_value());
  if (integral && t.id == TypeId::kDouble) return Value::Double(static_cast<double>(v.int_value()));
  if ((integral || from == TypeId::kDecimal) && t.id == TypeId::kDecimal) {
    const int from_scale = from == TypeId::kDecimal ? v.type().scale : 0;
    if (t.scale < from_scale) return std::nullopt;
    int64_t out = 0;
    if (__builtin_mul_overflow(v.int_value(), Pow10(t.scale - from_scale), &out)) return std::nullopt;
    if (out >= Pow10(t.precision) || out <= -Pow10(t.precision)) return std::nullopt;
    return Value::Decimal(out, t.precision, t.scale);
  }
  if (from == TypeId::kDecimal && t.id == TypeId::kDouble) {
    return Value::Double(static_cast<double>(v.int_value()) / static_cast<double>(Pow10(v.type().scale)));
  }
  if (from == TypeId::kDate && t.id == TypeId::kTimestamp) {
    return Value::Timestamp(v.int_value() * kMicrosPerDay);
  }
  return std::nullopt;
}

BoundOp CompareOp(const std::string& op) {
  if (op == "=") return BoundOp::kEq;
  if (op == "<>") return BoundOp::kNe;
  if (op == "<") return BoundOp::kLt;
  if (op == "<=") return BoundOp::kLe;
  if (op == ">") return BoundOp::kGt;
  return BoundOp::kGe;
}


}  // namespace

Result<BoundExprPtr> Binder::Coerce(BoundExprPtr e, const DataType& t) {
  if (e->untyped_null) {
    e->untyped_null = false;
    e->type = t;
    e->value = Value::Null(t);
    return e;
  }
  if (e->type == t) return e;
  if (IsStringLiteral(*e) && t.id != TypeId::kVarchar) {
    std::optional<Value> v = ParseConstant(e->value.string_value(), t);
    if (!v) {
      return ctx_.Invalid(e->pos, "cannot read '" + e->value.string_value() + "' as " + t.ToString());
    }
    e->value = std::move(*v);
    e->type = t;
    return e;
  }
  if (e->is_constant()) {
    if (std::optional<Value> v = FoldWidening(e->value, t)) {
      e->value = std::move(*v);
      e->type = t;
      return e;
    }
  }
  if (!CanCast(e->type, t)) {
    return ctx_.Invalid(e->pos, "cannot convert " + e->type.ToString() + " to " + t.ToString());
  }
  auto c = std::make_unique<BoundExpr>();
  c->op = BoundOp::kCast;
  c->type = t;
  c->pos = e->pos;
  c->text = e->text;
  c->args.push_back(std::move(e));
  return BoundExprPtr(std::move(c));
}

Result<DataType> Binder::Unify(const BoundExpr& a, const BoundExpr& b, SourcePos pos,
                               const std::string& verb) {
  if (a.untyped_null && b.untyped_null) return DataType::Varchar();
  if (a.untyped_null) return b.type;
  if (b.untyped_null) return a.type;
  if (a.type == b.type) return a.type;
  if (auto n = CommonNumericType(a.type, b.type)) return *n;
  if (IsStringLiteral(a) && b.type.id != TypeId::kVarchar) return b.type;
  if (IsStringLiteral(b) && a.type.id != TypeId::kVarchar) return a.type;
  const auto is_time = [](TypeId id) { return id == TypeId::kDate || id == TypeId::kTimestamp; };
  if (is_time(a.type.id) && is_time(b.type.id)) return DataType::Timestamp();
  return ctx_.Invalid(pos, "cannot " + verb + " " + a.type.ToString() + " with " +
                               b.type.ToString() + "; CAST one side");
}

Status Binder::UnifyAll(std::vector<BoundExpr*> list, SourcePos pos, const std::string& verb,
                        DataType* out) {
  // Typed expressions decide; NULLs and string literals follow (Coerce checks them).
  BoundExpr acc;
  acc.op = BoundOp::kColumn;  // a typed, non-literal stand-in for the running type
  bool have = false;
  for (const BoundExpr* e : list) {
    if (e->untyped_null || IsStringLiteral(*e)) continue;
    if (!have) {
      acc.type = e->type;
      have = true;
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(acc.type, Unify(acc, *e, pos, verb));
  }
  if (!have) {
    acc.type = DataType::Varchar();
    for (const BoundExpr* e : list) {
      if (!e->untyped_null && !IsStringLiteral(*e)) acc.type = e->type;
    }
  }
  *out = acc.type;
  return Status::OK();
}

Result<BoundExprPtr> Binder::Bind(const ParsedExpr& e) {
  if (scope_ != nullptr) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr resolved, scope_->Resolve(e));
    if (resolved) return resolved;
  }
  switch (e.kind) {
    case ExprKind::kLiteral: return BindLiteral(e);
    case ExprKind::kColumnRef: return BindColumn(e);
    case ExprKind::kUnary: return BindUnary(e);
    case ExprKind::kBinary: return BindBinary(e);
    case ExprKind::kIsNull:
    case ExprKind::kIsBool: return BindIs(e);
    case ExprKind::kBetween: return BindBetween(e);
    case ExprKind::kInList: return BindIn(e);
    case ExprKind::kLike: return BindLike(e);
    case ExprKind::kCase: return BindCase(e);
    case ExprKind::kCast: return BindCast(e);
    case ExprKind::kFunction: return BindFunction(e);
  }
  return Status::Internal("unknown expression kind");
}

Result<BoundExprPtr> Binder::BindBoolean(const ParsedExpr& e, const std::string& what) {
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, Bind(e));
  if (b->untyped_null) return Coerce(std::move(b), DataType::Boolean());
  if (b->type.id != TypeId::kBoolean) {
    return ctx_.Invalid(e.pos, what + " must be BOOLEAN, not " + b->type.ToString());
  }
  return b;
}

Result<BoundExprPtr> Binder::BindLiteral(const ParsedExpr& e) {
  auto b = MakeBound(BoundOp::kConstant, e.value.type(), e, ctx_);
  if (e.null_literal) {
    b->untyped_null = true;
    b->type = DataType::Varchar();
    b->value = Value::Null(b->type);
  } else {
    b->value = e.value;
  }
  return b;
}

BoundExprPtr CloneBound(const BoundExpr& e) {
  auto out = std::make_unique<BoundExpr>();
  out->op = e.op;
  out->type = e.type;
  out->untyped_null = e.untyped_null;
  out->pos = e.pos;
  out->text = e.text;
  out->value = e.value;
  out->column = e.column;
  out->flag = e.flag;
  for (const BoundExprPtr& a : e.args) out->args.push_back(CloneBound(*a));
  return out;
}

RelationScope StreamScope(const std::string& table, const std::string& alias, int num_columns) {
  RelationScope scope;
  if (!alias.empty()) {
    scope.qualifiers.push_back(alias);
  } else {
    scope.qualifiers.push_back(table);
    const size_t dot = table.rfind('.');
    if (dot != std::string::npos) scope.qualifiers.push_back(table.substr(dot + 1));
  }
  scope.count = num_columns;
  return scope;
}

Result<BoundExprPtr> Binder::BindColumn(const ParsedExpr& e) {
  const Identifier& col = e.names.back();
  // The scopes the column may come from: the qualifier's, or all.
  std::vector<const RelationScope*> candidates;
  if (e.names.size() > 1) {
    std::string qualifier;
    for (size_t i = 0; i + 1 < e.names.size(); ++i) qualifier += (i ? "." : "") + e.names[i].name;
    for (const RelationScope& scope : scopes_) {
      for (const std::string& q : scope.qualifiers) {
        if (EqualsIgnoreCase(q, qualifier)) {
          candidates.push_back(&scope);
          break;
        }
      }
    }
    if (candidates.empty()) {
      std::string known;
      for (const RelationScope& scope : scopes_) {
        if (!known.empty()) known += ", ";
        known += scope.qualifiers.front();
      }
      std::string msg = "unknown table '" + qualifier + "' in column reference; the query reads " +
                        (scopes_.size() == 1 ? table_ : known);
      if (scopes_.size() == 1 && !EqualsIgnoreCase(scopes_[0].qualifiers.front(), table_)) {
        msg += " as '" + scopes_[0].qualifiers.front() + "'";
      }
      return ctx_.Invalid(e.names.front().pos, msg);
    }
  } else {
    for (const RelationScope& scope : scopes_) candidates.push_back(&scope);
  }
  int index = -1;
  const RelationScope* found_in = nullptr;
  for (const RelationScope* scope : candidates) {
    int here = -1;
    for (int i = scope->first; i < scope->first + scope->count; ++i) {
      const std::string& name = schema_->field(i).name;
      if (col.quoted ? name == col.name : EqualsIgnoreCase(name, col.name)) {
        here = i;
        if (!col.quoted) break;
      }
    }
    if (here < 0) continue;
    if (index >= 0) {
      return ctx_.Invalid(col.pos, "column '" + col.name + "' is ambiguous: both " +
                                       found_in->qualifiers.front() + " and " +
                                       scope->qualifiers.front() + " have it; qualify it (" +
                                       scope->qualifiers.front() + "." + col.name + ")");
    }
    index = here;
    found_in = scope;
  }
  if (index < 0) {
    std::vector<std::string> names;
    for (const RelationScope* scope : candidates) {
      for (int i = scope->first; i < scope->first + scope->count; ++i) names.push_back(schema_->field(i).name);
    }
    std::string where = table_;
    if (candidates.size() == 1 && scopes_.size() > 1) where = candidates.front()->qualifiers.front();
    std::string msg = "unknown column '" + col.name + "' in " + where;
    const std::string hint = SuggestionHint(col.name, names);
    if (!hint.empty()) msg += " (" + hint + ")";
    return ctx_.Invalid(col.pos, msg);
  }
  auto b = MakeBound(BoundOp::kColumn, schema_->field(index).type, e, ctx_);
  b->column = index;
  return b;
}

Result<BoundExprPtr> Binder::BindUnary(const ParsedExpr& e) {
  if (e.op == "NOT") {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr a, BindBoolean(*e.args[0], "argument of NOT"));
    auto b = MakeBound(BoundOp::kNot, DataType::Boolean(), e, ctx_);
    b->args.push_back(std::move(a));
    return b;
  }
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr a, Bind(*e.args[0]));
  if (a->untyped_null) return a;
  if (e.op == "+") {
    if (!a->type.IsNumeric() && a->type.id != TypeId::kInterval) {
      return ctx_.Invalid(e.pos, "unary + cannot be applied to " + a->type.ToString());
    }
    return a;
  }
  BoundOp op = BoundOp::kNeg;
  if (a->type.id == TypeId::kInterval) {
    op = BoundOp::kIntervalNeg;
  } else if (!a->type.IsNumeric()) {
    return ctx_.Invalid(e.pos, "unary - cannot be applied to " + a->type.ToString());
  }
  auto b = MakeBound(op, a->type, e, ctx_);
  b->args.push_back(std::move(a));
  return b;
}

Result<BoundExprPtr> Binder::BindBinary(const ParsedExpr& e) {
  const std::string& op = e.op;
  if (op == "AND" || op == "OR") {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr l, BindBoolean(*e.args[0], "argument of " + op));
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr r, BindBoolean(*e.args[1], "argument of " + op));
    auto b = MakeBound(op == "AND" ? BoundOp::kAnd : BoundOp::kOr, DataType::Boolean(), e, ctx_);
    b->args.push_back(std::move(l));
    b->args.push_back(std::move(r));
    return b;
  }
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr l, Bind(*e.args[0]));
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr r, Bind(*e.args[1]));
  if (op == "=" || op == "<>" || op == "<" || op == "<=" || op == ">" || op == ">=") {
    return BindComparison(e, CompareOp(op), std::move(l), std::move(r));
  }
  if (op == "||") {
    if (l->type.id != TypeId::kVarchar && r->type.id != TypeId::kVarchar && !l->untyped_null &&
        !r->untyped_null) {
      return ctx_.Invalid(e.pos, "operator || needs a VARCHAR operand, not " + l->type.ToString() +
                                     " and " + r->type.ToString() + "; CAST one side to VARCHAR");
    }
    SLUICE_ASSIGN_OR_RETURN(l, Coerce(std::move(l), DataType::Varchar()));
    SLUICE_ASSIGN_OR_RETURN(r, Coerce(std::move(r), DataType::Varchar()));
    auto b = MakeBound(BoundOp::kConcatOp, DataType::Varchar(), e, ctx_);
    b->args.push_back(std::move(l));
    b->args.push_back(std::move(r));
    return b;
  }
  return BindArithmetic(e, std::move(l), std::move(r));
}

Result<BoundExprPtr> Binder::BindComparison(const ParsedExpr& e, BoundOp op, BoundExprPtr l,
                                            BoundExprPtr r) {
  SLUICE_ASSIGN_OR_RETURN(DataType t, Unify(*l, *r, e.pos, "compare"));
  SLUICE_ASSIGN_OR_RETURN(l, Coerce(std::move(l), t));
  SLUICE_ASSIGN_OR_RETURN(r, Coerce(std::move(r), t));
  auto b = MakeBound(op, DataType::Boolean(), e, ctx_);
  b->args.push_back(std::move(l));
  b->args.push_back(std::move(r));
  return b;
}

Result<BoundExprPtr> Binder::BindIs(const ParsedExpr& e) {
  if (e.kind == ExprKind::kIsNull) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr a, Bind(*e.args[0]));
    if (a->untyped_null) { SLUICE_ASSIGN_OR_RETURN(a, Coerce(std::move(a), DataType::Boolean())); }
    auto b = MakeBound(e.negated ? BoundOp::kIsNotNull : BoundOp::kIsNull, DataType::Boolean(), e, ctx_);
    b->args.push_back(std::move(a));
    return b;
  }
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr a, BindBoolean(*e.args[0], "argument of IS TRUE/FALSE"));
  BoundOp op = e.bool_value ? (e.negated ? BoundOp::kIsNotTrue : BoundOp::kIsTrue)
                            : (e.negated ? BoundOp::kIsNotFalse : BoundOp::kIsFalse);
  auto b = MakeBound(op, DataType::Boolean(), e, ctx_);
  b->args.push_back(std::move(a));
  return b;
}

Result<BoundExprPtr> Binder::BindBetween(const ParsedExpr& e) {
  // x BETWEEN lo AND hi  ==  x >= lo AND x <= hi  (x is evaluated twice)
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr x1, Bind(*e.args[0]));
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr lo, Bind(*e.args[1]));
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr x2, Bind(*e.args[0]));
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr hi, Bind(*e.args[2]));
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr ge, BindComparison(e, BoundOp::kGe, std::move(x1), std::move(lo)));
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr le, BindComparison(e, BoundOp::kLe, std::move(x2), std::move(hi)));
  auto b = MakeBound(BoundOp::kAnd, DataType::Boolean(), e, ctx_);
  b->args.push_back(std::move(ge));
  b->args.push_back(std::move(le));
  return e.negated ? Negate(std::move(b)) : std::move(b);
}

Result<BoundExprPtr> Binder::BindIn(const ParsedExpr& e) {
  std::vector<BoundExprPtr> items;
  bool all_constant = true;
  for (const auto& a : e.args) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, Bind(*a));
    if (!items.empty() && !b->is_constant()) all_constant = false;
    items.push_back(std::move(b));
  }
  std::vector<BoundExpr*> raw;
  for (auto& i : items) raw.push_back(i.get());
  DataType t;
  SLUICE_RETURN_NOT_OK(UnifyAll(raw, e.pos, "compare", &t));
  if (all_constant) {
    auto b = MakeBound(BoundOp::kInList, DataType::Boolean(), e, ctx_);
    for (auto& i : items) {
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr c, Coerce(std::move(i), t));
      b->args.push_back(std::move(c));
    }
    return e.negated ? Negate(std::move(b)) : std::move(b);
  }
  // x IN (a, b) == x = a OR x = b, with x bound once per item.
  BoundExprPtr acc;
  for (size_t i = 1; i < items.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr x, Bind(*e.args[0]));
    SLUICE_ASSIGN_OR_RETURN(x, Coerce(std::move(x), t));
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr y, Coerce(std::move(items[i]), t));
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr eq, BindComparison(e, BoundOp::kEq, std::move(x), std::move(y)));
    if (!acc) {
      acc = std::move(eq);
      continue;
    }
    auto o = MakeBound(BoundOp::kOr, DataType::Boolean(), e, ctx_);
    o->args.push_back(std::move(acc));
    o->args.push_back(std::move(eq));
    acc = std::move(o);
  }
  return e.negated ? Negate(std::move(acc)) : std::move(acc);
}

Result<BoundExprPtr> Binder::BindLike(const ParsedExpr& e) {
  auto b = MakeBound(BoundOp::kLike, DataType::Boolean(), e, ctx_);
  b->flag = e.op == "ILIKE";
  for (size_t i = 0; i < e.args.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr a, Bind(*e.args[i]));
    if (!a->untyped_null && a->type.id != TypeId::kVarchar) {
      return ctx_.Invalid(e.args[i]->pos, e.op + " needs VARCHAR operands, not " +
                                              a->type.ToString() + "; CAST it to VARCHAR");
    }
    SLUICE_ASSIGN_OR_RETURN(a, Coerce(std::move(a), DataType::Varchar()));
    if (i == 2 && (!a->is_constant() || a->value.is_null() || a->value.string_value().size() != 1)) {
      return ctx_.Invalid(e.args[i]->pos, "ESCAPE must be a single-character string literal");
    }
    b->args.push_back(std::move(a));
  }
  return e.negated ? Negate(std::move(b)) : std::move(b);
}

Result<BoundExprPtr> Binder::BindCase(const ParsedExpr& e) {
  auto b = MakeBound(BoundOp::kCase, DataType::Varchar(), e, ctx_);
  b->flag = e.has_else;
  const size_t first = e.case_operand ? 1 : 0;
  const size_t pairs_end = e.args.size() - (e.has_else ? 1 : 0);
  for (size_t i = first; i < pairs_end; i += 2) {
    BoundExprPtr cond;
    if (e.case_operand) {
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr x, Bind(*e.args[0]));
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, Bind(*e.args[i]));
      SLUICE_ASSIGN_OR_RETURN(cond, BindComparison(*e.args[i], BoundOp::kEq, std::move(x), std::move(v)));
    } else {
      SLUICE_ASSIGN_OR_RETURN(cond, BindBoolean(*e.args[i], "WHEN condition"));
    }
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr then, Bind(*e.args[i + 1]));
    b->args.push_back(std::move(cond));
    b->args.push_back(std::move(then));
  }
  if (e.has_else) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr other, Bind(*e.args.back()));
    b->args.push_back(std::move(other));
  }
  std::vector<BoundExpr*> results;
  for (size_t i = 1; i < b->args.size(); i += 2) results.push_back(b->args[i].get());
  if (e.has_else) results.push_back(b->args.back().get());
  DataType t;
  SLUICE_RETURN_NOT_OK(UnifyAll(results, e.pos, "mix CASE results of type", &t));
  for (size_t i = 1; i < b->args.size(); i += 2) {
    SLUICE_ASSIGN_OR_RETURN(b->args[i], Coerce(std::move(b->args[i]), t));
  }
  if (e.has_else) { SLUICE_ASSIGN_OR_RETURN(b->args.back(), Coerce(std::move(b->args.back()), t)); }
  b->type = t;
  return b;
}

Result<BoundExprPtr> Binder::BindCast(const ParsedExpr& e) {
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr a, Bind(*e.args[0]));
  const DataType& t = e.cast_type;
  if (a->untyped_null) return Coerce(std::move(a), t);
  if (IsStringLiteral(*a) && t.id != TypeId::kVarchar) {
    std::optional<Value> v = ParseConstant(a->value.string_value(), t);
    if (!v && !e.try_cast) {
      return ctx_.Invalid(e.args[0]->pos, "cannot cast '" + a->value.string_value() + "' to " +
                                              t.ToString() + (e.try_cast ? "" : "; use TRY_CAST to get NULL instead"));
    }
    auto c = MakeBound(BoundOp::kConstant, t, e, ctx_);
    c->value = v ? std::move(*v) : Value::Null(t);
    return c;
  }
  if (!CanCast(a->type, t)) {
    return ctx_.Invalid(e.pos, "cannot cast " + a->type.ToString() + " to " + t.ToString());
  }
  auto c = MakeBound(BoundOp::kCast, t, e, ctx_);
  c->flag = e.try_cast;
  c->args.push_back(std::move(a));
  return c;
}

}  // namespace sluice::sql
