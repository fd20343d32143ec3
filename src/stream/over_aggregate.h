// OverAggregate: aggregate functions over a window frame, the plan of
//   SELECT cols, agg(x) OVER (PARTITION BY p.. ORDER BY o.. ROWS BETWEEN n PRECEDING
//                             AND CURRENT ROW) FROM t
// (also ROWS UNBOUNDED PRECEDING, and the SQL default frame of an OVER with ORDER BY:
// RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW, whose frame ends at the current
// row's last peer, the last row with equal ORDER BY keys).
//
// The planner computes the partition, order and argument expressions as input columns;
// OverAggregate sees column indices. Output: the input columns followed by one column
// per aggregate, one output row per live input row. At every batch boundary the output
// is a changelog whose final state equals the batch query over the rows so far: rows of
// a partition are ordered by the ORDER BY keys, ties (peers) by arrival order (an
// earlier row first; a retracted-and-reinserted row counts as arriving again).
//
// Changelog, emitted once per input batch, after the whole batch is applied:
//  - a new row is +I with its aggregates;
//  - a retracted row that had been emitted is -D with the aggregates last emitted;
//  - a row whose frame changed (for ROWS n PRECEDING: the n rows behind an inserted or
//    retracted row; for UNBOUNDED/RANGE frames: every row from the change on) and whose
//    aggregates differ from those last emitted is -U (old) / +U (new). Rows whose
//    aggregates came out the same emit nothing.
//  - input retractions (append_only_input = false; -U and -D retract, +U and +I insert)
//    remove the identical row (every column equal, NULL equal to NULL; the earliest of
//    several identical ones). A retraction of a row never seen is ignored and counted
//    (ignored_retractions()).
//
// Aggregates: count(*), count(x), sum, avg, min, max with SQL NULL handling (NULL
// arguments are skipped; sum/avg/min/max of no values is NULL). Argument types: BOOLEAN,
// INT32, INT64, DECIMAL, DOUBLE, TIMESTAMP, DATE (min/max: any of them; sum/avg: the
// numeric ones). Result types: count INT64 NOT NULL; sum INT64 (integers), DECIMAL(18,s)
// or DOUBLE; avg DOUBLE; min/max the argument's type.
// Order keys: BOOLEAN, INT32, INT64, DECIMAL, DOUBLE (-0 = 0, NaN largest), VARCHAR
// (bytewise), TIMESTAMP, DATE; NULL order keys sort per nulls_first. NULL partition keys
// form one partition.
//
// State (all in OverAggregateState): every live row, in columnar row storage (compacted
// when more than half is dead), its normalized order keys and aggregate arguments, and
// the aggregates last emitted for it; per partition the row slots in order. A retracted
// row is freed (at the next compaction) and an empty partition is freed at once, so
// state is bounded by the live rows. Costs per changed row: O(log r) comparisons plus an
// O(r) move of 4-byte slots (r = rows of its partition), then O(n) per re-emitted row
// for ROWS n PRECEDING, O(r) per touched partition for UNBOUNDED/RANGE frames.
//
// Errors: Make() refuses bad options with Invalid naming the option. Apply/ApplyChanges
// return Internal for a batch whose schema differs from input_schema, Invalid for a
// change batch whose ops do not match its rows, NotImplemented for retractions with
// append_only_input = true (all before touching the state), OutOfRange when a sum does
// not fit its type (the state then holds the batch; the pipeline fails). Not
// thread-safe; one thread drives it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "stream/stream_operator.h"

namespace sluice::stream {

enum class OverFunction { kCountStar, kCount, kSum, kAvg, kMin, kMax };
// "count", "sum", ... for messages.
const char* OverFunctionName(OverFunction f);

struct OverAggregateOptions {
  SchemaPtr input_schema;
  std::vector<int> partition_keys;  // input columns; may be empty (one partition)
  struct Order {
    int column;        // input column
    bool descending;   // DESC
    bool nulls_first;  // NULLS FIRST (independent of descending)
  };
  std::vector<Order> order;  // at least one
  // ROWS frames: how many rows before the current one the frame holds (0 = the row
  // alone); -1 = UNBOUNDED PRECEDING.
  int64_t preceding = -1;
  // RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW: the frame also holds the current
  // row's later peers. Needs preceding = -1.
  bool range_peers = false;
  struct Aggregate {
    OverFunction function;
    int arg_column = -1;  // input column; -1 for count(*)
    std::string name;     // output column name
  };
  std::vector<Aggregate> aggregates;  // at least one
  bool append_only_input = true;      // false: input carries retractions
};

// Everything OverAggregate keeps across batches (a checkpoint snapshots this struct).
// Slots index row storage; per-slot vectors all have one entry per slot.
struct OverAggregateState {
  // Partitions: per partition id its slots in order (empty = free id) and key hash; the
  // key values are those of the partition's rows. Open addressing over ids: -1 empty,
  // -2 deleted.
  std::vector<std::vector<int32_t>> lists;
  std::vector<uint64_t> partition_hashes;
  std::vector<int32_t> free_partitions;
  std::vector<int32_t> table;
  int32_t live_partitions = 0;
  int32_t deleted_entries = 0;
  // Row storage: the input columns; per order key the normalized key and NULL rank.
  std::vector<Column> rows;
  std::vector<std::vector<int64_t>> order_keys;
  std::vector<std::vector<uint8_t>> order_null_ranks;
  // Per aggregate: the argument (integers widened; doubles as their bits) and whether it
  // is non-NULL, and the value last emitted (as bits) and whether it is non-NULL.
  std::vector<std::vector<int64_t>> args;
  std::vector<std::vector<uint8_t>> arg_valid;
  std::vector<std::vector<int64_t>> emitted_value;
  std::vector<std::vector<uint8_t>> emitted_valid;
  std::vector<uint8_t> alive;
  std::vector<uint8_t> emitted;  // the row's +I went out
  int64_t dead_rows = 0;
  int64_t ignored_retractions = 0;
};

class OverAggregate final : public StreamOperator {
 public:
  // Validates `options` (schema present, column indices in range, at least one order
  // key of a supported type, at least one aggregate with a supported argument type,
  // preceding >= -1, range_peers only with preceding = -1, output names not clashing
  // with input columns) and returns the operator, or Invalid naming the problem.
  static Result<std::unique_ptr<OverAggregate>> Make(OverAggregateOptions options);

