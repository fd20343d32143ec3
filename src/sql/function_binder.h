// FunctionBinder: binds one function call (the function table, argument checks and
// result types). Internal to the sql module; handlers live in binder_functions*.cc.
#pragma once

#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "sql/binder.h"
#include "sql/type_rules.h"

namespace sluice::sql {

// Binds one call; a friend of Binder so it can reuse its coercions.
class FunctionBinder {
 public:
  FunctionBinder(Binder* b, const ParsedExpr& e) : b_(b), e_(e), ctx_(b->ctx()) {}

  Result<BoundExprPtr> Bind();

 private:
  using Handler = Result<BoundExprPtr> (FunctionBinder::*)();
  struct Entry {
    std::string_view name;
    int min_args;
    int max_args;  // -1 = any
    BoundOp op;
    Handler handler;
  };
  static const Entry kFunctions[];

  Status CheckArity(const Entry& f) {
    const int n = static_cast<int>(e_.args.size());
    if (n >= f.min_args && (f.max_args < 0 || n <= f.max_args)) return Status::OK();
    std::string want = std::to_string(f.min_args);
    if (f.max_args < 0) {
      want = "at least " + want;
    } else if (f.max_args != f.min_args) {
      want += " to " + std::to_string(f.max_args);
    }
    return ctx_.Invalid(e_.pos, std::string(f.name) + "() takes " + want + " argument" +
                                    (want == "1" ? "" : "s") + ", not " + std::to_string(n));
  }
  Status BindArgs() {
    for (const auto& a : e_.args) {
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, b_->Bind(*a));
      args_.push_back(std::move(b));
    }
    return Status::OK();
  }
  Status Expect(size_t i, TypeId id, const char* what) {
    BoundExprPtr& a = args_[i];
    const bool ok = a->untyped_null || a->type.id == id ||
                    (id == TypeId::kInt64 && a->type.id == TypeId::kInt32) ||
                    (a->is_constant() && a->type.id == TypeId::kVarchar);
    if (!ok) {
      return ctx_.Invalid(e_.args[i]->pos, std::string(entry_->name) + "() expects " + what +
                                               " for argument " + std::to_string(i + 1) + ", not " +
                                               a->type.ToString());
    }
    SLUICE_ASSIGN_OR_RETURN(a, b_->Coerce(std::move(a), id == TypeId::kVarchar ? DataType::Varchar()
                                                      : id == TypeId::kInt64   ? DataType::Int64()
                                                      : id == TypeId::kTimestamp ? DataType::Timestamp()
                                                                                 : DataType::Boolean()));
    return Status::OK();
  }
  Status ExpectNumeric(size_t i) {
    BoundExprPtr& a = args_[i];
    if (a->untyped_null) { SLUICE_ASSIGN_OR_RETURN(a, b_->Coerce(std::move(a), DataType::Int32())); }
    if (!a->type.IsNumeric()) {
      return ctx_.Invalid(e_.args[i]->pos, std::string(entry_->name) + "() expects a number, not " +
                                               a->type.ToString());
    }
    return Status::OK();
  }
  BoundExprPtr Finish(DataType type) {
    auto n = MakeBound(entry_->op, type, e_, ctx_);
    n->args = std::move(args_);
    return n;
  }

