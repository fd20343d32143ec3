#include "sql/join_condition.h"

#include <algorithm>
#include <utility>

namespace sluice::sql {

namespace {

constexpr int64_t kMicrosPerDay = 86400LL * 1000 * 1000;

// Moves the conjuncts of a top-level AND tree into `out`, in order.
void SplitConjuncts(BoundExprPtr e, std::vector<BoundExprPtr>* out) {
  if (e->op == BoundOp::kAnd) {
    for (BoundExprPtr& a : e->args) SplitConjuncts(std::move(a), out);
    return;
  }
  out->push_back(std::move(e));
}

// A column of one side: `column` within its side, `type` its own type.
struct SideColumn {
  bool ok = false;
  bool right = false;
  int column = -1;
  DataType type;
};

// A plain column reference, or an INT32 column widened to INT64 by the binder.
SideColumn KeyColumn(const BoundExpr& e, int left_columns) {
  const BoundExpr* c = &e;
  if (e.op == BoundOp::kCast && !e.flag && e.type.id == TypeId::kInt64 && e.args.size() == 1 &&
      e.args[0]->op == BoundOp::kColumn && e.args[0]->type.id == TypeId::kInt32) {
    c = e.args[0].get();
  }
  if (c->op != BoundOp::kColumn || c->column < 0) return {};
  SideColumn s;
  s.ok = true;
  s.right = c->column >= left_columns;
  s.column = s.right ? c->column - left_columns : c->column;
  s.type = c->type;
  return s;
}

bool KeyTypeSupported(TypeId id) { return id != TypeId::kInterval; }

// A constant interval of fixed length, in micros.
bool FixedInterval(const BoundExpr& e, int64_t* micros) {
  if (e.op == BoundOp::kIntervalNeg && e.args.size() == 1) {
    int64_t v = 0;
    if (!FixedInterval(*e.args[0], &v) || v == INT64_MIN) return false;
    *micros = -v;
    return true;
  }
  if (e.op != BoundOp::kConstant || e.type.id != TypeId::kInterval || e.value.is_null()) return false;
  const Interval iv = e.value.interval_value();
  if (iv.months != 0) return false;
  int64_t days = 0;
  if (__builtin_mul_overflow(static_cast<int64_t>(iv.days), kMicrosPerDay, &days)) return false;
  return !__builtin_add_overflow(days, iv.micros, micros);
}

// `column + offset` where column is a TIMESTAMP column of one side.
struct TimeTerm {
  bool ok = false;
  bool right = false;
  int column = -1;
  int64_t offset = 0;
};

TimeTerm ParseTimeTerm(const BoundExpr& e, int left_columns) {
  if (e.op == BoundOp::kColumn && e.type.id == TypeId::kTimestamp && e.column >= 0) {
    TimeTerm t;
    t.ok = true;
    t.right = e.column >= left_columns;
    t.column = t.right ? e.column - left_columns : e.column;
    return t;
  }
  if ((e.op == BoundOp::kTimestampAddInterval || e.op == BoundOp::kTimestampSubInterval) &&
      e.args.size() == 2) {
    TimeTerm t = ParseTimeTerm(*e.args[0], left_columns);
    int64_t iv = 0;
    if (!t.ok || !FixedInterval(*e.args[1], &iv)) return {};
    const bool overflow = e.op == BoundOp::kTimestampAddInterval
                              ? __builtin_add_overflow(t.offset, iv, &t.offset)
                              : __builtin_sub_overflow(t.offset, iv, &t.offset);
    if (overflow) return {};
    return t;
  }
  return {};
}

BoundOp Flip(BoundOp op) {
  switch (op) {
    case BoundOp::kLt: return BoundOp::kGt;
    case BoundOp::kLe: return BoundOp::kGe;
    case BoundOp::kGt: return BoundOp::kLt;
    case BoundOp::kGe: return BoundOp::kLe;
    default: return op;
  }
}

bool IsComparison(BoundOp op) {
  return op == BoundOp::kEq || op == BoundOp::kLt || op == BoundOp::kLe || op == BoundOp::kGt ||
         op == BoundOp::kGe;
}

class Analyzer {
 public:
  explicit Analyzer(int left_columns) : left_columns_(left_columns) {}

