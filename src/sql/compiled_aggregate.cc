#include "sql/compiled_aggregate.h"

namespace sluice::sql {

Result<std::unique_ptr<CompiledAggregate>> CompiledAggregate::Make(BoundSelect bound,
                                                                   const ErrorContext& ctx) {
  if (!bound.aggregate) return Status::Internal("CompiledAggregate over a non-aggregate query");
  std::unique_ptr<CompiledAggregate> a(new CompiledAggregate());
  a->input_table_ = bound.input_table;
  a->input_schema_ = bound.input_schema;
  a->output_schema_ = bound.output_schema;
  a->frame_schema_ = bound.frame_schema;
  a->num_keys_ = static_cast<int>(bound.group_keys.size());
  a->key_output_ = bound.key_output;
  a->window_.kind = bound.window;
  a->window_.source_schema = bound.source_schema;
  a->window_.time_column = bound.time_column;
  a->window_.size = bound.window_size;
  a->window_.slide = bound.window_slide;
  a->window_.start_key = bound.window_start_key;
  a->window_.emit_on_close = bound.emit_on_window_close;
  a->window_.end_key = bound.window_end_key;
  a->window_.partition_keys = bound.window_partition_keys;
  a->window_.processing_time = bound.window_processing_time;

  // input -> [keys..., per aggregate: arg, filter]
  BoundSelect pre;
  pre.input_table = bound.input_table;
  pre.input_schema = bound.input_schema;
  pre.where = std::move(bound.where);
  std::vector<Field> pre_fields;
  auto add = [&](BoundExprPtr e) {
    pre_fields.push_back(Field{"c" + std::to_string(pre_fields.size()), e->type, true});
    pre.items.push_back(std::move(e));
    return static_cast<int>(pre.items.size()) - 1;
  };
  for (BoundExprPtr& k : bound.group_keys) add(std::move(k));
  for (BoundAggregate& agg : bound.aggregates) {
    AggregateInput in;
    in.kind = agg.kind;
    in.type = agg.type;
    in.text = agg.text;
    if (agg.arg) {
      in.arg_type = agg.arg->type;
      in.arg_column = add(std::move(agg.arg));
    }
    if (agg.filter) in.filter_column = add(std::move(agg.filter));
    a->aggregates_.push_back(std::move(in));
  }
  pre.output_schema = MakeSchema(std::move(pre_fields));
  SLUICE_ASSIGN_OR_RETURN(a->prepare_, CompiledSelect::Make(std::move(pre), ctx));

  // frame -> [items..., having]
  BoundSelect post;
  post.input_table = bound.input_table;
  post.input_schema = bound.frame_schema;
  std::vector<Field> post_fields = bound.output_schema->fields();
  post.items = std::move(bound.items);
  if (bound.having) {
    a->has_having_ = true;
    post_fields.push_back(Field{"having", DataType::Boolean(), true});
    post.items.push_back(std::move(bound.having));
  }
  post.output_schema = MakeSchema(std::move(post_fields));
  SLUICE_ASSIGN_OR_RETURN(a->finalize_, CompiledSelect::Make(std::move(post), ctx));
  return a;
}

Result<RecordBatchPtr> CompiledAggregate::Prepare(const RecordBatch& input) {
  return prepare_->Evaluate(input);
}

Status CompiledAggregate::CheckRetractableInput() const {
  for (const AggregateInput& a : aggregates_) {
    if (!SupportsRetraction(a.kind)) {
      return Status::NotImplemented(std::string(AggregateKindName(a.kind)) +
                                    " cannot consume updates or deletes; use count(DISTINCT ...)");
    }
  }
  return Status::OK();
}

Result<RecordBatchPtr> CompiledAggregate::Finalize(const RecordBatch& frame,
                                                   std::vector<uint8_t>* pass) {
  SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr all, finalize_->Evaluate(frame));
  const int64_t rows = all->num_rows();
  pass->assign(static_cast<size_t>(rows), 1);
  if (!has_having_) return all;
  const int h = all->num_columns() - 1;
  const Column& having = all->column(h);
  const uint8_t* v = having.values<uint8_t>();
  for (int64_t i = 0; i < rows; ++i) (*pass)[static_cast<size_t>(i)] = having.IsValid(i) && v[i];
  std::vector<ColumnPtr> cols(all->columns().begin(), all->columns().end() - 1);
  return std::make_shared<const RecordBatch>(output_schema_, std::move(cols), rows);
}

}  // namespace sluice::sql
