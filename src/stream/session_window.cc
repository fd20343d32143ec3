#include "stream/session_window.h"

#include <algorithm>
#include <cstring>

#include "core/time.h"
#include "stream/window_assign.h"

namespace sluice::stream {

namespace {

int64_t SaturatingSub(int64_t a, int64_t b) { return a < INT64_MIN + b ? INT64_MIN : a - b; }

// Keeps the rows of the one batch a GroupAggregate emits from EmitFinal.
struct FinalRows final : ChangeSink {
  RecordBatchPtr rows;
  Status Emit(const warehouse::ChangeBatch& changes) override {
    rows = changes.rows;
    return Status::OK();
  }
};

ColumnPtr Constant(int64_t v, int64_t n) {
  auto col = std::make_shared<Column>(DataType::Timestamp());
  col->ResizeFixed(n);
  int64_t* out = col->mutable_values<int64_t>();
  for (int64_t i = 0; i < n; ++i) out[i] = v;
  return col;
}

}  // namespace

SessionWindow::SessionWindow(std::shared_ptr<sql::CompiledAggregate> query, int64_t watermark_delay,
                             int64_t allowed_lateness)
    : query_(std::move(query)),
      window_(query_->window()),
      gap_(window_.size),
      delay_(watermark_delay),
      lateness_(std::max<int64_t>(allowed_lateness, 0)) {
  // GROUP BY the partition keys and the window bounds only: one group per session.
  std::vector<bool> covered(static_cast<size_t>(query_->num_keys()), false);
  const auto cover = [&](int k) {
    if (k >= 0 && k < query_->num_keys()) covered[static_cast<size_t>(k)] = true;
  };
  for (const int k : window_.partition_keys) cover(k);
  cover(window_.start_key);
  cover(window_.end_key);
  session_groups_ = std::find(covered.begin(), covered.end(), false) == covered.end();
}

RecordBatchPtr SessionWindow::Expand(const RecordBatch& input) {
  const int64_t n = input.num_rows();
  const Column& ts = input.column(window_.time_column);
  const int64_t* t = ts.values<int64_t>();
  take_.clear();
  refused_.clear();
  refused_reasons_.clear();
  const int64_t done_before = SaturatingSub(state_.watermark, lateness_);
  for (int64_t i = 0; i < n; ++i) {
    if (ts.IsNull(i)) {
      refused_.push_back(static_cast<int32_t>(i));
      refused_reasons_.push_back("late: the event time (" +
                                 window_.source_schema->field(window_.time_column).name +
                                 ") is NULL, so the row belongs to no session");
    } else if (t[i] + gap_ <= done_before) {
      refused_.push_back(static_cast<int32_t>(i));
      refused_reasons_.push_back("late: window " + FormatWindow(t[i], t[i] + gap_) +
                                 " closed at watermark " + FormatTimestamp(state_.watermark));
    } else {
      take_.push_back(static_cast<int32_t>(i));
    }
  }
  // A row's own session is [t, t + gap) until merged.
  const size_t m = take_.size();
  starts_.resize(m);
  ends_.resize(m);
  for (size_t j = 0; j < m; ++j) {
    starts_[j] = t[take_[j]];
    ends_[j] = starts_[j] + gap_;
  }
  return GatherWithWindows(input, take_, starts_.data(), ends_.data(), query_->input_schema());
}

void SessionWindow::EncodeKey(const RecordBatch& prepared, int64_t row) {
  key_.clear();
  for (const int k : window_.partition_keys) {
    const Column& col = prepared.column(k);
    if (col.IsNull(row)) {
      key_.push_back('\0');
      continue;
    }
    key_.push_back('\1');
    if (col.type().IsVarLength()) {
      const std::string_view v = col.GetString(row);
      const uint32_t len = static_cast<uint32_t>(v.size());
      key_.append(reinterpret_cast<const char*>(&len), sizeof(len));
      key_.append(v);
    } else {
      const int w = col.type().ByteWidth();
      key_.append(reinterpret_cast<const char*>(col.values<uint8_t>()) + row * w,
                  static_cast<size_t>(w));
    }
  }
}

void SessionWindow::SetEnd(int64_t id, Session* s, int64_t new_last) {
  if (new_last == s->last) return;
  if (!s->end_moved) {  // by_end is updated once, at the end of AssignSessions
    s->end_moved = true;
    s->listed_end = s->last + gap_;
    moved_.push_back(id);
  }
  s->last = new_last;
}

void SessionWindow::Absorb(int64_t into, int64_t from) {
  Session& a = state_.sessions.at(into);
  Session& b = state_.sessions.at(from);
  for (size_t c = 0; c < a.rows.size(); ++c) {
    a.rows[c]->AppendRange(*b.rows[c], 0, b.rows[c]->length());
  }
  a.start = std::min(a.start, b.start);
  SetEnd(into, &a, std::max(a.last, b.last));
  for (RecordBatchPtr& r : b.emitted) a.emitted.push_back(std::move(r));
  state_.by_end.erase({b.end_moved ? b.listed_end : b.last + gap_, from});
  state_.sessions.erase(from);
  merged_[from] = into;
}

void SessionWindow::AssignSessions(const RecordBatch& prepared) {
  const int64_t n = prepared.num_rows();
  const int64_t* ts = prepared.column(window_.start_key).values<int64_t>();
  row_session_.resize(static_cast<size_t>(n));
  merged_.clear();
  moved_.clear();
  for (int64_t i = 0; i < n; ++i) {
    EncodeKey(prepared, i);
    std::vector<int64_t>& ids = state_.partitions[key_];
    const int64_t t = ts[i];
    int64_t target = -1;
    for (size_t j = 0; j < ids.size();) {
      const Session& s = state_.sessions.at(ids[j]);
      const bool overlaps = t < s.last + gap_ && s.start < t + gap_;
      if (!overlaps) {
        ++j;
      } else if (target < 0) {
        target = ids[j++];
      } else {
        Absorb(target, ids[j]);  // the row bridges two sessions
        ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(j));
      }
    }
    if (target < 0) {
      target = state_.next_id++;
      Session& s = state_.sessions[target];
      s.partition = key_;
      s.start = t;
      s.last = t;
      for (const Field& f : prepared.schema()->fields())
        s.rows.push_back(std::make_shared<Column>(f.type));
      state_.by_end.insert({t + gap_, target});
      ids.push_back(target);
    } else {
      Session& s = state_.sessions.at(target);
      s.start = std::min(s.start, t);
      SetEnd(target, &s, std::max(s.last, t));
    }
    row_session_[static_cast<size_t>(i)] = target;
  }
  for (const int64_t id : moved_) {
    auto it = state_.sessions.find(id);
    if (it == state_.sessions.end()) continue;  // absorbed
    Session& s = it->second;
    state_.by_end.erase({s.listed_end, id});
    state_.by_end.insert({s.last + gap_, id});
    s.end_moved = false;
  }
  // Rows of sessions merged later in the batch go to the surviving session.
  std::map<int64_t, std::vector<int32_t>> per_session;
  for (int64_t i = 0; i < n; ++i) {
    int64_t id = row_session_[static_cast<size_t>(i)];
    for (auto it = merged_.find(id); it != merged_.end(); it = merged_.find(id)) id = it->second;
    per_session[id].push_back(static_cast<int32_t>(i));
  }
  touched_.clear();
  for (const auto& [id, rows] : per_session) {
    Session& s = state_.sessions.at(id);
    for (size_t c = 0; c < s.rows.size(); ++c) {
      s.rows[c]->AppendSelected(prepared.column(static_cast<int>(c)), rows.data(),
                                static_cast<int64_t>(rows.size()));
    }
    touched_.push_back(id);
  }
}

