// HashJoin::CompileResidual: splits a join's residual condition into the comparisons
// checked inline while probing and the rest, compiled to a vectorized kernel.
#include "sql/expression_compiler.h"
#include "stream/hash_join.h"

namespace sluice::stream {

namespace {

// Marks the columns `e` reads; false when one is out of range.
bool MarkColumns(const sql::BoundExpr& e, std::vector<bool>* used) {
  if (e.op == sql::BoundOp::kColumn) {
    if (e.column < 0 || static_cast<size_t>(e.column) >= used->size()) return false;
    (*used)[static_cast<size_t>(e.column)] = true;
  }
  for (const auto& a : e.args) {
    if (!MarkColumns(*a, used)) return false;
  }
  return true;
}

// Moves the conjuncts of the AND tree `e` into `out`.
void SplitConjuncts(sql::BoundExprPtr e, std::vector<sql::BoundExprPtr>* out) {
  if (e->op == sql::BoundOp::kAnd && e->args.size() == 2) {
    SplitConjuncts(std::move(e->args[0]), out);
    SplitConjuncts(std::move(e->args[1]), out);
    return;
  }
  out->push_back(std::move(e));
}

// The column `e` reads unchanged: a column, or a TIMESTAMP column +/- INTERVAL '0'.
const sql::BoundExpr* PlainColumn(const sql::BoundExpr& e) {
  if (e.op == sql::BoundOp::kColumn) return &e;
  const bool shift = e.op == sql::BoundOp::kTimestampAddInterval || e.op == sql::BoundOp::kTimestampSubInterval;
  if (!shift || e.args.size() != 2 || e.args[1]->op != sql::BoundOp::kConstant) return nullptr;
  const Value& v = e.args[1]->value;
  if (v.is_null() || !(v.type().id == TypeId::kInterval) || !(v.interval_value() == Interval{})) return nullptr;
  return PlainColumn(*e.args[0]);
}

bool IsComparison(sql::BoundOp op) {
  switch (op) {
    case sql::BoundOp::kEq:
    case sql::BoundOp::kNe:
    case sql::BoundOp::kLt:
    case sql::BoundOp::kLe:
    case sql::BoundOp::kGt:
    case sql::BoundOp::kGe: return true;
    default: return false;
  }
}

}  // namespace

Status HashJoin::CompileResidual(sql::BoundExprPtr residual, const sql::ErrorContext& ctx) {
  const auto width = static_cast<size_t>(output_schema_->num_fields());
  residual_uses_.assign(width, false);
  if (!MarkColumns(*residual, &residual_uses_)) {
    return Status::Invalid("the join condition reads a column outside the joined inputs");
  }
  // A row passes when every conjunct is TRUE: the integer comparisons of two columns
  // are checked inline, the rest (AND-ed again) by the compiled residual.
  const auto pos = residual->pos;
  std::vector<sql::BoundExprPtr> conjuncts;
  SplitConjuncts(std::move(residual), &conjuncts);
  sql::BoundExprPtr rest;
  for (sql::BoundExprPtr& c : conjuncts) {
    const sql::BoundExpr* a = IsComparison(c->op) && c->args.size() == 2 ? PlainColumn(*c->args[0]) : nullptr;
    const sql::BoundExpr* b = a != nullptr ? PlainColumn(*c->args[1]) : nullptr;
    if (b != nullptr) {
      const DataType& ta = output_schema_->field(a->column).type;
      const DataType& tb = output_schema_->field(b->column).type;
      const bool wide = ta.id == TypeId::kInt64 || ta.id == TypeId::kTimestamp || ta.id == TypeId::kDecimal;
      const bool narrow = ta.id == TypeId::kInt32 || ta.id == TypeId::kDate;
      if (ta == tb && (wide || narrow)) {
        inline_.push_back(InlineCompare{c->op, a->column, b->column, wide});
        continue;
      }
    }
    if (!rest) {
      rest = std::move(c);
      continue;
    }
    auto both = std::make_unique<sql::BoundExpr>();
    both->op = sql::BoundOp::kAnd;
    both->type = DataType::Boolean();
    both->pos = pos;
    both->text = "join condition";
    both->args.push_back(std::move(rest));
    both->args.push_back(std::move(c));
    rest = std::move(both);
  }
  residual_uses_.assign(width, false);
  if (rest) {
    MarkColumns(*rest, &residual_uses_);
    sql::ExpressionCompiler compiler(ctx);
    SLUICE_ASSIGN_OR_RETURN(residual_, compiler.Compile(*rest));
  }
  return Status::OK();
}

}  // namespace sluice::stream
