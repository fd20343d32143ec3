// HashJoin: a stream join of two changelog inputs (port 0 = left, port 1 = right):
// regular INNER and LEFT joins on equality keys, interval joins (time bounds between
// the two sides) and window joins (rows expire at their window's end), with an
// optional residual predicate over the joined row.
//
// Output: left columns then right columns (right ones all NULL for a LEFT join row
// without match), as a changelog: +I for new joined rows, -D for retracted ones.
//  - +I/+U on a port inserts the row into that side's state and emits its matches;
//    -U/-D removes one identical stored row and retracts its matches.
//  - LEFT join: a left row without match emits (left, NULLs); when its first match
//    arrives the operator emits -D of the padded row then +I of the joined row, and the
//    reverse when its last match goes. An INNER join of append-only inputs emits only +I.
//  - A NULL key (or NULL time / expiry) never matches. A retraction that finds no
//    identical stored row is refused ("late: ...").
//  - Residual: rows where it is not TRUE do not match (for a LEFT join: no match).
//
// Event time (interval and window joins): the operator tracks per port the max event
// time (the time-bound columns, else the given event-time columns); watermark = min over
// ports of (max - watermark_delay_us), or a larger one from OnWatermark. A left row is
// dropped once watermark > l.time + upper, a right row once watermark > r.time - lower;
// with expiry columns a row is dropped once watermark >= its expiry (+ expiry_offset_us).
// Window-time interval joins (window_time_offset_us): a side's time column may be a
// window bound of window aggregates (sql::WindowCloseOffset d: no row with bound E
// changes once their watermark >= E + d), delivered by OnWindowWatermark. Then the
// watermark is the MIN of the stream sides' (max event time - delay, or a larger one
// from OnWatermark) and the window aggregates' (OnWindowWatermark, or OnWatermark's), so
// that neither side expires early. A row's partners have times up to `last` (l.time +
// upper for a left row, r.time - lower for a right one); it is dropped once the
// watermark >= last + d of the other side when that side is a window bound (no window
// of that time can appear or change), last + 1 when it is a stream (later rows of it are
// late), and for a window-bound row also not before its own E + d (a retraction of it
// must find it). Only stream sides refuse rows behind the watermark as late.
// Rows that would already be dropped on arrival are late: refused (TakeRefusedRows,
// reason "late: ..."), for a LEFT join too (no padded row is emitted for them; the
// pipeline counts them).
// Dropping rows emits nothing. Retractions on a time-bounded join only retract joined
// rows whose partner is still in state.
//
// Errors as StreamOperator: a batch that does not match the port's schema is Invalid
// with the state unchanged. A runtime error of the residual (overflow, failed CAST) is
// Invalid when nothing had been applied yet, otherwise NotImplemented (fatal: part of the
// batch was applied, so the pipeline cannot retry parts of it).
// Cost: each input row costs its key lookup plus its candidate partners (same key, then
// time bounds); a join without keys (time bounds only) scans the other side's rows.
// Residual conjuncts that compare two columns of one integer-like type (INT32, DATE,
// INT64, TIMESTAMP, DECIMAL; a TIMESTAMP column may carry + INTERVAL '0', as time bounds
// turned residual do) are checked inline on each candidate; the other conjuncts are
// evaluated vectorized on the candidates that pass them. A retraction finds its stored
// row through a row-hash index (hash_join_state.h), not by scanning its key's rows.
// State backends: with HashJoinOptions::state.backend = kRocksDb both sides' rows stay
// within the memory budget after every batch; cold join keys (with all their rows) are
// spilled to RocksDB and loaded back before a batch that has them (hash_join_spill.h).
// The changelog is exactly the memory backend's; store errors are IOError naming the
// directory (fatal: the batch may be partly applied).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sql/ast.h"
#include "sql/bound_expr.h"
#include "sql/kernel.h"
#include "sql/sql_error.h"
#include "stream/hash_join_spill.h"
#include "stream/hash_join_state.h"
#include "stream/state_backend.h"
#include "stream/stream_operator.h"