  Result<BoundExprPtr> Strings() {  // every argument VARCHAR -> VARCHAR
    for (size_t i = 0; i < args_.size(); ++i) SLUICE_RETURN_NOT_OK(Expect(i, TypeId::kVarchar, "VARCHAR"));
    return Finish(DataType::Varchar());
  }
  Result<BoundExprPtr> Length() {
    SLUICE_RETURN_NOT_OK(Expect(0, TypeId::kVarchar, "VARCHAR"));
    return Finish(DataType::Int64());
  }
  Result<BoundExprPtr> Substring() {
    SLUICE_RETURN_NOT_OK(Expect(0, TypeId::kVarchar, "VARCHAR"));
    for (size_t i = 1; i < args_.size(); ++i) SLUICE_RETURN_NOT_OK(Expect(i, TypeId::kInt64, "an integer"));
    return Finish(DataType::Varchar());
  }
  Result<BoundExprPtr> Concat() {
    for (auto& a : args_) { SLUICE_ASSIGN_OR_RETURN(a, b_->Coerce(std::move(a), DataType::Varchar())); }
    return Finish(DataType::Varchar());
  }
  Result<BoundExprPtr> SameType() {  // coalesce, greatest, least
    std::vector<BoundExpr*> raw;
    for (auto& a : args_) raw.push_back(a.get());
    DataType t;
    SLUICE_RETURN_NOT_OK(b_->UnifyAll(raw, e_.pos, std::string("mix in ") + std::string(entry_->name) + "()", &t));
    for (auto& a : args_) { SLUICE_ASSIGN_OR_RETURN(a, b_->Coerce(std::move(a), t)); }
    return Finish(t);
  }
  Result<BoundExprPtr> NullIf() {
    // nullif(a, b) == CASE WHEN a = b THEN NULL ELSE a END
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr a2, b_->Bind(*e_.args[0]));
    const DataType t = args_[0]->untyped_null ? DataType::Varchar() : args_[0]->type;
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr cond,
                            b_->BindComparison(e_, BoundOp::kEq, std::move(args_[0]), std::move(args_[1])));
    SLUICE_ASSIGN_OR_RETURN(a2, b_->Coerce(std::move(a2), t));
    auto n = MakeBound(BoundOp::kCase, t, e_, ctx_);
    n->flag = true;
    auto null = MakeBound(BoundOp::kConstant, t, e_, ctx_);
    null->value = Value::Null(t);
    n->args.push_back(std::move(cond));
    n->args.push_back(std::move(null));
    n->args.push_back(std::move(a2));
    return BoundExprPtr(std::move(n));
  }
  Result<BoundExprPtr> Abs() {
    SLUICE_RETURN_NOT_OK(ExpectNumeric(0));
    return Finish(args_[0]->type);
  }
  Result<BoundExprPtr> FloorCeil() {
    SLUICE_RETURN_NOT_OK(ExpectNumeric(0));
    const DataType t = args_[0]->type;
    if (t.id == TypeId::kDecimal) {
      return Finish(DataType::Decimal(static_cast<uint8_t>(std::clamp(t.precision - t.scale + 1, 1, 18)), 0));
    }
    return Finish(t);
  }
  Result<BoundExprPtr> Round() {
    SLUICE_RETURN_NOT_OK(ExpectNumeric(0));
    int64_t digits = 0;
    if (args_.size() == 2) {
      SLUICE_RETURN_NOT_OK(Expect(1, TypeId::kInt64, "an integer"));
      if (!args_[1]->is_constant() || args_[1]->value.is_null()) {
        return ctx_.Invalid(e_.args[1]->pos, "round() needs a constant number of digits");
      }
      digits = args_[1]->value.int_value();
      if (digits < -18 || digits > 18) {
        return ctx_.Invalid(e_.args[1]->pos, "round() digits must be between -18 and 18");
      }
    }
    const DataType t = args_[0]->type;
    if (t.id == TypeId::kDecimal) {
      const int scale = static_cast<int>(std::clamp<int64_t>(digits, 0, t.scale));
      const int precision = std::clamp(t.precision - t.scale + scale + 1, 1, 18);
      return Finish(DataType::Decimal(static_cast<uint8_t>(precision), static_cast<uint8_t>(scale)));
    }
    return Finish(t);
  }
  Result<BoundExprPtr> RegexpMatches();
  Result<BoundExprPtr> DateTrunc();
  // binder_functions_ext.cc
  Result<BoundExprPtr> Mod();
  Result<BoundExprPtr> SplitPart();
  Result<BoundExprPtr> RegexpExtract();
  Result<BoundExprPtr> CountChar();
  Result<BoundExprPtr> Extract();
  Result<BoundExprPtr> ExtractField();  // hour(ts), year(ts), ...: extract under the function's name
  Result<BoundExprPtr> DateFormat();
  Result<BoundExprPtr> Json();
  Result<BoundExprPtr> ProcTime();  // PROCTIME(): processing time, TIMESTAMP
  // A constant VARCHAR argument's value; an error naming `what` if it is not constant.
  Result<std::string> ConstantString(size_t i, const char* what);

  Binder* b_;
  const ParsedExpr& e_;
  const ErrorContext& ctx_;
  const Entry* entry_ = nullptr;
  std::vector<BoundExprPtr> args_;
};

}  // namespace sluice::sql
