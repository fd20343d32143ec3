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
// State backends (OperatorStateOptions, state_backend.h). With kMemory every group stays
// in the table. With kRocksDb the table is a cache bounded by memory_budget_bytes
// (MemoryBytes, checked after every batch): when it is over budget the least recently
// touched groups are written to a StateBackend (key bytes -> hash, visible, row count,
// accumulators) and dropped from the table, until it is under half the budget; a batch's
// keys that are not in the table are looked up there (one MultiGet per batch, only for
// keys new to the table) and loaded back, and deleted from the store, before folding. A
// group is in exactly one place. The changelog is exactly the memory backend's. Snapshot
// writes the spilled groups too, so either backend restores either's snapshot. The
// keyless (global) group is never spilled. EmitFinal (windows) covers spilled groups too,
// a chunk at a time; EvictToBytes lets an owner of several GroupAggregates (the windows
// of a WindowAggregate) share one budget among them.
//
// Expiry by watermark (SetWatermarkExpiry): when a group key is a window bound whose
// window is closed once the watermark reaches key + offset (sql::WindowCloseOffset), the
// operator frees such groups on OnWatermark; nothing is emitted (their rows stay as they
// are downstream). Rows for a freed key must not come any more (the planner proves it).
// NULL keys never expire. With kRocksDb, groups already spilled to the store stay there.
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
#include "stream/state_backend.h"
#include "stream/stream_operator.h"

namespace sluice::stream {

class GroupAggregate final : public StreamOperator {
 public:
  // `query` may be shared by several operators driven by the same thread (the windows of
  // a WindowAggregate); it keeps scratch buffers, so never across threads.
  // `retractable_input`: the input is a changelog fed through ApplyChanges (the planner
  // checks query->CheckRetractableInput() first). Apply/ApplyInput still take +I rows.
  // `state`: where the groups live (see above). A store error (I/O, corruption) is
  // fatal (IOError naming the store's directory) from any call that touches it.
  explicit GroupAggregate(std::shared_ptr<sql::CompiledAggregate> query,
                          bool retractable_input = false, OperatorStateOptions state = {});
  ~GroupAggregate() override;

  const SchemaPtr& output_schema() const override { return query_->output_schema(); }
  Status Apply(const RecordBatch& input, ChangeSink* out) override;
  // Retractable mode: applies the changes in order (see above). Errors as Apply, plus
  // Internal (fatal, naming the group key) when a -U/-D retracts a row that was never
  // accumulated (a count would go negative: the upstream changelog is inconsistent), and
  // NotImplemented when a retraction reaches approx_count_distinct. Append-only mode:
  // StreamOperator's default (all +I, else NotImplemented).
  Status ApplyChanges(int port, const warehouse::ChangeBatch& input, ChangeSink* out) override;
  Status Finish(ChangeSink* out) override;
  // With SetWatermarkExpiry: frees the groups whose expiry key + offset <= `watermark`.
  // Emits nothing; cost: the groups added since the last call, plus one pass over all
  // groups when some are due. Without it: nothing.
  Status OnWatermark(int64_t watermark, ChangeSink* out) override;
  // Frees groups by the watermark (see above): `key` is a group key (frame column) of type
  // TIMESTAMP or BIGINT, `offset_us` >= 0. Invalid otherwise. Call before the first batch.
  Status SetWatermarkExpiry(int key, int64_t offset_us);
  // Checkpoints: GroupAggregateState (aggregate_state_codec.cc).
  Status Snapshot(StateWriter* out) const override;
  Status Restore(StateReader* in) override;

