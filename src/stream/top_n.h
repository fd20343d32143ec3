// TopN: the streaming top-N / deduplication operator, the plan of
//   SELECT ... FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY p.. ORDER BY o..) AS rn
//                    FROM t) WHERE rn <= N
// The planner computes the partition and order expressions as input columns; TopN sees
// column indices. Its output (input columns [+ rn]) is, at every point, a changelog whose
// final state equals a batch ROW_NUMBER() over the input so far: the rows ranked 1..N in
// each partition, ties in the ORDER BY keys broken by arrival order (earlier row first).
//
// Changelog (emitted once per input batch, in the order the changes happen):
//  - without rn: a row entering the top N is +I, a row pushed out is -D. With limit 1 a
//    row replacing the first row of its partition is -U old / +U new instead.
//  - with rn: a row entering is +I (its rank), a row leaving is -D (its last rank), a
//    row whose rank changed is -U (old rank) / +U (new rank); with limit 1 a replacement
//    is -U old / +U new (both rank 1). Changes to one partition are ordered so that a
//    sink keyed on (partition keys, rn) that applies them one by one ends correct.
//  - input retractions (append_only_input = false; -U and -D both retract, +U and +I both
//    insert) remove the identical row (all columns equal, NULL equal to NULL; the
//    earliest-arrived one if several are identical); if it was in the top N it is -D
//    and the rows behind it move up (the (N+1)-th enters, +I). A retraction of a row
//    outside the top N emits nothing; one of a row TopN never saw is ignored and counted
//    (ignored_retractions()).
//
// Order keys: BOOLEAN, INT32, INT64, DOUBLE (-0 = 0, NaN largest), DECIMAL, VARCHAR
// (bytewise), TIMESTAMP, DATE, INTERVAL (months as 30 days, days as 24 hours, as
// PostgreSQL). NULL order keys sort per nulls_first; NULL partition keys form one
// partition (SQL).
//
// Paths and state (all in TopNState):
//  - top-N, append-only input: per partition at most N row references; rows that cannot
//    enter are dropped without being copied. State is bounded by partitions x N rows.
//  - retractable input: every live row of a partition is kept, in rank order, so that
//    the next row can move up. An insert or retraction costs O(log n) comparisons plus
//    an O(n) move of 4-byte references (n = rows of the partition).
//  - keep-first dedup (limit 1, append-only, one ASC TIMESTAMP order key, and
//    keep_first_fast_path): +I for the first row of each partition, then nothing.
//    State: the partition keys and the kept row's time, not the row. A later-arriving
//    row with a strictly EARLIER time than the kept one would have to replace it: it is
//    refused as late (TakeRefusedRows), which the pipeline counts and logs; a row with
//    an equal time loses the tie (arrival order).
//  - keep-last dedup (limit 1, append-only, DESC): the general path with N = 1 (one row
//    per partition); a new row replaces the kept one only if its key is strictly later
//    (equal keys keep the earlier row, as everywhere), emitting -U old / +U new.
// Partitions are never forgotten (their keys stay, as GroupAggregate's groups do).
// Rows live in columnar storage (one Column per input column) that is compacted when
// more than half of it is dead rows.
//
// Errors: Make() refuses bad options with Invalid, naming the option.
// Apply/ApplyChanges return Internal for a batch whose schema differs from
// input_schema (a planner bug), Invalid for a change batch whose ops do not match its
// rows (count, unknown code), NotImplemented for retractions with
// append_only_input = true; all before touching the state. Nothing else fails except
// the sink, whose error is returned as is. Not thread-safe; one thread drives it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "stream/stream_operator.h"

namespace sluice::stream {

struct TopNOptions {
  SchemaPtr input_schema;
  std::vector<int> partition_keys;  // input columns; may be empty (one global partition)
  struct Order {
    int column;        // input column
    bool descending;   // DESC
    bool nulls_first;  // NULLS FIRST (independent of descending)
  };
  std::vector<Order> order;       // at least one
  int64_t limit = 1;              // N >= 1
  bool emit_rank = false;         // append rn (BIGINT NOT NULL) as the last output column
  bool append_only_input = true;  // false: input carries retractions
  std::string rank_name = "rn";   // name of the rn output column (emit_rank only)
  // Keep-first dedup (limit 1, append-only, one ASC TIMESTAMP key) without storing rows:
  // exact when the time never goes back within a partition (processing time). false:
  // take the general path instead, which stores the kept row and, when a row with an
  // earlier time arrives late, replaces it (-U old / +U new) as a batch query would.
  bool keep_first_fast_path = true;
};

// Everything TopN must keep across batches (a checkpoint snapshots this struct).
struct TopNState {
  // Partitions: key values (row p = partition p) in an open-addressing table over ids.
  std::vector<Column> partition_keys;  // per partition key column
  std::vector<uint64_t> partition_hashes;
  std::vector<int32_t> table;  // open addressing; -1 = empty
  int32_t num_partitions = 0;
  // General path: per partition, row slots in rank order (at most N with append-only
  // input, every live row with retractable input).
  std::vector<std::vector<int32_t>> ranked;
  // Keep-first path: per partition, the kept row's normalized time and NULL rank.
  std::vector<int64_t> first_key;
  std::vector<uint8_t> first_null_rank;
  // Row storage, indexed by slot: the input columns, per order key the normalized key
  // (order-preserving int64; DESC inverted) and NULL rank, and whether the slot is live.
  // Arrival order needs no sequence number: a row is placed behind its ties.
  std::vector<Column> rows;
  std::vector<std::vector<int64_t>> order_keys;
  std::vector<std::vector<uint8_t>> order_null_ranks;
  std::vector<uint8_t> alive;
  int64_t dead_rows = 0;
  int64_t ignored_retractions = 0;
};

class TopN final : public StreamOperator {
 public:
  enum class Mode { kTopN, kKeepFirst };

