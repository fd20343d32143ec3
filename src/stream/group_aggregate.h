// GroupAggregate: the streaming GROUP BY operator. For every input batch it folds the
// rows into their groups (vectorized: key columns hashed with xxhash into one
// open-addressing table over group ids; accumulators are arrays per aggregate, see
// aggregate_state.h) and emits, once per batch for every group the batch touched:
//   +I new row         the group's first row (or HAVING turns it on)
//   -U old, +U new     the group changed and stays in the output
//   -D old row         HAVING turns it off
// A group whose output row did not change (max, count(DISTINCT), FILTER) emits nothing.
// NULL group keys form one group (SQL semantics). Without GROUP BY there is one global
// group, whose row is emitted at Finish even when no row came (count(*) = 0).
//
// Changelog input (retractable mode, chosen at construction): ApplyChanges folds +I/+U
// rows in and retracts -U/-D rows (each the exact row inserted before), in row order.
// count/sum/avg subtract (exact in 128 bits for integers and decimals); min/max keep an
// ordered multiset of the values per group and count(DISTINCT) a value -> count map, so
// retracting the current min/max or the last copy of a value is exact. A keyed group
// whose rows are all retracted leaves the output (-D) and its memory is freed (see
// GroupAggregateState for tombstones); the global group stays, with count(*) = 0.
// approx_count_distinct cannot retract (sql::SupportsRetraction). Append-only mode keeps
// a single value per min/max and a set per count(DISTINCT), as before.
//
// Errors: see StreamOperator. Rows that fail to evaluate (WHERE, keys, arguments) are
// Invalid and change nothing; a failure computing output rows after the state changed
// (a sum out of range, an output expression overflowing) is fatal (OutOfRange).
// Not thread-safe; one thread drives it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sql/compiled_aggregate.h"
#include "stream/aggregate_state.h"
#include "stream/stream_operator.h"

namespace sluice::stream {

class GroupAggregate final : public StreamOperator {
 public:
  // `query` may be shared by several operators driven by the same thread (the windows of
  // a WindowAggregate); it keeps scratch buffers, so never across threads.
  // `retractable_input`: the input is a changelog fed through ApplyChanges (the planner
  // checks query->CheckRetractableInput() first). Apply/ApplyInput still take +I rows.
  explicit GroupAggregate(std::shared_ptr<sql::CompiledAggregate> query,
                          bool retractable_input = false);

  const SchemaPtr& output_schema() const override { return query_->output_schema(); }
  Status Apply(const RecordBatch& input, ChangeSink* out) override;
  // Retractable mode: applies the changes in order (see above). Errors as Apply, plus
  // Internal (fatal, naming the group key) when a -U/-D retracts a row that was never
  // accumulated (a count would go negative: the upstream changelog is inconsistent), and
  // NotImplemented when a retraction reaches approx_count_distinct. Append-only mode:
  // StreamOperator's default (all +I, else NotImplemented).
  Status ApplyChanges(int port, const warehouse::ChangeBatch& input, ChangeSink* out) override;
  Status Finish(ChangeSink* out) override;
  // Checkpoints: GroupAggregateState (aggregate_state_codec.cc).
  Status Snapshot(StateWriter* out) const override;
  Status Restore(StateReader* in) override;

  // Apply for a batch already through query->Prepare. With `out` null the state is
  // updated and nothing is emitted (EMIT ON WINDOW CLOSE collects until EmitFinal).
  Status ApplyPrepared(const RecordBatch& prepared, ChangeSink* out);
  // Emits +I for every group that passes HAVING (the final rows of a closed window).
  Status EmitFinal(ChangeSink* out);

  // Groups held, including tombstones of retracted groups not yet rebuilt away.
  int64_t num_groups() const { return state_.num_groups; }
  // Groups with rows (every group in append-only mode).
  int64_t num_live_groups() const { return state_.num_groups - state_.dead_groups; }
  bool retractable_input() const { return retractable_; }

 private:
  // ApplyPrepared in retractable mode: sign_[i] is +1 (insert) or -1 (retract) per row.
  Status ApplySigned(const RecordBatch& prepared, ChangeSink* out);
  // Adds sign_ to the groups' row counts; Internal naming the key when one goes negative.
  Status CountRows(const RecordBatch& prepared);
  // "(k1, k2)" of prepared row `row`, or "the global group".
  std::string GroupKeyText(const RecordBatch& prepared, int64_t row) const;
  // Frees the touched groups whose rows are all gone; rebuilds the state without
  // tombstones when they outnumber live groups.
  void ReleaseDeadGroups();
  void RebuildWithoutTombstones();
  bool GroupLive(int32_t g) const {
    return !retractable_ || query_->num_keys() == 0 || state_.row_count[static_cast<size_t>(g)] > 0;
  }
  // Sets gid_[i] to row i's group, creating groups; fills touched_ in first-touch order.
  void AssignGroups(const RecordBatch& prepared);
  int32_t FindOrAddGroup(const RecordBatch& prepared, int64_t row, uint64_t hash);
  int32_t AddGroup(const RecordBatch* prepared, int64_t row, uint64_t hash);
  void Rehash();
  // Appends the frame rows (keys, aggregate results) of `groups` to frame_.
  Status AppendFrame(const std::vector<int32_t>& groups);
  // Emits the changes of touched_ given the frame_ rows of their old versions
  // (old_groups_, visible ones only) followed by their new versions.
  Status EmitChanges(ChangeSink* out);

  std::shared_ptr<sql::CompiledAggregate> query_;
  bool retractable_ = false;
  std::string unretractable_;  // the first aggregate that cannot retract, or empty
  GroupAggregateState state_;  // everything that must survive a restart
  // Scratch, per batch.
  std::vector<uint64_t> hashes_;
  std::vector<int32_t> gid_;
  std::vector<int8_t> sign_;
  std::vector<int32_t> touched_;
  std::vector<int32_t> old_groups_;  // touched groups that were visible before the batch
  std::vector<uint32_t> touch_epoch_;  // per group: the batch that last touched it
  uint32_t epoch_ = 0;
  std::vector<std::shared_ptr<Column>> frame_;
};

}  // namespace sluice::stream
