// Binding of the text, regexp, date/time and JSON functions added for streaming SQL
// (split_part, split_index, regexp_extract, count_char, mod, extract and its shorthands,
// date_format/to_char, json_value/json_extract/json_extract_string).
#include <re2/re2.h>

#include "sql/datetime_format.h"
#include "sql/function_binder.h"
#include "sql/json_path.h"

namespace sluice::sql {

Result<std::string> FunctionBinder::ConstantString(size_t i, const char* what) {
  SLUICE_RETURN_NOT_OK(Expect(i, TypeId::kVarchar, "VARCHAR"));
  const BoundExpr& a = *args_[i];
  if (!a.is_constant() || a.value.is_null()) {
    return ctx_.Invalid(e_.args[i]->pos, std::string(entry_->name) + "() needs a constant " + what +
                                             " (a string literal)");
  }
  return a.value.string_value();
}

Result<BoundExprPtr> FunctionBinder::Mod() {
  // mod(a, b) is a % b.
  ParsedExpr as_op;
  as_op.kind = ExprKind::kBinary;
  as_op.op = "%";
  as_op.pos = e_.pos;
  as_op.begin = e_.begin;
  as_op.end = e_.end;
  for (size_t i = 0; i < 2; ++i) {
    if (!args_[i]->untyped_null && !args_[i]->type.IsNumeric()) {
      return ctx_.Invalid(e_.args[i]->pos, "mod() expects a number, not " + args_[i]->type.ToString());
    }
  }
  return b_->BindArithmetic(as_op, std::move(args_[0]), std::move(args_[1]));
}

Result<BoundExprPtr> FunctionBinder::SplitPart() {
  SLUICE_RETURN_NOT_OK(Expect(0, TypeId::kVarchar, "VARCHAR"));
  SLUICE_RETURN_NOT_OK(Expect(1, TypeId::kVarchar, "VARCHAR"));
  SLUICE_RETURN_NOT_OK(Expect(2, TypeId::kInt64, "an integer"));
  const BoundExpr& n = *args_[2];
  if (entry_->op == BoundOp::kSplitPart && n.is_constant() && !n.value.is_null() &&
      n.value.int_value() == 0) {
    return ctx_.Invalid(e_.args[2]->pos, "split_part() field position must not be zero (it counts from 1; "
                                         "negative counts from the end)");
  }
  return Finish(DataType::Varchar());
}

Result<BoundExprPtr> FunctionBinder::RegexpExtract() {
  SLUICE_RETURN_NOT_OK(Expect(0, TypeId::kVarchar, "VARCHAR"));
  SLUICE_ASSIGN_OR_RETURN(std::string pattern, ConstantString(1, "pattern"));
  RE2 re(pattern, RE2::Quiet);
  if (!re.ok()) return ctx_.Invalid(e_.args[1]->pos, "invalid regular expression: " + re.error());
  int64_t group = 0;
  if (args_.size() == 3) {
    SLUICE_RETURN_NOT_OK(Expect(2, TypeId::kInt64, "an integer"));
    const BoundExpr& g = *args_[2];
    if (!g.is_constant() || g.value.is_null()) {
      return ctx_.Invalid(e_.args[2]->pos, "regexp_extract() needs a constant group number");
    }
    group = g.value.int_value();
    if (group < 0 || group > re.NumberOfCapturingGroups()) {
      return ctx_.Invalid(e_.args[2]->pos, "regexp_extract() group " + std::to_string(group) +
                                               " does not exist; the pattern has " +
                                               std::to_string(re.NumberOfCapturingGroups()) +
                                               " group(s) (0 = the whole match)");
    }
    args_.pop_back();
  }
  auto g = MakeBound(BoundOp::kConstant, DataType::Int64(), e_, ctx_);
  g->value = Value::Int64(group);
  args_.push_back(std::move(g));
  return Finish(DataType::Varchar());
}

Result<BoundExprPtr> FunctionBinder::CountChar() {
  SLUICE_RETURN_NOT_OK(Expect(0, TypeId::kVarchar, "VARCHAR"));
  SLUICE_RETURN_NOT_OK(Expect(1, TypeId::kVarchar, "VARCHAR"));
  return Finish(DataType::Int64());
}

namespace {

// DATE arguments (and NULL or string literals) become TIMESTAMP.
Status ToTimestamp(Binder* b, BoundExprPtr* ts, const ParsedExpr& at, const ErrorContext& ctx,
                   const std::string& fn) {
  BoundExprPtr& t = *ts;
  if (t->type.id == TypeId::kDate || t->untyped_null ||
      (t->is_constant() && t->type.id == TypeId::kVarchar)) {
    SLUICE_ASSIGN_OR_RETURN(t, b->Coerce(std::move(t), DataType::Timestamp()));
  }
  if (t->type.id != TypeId::kTimestamp) {
    return ctx.Invalid(at.pos, fn + "() expects TIMESTAMP or DATE, not " + t->type.ToString());
  }
  return Status::OK();
}

}  // namespace

Result<BoundExprPtr> FunctionBinder::Extract() {
  SLUICE_RETURN_NOT_OK(Expect(0, TypeId::kVarchar, "a field name"));
  const BoundExpr& f = *args_[0];
  sql::ExtractField field;
  if (!f.is_constant() || f.value.is_null() || !ParseExtractField(f.value.string_value(), &field)) {
    return ctx_.Invalid(e_.args[0]->pos, std::string(entry_->name) + "() field must be one of: " +
                                             ExtractFieldNames());
  }
  SLUICE_RETURN_NOT_OK(ToTimestamp(b_, &args_[1], *e_.args[1], ctx_, std::string(entry_->name)));
  return Finish(DataType::Int64());
}

Result<BoundExprPtr> FunctionBinder::ExtractField() {
  SLUICE_RETURN_NOT_OK(ToTimestamp(b_, &args_[0], *e_.args[0], ctx_, std::string(entry_->name)));
  auto f = MakeBound(BoundOp::kConstant, DataType::Varchar(), e_, ctx_);
  f->value = Value::Varchar(std::string(entry_->name));
  args_.insert(args_.begin(), std::move(f));
  return Finish(DataType::Int64());
}

Result<BoundExprPtr> FunctionBinder::DateFormat() {
  const bool pg = entry_->name == "to_char";
  SLUICE_RETURN_NOT_OK(ToTimestamp(b_, &args_[0], *e_.args[0], ctx_, std::string(entry_->name)));
  SLUICE_ASSIGN_OR_RETURN(std::string fmt, ConstantString(1, "format"));
  Result<DateTimeFormat> compiled =
      DateTimeFormat::Compile(fmt, pg ? DateTimeFormat::Style::kPostgres : DateTimeFormat::Style::kJava);
  if (!compiled.ok()) return ctx_.Invalid(e_.args[1]->pos, compiled.status().message());
  auto n = Finish(DataType::Varchar());
  n->flag = pg;
  return n;
}

Result<BoundExprPtr> FunctionBinder::Json() {
  SLUICE_RETURN_NOT_OK(Expect(0, TypeId::kVarchar, "VARCHAR (JSON text)"));
  BoundExprPtr& p = args_[1];
  Result<std::string> pointer = std::string();
  if (p->type.id == TypeId::kInt32 || p->type.id == TypeId::kInt64) {
    if (!p->is_constant() || p->value.is_null()) {
      return ctx_.Invalid(e_.args[1]->pos, std::string(entry_->name) + "() needs a constant index");
    }
    pointer = JsonIndexToPointer(p->value.int_value());
  } else {
    SLUICE_ASSIGN_OR_RETURN(std::string path, ConstantString(1, "path"));
    pointer = JsonPathToPointer(path);
  }
  if (!pointer.ok()) return ctx_.Invalid(e_.args[1]->pos, pointer.status().message());
  auto c = MakeBound(BoundOp::kConstant, DataType::Varchar(), *e_.args[1], ctx_);
  c->value = Value::Varchar(*pointer);
  p = std::move(c);
  return Finish(DataType::Varchar());
}

Result<BoundExprPtr> FunctionBinder::ProcTime() {
  // PROCTIME(): the processing time (wall clock, UTC) of the batch. A window over it
  // closes on the wall clock (WindowInfo::processing_time, set by the planner).
  return Finish(DataType::Timestamp());
}

}  // namespace sluice::sql