  // Apply for a batch already through query->Prepare. With `out` null the state is
  // updated and nothing is emitted (EMIT ON WINDOW CLOSE collects until EmitFinal).
  Status ApplyPrepared(const RecordBatch& prepared, ChangeSink* out);
  // ApplyPrepared(prepared, nullptr) for a fresh keyed append-only operator (kMemory)
  // when the caller knows the groups: row i belongs to group row_group[i] in
  // [0, groups), every group has rows, rows of one group have equal keys and different
  // groups differ in keys (not checked). Skips hashing the rows. Internal when the
  // operator is not fresh, keyed and append-only, or a group has no row.
  Status ApplyGrouped(const RecordBatch& prepared, const int32_t* row_group, int32_t groups);
  // Emits +I for every group that passes HAVING (the final rows of a closed window), in
  // group order. With `row_groups`, also the group of each emitted row. kRocksDb with
  // spilled groups: the table's groups first, then every stored group, a chunk at a time
  // (at most 4096 groups or an eighth of the budget loaded at once), in the store's key
  // order; afterwards every group is in the store with its visible flag (later batches
  // load them back and update them as usual). `row_groups` must then be null
  // (NotImplemented otherwise: group numbers of stored groups do not last).
  Status EmitFinal(ChangeSink* out, std::vector<int32_t>* row_groups = nullptr);
  // Caller-numbered groups (SessionWindow: one group per session, whose window bounds
  // change as it grows). For a keyed append-only kMemory operator whose groups are made
  // only by AddGroupFromRow and never looked up by key (no Apply/ApplyPrepared on it:
  // the hash table holds them under placeholder hashes, not their keys' hashes).
  // A new group keyed by prepared row `row`, with no rows folded in yet; returns its
  // number (num_groups() - 1). Internal when the operator is not keyed, append-only
  // and kMemory.
  Result<int32_t> AddGroupFromRow(const RecordBatch& prepared, int64_t row);
  // Folds prepared row i into group row_group[i] (append-only; in row order, so a group
  // fed its rows over several calls ends as if fed them in one). Internal when a group
  // is out of range.
  Status AccumulateGroups(const RecordBatch& prepared, const int32_t* row_group);
  // Overwrites key `key` (a non-NULL 8-byte TIMESTAMP/BIGINT key, e.g. a window bound)
  // of group g. Internal when out of range or not such a key.
  Status SetGroupKey(int32_t g, int key, int64_t value);
  // Emits +I, in the order of `groups`, for each group that passes HAVING, as one
  // change batch (nothing when none passes); *row_groups gets the group of each emitted
  // row. Fatal OutOfRange as EmitFinal. NotImplemented with spilled groups.
  Status EmitGroups(const std::vector<int32_t>& groups, ChangeSink* out,
                    std::vector<int32_t>* row_groups);
  // Keeps only the groups keep[0..n) (ascending, in range), renumbered 0..n-1; frees the
  // others' accumulators.
  void KeepGroups(const std::vector<int32_t>& keep) { CompactGroups(keep); }
  // kRocksDb: when MemoryBytes() > `max_bytes`, evicts the least recently touched groups
  // to the store, aiming at half of `max_bytes`; afterwards MemoryBytes() <= max_bytes
  // unless max_bytes is below an empty table's bytes (then the table is empty). Does
  // not change the operator's own budget. kMemory or no GROUP BY keys: nothing. IOError
  // on a store error (fatal).
  Status EvictToBytes(int64_t max_bytes);
  // After ApplyPrepared/Apply: the group of each row of that batch (groups are numbered
  // 0.. in order of first appearance). Valid until the next call.
  const std::vector<int32_t>& batch_groups() const { return gid_; }