namespace sluice::stream {

// right.time - left.time in [lower_us, upper_us] (inclusive), TIMESTAMP columns.
struct JoinTimeBounds {
  int left_time = -1;
  int right_time = -1;
  int64_t lower_us = 0;
  int64_t upper_us = 0;
};

struct HashJoinOptions {
  sql::JoinType type = sql::JoinType::kInner;
  // Equality keys (same count; pairs of the same type, or INT32 with INT64; not INTERVAL).
  std::vector<int> left_keys, right_keys;
  // Over left ++ right columns, BOOLEAN; nullptr = none.
  sql::BoundExprPtr residual;
  // Interval join (from sql::JoinCondition).
  std::optional<JoinTimeBounds> time_bounds;
  // Window join: per side a TIMESTAMP column (window_end); -1 = none.
  int left_expiry = -1, right_expiry = -1;
  // Added to the expiry columns' values (>= 0): a row is dropped once the watermark >=
  // its expiry + expiry_offset_us (a window aggregate's allowed lateness, say).
  int64_t expiry_offset_us = 0;
  // Columns whose max drives the watermark; -1 = the time-bound column of that side, or
  // none (then only OnWatermark advances it).
  int left_event_time = -1, right_event_time = -1;
  int64_t watermark_delay_us = 0;
  // Window-time interval join (needs time_bounds): per side (0 = left, 1 = right) the
  // offset d >= 0 when that side's time column is a window bound closed by the window
  // aggregates' watermark at E + d (sql::WindowCloseOffset), or -1 when it is a stream's
  // event time. The side's event-time column is then unused.
  int64_t window_time_offset_us[2] = {-1, -1};
  SchemaPtr left_schema, right_schema;
  // kRocksDb: both sides' rows kept within the budget, the rest spilled to `dir`
  // (hash_join_spill.h); the changelog is the memory backend's.
  OperatorStateOptions state;
};

class HashJoin final : public StreamOperator {
 public:
  // Validates the options (Invalid naming the problem) and compiles the residual;
  // `ctx` names the script in runtime error messages.
  static Result<std::unique_ptr<HashJoin>> Make(HashJoinOptions options, const sql::ErrorContext& ctx);

  const SchemaPtr& output_schema() const override { return output_schema_; }
  int num_inputs() const override { return 2; }
  // Port 0 (left), append-only.
  Status Apply(const RecordBatch& input, ChangeSink* out) override { return ApplyInput(0, input, out); }
  Status ApplyInput(int port, const RecordBatch& input, ChangeSink* out) override;
  Status ApplyChanges(int port, const warehouse::ChangeBatch& input, ChangeSink* out) override;
  Status OnWatermark(int64_t watermark, ChangeSink* out) override;
  // The smallest watermark of the window aggregates below the join (the query graph's,
  // for window_close_expiry joins). A window-time join takes the MIN with its stream
  // sides' watermark; otherwise it is OnWatermark. Emits nothing.
  Status OnWindowWatermark(int64_t watermark, ChangeSink* out);
  // Emits nothing (every result was emitted as it arose).
  Status Finish(ChangeSink* out) override;
  RefusedRows TakeRefusedRows() override;

  int64_t watermark() const { return state_.watermark; }
  // Live rows kept for port 0 (left) or 1 (right).
  int64_t state_rows(int port) const { return state_.side(port).live_rows; }
  const HashJoinState& state() const { return state_; }
  // The rocksdb backend: the bytes both sides hold in memory (JoinSide::MemoryBytes,
  // at most the budget after every batch) and the keys spilled (0 for the memory backend).
  int64_t state_memory_bytes() const { return state_.left.MemoryBytes() + state_.right.MemoryBytes(); }
  int64_t spilled_keys() const { return spill_ ? spill_->spilled_keys() : 0; }
  const JoinSpill* spill() const { return spill_.get(); }
  // Checkpoints: HashJoinState (hash_join_codec.cc).
  Status Snapshot(StateWriter* out) const override;
  Status Restore(StateReader* in) override;

