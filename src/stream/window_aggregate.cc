#include "stream/window_aggregate.h"

#include <algorithm>

#include "core/time.h"

namespace sluice::stream {

namespace {

// The largest multiple of `step` that is <= t (floor, also for negative t).
int64_t AlignDown(int64_t t, int64_t step) {
  const int64_t r = t % step;
  return r < 0 ? t - r - step : t - r;
}

std::string Window(int64_t start, int64_t size) {
  return "[" + FormatTimestamp(start) + ", " + FormatTimestamp(start + size) + ")";
}

}  // namespace

WindowAggregate::WindowAggregate(std::unique_ptr<sql::CompiledAggregate> query,
                                 int64_t watermark_delay)
    : query_(std::move(query)), window_(query_->window()), delay_(watermark_delay) {}

RecordBatchPtr WindowAggregate::Expand(const RecordBatch& input) {
  const int64_t n = input.num_rows();
  const Column& ts = input.column(window_.time_column);
  const int64_t* t = ts.values<int64_t>();
  const int64_t per_row = window_.size / window_.slide;
  take_.clear();
  starts_.clear();
  refused_.clear();
  refused_reasons_.clear();
  const int64_t wm = state_.watermark;
  for (int64_t i = 0; i < n; ++i) {
    if (ts.IsNull(i)) {
      refused_.push_back(static_cast<int32_t>(i));
      refused_reasons_.push_back("late: the event time (" +
                                 window_.source_schema->field(window_.time_column).name +
                                 ") is NULL, so the row belongs to no window");
      continue;
    }
    const int64_t last = AlignDown(t[i], window_.slide);
    bool late = false;
    for (int64_t k = per_row - 1; k >= 0; --k) {
      const int64_t start = last - k * window_.slide;
      if (start + window_.size <= wm) {
        late = true;  // that window has closed
        continue;
      }
      take_.push_back(static_cast<int32_t>(i));
      starts_.push_back(start);
    }
    if (late) {
      refused_.push_back(static_cast<int32_t>(i));
      refused_reasons_.push_back(
          "late: event time " + FormatTimestamp(t[i]) + " is behind the watermark " +
          FormatTimestamp(wm) + "; window " + Window(AlignDown(t[i], window_.slide), window_.size) +
          (per_row > 1 ? " and earlier ones" : "") + " already closed");
    }
  }
  const int64_t m = static_cast<int64_t>(take_.size());
  std::vector<ColumnPtr> cols;
  // TUMBLE with nothing refused: every row once, in order; reuse the input's columns.
  const bool identity = per_row == 1 && refused_.empty();
  for (int c = 0; c < input.num_columns(); ++c) {
    if (identity) {
      cols.push_back(input.column_ptr(c));
      continue;
    }
    auto col = std::make_shared<Column>(input.column(c).type());
    col->AppendSelected(input.column(c), take_.data(), m);
    cols.push_back(std::move(col));
  }
  auto start = std::make_shared<Column>(DataType::Timestamp());
  auto end = std::make_shared<Column>(DataType::Timestamp());
  start->Reserve(m);
  end->Reserve(m);
  for (int64_t j = 0; j < m; ++j) {
    start->Append<int64_t>(starts_[static_cast<size_t>(j)]);
    end->Append<int64_t>(starts_[static_cast<size_t>(j)] + window_.size);
  }
  cols.push_back(std::move(start));
  cols.push_back(std::move(end));
  return std::make_shared<const RecordBatch>(query_->input_schema(), std::move(cols), m);
}

Status WindowAggregate::Apply(const RecordBatch& input, ChangeSink* out) {
  if (input.num_columns() != window_.source_schema->num_fields()) {
    return Status::Invalid("windowed query over " + query_->input_table() + " expects " +
                           std::to_string(window_.source_schema->num_fields()) + " columns");
  }
  RecordBatchPtr expanded = Expand(input);
  SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr prepared, query_->Prepare(*expanded));
  // From here on the batch is accepted.
  if (!refused_.empty()) {
    auto rows = std::vector<ColumnPtr>();
    for (int c = 0; c < input.num_columns(); ++c) {
      auto col = std::make_shared<Column>(input.column(c).type());
      if (refused_rows_.rows) col->AppendRange(refused_rows_.rows->column(c), 0, refused_rows_.rows->num_rows());
      col->AppendSelected(input.column(c), refused_.data(), static_cast<int64_t>(refused_.size()));
      rows.push_back(std::move(col));
    }
    const int64_t total = rows.front()->length();
    refused_rows_.rows = std::make_shared<const RecordBatch>(input.schema(), std::move(rows), total);
    for (auto& r : refused_reasons_) refused_rows_.reasons.push_back(std::move(r));
  }
  // Split the prepared rows by window: window starts in a batch span a small range, so
  // one bucket per slide step between the smallest and largest start (input order kept).
  const int64_t rows = prepared->num_rows();
  if (rows == 0) return AdvanceWatermark(input, out);
  const int64_t* s = prepared->column(window_.start_key).values<int64_t>();
  const auto [lo, hi] = std::minmax_element(s, s + rows);
  const int64_t first = *lo;
  const uint64_t span = static_cast<uint64_t>(*hi - first) / static_cast<uint64_t>(window_.slide) + 1;
  // Per window of the batch, ascending: its start and its prepared rows.
  std::vector<std::pair<int64_t, const std::vector<int32_t>*>> windows;
  std::map<int64_t, std::vector<int32_t>> sparse;  // when the starts are far apart
  if (span <= kMaxBuckets) {
    if (buckets_.size() < span) buckets_.resize(span);
    for (uint64_t b = 0; b < span; ++b) buckets_[b].clear();
    for (int64_t i = 0; i < rows; ++i) {
      buckets_[static_cast<size_t>((s[i] - first) / window_.slide)].push_back(static_cast<int32_t>(i));
    }
    for (uint64_t b = 0; b < span; ++b) {
      if (!buckets_[b].empty()) {
        windows.emplace_back(first + static_cast<int64_t>(b) * window_.slide, &buckets_[b]);
      }
    }
  } else {
    for (int64_t i = 0; i < rows; ++i) sparse[s[i]].push_back(static_cast<int32_t>(i));
    for (const auto& [start, members] : sparse) windows.emplace_back(start, &members);
  }
  ChangeSink* emit = window_.emit_on_close ? nullptr : out;
  for (const auto& [start, list] : windows) {
    const std::vector<int32_t>& members = *list;
    std::unique_ptr<GroupAggregate>& w = state_.windows[start];
    if (!w) w = std::make_unique<GroupAggregate>(query_);
    if (windows.size() == 1) {
      SLUICE_RETURN_NOT_OK(w->ApplyPrepared(*prepared, emit));
      continue;
    }
    std::vector<ColumnPtr> cols;
    for (int c = 0; c < prepared->num_columns(); ++c) {
      auto col = std::make_shared<Column>(prepared->column(c).type());
      col->AppendSelected(prepared->column(c), members.data(), static_cast<int64_t>(members.size()));
      cols.push_back(std::move(col));
    }
    RecordBatch slice(prepared->schema(), std::move(cols), static_cast<int64_t>(members.size()));
    SLUICE_RETURN_NOT_OK(w->ApplyPrepared(slice, emit));
  }
  return AdvanceWatermark(input, out);
}

