// CompiledSelect: a bound SELECT ready to run over batches of its input stream:
// filter with WHERE, then compute the select items for the surviving rows.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/record_batch.h"
#include "sql/binder.h"
#include "sql/kernel.h"
#include "sql/subexpression_cache.h"

namespace sluice::sql {

class CompiledSelect {
 public:
  // Compiles every expression of `bound` (ctx names the script for runtime errors).
  static Result<std::unique_ptr<CompiledSelect>> Make(BoundSelect bound, const ErrorContext& ctx);

  // The FROM stream as the catalog spells it.
  const std::string& input_table() const { return input_table_; }
  const SchemaPtr& input_schema() const { return input_schema_; }
  const SchemaPtr& output_schema() const { return output_schema_; }

  // Applies WHERE (rows where it is NULL or false are dropped) and computes the select
  // items for the remaining rows, in input order. Plain column references of an
  // unfiltered batch are passed through without copying. `input` must have the input
  // schema's column types (Invalid otherwise). Runtime errors (integer overflow, a
  // failed CAST) are Invalid with "file:line:col: error: ... in '<expression>'";
  // division by zero gives NULL.
  // Thread-compatible: keeps scratch buffers; use one instance per thread.
  Result<RecordBatchPtr> Evaluate(const RecordBatch& input);
  // After a successful Evaluate: the indices (ascending) of the input rows that passed
  // WHERE, one per output row; nullptr when every input row passed. Valid until the
  // next Evaluate.
  const std::vector<int32_t>* selection() const { return filtered_ ? &selection_ : nullptr; }

  // The subexpressions compiled once and shared by several uses (WHERE, items, CASE
  // branches), with how often each ran: for tests and debugging.
  std::vector<SharedSubexpressionStats> shared_subexpressions() const { return subexpressions_->Stats(); }

 private:
  CompiledSelect() = default;
  Status CheckInput(const RecordBatch& input) const;

  std::string input_table_;
  SchemaPtr input_schema_;
  SchemaPtr output_schema_;
  // Declared before the kernels, whose use kernels point into it.
  std::unique_ptr<SubexpressionCache> subexpressions_ = std::make_unique<SubexpressionCache>();
  KernelPtr where_;
  std::vector<KernelPtr> items_;
  std::vector<bool> used_;  // input columns the select items read (not via WHERE results)
  // scratch
  std::vector<int32_t> selection_;
  bool filtered_ = false;  // the last Evaluate dropped rows (selection_ holds the rest)
  std::vector<ColumnPtr> gathered_;
};

}  // namespace sluice::sql
