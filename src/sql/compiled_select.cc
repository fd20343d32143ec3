#include "sql/compiled_select.h"

#include "sql/expression_compiler.h"

namespace sluice::sql {

namespace {

// Marks the input columns `e` reads, except inside subexpressions the select items
// take from WHERE's results.
void MarkColumns(const BoundExpr& e, const SubexpressionCache& shared, std::vector<bool>* used) {
  if (shared.ComputedByWhere(e)) return;
  if (e.op == BoundOp::kColumn) (*used)[static_cast<size_t>(e.column)] = true;
  for (const auto& a : e.args) MarkColumns(*a, shared, used);
}

}  // namespace

Result<std::unique_ptr<CompiledSelect>> CompiledSelect::Make(BoundSelect bound, const ErrorContext& ctx) {
  std::unique_ptr<CompiledSelect> s(new CompiledSelect());
  s->input_table_ = std::move(bound.input_table);
  s->input_schema_ = std::move(bound.input_schema);
  s->output_schema_ = std::move(bound.output_schema);
  s->used_.assign(static_cast<size_t>(s->input_schema_->num_fields()), false);
  if (bound.where) s->subexpressions_->Count(*bound.where, /*in_where=*/true);
  for (const BoundExprPtr& item : bound.items) s->subexpressions_->Count(*item);
  ExpressionCompiler compiler(ctx);
  compiler.set_subexpressions(s->subexpressions_.get());
  if (bound.where) {
    SLUICE_ASSIGN_OR_RETURN(s->where_, compiler.Compile(*bound.where));
  }
  for (const BoundExprPtr& item : bound.items) {
    MarkColumns(*item, *s->subexpressions_, &s->used_);
    SLUICE_ASSIGN_OR_RETURN(KernelPtr k, compiler.Compile(*item));
    s->items_.push_back(std::move(k));
  }
  return s;
}

Status CompiledSelect::CheckInput(const RecordBatch& input) const {
  const Schema& want = *input_schema_;
  if (input.num_columns() != want.num_fields()) {
    return Status::Invalid("query over " + input_table_ + " expects " + std::to_string(want.num_fields()) +
                           " columns (" + want.ToString() + ") but the batch has " +
                           std::to_string(input.num_columns()));
  }
  for (int i = 0; i < want.num_fields(); ++i) {
    if (!(input.column(i).type() == want.field(i).type)) {
      return Status::Invalid("query over " + input_table_ + ": column '" + want.field(i).name +
                             "' is " + input.column(i).type().ToString() + " in the batch but " +
                             want.field(i).type.ToString() + " in the query's schema");
    }
  }
  return Status::OK();
}

Result<RecordBatchPtr> CompiledSelect::Evaluate(const RecordBatch& input) {
  SLUICE_RETURN_NOT_OK(CheckInput(input));
  const int64_t rows = input.num_rows();
  const std::vector<ColumnPtr>* frame = &input.columns();
  int64_t n = rows;
  filtered_ = false;
  subexpressions_->BeginFrame();
  if (where_) {
    SLUICE_ASSIGN_OR_RETURN(Vec pred, where_->Eval(EvalInput{&input.columns(), rows}, nullptr));
    const Column& p = pred.column();
    const uint8_t* v = p.values<uint8_t>();
    selection_.clear();
    if (pred.constant) {
      if (p.IsValid(0) && v[0]) {
        for (int64_t i = 0; i < rows; ++i) selection_.push_back(static_cast<int32_t>(i));
      }
    } else if (!p.has_nulls()) {
      for (int64_t i = 0; i < rows; ++i) {
        if (v[i]) selection_.push_back(static_cast<int32_t>(i));
      }
    } else {
      for (int64_t i = 0; i < rows; ++i) {
        if (v[i] && p.IsValid(i)) selection_.push_back(static_cast<int32_t>(i));
      }
    }
    n = static_cast<int64_t>(selection_.size());
    if (n < rows) {
      filtered_ = true;
      // Gather only the columns the select items read.
      gathered_.assign(input.columns().size(), nullptr);
      for (size_t c = 0; c < used_.size(); ++c) {
        if (!used_[c]) continue;
        auto col = std::make_shared<Column>(input.column(static_cast<int>(c)).type());
        col->AppendSelected(input.column(static_cast<int>(c)), selection_.data(), n);
        gathered_[c] = std::move(col);
      }
      frame = &gathered_;
      subexpressions_->Narrow(selection_.data(), n, EvalInput{&input.columns(), rows});
    }
  }
  std::vector<ColumnPtr> out;
  out.reserve(items_.size());
  for (KernelPtr& k : items_) {
    SLUICE_ASSIGN_OR_RETURN(Vec v, k->Eval(EvalInput{frame, n}, nullptr));
    out.push_back(Materialize(v, n));
  }
  gathered_.clear();
  subexpressions_->EndBatch();
  return std::make_shared<const RecordBatch>(output_schema_, std::move(out), n);
}

}  // namespace sluice::sql