  // Validates `options` (schema present, column indices in range, at least one order
  // key (any type), 1 <= limit <= 2^31-1, a rank name that no input column has) and
  // returns the operator, or Invalid naming the problem.
  static Result<std::unique_ptr<TopN>> Make(TopNOptions options);

  const SchemaPtr& output_schema() const override { return output_schema_; }
  // Append-only rows (every row an insertion).
  Status Apply(const RecordBatch& input, ChangeSink* out) override;
  // A changelog; retractions only with append_only_input = false.
  Status ApplyChanges(int port, const warehouse::ChangeBatch& input, ChangeSink* out) override;
  // Nothing is pending at the end: every change was emitted with its batch.
  Status Finish(ChangeSink* out) override;
  RefusedRows TakeRefusedRows() override;
  // Checkpoints: TopNState (top_n_codec.cc).
  Status Snapshot(StateWriter* out) const override;
  Status Restore(StateReader* in) override;

  Mode mode() const { return mode_; }
  const TopNOptions& options() const { return options_; }
  int64_t num_partitions() const { return state_.num_partitions; }
  // Live rows held in row storage (general path).
  int64_t stored_rows() const {
    return static_cast<int64_t>(state_.alive.size()) - state_.dead_rows;
  }
  int64_t ignored_retractions() const { return state_.ignored_retractions; }
  // Everything that must survive a restart (for checkpoints); read-only.
  const TopNState& state() const { return state_; }

 private:
  struct Change {
    int32_t slot;  // row slot, or input row in keep-first mode
    warehouse::ChangeOp op;
    int64_t rank;
  };

  TopN(TopNOptions options, SchemaPtr output_schema, Mode mode);

  Status Process(const RecordBatch& input, const warehouse::ChangeOp* ops, ChangeSink* out);
  Status CheckSchema(const RecordBatch& input) const;
  void HashPartitionKeys(const RecordBatch& input);
  int32_t FindPartition(const RecordBatch& input, int64_t row, uint64_t hash, bool add);
  int32_t AddPartition(const RecordBatch& input, int64_t row, uint64_t hash);
  void Rehash();
  void NormalizeOrderKeys(const RecordBatch& input);

  // <0, 0, >0: batch row `row` against slot `slot` on the order keys only.
  int CompareKeys(const RecordBatch& input, int64_t row, int32_t slot) const;
  int CompareExact(const RecordBatch& input, size_t k, int64_t row, int32_t slot) const;
  bool SameRow(const RecordBatch& input, int64_t row, int32_t slot) const;
  // The column and row holding slot `slot`'s value of input column `c` (pending slots
  // are still in the input batch).
  const Column& SlotColumn(const RecordBatch& input, int c, int32_t slot, int64_t* index) const;

  void Insert(const RecordBatch& input, int64_t row, int32_t p);
  void Retract(const RecordBatch& input, int64_t row, int32_t p);
  void KeepFirst(int64_t row, int32_t p);
  int32_t AddPendingSlot(int64_t row);
  void KillSlot(int32_t slot);
  void StorePending(const RecordBatch& input);
  Status EmitChanges(const RecordBatch& input, ChangeSink* out);
  void Compact();

  TopNOptions options_;
  SchemaPtr output_schema_;
  Mode mode_;
  std::vector<uint8_t> exact_;  // per order key: equal normalized keys need a full compare
  TopNState state_;

  // Scratch, per batch.
  std::vector<uint64_t> hashes_;
  std::vector<int32_t> pid_;
  std::vector<std::vector<int64_t>> batch_keys_;        // per order key, per row
  std::vector<std::vector<uint8_t>> batch_null_ranks_;  // per order key, per row
  std::vector<int32_t> pending_rows_;                   // input row of each pending slot
  std::vector<Change> changes_;
  std::vector<int32_t> refused_;
  std::vector<std::string> refused_reasons_;
  RefusedRows refused_rows_;
};

}  // namespace sluice::stream
