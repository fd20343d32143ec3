#include "stream/window_aggregate.h"

#include <algorithm>
#include <filesystem>

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
                                 int64_t watermark_delay, int64_t allowed_lateness,
                                 OperatorStateOptions state)
    : query_(std::move(query)),
      window_(query_->window()),
      spec_{window_.kind, window_.size, window_.slide},
      delay_(watermark_delay),
      lateness_(std::max<int64_t>(allowed_lateness, 0)),
      state_options_(std::move(state)),
      spills_(state_options_.backend == StateBackendKind::kRocksDb) {}

WindowAggregate::~WindowAggregate() {
  if (!spills_) return;
  for (auto& [end, slot] : state_.windows) (void)ReleaseWindow(end, &slot);
  std::error_code ec;
  if (!state_options_.dir.empty()) std::filesystem::remove(state_options_.dir, ec);  // if empty
}

std::string WindowAggregate::WindowDir(int64_t window_end) const {
  if (state_options_.dir.empty()) return "";
  return state_options_.dir + "/w" + std::to_string(window_end);
}

Status WindowAggregate::OpenWindow(int64_t end, WindowSlot* slot) {
  if (!spills_) {
    slot->groups = std::make_unique<GroupAggregate>(query_);
    return Status::OK();
  }
  if (!dir_wiped_ && !state_options_.dir.empty()) {
    // Stores of windows from an earlier run (a crash) would never be reused or removed.
    std::error_code ec;
    std::filesystem::remove_all(state_options_.dir, ec);
    if (ec) {
      return Status::IOError("cannot clear the state directory " + state_options_.dir + ": " +
                             ec.message());
    }
    dir_wiped_ = true;
  }
  OperatorStateOptions o = state_options_;
  o.dir = WindowDir(end);
  // A row lands in up to size / slide windows, open together: the window's own share,
  // which also sizes its store's RocksDB buffers. EnforceBudget bounds the sum.
  if (window_.slide > 0 && window_.size > window_.slide) {
    const int64_t together = window_.size / window_.slide;
    o.memory_budget_bytes = std::max<int64_t>(o.memory_budget_bytes / together, 1);
  }
  slot->groups = std::make_unique<GroupAggregate>(query_, false, std::move(o));
  return Status::OK();
}

Status WindowAggregate::ReleaseWindow(int64_t end, WindowSlot* slot) {
  slot->groups.reset();  // closes its store first
  const std::string dir = spills_ ? WindowDir(end) : "";
  if (dir.empty()) return Status::OK();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) {
    return Status::IOError("cannot remove the state store " + dir + " of a closed window: " +
                           ec.message());
  }
  return Status::OK();
}

Status WindowAggregate::EnforceBudget(std::map<int64_t, WindowSlot>* windows) {
  const int64_t budget = state_options_.memory_budget_bytes;
  window_bytes_.clear();
  int64_t total = 0;
  for (const auto& [end, slot] : *windows) {
    window_bytes_.push_back(slot.groups ? slot.groups->MemoryBytes() : 0);
    total += window_bytes_.back();
  }
  if (total <= budget) return Status::OK();
  // Water-filling: the largest cap with sum(min(bytes, cap)) <= budget. Small windows
  // keep all they hold; the others share the rest evenly.
  std::vector<int64_t> sorted = window_bytes_;
  std::sort(sorted.begin(), sorted.end());
  int64_t rest = budget;
  int64_t cap = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const int64_t even = rest / static_cast<int64_t>(sorted.size() - i);
    if (sorted[i] > even) {
      cap = even;
      break;
    }
    rest -= sorted[i];
  }
  size_t i = 0;
  for (auto& [end, slot] : *windows) {
    if (window_bytes_[i++] > cap) SLUICE_RETURN_NOT_OK(slot.groups->EvictToBytes(cap));
  }
  return Status::OK();
}

int64_t WindowAggregate::MemoryBytes() const {
  int64_t b = 0;
  for (const auto& [end, slot] : state_.windows) b += slot.groups ? slot.groups->MemoryBytes() : 0;
  return b;
}

int64_t WindowAggregate::spilled_groups() const {
  int64_t n = 0;
  for (const auto& [end, slot] : state_.windows) {
    if (slot.groups) n += slot.groups->spilled_groups();
  }
  return n;
}

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
  if (window_.emit_on_close && lateness_ > 0) {
    SLUICE_RETURN_NOT_OK(CloseWindows(state_.watermark, out));
  }
  return spills_ ? EnforceBudget(&state_.windows) : Status::OK();
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
    if (!slot.groups) SLUICE_RETURN_NOT_OK(OpenWindow(end, &slot));
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
      if (slot.groups) SLUICE_RETURN_NOT_OK(slot.groups->EmitFinal(out));
      slot.fired = true;
    }
    if (it->first <= done_before) {
      SLUICE_RETURN_NOT_OK(ReleaseWindow(it->first, &slot));
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
                                                   int64_t allowed_lateness,
                                                   OperatorStateOptions state) {
  if (query->window().kind == sql::WindowKind::kSession) {
    return std::make_unique<SessionWindow>(std::move(query), watermark_delay, allowed_lateness);
  }
  return std::make_unique<WindowAggregate>(std::move(query), watermark_delay, allowed_lateness,
                                           std::move(state));
}

}  // namespace sluice::stream