Status WindowAggregate::AdvanceWatermark(const RecordBatch& input, ChangeSink* out) {
  const Column& ts = input.column(window_.time_column);
  for (int64_t i = 0; i < input.num_rows(); ++i) {
    if (ts.IsValid(i)) state_.max_event_time = std::max(state_.max_event_time, ts.Get<int64_t>(i));
  }
  if (state_.max_event_time != INT64_MIN) {
    return OnWatermark(state_.max_event_time - delay_, out);
  }
  return Status::OK();
}

Status WindowAggregate::OnWatermark(int64_t watermark, ChangeSink* out) {
  if (watermark <= state_.watermark) return Status::OK();
  state_.watermark = watermark;
  return CloseWindows(watermark, out);
}

Status WindowAggregate::CloseWindows(int64_t watermark, ChangeSink* out) {
  while (!state_.windows.empty()) {
    auto first = state_.windows.begin();
    if (first->first + window_.size > watermark) break;
    if (window_.emit_on_close) SLUICE_RETURN_NOT_OK(first->second->EmitFinal(out));
    state_.windows.erase(first);
  }
  return Status::OK();
}

Status WindowAggregate::Finish(ChangeSink* out) { return CloseWindows(INT64_MAX, out); }

RefusedRows WindowAggregate::TakeRefusedRows() {
  RefusedRows r = std::move(refused_rows_);
  refused_rows_ = RefusedRows{};
  return r;
}

}  // namespace sluice::stream
