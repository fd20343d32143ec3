// WindowAggregate: GROUP BY over event-time windows, FROM TUMBLE(src, ts, size) or
// HOP(src, ts, slide, size). Each input row is assigned to its window(s) (window_start,
// window_end appended; HOP repeats the row once per window), then aggregated per window
// by a GroupAggregate of that window, which is dropped — state freed — when the window
// closes.
//
// Watermark = the largest event time seen so far minus `watermark_delay` (micros), or
// a larger one given to OnWatermark. A window [start, end) closes when the watermark
// reaches end; Finish closes every window. With EMIT ON WINDOW CLOSE a window emits its
// final rows (+I only, after HAVING) when it closes; without, every batch emits a
// changelog as a GroupAggregate does, and closing only frees the state.
//
// A row for a window that has already closed is late: it is not aggregated but refused
// (TakeRefusedRows, reason "late ..."); so is a row whose event time is NULL.
// Errors as StreamOperator. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "stream/group_aggregate.h"

namespace sluice::stream {

// All of the operator's state (issue 4 checkpoints it).
struct WindowAggregateState {
  std::map<int64_t, std::unique_ptr<GroupAggregate>> windows;  // by window_start, open only
  int64_t max_event_time = INT64_MIN;
  int64_t watermark = INT64_MIN;
};

class WindowAggregate final : public StreamOperator {
 public:
  // `query` must be a windowed aggregate (query->window().kind != kNone).
  WindowAggregate(std::unique_ptr<sql::CompiledAggregate> query, int64_t watermark_delay);

  const SchemaPtr& output_schema() const override { return query_->output_schema(); }
  Status Apply(const RecordBatch& input, ChangeSink* out) override;
  Status OnWatermark(int64_t watermark, ChangeSink* out) override;
  Status Finish(ChangeSink* out) override;
  RefusedRows TakeRefusedRows() override;

  int64_t watermark() const { return state_.watermark; }
  size_t open_windows() const { return state_.windows.size(); }

 private:
  // Builds expanded_ (input rows per window plus window_start/window_end); rows refused
  // go to pending_refused_ (committed only if the batch succeeds).
  RecordBatchPtr Expand(const RecordBatch& input);
  Status CloseWindows(int64_t watermark, ChangeSink* out);
  // Raises the max event time with `input`'s and closes the windows the watermark passed.
  Status AdvanceWatermark(const RecordBatch& input, ChangeSink* out);

  // Up to this many consecutive window starts per batch are split into dense buckets;
  // batches spread wider (replays of old data) use an ordered map instead.
  static constexpr uint64_t kMaxBuckets = 1 << 12;

  std::shared_ptr<sql::CompiledAggregate> query_;
  sql::WindowInfo window_;
  int64_t delay_;
  WindowAggregateState state_;
  // Scratch and refused rows.
  std::vector<int32_t> take_;
  std::vector<int64_t> starts_;
  std::vector<int32_t> refused_;
  std::vector<std::vector<int32_t>> buckets_;  // prepared rows per window of the batch
  std::vector<std::string> refused_reasons_;
  RefusedRows refused_rows_;
};

}  // namespace sluice::stream
