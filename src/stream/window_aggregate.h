// WindowAggregate: GROUP BY over fixed windows, FROM TUMBLE(src, ts, size),
// HOP(src, ts, slide, size) or CUMULATE(src, ts, step, size). Each input row is assigned
// to its window(s) (window_start, window_end appended; HOP and CUMULATE repeat the row
// once per window, see window_assign.h), then aggregated per window by a GroupAggregate
// of that window, which is dropped — state freed — when the window is done.
//
// Watermark = the largest event time seen so far minus `watermark_delay` (micros), or
// a larger one given to OnWatermark (or, for a processing-time window, the wall clock
// given to OnProcessingTime). A window [start, end) closes when the watermark reaches
// end, and stays open for late updates until the watermark reaches end +
// `allowed_lateness` (micros, default 0); then its state is freed. Finish closes every
// window.
//
// Without EMIT ON WINDOW CLOSE every batch emits a changelog as a GroupAggregate does
// (also for a row within the lateness). With it, a window emits its final rows (+I,
// after HAVING) when it closes; a row arriving within the lateness then updates those
// rows: -U old final row, +U new one (or +I for a new group). So EMIT ON WINDOW CLOSE
// with an allowed lateness is no longer append-only.
//
// A row for a window past end + lateness is late: it is not aggregated into that window
// but refused (TakeRefusedRows, reason "late: window [..) closed at watermark .."); so is
// a row whose event time is NULL. (HOP/CUMULATE: a row still counts in its open windows.)
// State backends (OperatorStateOptions, state_backend.h). kMemory (the default): every
// window's groups in memory. kRocksDb: each window's GroupAggregate spills to its own
// store, <dir>/w<window_end>, and the operator keeps one budget for all its windows:
// after every batch (and after each window of a restore) in which the windows' summed
// MemoryBytes() exceed memory_budget_bytes, the budget is water-filled over the windows
// (each window's cap is the largest c with sum(min(bytes, c)) <= budget) and the windows
// over their cap evict their coldest groups, each down to about half its cap. So after
// every Apply, OnWatermark and Restore, MemoryBytes() <= budget, unless the budget is
// below open_windows() empty tables (about 1 KB each; then every table is empty).
// Within a batch it may exceed the budget by the batch's new keys and one window's
// budget. EMIT ON WINDOW CLOSE over spilled groups emits them a chunk at a time
// (GroupAggregate::EmitFinal); the final rows of one window then come in another order
// than with kMemory (they have none defined), the changelog is otherwise identical. A
// freed window's store is closed and its directory removed; the first window (or a
// Restore) wipes `dir`, which must belong to this operator alone.
//
// Errors as StreamOperator; with kRocksDb a store error (I/O, a directory that cannot
// be created or removed) is a fatal IOError naming the directory. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "stream/group_aggregate.h"
#include "stream/window_assign.h"

namespace sluice::stream {

// One open window: its groups, and whether its final rows were emitted (EMIT ON
// WINDOW CLOSE, window in its allowed lateness).
struct WindowSlot {
  std::unique_ptr<GroupAggregate> groups;
  bool fired = false;
};

// All of the operator's state (issue 4 checkpoints it).
struct WindowAggregateState {
  std::map<int64_t, WindowSlot> windows;  // by window_end (unique per window), open only
  int64_t max_event_time = INT64_MIN;
  int64_t watermark = INT64_MIN;
};

class WindowAggregate final : public StreamOperator {
 public:
  // `query` must be a TUMBLE, HOP or CUMULATE aggregate (SESSION: SessionWindow; see
  // MakeWindowOperator). `allowed_lateness` >= 0.
  // `state`: where the windows' groups live (see above).
  WindowAggregate(std::shared_ptr<sql::CompiledAggregate> query, int64_t watermark_delay,
                  int64_t allowed_lateness = 0, OperatorStateOptions state = {});
  // kRocksDb: closes the open windows' stores and removes their directories (errors
  // ignored).
  ~WindowAggregate() override;