Result<RecordBatchPtr> SessionWindow::Aggregate(const Session& s) {
  const int64_t n = s.rows.empty() ? 0 : s.rows.front()->length();
  std::vector<ColumnPtr> cols(s.rows.begin(), s.rows.end());
  cols[static_cast<size_t>(window_.start_key)] = Constant(s.start, n);
  if (window_.end_key >= 0) cols[static_cast<size_t>(window_.end_key)] = Constant(s.last + gap_, n);
  std::vector<Field> fields;
  for (size_t c = 0; c < cols.size(); ++c)
    fields.push_back(Field{"c" + std::to_string(c), cols[c]->type(), true});
  RecordBatch batch(MakeSchema(std::move(fields)), std::move(cols), n);
  GroupAggregate groups(query_);
  SLUICE_RETURN_NOT_OK(groups.ApplyPrepared(batch, nullptr));
  FinalRows final_rows;
  SLUICE_RETURN_NOT_OK(groups.EmitFinal(&final_rows));
  return final_rows.rows;
}

Status SessionWindow::AggregateAll(const std::vector<int64_t>& ids, RecordBatchPtr* rows) {
  *rows = nullptr;
  row_ends_.assign(ids.size(), 0);
  if (ids.empty()) return Status::OK();
  const Session& first = state_.sessions.at(ids.front());
  const size_t ncols = first.rows.size();
  if (rows_schema_ == nullptr) {
    std::vector<Field> fields;
    for (size_t c = 0; c < ncols; ++c)
      fields.push_back(Field{"c" + std::to_string(c), first.rows[c]->type(), true});
    rows_schema_ = MakeSchema(std::move(fields));
  }
  // The sessions' rows one after the other, window_start/window_end set to each
  // session's bounds.
  int64_t total = 0;
  for (const int64_t id : ids) total += state_.sessions.at(id).rows.front()->length();
  std::vector<ColumnPtr> cols;
  for (size_t c = 0; c < ncols; ++c) {
    auto col = std::make_shared<Column>(first.rows[c]->type());
    const bool start = static_cast<int>(c) == window_.start_key;
    const bool end = static_cast<int>(c) == window_.end_key;
    if (start || end) {
      col->ResizeFixed(total);
      int64_t* v = col->mutable_values<int64_t>();
      for (const int64_t id : ids) {
        const Session& s = state_.sessions.at(id);
        const int64_t n = s.rows.front()->length();
        std::fill(v, v + n, start ? s.start : s.last + gap_);
        v += n;
      }
    } else {
      for (const int64_t id : ids) {
        const Column& src = *state_.sessions.at(id).rows[c];
        col->AppendRange(src, 0, src.length());
      }
    }
    cols.push_back(std::move(col));
  }
  RecordBatch batch(rows_schema_, std::move(cols), total);
  GroupAggregate groups(query_);
  if (session_groups_) {
    groups_.resize(static_cast<size_t>(total));
    int64_t r = 0;
    for (size_t k = 0; k < ids.size(); ++k) {
      const int64_t n = state_.sessions.at(ids[k]).rows.front()->length();
      std::fill(groups_.begin() + r, groups_.begin() + r + n, static_cast<int32_t>(k));
      r += n;
    }
    SLUICE_RETURN_NOT_OK(groups.ApplyGrouped(batch, groups_.data(), static_cast<int32_t>(ids.size())));
  } else {
    SLUICE_RETURN_NOT_OK(groups.ApplyPrepared(batch, nullptr));
  }
  // Each group belongs to one session (see PublishAll); groups are numbered in order of
  // first appearance, so a session's groups follow the previous session's.
  const std::vector<int32_t>& gid = groups.batch_groups();
  group_session_.assign(static_cast<size_t>(groups.num_groups()), -1);
  bool distinct = true;
  int64_t row = 0;
  for (size_t k = 0; k < ids.size() && distinct; ++k) {
    const int64_t n = state_.sessions.at(ids[k]).rows.front()->length();
    for (int64_t r = row; r < row + n; ++r) {
      int32_t& owner = group_session_[static_cast<size_t>(gid[static_cast<size_t>(r)])];
      if (owner < 0) owner = static_cast<int32_t>(k);
      distinct = distinct && owner == static_cast<int32_t>(k);
    }
    row += n;
  }
  if (!distinct) {
    // Not expected; stay exact by aggregating the sessions one by one.
    std::vector<RecordBatchPtr> parts;
    int64_t end = 0;
    for (size_t k = 0; k < ids.size(); ++k) {
      SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr part, Aggregate(state_.sessions.at(ids[k])));
      if (part != nullptr && part->num_rows() > 0) {
        end += part->num_rows();
        parts.push_back(std::move(part));
      }
      row_ends_[k] = end;
    }
    if (parts.empty()) return Status::OK();
    const Schema& schema = *query_->output_schema();
    std::vector<ColumnPtr> out;
    for (int c = 0; c < schema.num_fields(); ++c) {
      auto col = std::make_shared<Column>(schema.field(c).type);
      for (const RecordBatchPtr& p : parts) col->AppendRange(p->column(c), 0, p->num_rows());
      out.push_back(std::move(col));
    }
    *rows = std::make_shared<const RecordBatch>(query_->output_schema(), std::move(out), end);
    return Status::OK();
  }
  FinalRows final_rows;
  SLUICE_RETURN_NOT_OK(groups.EmitFinal(&final_rows, &groups_));
  *rows = final_rows.rows;
  for (size_t i = 0; i < groups_.size(); ++i) {
    row_ends_[static_cast<size_t>(group_session_[static_cast<size_t>(groups_[i])])] =
        static_cast<int64_t>(i) + 1;
  }
  for (size_t k = 1; k < row_ends_.size(); ++k) row_ends_[k] = std::max(row_ends_[k], row_ends_[k - 1]);
  return Status::OK();
}