  const SchemaPtr& output_schema() const override { return output_schema_; }
  Status Apply(const RecordBatch& input, ChangeSink* out) override;
  Status ApplyChanges(int port, const warehouse::ChangeBatch& input, ChangeSink* out) override;
  // Nothing is pending at the end: every change was emitted with its batch.
  Status Finish(ChangeSink* out) override;
  // Checkpoints: OverAggregateState (over_aggregate_codec.cc).
  Status Snapshot(StateWriter* out) const override;
  Status Restore(StateReader* in) override;

  const OverAggregateOptions& options() const { return options_; }
  int64_t num_partitions() const { return state_.live_partitions; }
  int64_t stored_rows() const {
    return static_cast<int64_t>(state_.alive.size()) - state_.dead_rows;
  }
  int64_t storage_slots() const { return static_cast<int64_t>(state_.alive.size()); }
  int64_t ignored_retractions() const { return state_.ignored_retractions; }
  const OverAggregateState& state() const { return state_; }

 private:
  struct Change {
    int32_t slot;
    warehouse::ChangeOp op;
  };
  // A running aggregate over some rows of one aggregate's arguments.
  struct Acc {
    int64_t rows = 0;
    int64_t count = 0;
    __int128 isum = 0;
    double dsum = 0;
    int64_t imin = 0;
    int64_t imax = 0;
    double dmin = 0;
    double dmax = 0;
  };

  OverAggregate(OverAggregateOptions options, SchemaPtr output_schema);

  Status Process(const RecordBatch& input, const warehouse::ChangeOp* ops, ChangeSink* out);
  Status CheckSchema(const RecordBatch& input) const;
  void AppendBatch(const RecordBatch& input);
  int32_t FindPartition(int32_t slot, uint64_t hash, bool add);
  void FreePartition(int32_t p);
  void Rehash(size_t size);
  bool SamePartition(int32_t a, int32_t b) const;
  int CompareOrder(int32_t a, int32_t b) const;
  bool SameRow(int32_t a, int32_t b) const;
  void Insert(int32_t slot, int32_t p);
  void Retract(int32_t slot, int32_t p);
  void MarkFrom(int32_t p, size_t pos, size_t count);
  void MarkPeerStart(int32_t p, size_t pos, int32_t ref);
  Status Recompute(int32_t p);
  void Add(size_t a, int32_t slot, Acc* acc) const;
  // The aggregate's value for `acc`; false on a sum out of range.
  bool Value(size_t a, const Acc& acc, int64_t* bits, uint8_t* valid) const;
  // Emits row `slot` with new_value_/new_valid_: +I, or -U/+U when they changed.
  void Offer(int32_t slot);
  Status OutOfRange(size_t a) const;
  Status EmitChanges(ChangeSink* out);
  void Compact();

  OverAggregateOptions options_;
  SchemaPtr output_schema_;
  std::vector<uint8_t> exact_;       // per order key: VARCHAR (equal prefixes compare in full)
  std::vector<uint8_t> double_arg_;  // per aggregate: the argument is DOUBLE
  std::vector<DataType> result_types_;
  std::vector<int64_t> sum_limit_;  // per aggregate: |sum| bound (integer/decimal sums)
  std::vector<double> avg_divisor_;  // per aggregate: 10^scale of a DECIMAL argument, else 1
  OverAggregateState state_;

  // Scratch, per batch.
  std::vector<uint64_t> hashes_;
  std::vector<uint8_t> dirty_;  // per slot
  std::vector<uint8_t> partition_dirty_;
  std::vector<int32_t> dirty_partitions_;
  std::vector<Change> changes_;
  std::vector<std::vector<int64_t>> change_value_;  // per aggregate, per change
  std::vector<std::vector<uint8_t>> change_valid_;
  std::vector<int64_t> new_value_;  // per aggregate, one row
  std::vector<uint8_t> new_valid_;
  std::vector<Acc> accs_;
};

}  // namespace sluice::stream