  // Groups held, including tombstones of retracted groups not yet rebuilt away.
  int64_t num_groups() const { return state_.num_groups; }
  // Groups with rows (every group in append-only mode).
  int64_t num_live_groups() const { return state_.num_groups - state_.dead_groups; }
  bool retractable_input() const { return retractable_; }
  // Estimated bytes of the in-memory state (group table, keys, accumulators with their
  // containers); per-batch scratch and the store's own memory are not counted.
  int64_t MemoryBytes() const;
  // kRocksDb: groups held in the store, not in the table.
  int64_t spilled_groups() const { return spilled_groups_; }
  // kRocksDb: groups written to / loaded back from the store since construction.
  int64_t groups_evicted() const { return groups_evicted_; }
  int64_t groups_loaded() const { return groups_loaded_; }

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
  // Sets gid_[i] to row i's group, creating groups (loading spilled ones back); fills
  // touched_ in first-touch order. Fails only on a store error.
  Status AssignGroups(const RecordBatch& prepared);
  int32_t FindOrAddGroup(const RecordBatch& prepared, int64_t row, uint64_t hash);
  int32_t AddGroup(const RecordBatch* prepared, int64_t row, uint64_t hash);
  void Rehash();
  // Keeps groups keep[0..n) (ascending), renumbered 0..n-1, with their touch epochs.
  void CompactGroups(const std::vector<int32_t>& keep);
  // Forgets what the expiry scan knew about group numbers (after they changed).
  void ResetExpiryScan() {
    expiry_scanned_ = 0;
    expiry_min_ = INT64_MAX;
  }
  // Spilling (group_aggregate_spill.cc).
  bool spills() const {
    return state_options_.backend == StateBackendKind::kRocksDb && query_->num_keys() > 0;
  }
  Status OpenStore();
  // EmitFinal over the table only; EmitFinal over the table and the store.
  Status EmitTableFinal(ChangeSink* out, std::vector<int32_t>* row_groups);
  Status EmitFinalSpilled(ChangeSink* out, std::vector<int32_t>* row_groups);
  // Loads the groups first_new..num_groups-1 (just created) from the store if there.
  Status LoadSpilledGroups(int32_t first_new);
  // Over budget: evicts the coldest groups until under half the budget.
  Status MaybeEvict();
  Status EvictAllBut(int64_t keep_groups);
  // The store's key of group g: per key column a validity byte, then the value's fixed
  // bytes or u32 length + bytes. Appended to *out.
  void EncodeGroupKey(int32_t g, std::string* out) const;
  // The store's value of group g (hash, visible, row count, accumulators).
  std::string EncodeGroupValue(int32_t g, StateWriter* scratch) const;
  // Overwrites the fresh group g with a stored value. `what` names the source for errors.
  Status DecodeGroupValue(std::string_view value, int32_t g, const std::string& what);
  // Appends a group decoded from a stored key and value (restoring a snapshot with
  // spilled groups into the table). The hash table is rebuilt by the caller.
  Status AdoptGroup(std::string_view key, std::string_view value, const std::string& what);
  // Restore: the spilled part of a snapshot, into the table or the store.
  Status RestoreSpilled(StateReader* in);
  // Appends the frame rows (keys, aggregate results) of `groups` to frame_.
  Status AppendFrame(const std::vector<int32_t>& groups);
  // Emits the changes of touched_ given the frame_ rows of their old versions
  // (old_groups_, visible ones only) followed by their new versions.
  Status EmitChanges(ChangeSink* out);

  std::shared_ptr<sql::CompiledAggregate> query_;
  bool retractable_ = false;
  std::string unretractable_;  // the first aggregate that cannot retract, or empty
  GroupAggregateState state_;  // everything that must survive a restart
  std::vector<int> key_width_;  // per key column: its value width, 0 for VARCHAR
  // Scratch, per batch.
  std::vector<uint64_t> hashes_;
  std::vector<int32_t> gid_;
  std::vector<int8_t> sign_;
  std::vector<int32_t> touched_;
  std::vector<int32_t> old_groups_;  // touched groups that were visible before the batch
  std::vector<int32_t>* emitted_groups_ = nullptr;  // EmitFinal's row_groups, during it
  std::vector<uint32_t> touch_epoch_;  // per group: the batch that last touched it
  uint32_t epoch_ = 0;
  std::vector<std::shared_ptr<Column>> frame_;
  // State backend.
  OperatorStateOptions state_options_;
  std::unique_ptr<StateBackend> store_;  // kRocksDb, opened at the first spill
  int64_t spilled_groups_ = 0;
  int64_t groups_evicted_ = 0;
  int64_t groups_loaded_ = 0;
  std::string key_bytes_;  // scratch: encoded keys of a batch's new groups
  std::vector<size_t> key_ends_;
  std::vector<std::string_view> key_views_;
  std::vector<std::string> values_;
  std::vector<uint8_t> found_;
  // Expiry by watermark: the key (-1 = off), its offset, the last watermark, and the
  // smallest key + offset among groups 0..expiry_scanned_-1 (a lower bound: freed groups
  // may have held it).
  int expiry_key_ = -1;
  int64_t expiry_offset_ = 0;
  int64_t expiry_watermark_ = INT64_MIN;
  int32_t expiry_scanned_ = 0;
  int64_t expiry_min_ = INT64_MAX;
};

}  // namespace sluice::stream