Status SessionWindow::PublishAll(const std::vector<int64_t>& ids, warehouse::ChangeOp retract,
                                 warehouse::ChangeOp insert, warehouse::ChangeOp reinsert,
                                 ChangeSink* out) {
  if (ids.empty()) return Status::OK();
  RecordBatchPtr rows;
  SLUICE_RETURN_NOT_OK(AggregateAll(ids, &rows));
  const Schema& schema = *query_->output_schema();
  const int width = schema.num_fields();
  std::vector<std::shared_ptr<Column>> cols;
  for (int c = 0; c < width; ++c) cols.push_back(std::make_shared<Column>(schema.field(c).type));
  warehouse::ChangeBatch changes;
  int64_t begin = 0;
  for (size_t k = 0; k < ids.size(); ++k) {
    Session& s = state_.sessions.at(ids[k]);
    const bool had = !s.emitted.empty();
    for (const RecordBatchPtr& p : s.emitted) {
      changes.ops.insert(changes.ops.end(), static_cast<size_t>(p->num_rows()), retract);
      for (int c = 0; c < width; ++c) cols[static_cast<size_t>(c)]->AppendRange(p->column(c), 0, p->num_rows());
    }
    s.emitted.clear();
    const int64_t end = row_ends_[k];
    if (end > begin) {
      const int64_t n = end - begin;
      changes.ops.insert(changes.ops.end(), static_cast<size_t>(n), had ? reinsert : insert);
      std::vector<ColumnPtr> mine;
      for (int c = 0; c < width; ++c) {
        cols[static_cast<size_t>(c)]->AppendRange(rows->column(c), begin, n);
        auto col = std::make_shared<Column>(schema.field(c).type);
        col->AppendRange(rows->column(c), begin, n);
        mine.push_back(std::move(col));
      }
      s.emitted.push_back(std::make_shared<const RecordBatch>(query_->output_schema(), std::move(mine), n));
    }
    begin = end;
  }
  if (changes.ops.empty()) return Status::OK();
  changes.rows = std::make_shared<const RecordBatch>(
      query_->output_schema(), std::vector<ColumnPtr>(cols.begin(), cols.end()),
      static_cast<int64_t>(changes.ops.size()));
  return out->Emit(changes);
}

