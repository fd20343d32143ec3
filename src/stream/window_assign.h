// WindowAssign: the window table function without aggregation, e.g.
//   SELECT * FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND)
// A stateless step the planner runs per batch: every input row is repeated once per window
// it falls in (TUMBLE: one; HOP: size/slide; CUMULATE: the windows of its period whose end
// is after it) with window_start and window_end appended. Rows whose time is NULL belong
// to no window: they are refused (TakeRefusedRows) and the batch goes on.
//
// Also the assignment shared by the windowed operators (AppendWindows). SESSION windows
// are not stateless and are not assigned here (see SessionWindow).
// Not thread-safe (scratch buffers); cheap to construct.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/record_batch.h"
#include "core/status.h"
#include "sql/ast.h"
#include "stream/stream_operator.h"

namespace sluice::stream {

// A fixed-size window family. TUMBLE: slide == size. HOP: size % slide == 0.
// CUMULATE: slide is the step, size % step == 0. Sizes in micros, > 0.
struct WindowSpec {
  sql::WindowKind kind = sql::WindowKind::kTumble;
  int64_t size = 0;
  int64_t slide = 0;
};

// The largest multiple of `step` that is <= t (floor, also for negative t).
inline int64_t AlignDown(int64_t t, int64_t step) {
  const int64_t r = t % step;
  return r < 0 ? t - r - step : t - r;
}

// Appends the windows [start, end) that contain `t`, ascending by end (at most
// size / slide of them). No allocation beyond the vectors' growth.
inline void AppendWindows(const WindowSpec& w, int64_t t, std::vector<int64_t>* starts,
                          std::vector<int64_t>* ends) {
  if (w.kind == sql::WindowKind::kCumulate) {
    const int64_t period = AlignDown(t, w.size);
    const int64_t steps = w.size / w.slide;
    for (int64_t k = (t - period) / w.slide + 1; k <= steps; ++k) {
      starts->push_back(period);
      ends->push_back(period + k * w.slide);
    }
    return;
  }
  const int64_t last = AlignDown(t, w.slide);
  for (int64_t k = w.size / w.slide - 1; k >= 0; --k) {
    starts->push_back(last - k * w.slide);
    ends->push_back(last - k * w.slide + w.size);
  }
}

// "[start, end)" with both times formatted.
std::string FormatWindow(int64_t start, int64_t end);

class WindowAssign {
 public:
  // `source_schema` is the stream's schema, `time_column` a TIMESTAMP column in it, `spec`
  // a TUMBLE, HOP or CUMULATE family (checked by the binder).
  WindowAssign(SchemaPtr source_schema, int time_column, WindowSpec spec);

  // source_schema's columns, then window_start and window_end (TIMESTAMP NOT NULL).
  const SchemaPtr& output_schema() const { return output_schema_; }

  // The rows of `input` (source_schema()) once per window, in input order, windows of a
  // row ascending by end. Invalid when the batch does not have the source's columns
  // (nothing refused then).
  Result<RecordBatchPtr> Assign(const RecordBatch& input);
  // Rows refused since the last call (NULL time), with reasons.
  RefusedRows TakeRefusedRows();

 private:
  SchemaPtr source_schema_;
  SchemaPtr output_schema_;
  int time_column_;
  WindowSpec spec_;
  std::vector<int32_t> take_;
  std::vector<int64_t> starts_;
  std::vector<int64_t> ends_;
  std::vector<int32_t> refused_;
  RefusedRows refused_rows_;
};

// The rows take[0..m) of `input` (its own columns, shared, when `take` is every row once in
// order) followed by window_start = starts[j] and window_end = ends[j], as a batch of
// `schema`. Shared by the window assignment and the windowed operators.
RecordBatchPtr GatherWithWindows(const RecordBatch& input, const std::vector<int32_t>& take,
                                 const int64_t* starts, const int64_t* ends, SchemaPtr schema);

// Appends the rows `sel` of `input` to `refused` with `reasons` (moved), keeping
// `input`'s schema. Shared by the windowed operators.
void AppendRefused(const RecordBatch& input, const std::vector<int32_t>& sel,
                   std::vector<std::string>* reasons, RefusedRows* refused);

}  // namespace sluice::stream
