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
// Errors: see StreamOperator. Rows that fail to evaluate (WHERE, keys, arguments) are
// Invalid and change nothing; a failure computing output rows after the state changed
// (a sum out of range, an output expression overflowing) is fatal (OutOfRange).
// Not thread-safe; one thread drives it.
#pragma once

#include <memory>
#include <vector>

#include "sql/compiled_aggregate.h"
#include "stream/aggregate_state.h"
#include "stream/stream_operator.h"

namespace sluice::stream {

class GroupAggregate final : public StreamOperator {
 public:
  // `query` may be shared by several operators driven by the same thread (the windows of
  // a WindowAggregate); it keeps scratch buffers, so never across threads.
  explicit GroupAggregate(std::shared_ptr<sql::CompiledAggregate> query);

  const SchemaPtr& output_schema() const override { return query_->output_schema(); }
  Status Apply(const RecordBatch& input, ChangeSink* out) override;
  Status Finish(ChangeSink* out) override;

  // Apply for a batch already through query->Prepare. With `out` null the state is
  // updated and nothing is emitted (EMIT ON WINDOW CLOSE collects until EmitFinal).
  Status ApplyPrepared(const RecordBatch& prepared, ChangeSink* out);
  // Emits +I for every group that passes HAVING (the final rows of a closed window).
  Status EmitFinal(ChangeSink* out);

  int64_t num_groups() const { return state_.num_groups; }

 private:
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
  GroupAggregateState state_;  // everything that must survive a restart
  // Scratch, per batch.
  std::vector<uint64_t> hashes_;
  std::vector<int32_t> gid_;
  std::vector<int32_t> touched_;
  std::vector<int32_t> old_groups_;  // touched groups that were visible before the batch
  std::vector<uint32_t> touch_epoch_;  // per group: the batch that last touched it
  uint32_t epoch_ = 0;
  std::vector<std::shared_ptr<Column>> frame_;
};

}  // namespace sluice::stream