  // Takes `c` as a key or a bound when it is one; otherwise returns it back.
  BoundExprPtr Take(BoundExprPtr c) {
    if (c->args.size() != 2 || !IsComparison(c->op)) return c;
    const bool key = c->op == BoundOp::kEq && TakeKey(*c);
    const bool bound = TakeBound(*c);
    return key || bound ? nullptr : std::move(c);
  }

  JoinCondition& result() { return result_; }

 private:
  bool TakeKey(const BoundExpr& c) {
    SideColumn a = KeyColumn(*c.args[0], left_columns_);
    SideColumn b = KeyColumn(*c.args[1], left_columns_);
    if (!a.ok || !b.ok || a.right == b.right) return false;
    if (a.right) std::swap(a, b);
    const bool integers = (a.type.id == TypeId::kInt32 || a.type.id == TypeId::kInt64) &&
                          (b.type.id == TypeId::kInt32 || b.type.id == TypeId::kInt64);
    if (!(a.type == b.type) && !integers) return false;
    if (!KeyTypeSupported(a.type.id)) return false;
    result_.left_keys.push_back(a.column);
    result_.right_keys.push_back(b.column);
    return true;
  }

  bool TakeBound(const BoundExpr& c) {
    TimeTerm a = ParseTimeTerm(*c.args[0], left_columns_);
    TimeTerm b = ParseTimeTerm(*c.args[1], left_columns_);
    if (!a.ok || !b.ok || a.right == b.right) return false;
    // Normalise to (r + ro) OP (l + lo), i.e. r - l OP lo - ro.
    BoundOp op = c.op;
    if (!a.right) {
      std::swap(a, b);
      op = Flip(op);
    }
    const TimeTerm& r = a;
    const TimeTerm& l = b;
    if (result_.has_time_bounds && (result_.left_time != l.column || result_.right_time != r.column)) {
      return false;  // bounds on another pair of columns: keep it as a filter
    }
    int64_t d = 0;
    if (__builtin_sub_overflow(l.offset, r.offset, &d)) return false;
    int64_t lower = INT64_MIN, upper = INT64_MAX;
    switch (op) {
      case BoundOp::kGe: lower = d; break;
      case BoundOp::kGt:
        if (d == INT64_MAX) return false;
        lower = d + 1;
        break;
      case BoundOp::kLe: upper = d; break;
      case BoundOp::kLt:
        if (d == INT64_MIN) return false;
        upper = d - 1;
        break;
      case BoundOp::kEq: lower = upper = d; break;
      default: return false;
    }
    result_.has_time_bounds = true;
    result_.left_time = l.column;
    result_.right_time = r.column;
    result_.lower_us = std::max(result_.lower_us, lower);
    result_.upper_us = std::min(result_.upper_us, upper);
    return true;
  }

