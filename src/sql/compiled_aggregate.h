// CompiledAggregate: the stateless halves of a GROUP BY query, compiled. Prepare turns
// an input batch into the aggregation inputs (WHERE applied; group key columns, then
// each aggregate's argument and FILTER columns); Finalize turns rows of the
// aggregation frame (keys, then aggregate results) into output rows and evaluates
// HAVING. The state in between (groups and accumulators) is the stream module's
// GroupAggregate.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/record_batch.h"
#include "sql/binder.h"
#include "sql/compiled_select.h"

namespace sluice::sql {

// Where one aggregate finds its inputs in a prepared batch.
struct AggregateInput {
  AggregateKind kind = AggregateKind::kCountStar;
  DataType arg_type;       // the argument's type (unset for count(*))
  DataType type;           // the result's type
  int arg_column = -1;     // -1 for count(*)
  int filter_column = -1;  // BOOLEAN: the row counts only where TRUE; -1 = no FILTER
  std::string text;        // the call as written
};

// FROM TUMBLE/HOP/CUMULATE/SESSION of an aggregate query (see BoundSelect).
struct WindowInfo {
  WindowKind kind = WindowKind::kNone;
  SchemaPtr source_schema;  // input_schema() without window_start, window_end
  int time_column = -1;     // in source_schema
  int64_t size = 0;         // micros; SESSION: the gap
  int64_t slide = 0;        // micros; HOP: slide, CUMULATE: step, else == size
  int start_key = -1;       // the group key (and prepared column) holding window_start
  bool emit_on_close = false;
  int end_key = -1;  // the group key holding window_end, or -1 (set for CUMULATE, SESSION)
  std::vector<int> partition_keys;  // SESSION: the group keys a session is kept per
  // The time column is PROCTIME(): windows close on wall-clock time given to
  // OnProcessingTime as well as on the rows' times. The planner sets it.
  bool processing_time = false;
};

class CompiledAggregate {
 public:
  // `bound` must be an aggregate query (bound.aggregate). Fails like CompiledSelect::Make.
  static Result<std::unique_ptr<CompiledAggregate>> Make(BoundSelect bound, const ErrorContext& ctx);

  const std::string& input_table() const { return input_table_; }
  const SchemaPtr& input_schema() const { return input_schema_; }
  const SchemaPtr& output_schema() const { return output_schema_; }
  // Group keys (0..num_keys()-1), then one column per aggregate.
  const SchemaPtr& frame_schema() const { return frame_schema_; }
  int num_keys() const { return num_keys_; }
  const std::vector<AggregateInput>& aggregates() const { return aggregates_; }
  // Per output column: the group key it is exactly, or -1.
  const std::vector<int>& key_output() const { return key_output_; }
  const WindowInfo& window() const { return window_; }

  // The aggregation inputs of the rows of `input` that pass WHERE (see AggregateInput
  // for the layout). Errors as CompiledSelect::Evaluate (Invalid, nothing kept).
  Result<RecordBatchPtr> Prepare(const RecordBatch& input);
  // After a successful Prepare: for each prepared row, the index of the input row it
  // comes from (the rows that passed WHERE, ascending); nullptr when every input row
  // passed. Lets a changelog's ops follow their rows. Valid until the next Prepare.
  const std::vector<int32_t>* prepared_selection() const { return prepare_->selection(); }
  // OK when every aggregate can consume updates and deletes (sql::SupportsRetraction);
  // otherwise NotImplemented: "approx_count_distinct cannot consume updates or deletes;
  // use count(DISTINCT ...)". The planner asks before feeding a changelog to the query.
  Status CheckRetractableInput() const;
  // The output rows for the rows of `frame` (frame_schema()), and in `pass` one byte per
  // row: 1 where HAVING is TRUE (always 1 without HAVING).
  Result<RecordBatchPtr> Finalize(const RecordBatch& frame, std::vector<uint8_t>* pass);

 private:
  CompiledAggregate() = default;

  std::string input_table_;
  SchemaPtr input_schema_;
  SchemaPtr output_schema_;
  SchemaPtr frame_schema_;
  int num_keys_ = 0;
  std::vector<AggregateInput> aggregates_;
  std::vector<int> key_output_;
  bool has_having_ = false;
  WindowInfo window_;
  std::unique_ptr<CompiledSelect> prepare_;   // input -> aggregation inputs
  std::unique_ptr<CompiledSelect> finalize_;  // frame -> output items [+ HAVING]
};

}  // namespace sluice::sql
