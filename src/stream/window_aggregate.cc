#include "stream/window_aggregate.h"

#include <algorithm>

#include "core/time.h"
#include "stream/session_window.h"

namespace sluice::stream {

namespace {

// a - b, saturating at INT64_MIN (b >= 0).
int64_t SaturatingSub(int64_t a, int64_t b) { return a < INT64_MIN + b ? INT64_MIN : a - b; }

std::string LateReason(int64_t start, int64_t end, int64_t watermark, int64_t t, int64_t lateness) {
  std::string r = "late: window " + FormatWindow(start, end) + " closed at watermark " +
                  FormatTimestamp(watermark) + " (event time " + FormatTimestamp(t);
  if (lateness > 0) r += ", allowed lateness " + std::to_string(lateness / 1000) + " ms";
  return r + ")";
}

}  // namespace

WindowAggregate::WindowAggregate(std::shared_ptr<sql::CompiledAggregate> query,
                                 int64_t watermark_delay, int64_t allowed_lateness)
    : query_(std::move(query)),
      window_(query_->window()),
      spec_{window_.kind, window_.size, window_.slide},
      delay_(watermark_delay),
      lateness_(std::max<int64_t>(allowed_lateness, 0)) {}

RecordBatchPtr WindowAggregate::Expand(const RecordBatch& input) {
  const int64_t n = input.num_rows();
  const Column& ts = input.column(window_.time_column);
  const int64_t* t = ts.values<int64_t>();
  take_.clear();
  starts_.clear();
  ends_.clear();
  refused_.clear();
  refused_reasons_.clear();
  const int64_t done_before = SaturatingSub(state_.watermark, lateness_);
  std::vector<int64_t> row_starts;
  std::vector<int64_t> row_ends;
  for (int64_t i = 0; i < n; ++i) {
    if (ts.IsNull(i)) {
      refused_.push_back(static_cast<int32_t>(i));
      refused_reasons_.push_back("late: the event time (" +
                                 window_.source_schema->field(window_.time_column).name +
                                 ") is NULL, so the row belongs to no window");
      continue;
    }
    row_starts.clear();
    row_ends.clear();
    AppendWindows(spec_, t[i], &row_starts, &row_ends);
    int closed = -1;  // the latest window of the row that is done
    for (size_t k = 0; k < row_ends.size(); ++k) {
      if (row_ends[k] <= done_before) {
        closed = static_cast<int>(k);
        continue;
      }
      take_.push_back(static_cast<int32_t>(i));
      starts_.push_back(row_starts[k]);
      ends_.push_back(row_ends[k]);
    }
    if (closed >= 0) {
      refused_.push_back(static_cast<int32_t>(i));
      refused_reasons_.push_back(LateReason(row_starts[static_cast<size_t>(closed)],
                                            row_ends[static_cast<size_t>(closed)], state_.watermark,
                                            t[i], lateness_));
    }
  }
  return GatherWithWindows(input, take_, starts_.data(), ends_.data(), query_->input_schema());
}

Status WindowAggregate::Apply(const RecordBatch& input, ChangeSink* out) {
  if (input.num_columns() != window_.source_schema->num_fields()) {
    return Status::Invalid("windowed query over " + query_->input_table() + " expects " +
                           std::to_string(window_.source_schema->num_fields()) + " columns");
  }
  RecordBatchPtr expanded = Expand(input);
  SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr prepared, query_->Prepare(*expanded));
  // From here on the batch is accepted.
  AppendRefused(input, refused_, &refused_reasons_, &refused_rows_);
  if (prepared->num_rows() > 0) SLUICE_RETURN_NOT_OK(ApplyByWindow(*prepared, out));
  SLUICE_RETURN_NOT_OK(AdvanceWatermark(input, out));
  // A window first seen within its lateness fires now, even if the watermark stayed.
  if (window_.emit_on_close && lateness_ > 0) return CloseWindows(state_.watermark, out);
  return Status::OK();
}