  int left_columns_;
  JoinCondition result_;
};


}  // namespace

Result<JoinCondition> AnalyzeJoinCondition(BoundExprPtr on, int left_columns,
                                           const ErrorContext& ctx) {
  if (on == nullptr) return Status::Invalid("a stream join needs an ON condition");
  const SourcePos pos = on->pos;
  if (on->type.id != TypeId::kBoolean && !on->untyped_null) {
    return ctx.Invalid(pos, "the ON condition must be BOOLEAN, not " + on->type.ToString());
  }
  std::vector<BoundExprPtr> conjuncts;
  SplitConjuncts(std::move(on), &conjuncts);
  Analyzer analyzer(left_columns);
  BoundExprPtr residual;
  for (BoundExprPtr& c : conjuncts) {
    BoundExprPtr rest = analyzer.Take(std::move(c));
    if (rest == nullptr) continue;
    if (residual == nullptr) {
      residual = std::move(rest);
    } else {
      std::string text = residual->text + " AND " + rest->text;
      residual = AndConjuncts(std::move(residual), std::move(rest), std::move(text));
    }
  }
  JoinCondition result = std::move(analyzer.result());
  result.residual = std::move(residual);
  const bool bounded = result.has_time_bounds && result.lower_us != INT64_MIN &&
                       result.upper_us != INT64_MAX;
  if (result.left_keys.empty() && !bounded) {
    std::string msg =
        "a stream join needs an equality between the two sides (a.x = b.y) or time bounds "
        "(b.ts BETWEEN a.ts AND a.ts + INTERVAL ...); a cross join keeps unbounded state";
    if (result.has_time_bounds) {
      msg += " (the time condition here bounds only one direction: add the other bound)";
    }
    return Status::NotImplemented(ctx.Format(pos, msg));
  }
  return result;
}

std::vector<BoundExprPtr> TimeBoundConjuncts(const BoundExpr& where, int left_columns) {
  std::vector<BoundExprPtr> conjuncts;
  SplitConjuncts(CloneBound(where), &conjuncts);
  std::vector<BoundExprPtr> out;
  for (BoundExprPtr& c : conjuncts) {
    Analyzer analyzer(left_columns);
    if (analyzer.Take(CloneBound(*c)) != nullptr) continue;
    if (!analyzer.result().has_time_bounds || !analyzer.result().left_keys.empty()) continue;
    out.push_back(std::move(c));
  }
  return out;
}

void TimeBoundsToResidual(JoinCondition* cond, const Schema& joined, int left_columns) {
  if (!cond->has_time_bounds) return;
  auto column = [&](int c) {
    auto b = std::make_unique<BoundExpr>();
    b->op = BoundOp::kColumn;
    b->type = joined.field(c).type;
    b->column = c;
    b->text = joined.field(c).name;
    return b;
  };
  auto shifted = [&](int64_t offset) {
    BoundExprPtr add = std::make_unique<BoundExpr>();
    add->op = BoundOp::kTimestampAddInterval;
    add->type = DataType::Timestamp();
    add->text = "time bound";
    add->args.push_back(column(cond->left_time));
    BoundExprPtr iv = std::make_unique<BoundExpr>();
    iv->op = BoundOp::kConstant;
    iv->type = DataType::Interval();
    Interval v;
    v.micros = offset;
    iv->value = Value::FromInterval(v);
    add->args.push_back(std::move(iv));
    return add;
  };
  auto compare = [&](BoundOp op, int64_t offset) {
    BoundExprPtr c = std::make_unique<BoundExpr>();
    c->op = op;
    c->type = DataType::Boolean();
    c->text = "time bound";
    c->args.push_back(column(left_columns + cond->right_time));
    c->args.push_back(shifted(offset));
    return c;
  };
  BoundExprPtr r = std::move(cond->residual);
  if (cond->lower_us != INT64_MIN) r = AndConjuncts(std::move(r), compare(BoundOp::kGe, cond->lower_us));
  if (cond->upper_us != INT64_MAX) r = AndConjuncts(std::move(r), compare(BoundOp::kLe, cond->upper_us));
  cond->residual = std::move(r);
  cond->has_time_bounds = false;
  cond->left_time = -1;
  cond->right_time = -1;
  cond->lower_us = INT64_MIN;
  cond->upper_us = INT64_MAX;
}

BoundExprPtr AndConjuncts(BoundExprPtr a, BoundExprPtr b, std::string text) {
  if (!a) return b;
  auto n = std::make_unique<BoundExpr>();
  n->op = BoundOp::kAnd;
  n->type = DataType::Boolean();
  n->pos = a->pos;
  n->text = std::move(text);
  n->args.push_back(std::move(a));
  n->args.push_back(std::move(b));
  return n;
}

}  // namespace sluice::sql
