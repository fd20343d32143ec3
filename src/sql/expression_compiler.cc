#include "sql/expression_compiler.h"

namespace sluice::sql {

namespace {

class ConstantKernel final : public Kernel {
 public:
  explicit ConstantKernel(Vec v) : Kernel(v.column().type()), v_(std::move(v)) { v_.constant = true; }
  Result<Vec> Eval(const EvalInput&, const uint8_t*) override { return v_; }
  const Vec* constant() const override { return &v_; }

 private:
  Vec v_;
};

class ColumnKernel final : public Kernel {
 public:
  ColumnKernel(DataType type, int index) : Kernel(type), index_(index) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t*) override {
    const auto i = static_cast<size_t>(index_);
    if (in.columns == nullptr || i >= in.columns->size() || !(*in.columns)[i]) {
      return Status::Internal("column " + std::to_string(index_) + " is not in the input");
    }
    return Vec{(*in.columns)[i], false};
  }

 private:
  int index_;
};

}  // namespace

Result<KernelPtr> ExpressionCompiler::Compile(const BoundExpr& e) {
  if (subexpressions_ == nullptr || !subexpressions_->ShouldShare(e)) return CompileNode(e);
  if (KernelPtr use = subexpressions_->Use(e)) return use;
  SLUICE_ASSIGN_OR_RETURN(KernelPtr k, CompileNode(e));
  if (k->constant() != nullptr) return k;  // folded: nothing to share
  return subexpressions_->Share(e, std::move(k));
}

Result<KernelPtr> ExpressionCompiler::CompileNode(const BoundExpr& e) {
  if (e.op == BoundOp::kConstant) {
    return KernelPtr(new ConstantKernel(MakeConstant(e.value, e.type)));
  }
  if (e.op == BoundOp::kColumn) return KernelPtr(new ColumnKernel(e.type, e.column));
  std::vector<KernelPtr> args;
  bool all_constant = true;
  for (const auto& a : e.args) {
    SLUICE_ASSIGN_OR_RETURN(KernelPtr k, Compile(*a));
    all_constant = all_constant && k->constant() != nullptr;
    args.push_back(std::move(k));
  }
  SLUICE_ASSIGN_OR_RETURN(KernelPtr k, Build(e, std::move(args)));
  if (!k) return KernelPtr(new ConstantKernel(MakeNullConstant(e.type)));
  if (all_constant && e.op != BoundOp::kProcTime) {  // PROCTIME() changes per batch
    // Fold: evaluate once on a single row. A failure (say, overflow) is left to run
    // time, where it counts only if a row actually needs the value.
    const std::vector<ColumnPtr> none;
    Result<Vec> v = k->Eval(EvalInput{&none, 1}, nullptr);
    if (v.ok() && v->column().length() == 1) return KernelPtr(new ConstantKernel(std::move(v).value()));
  }
  return k;
}

Result<KernelPtr> ExpressionCompiler::Build(const BoundExpr& e, std::vector<KernelPtr> args) {
  ErrorSite site{ctx_.Where(e.pos), e.text};
  switch (e.op) {
    case BoundOp::kAdd:
    case BoundOp::kSub:
    case BoundOp::kMul:
    case BoundOp::kDiv:
    case BoundOp::kMod:
      return MakeArithmeticKernel(e, std::move(args), std::move(site));
    case BoundOp::kNeg:
    case BoundOp::kAbs:
    case BoundOp::kRound:
    case BoundOp::kFloor:
    case BoundOp::kCeil:
      return MakeMathKernel(e, std::move(args), std::move(site));
    case BoundOp::kTimestampAddInterval:
    case BoundOp::kTimestampSubInterval:
    case BoundOp::kTimestampDiff:
    case BoundOp::kDateAddDays:
    case BoundOp::kDateSubDays:
    case BoundOp::kDateDiff:
    case BoundOp::kIntervalAdd:
    case BoundOp::kIntervalSub:
    case BoundOp::kIntervalNeg:
    case BoundOp::kDateTrunc:
      return MakeTemporalKernel(e, std::move(args), std::move(site));
    case BoundOp::kConcatOp:
    case BoundOp::kLower:
    case BoundOp::kUpper:
    case BoundOp::kLength:
    case BoundOp::kTrim:
    case BoundOp::kLtrim:
    case BoundOp::kRtrim:
    case BoundOp::kSubstring:
    case BoundOp::kConcat:
    case BoundOp::kReplace:
    case BoundOp::kLike:
    case BoundOp::kRegexpMatches:
      return MakeStringKernel(e, std::move(args), std::move(site));
    case BoundOp::kEq:
    case BoundOp::kNe:
    case BoundOp::kLt:
    case BoundOp::kLe:
    case BoundOp::kGt:
    case BoundOp::kGe:
    case BoundOp::kInList:
      return MakeCompareKernel(e, std::move(args));
    case BoundOp::kAnd:
    case BoundOp::kOr:
    case BoundOp::kNot:
    case BoundOp::kIsNull:
    case BoundOp::kIsNotNull:
    case BoundOp::kIsTrue:
    case BoundOp::kIsNotTrue:
    case BoundOp::kIsFalse:
    case BoundOp::kIsNotFalse:
    case BoundOp::kCase:
    case BoundOp::kCoalesce:
    case BoundOp::kGreatest:
    case BoundOp::kLeast:
      return MakeLogicKernel(e, std::move(args));
    case BoundOp::kCast:
      return MakeCastKernel(e, std::move(args), std::move(site));
    case BoundOp::kRegexpExtract:
    case BoundOp::kSplitPart:
    case BoundOp::kSplitIndex:
    case BoundOp::kCountChar:
      return MakeTextKernel(e, std::move(args), std::move(site));
    case BoundOp::kExtract:
    case BoundOp::kDateFormat:
      return MakeDateTimeKernel(e, std::move(args), std::move(site));
    case BoundOp::kJsonExtract:
    case BoundOp::kJsonExtractString:
    case BoundOp::kJsonValue:
      return MakeJsonKernel(e, std::move(args));
    case BoundOp::kProcTime:
      return MakeProcTimeKernel(e);
    case BoundOp::kConstant:
    case BoundOp::kColumn:
      break;
  }
  return Status::Internal("cannot compile expression '" + e.text + "'");
}

}  // namespace sluice::sql