 private:
  HashJoin() = default;
  Status Process(int port, const RecordBatch& in, const warehouse::ChangeOp* ops, ChangeSink* out);
  Status CheckInput(int port, const RecordBatch& in) const;
  // Per row: expire_at and whether it is refused (reasons into refused_list_).
  void Classify(int port, const RecordBatch& in);
  // Moves this batch's refused rows (refused_list_) into refused_rows_, in input order.
  void CommitRefused(int port, const RecordBatch& in);
  // Raises the port's max event time and the watermark (dropping expired rows).
  void TrackEventTime(int port, const RecordBatch& in);
  Status InsertRun(int port, const RecordBatch& in, ChangeSink* out);
  Status RemoveRun(int port, const RecordBatch& in, ChangeSink* out);
  // Collects the candidate partners of run_ rows in the other side into pairs_,
  // flushing through FlushPairs.
  Status ProbeRun(int port, const RecordBatch& in, bool insert, ChangeSink* out);
  Status FlushPairs(int port, const RecordBatch& in, bool insert, ChangeSink* out);
  // Splits `residual` (BOOLEAN, over left ++ right) into inline_ and residual_
  // (hash_join_residual.cc); Invalid when it reads a column outside the inputs.
  Status CompileResidual(sql::BoundExprPtr residual, const sql::ErrorContext& ctx);
  Status FilterResidual(int port, const RecordBatch& in);
  // Resolves inline_ against the input batch (port) and the other side's columns.
  void ResolveInline(int port, const RecordBatch& in);
  // Whether input row i and stored row j pass every inline conjunct.
  bool PassInline(int32_t i, int32_t j) const;
  // Output rows: left source row, right source row (-1 = NULLs).
  void Push(warehouse::ChangeOp op, int32_t left, int32_t right);
  Status FlushOutput(ChangeSink* out);
  void SetSources(int port, const RecordBatch& in);
  void AdvanceWatermark(int64_t candidate);
  // Window-time joins: advances to min(stream sides' watermark, window watermark).
  void AdvanceWindowTimeWatermark();
  // When a row of `port` with time `t` can be dropped (bounded joins).
  int64_t RowExpiry(int port, int64_t t) const;

  sql::JoinType type_ = sql::JoinType::kInner;
  std::vector<int> keys_[2];
  int time_col_[2] = {-1, -1};
  int expiry_col_[2] = {-1, -1};
  int64_t expiry_offset_ = 0;
  int event_col_[2] = {-1, -1};
  int64_t lower_ = 0, upper_ = 0;
  bool bounded_ = false;
  int64_t delay_ = 0;
  // Window-time joins: per side d or -1 (HashJoinOptions), and the largest watermarks
  // received from OnWatermark and OnWindowWatermark (not checkpointed: the watermark
  // itself is, and both are handed again after a restore).
  int64_t window_offset_[2] = {-1, -1};
  bool window_time_ = false;
  int64_t external_watermark_ = INT64_MIN;
  int64_t window_watermark_ = INT64_MIN;
  SchemaPtr schema_[2];
  SchemaPtr output_schema_;
  // A conjunct of the ON condition checked inline while probing: column a `op` column b
  // (indexes into left ++ right), both of one integer-like type, 64-bit when `wide`.
  struct InlineCompare {
    sql::BoundOp op = sql::BoundOp::kEq;
    int a = -1, b = -1;
    bool wide = true;
  };
  // InlineCompare resolved for one batch: each operand's column and whether it is read at
  // the input row (else at the stored row).
  struct InlineOperands {
    sql::BoundOp op = sql::BoundOp::kEq;
    const Column* a = nullptr;
    const Column* b = nullptr;
    bool a_input = false, b_input = false, wide = true;
  };
  std::vector<InlineCompare> inline_;
  std::vector<InlineOperands> inline_run_;
  sql::KernelPtr residual_;  // the conjuncts not in inline_, or null
  std::vector<bool> residual_uses_;  // per output column
  HashJoinState state_;
  std::unique_ptr<JoinSpill> spill_;  // the rocksdb backend, else null

  // Per batch scratch.
  bool touched_ = false;  // state changed or rows emitted during this call
  EncodedKeys keys_in_;
  std::vector<uint64_t> row_hash_;
  std::vector<int64_t> expire_;
  std::vector<uint8_t> refused_;
  std::vector<std::pair<int32_t, std::string>> refused_list_;  // (input row, reason)
  std::vector<int32_t> run_;      // input rows of the current run
  std::vector<int64_t> passed_;   // per input row: matches emitted in this run
  std::vector<int32_t> pair_in_, pair_store_;
  std::vector<ColumnPtr> eval_columns_;
  // Output under construction.
  const std::vector<std::unique_ptr<Column>>* store_src_ = nullptr;
  const RecordBatch* input_src_ = nullptr;
  bool input_is_left_ = true;
  std::vector<warehouse::ChangeOp> out_ops_;
  std::vector<int32_t> out_left_, out_right_;
  RefusedRows refused_rows_;
};

}  // namespace sluice::stream