Status SessionWindow::Apply(const RecordBatch& input, ChangeSink* out) {
  if (input.num_columns() != window_.source_schema->num_fields()) {
    return Status::Invalid("session window query over " + query_->input_table() + " expects " +
                           std::to_string(window_.source_schema->num_fields()) + " columns");
  }
  RecordBatchPtr expanded = Expand(input);
  SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr prepared, query_->Prepare(*expanded));
  // From here on the batch is accepted.
  AppendRefused(input, refused_, &refused_reasons_, &refused_rows_);
  if (prepared->num_rows() > 0) {
    AssignSessions(*prepared);
    if (window_.emit_on_close) {
      // Emitted (again) when the watermark passes their end.
      for (const int64_t id : touched_) state_.sessions.at(id).fired = false;
    } else {
      SLUICE_RETURN_NOT_OK(PublishAll(touched_, warehouse::ChangeOp::kDelete,
                                      warehouse::ChangeOp::kInsert, warehouse::ChangeOp::kInsert, out));
    }
  }
  const Column& ts = input.column(window_.time_column);
  for (int64_t i = 0; i < input.num_rows(); ++i) {
    if (ts.IsValid(i)) state_.max_event_time = std::max(state_.max_event_time, ts.Get<int64_t>(i));
  }
  if (state_.max_event_time == INT64_MIN) return Status::OK();
  state_.watermark = std::max(state_.watermark, SaturatingSub(state_.max_event_time, delay_));
  // Also when the watermark did not move: a session changed within the lateness may be
  // due again.
  return CloseSessions(state_.watermark, out);
}