Status WindowAggregate::ApplyByWindow(const RecordBatch& prepared, ChangeSink* out) {
  // Each prepared row's window end: start + size, or (CUMULATE) its window_end key.
  const int64_t rows = prepared.num_rows();
  ends_.resize(static_cast<size_t>(rows));
  if (window_.kind == sql::WindowKind::kCumulate) {
    const int64_t* e = prepared.column(window_.end_key).values<int64_t>();
    std::copy(e, e + rows, ends_.begin());
  } else {
    const int64_t* s = prepared.column(window_.start_key).values<int64_t>();
    for (int64_t i = 0; i < rows; ++i) ends_[static_cast<size_t>(i)] = s[i] + window_.size;
  }
  // Window ends in a batch span a small range, so one bucket per slide step between the
  // smallest and largest end (input order kept).
  const auto [lo, hi] = std::minmax_element(ends_.begin(), ends_.end());
  const int64_t first = *lo;
  const uint64_t span =
      static_cast<uint64_t>(*hi - first) / static_cast<uint64_t>(window_.slide) + 1;
  // Per window of the batch, ascending by end: its end and its prepared rows.
  std::vector<std::pair<int64_t, const std::vector<int32_t>*>> windows;
  std::map<int64_t, std::vector<int32_t>> sparse;  // when the ends are far apart
  if (span <= kMaxBuckets) {
    if (buckets_.size() < span) buckets_.resize(span);
    for (uint64_t b = 0; b < span; ++b) buckets_[b].clear();
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t b = (ends_[static_cast<size_t>(i)] - first) / window_.slide;
      buckets_[static_cast<size_t>(b)].push_back(static_cast<int32_t>(i));
    }
    for (uint64_t b = 0; b < span; ++b) {
      if (!buckets_[b].empty()) {
        windows.emplace_back(first + static_cast<int64_t>(b) * window_.slide, &buckets_[b]);
      }
    }
  } else {
    for (int64_t i = 0; i < rows; ++i)
      sparse[ends_[static_cast<size_t>(i)]].push_back(static_cast<int32_t>(i));
    for (const auto& [end, members] : sparse) windows.emplace_back(end, &members);
  }
  for (const auto& [end, list] : windows) {
    const std::vector<int32_t>& members = *list;
    WindowSlot& slot = state_.windows[end];
    if (!slot.groups) slot.groups = std::make_unique<GroupAggregate>(query_);
    // EMIT ON WINDOW CLOSE collects until the window fires; after (allowed lateness)
    // it updates the final rows.
    ChangeSink* emit = !window_.emit_on_close || slot.fired ? out : nullptr;
    if (windows.size() == 1) {
      SLUICE_RETURN_NOT_OK(slot.groups->ApplyPrepared(prepared, emit));
      continue;
    }
    std::vector<ColumnPtr> cols;
    for (int c = 0; c < prepared.num_columns(); ++c) {
      auto col = std::make_shared<Column>(prepared.column(c).type());
      col->AppendSelected(prepared.column(c), members.data(), static_cast<int64_t>(members.size()));
      cols.push_back(std::move(col));
    }
    RecordBatch slice(prepared.schema(), std::move(cols), static_cast<int64_t>(members.size()));
    SLUICE_RETURN_NOT_OK(slot.groups->ApplyPrepared(slice, emit));
  }
  return Status::OK();
}

Status WindowAggregate::AdvanceWatermark(const RecordBatch& input, ChangeSink* out) {
  const Column& ts = input.column(window_.time_column);
  for (int64_t i = 0; i < input.num_rows(); ++i) {
    if (ts.IsValid(i)) state_.max_event_time = std::max(state_.max_event_time, ts.Get<int64_t>(i));
  }
  if (state_.max_event_time != INT64_MIN) {
    return OnWatermark(SaturatingSub(state_.max_event_time, delay_), out);
  }
  return Status::OK();
}

Status WindowAggregate::OnWatermark(int64_t watermark, ChangeSink* out) {
  if (watermark <= state_.watermark) return Status::OK();
  state_.watermark = watermark;
  return CloseWindows(watermark, out);
}

Status WindowAggregate::OnProcessingTime(int64_t now_us, ChangeSink* out) {
  if (!window_.processing_time) return Status::OK();
  return OnWatermark(now_us, out);
}

Status WindowAggregate::CloseWindows(int64_t watermark, ChangeSink* out) {
  const int64_t done_before = SaturatingSub(watermark, lateness_);
  for (auto it = state_.windows.begin(); it != state_.windows.end() && it->first <= watermark;) {
    WindowSlot& slot = it->second;
    if (window_.emit_on_close && !slot.fired) {
      SLUICE_RETURN_NOT_OK(slot.groups->EmitFinal(out));
      slot.fired = true;
    }
    if (it->first <= done_before) {
      it = state_.windows.erase(it);
    } else {
      ++it;
    }
  }
  return Status::OK();
}

Status WindowAggregate::Finish(ChangeSink* out) { return CloseWindows(INT64_MAX, out); }

RefusedRows WindowAggregate::TakeRefusedRows() {
  RefusedRows r = std::move(refused_rows_);
  refused_rows_ = RefusedRows{};
  return r;
}

std::unique_ptr<StreamOperator> MakeWindowOperator(std::shared_ptr<sql::CompiledAggregate> query,
                                                   int64_t watermark_delay,
                                                   int64_t allowed_lateness) {
  if (query->window().kind == sql::WindowKind::kSession) {
    return std::make_unique<SessionWindow>(std::move(query), watermark_delay, allowed_lateness);
  }
  return std::make_unique<WindowAggregate>(std::move(query), watermark_delay, allowed_lateness);
}

}  // namespace sluice::stream