  const SchemaPtr& output_schema() const override { return query_->output_schema(); }
  Status Apply(const RecordBatch& input, ChangeSink* out) override;
  Status OnWatermark(int64_t watermark, ChangeSink* out) override;
  // Processing-time windows (window().processing_time): OnWatermark(now_us).
  Status OnProcessingTime(int64_t now_us, ChangeSink* out) override;
  Status Finish(ChangeSink* out) override;
  RefusedRows TakeRefusedRows() override;
  // Checkpoints: WindowAggregateState, each window's GroupAggregate included.
  Status Snapshot(StateWriter* out) const override;
  Status Restore(StateReader* in) override;

  int64_t watermark() const { return state_.watermark; }
  // Windows holding state (open, or closed but within the allowed lateness).
  size_t open_windows() const { return state_.windows.size(); }
  // The windows' GroupAggregate::MemoryBytes, summed (what the budget bounds).
  int64_t MemoryBytes() const;
  // kRocksDb: the windows' groups held in their stores, summed.
  int64_t spilled_groups() const;
  // kRocksDb: the store directory of the window ending at `window_end` (empty without a
  // state directory).
  std::string WindowDir(int64_t window_end) const;

 private:
  // Builds the input rows per window plus window_start/window_end; rows refused go to
  // refused_ (committed only if the batch succeeds).
  RecordBatchPtr Expand(const RecordBatch& input);
  Status CloseWindows(int64_t watermark, ChangeSink* out);
  // Raises the max event time with `input`'s and closes the windows the watermark passed.
  Status AdvanceWatermark(const RecordBatch& input, ChangeSink* out);
  // Splits `prepared` by window (ends_ per row) and folds each part into its window.
  Status ApplyByWindow(const RecordBatch& prepared, ChangeSink* out);
  // Gives `slot` the GroupAggregate of the window ending at `end` (kRocksDb: wipes the
  // operator's directory the first time).
  Status OpenWindow(int64_t end, WindowSlot* slot);
  // Frees a window's groups; kRocksDb: removes its store directory.
  Status ReleaseWindow(int64_t end, WindowSlot* slot);
  // kRocksDb: brings `windows`' summed MemoryBytes within the budget (see above).
  Status EnforceBudget(std::map<int64_t, WindowSlot>* windows);

  // Up to this many consecutive window ends per batch are split into dense buckets;
  // batches spread wider (replays of old data) use an ordered map instead.
  static constexpr uint64_t kMaxBuckets = 1 << 12;

  std::shared_ptr<sql::CompiledAggregate> query_;
  sql::WindowInfo window_;
  WindowSpec spec_;
  int64_t delay_;
  int64_t lateness_;
  OperatorStateOptions state_options_;
  bool spills_ = false;     // kRocksDb
  bool dir_wiped_ = false;  // kRocksDb: the operator's directory was wiped
  WindowAggregateState state_;
  std::vector<int64_t> window_bytes_;  // EnforceBudget's scratch
  // Scratch and refused rows.
  std::vector<int32_t> take_;
  std::vector<int64_t> starts_;
  std::vector<int64_t> ends_;
  std::vector<int32_t> refused_;
  std::vector<std::vector<int32_t>> buckets_;  // prepared rows per window of the batch
  std::vector<std::string> refused_reasons_;
  RefusedRows refused_rows_;
};

// The operator for a windowed aggregate: SessionWindow for SESSION, else
// WindowAggregate. `query->window().kind` must not be kNone. `state` goes to a
// WindowAggregate; SESSION windows keep memory state whatever it says.
std::unique_ptr<StreamOperator> MakeWindowOperator(std::shared_ptr<sql::CompiledAggregate> query,
                                                   int64_t watermark_delay,
                                                   int64_t allowed_lateness = 0,
                                                   OperatorStateOptions state = {});

}  // namespace sluice::stream