Status SessionWindow::OnWatermark(int64_t watermark, ChangeSink* out) {
  if (watermark <= state_.watermark) return Status::OK();
  state_.watermark = watermark;
  return CloseSessions(watermark, out);
}

Status SessionWindow::OnProcessingTime(int64_t now_us, ChangeSink* out) {
  if (!window_.processing_time) return Status::OK();
  return OnWatermark(now_us, out);
}

Status SessionWindow::CloseSessions(int64_t watermark, ChangeSink* out) {
  const int64_t done_before = SaturatingSub(watermark, lateness_);
  publish_.clear();
  free_.clear();
  for (auto it = state_.by_end.begin(); it != state_.by_end.end() && it->first <= watermark; ++it) {
    const auto [end, id] = *it;
    if (window_.emit_on_close && !state_.sessions.at(id).fired) publish_.push_back(id);
    if (end <= done_before) free_.push_back(id);
  }
  SLUICE_RETURN_NOT_OK(PublishAll(publish_, warehouse::ChangeOp::kUpdateBefore,
                                  warehouse::ChangeOp::kInsert, warehouse::ChangeOp::kUpdateAfter, out));
  for (const int64_t id : publish_) state_.sessions.at(id).fired = true;
  for (const int64_t id : free_) Free(id);
  return Status::OK();
}

void SessionWindow::Free(int64_t id) {
  auto it = state_.sessions.find(id);
  if (it == state_.sessions.end()) return;
  auto p = state_.partitions.find(it->second.partition);
  if (p != state_.partitions.end()) {
    std::vector<int64_t>& ids = p->second;
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
    if (ids.empty()) state_.partitions.erase(p);
  }
  state_.by_end.erase({it->second.last + gap_, id});
  state_.sessions.erase(it);
}

Status SessionWindow::Finish(ChangeSink* out) { return CloseSessions(INT64_MAX, out); }

RefusedRows SessionWindow::TakeRefusedRows() {
  RefusedRows r = std::move(refused_rows_);
  refused_rows_ = RefusedRows{};
  return r;
}

}  // namespace sluice::stream
