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
  incremental_ = session_groups_;
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
    moved_.emplace_back(id, s);
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
  for (const RowRange& r : b.emitted) a.emitted.push_back(r);
  // a's slot holds a's rows [0, folded) and stays: b's rows, appended after a's, are
  // folded into it next time (in the order a re-aggregation would add them).
  DropSlot(&b);
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
  row_ptr_.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    EncodeKey(prepared, i);
    PartitionSessions& part = state_.partitions[key_];
    std::vector<int64_t>& ids = part.ids;
    const int64_t t = ts[i];
    int64_t target = -1;
    Session* target_session = nullptr;
    for (size_t j = 0; j < ids.size();) {
      const Session& s = *part.sessions[j];
      const bool overlaps = t < s.last + gap_ && s.start < t + gap_;
      if (!overlaps) {
        ++j;
      } else if (target < 0) {
        target_session = part.sessions[j];
        target = ids[j++];
      } else {
        Absorb(target, ids[j]);  // the row bridges two sessions
        ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(j));
        part.sessions.erase(part.sessions.begin() + static_cast<std::ptrdiff_t>(j));
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
      part.sessions.push_back(&s);
      target_session = &s;
    } else {
      Session& s = *target_session;
      s.start = std::min(s.start, t);
      SetEnd(target, &s, std::max(s.last, t));
    }
    row_session_[static_cast<size_t>(i)] = target;
    row_ptr_[static_cast<size_t>(i)] = target_session;
  }
  for (const auto& [id, moved] : moved_) {
    if (!merged_.empty() && merged_.count(id) != 0) continue;  // absorbed (erased)
    Session& s = *moved;
    // Reuses the index's node: no allocation per moved session.
    auto node = state_.by_end.extract({s.listed_end, id});
    if (node.empty()) {
      state_.by_end.insert({s.last + gap_, id});
    } else {
      node.value() = {s.last + gap_, id};
      state_.by_end.insert(std::move(node));
    }
    s.end_moved = false;
  }
  // Rows of sessions merged later in the batch go to the surviving session. Sorting
  // (session, row) pairs groups each session's rows, in row order, sessions by id.
  order_.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t id = row_session_[static_cast<size_t>(i)];
    if (!merged_.empty() && merged_.count(id) != 0) {
      for (auto it = merged_.find(id); it != merged_.end(); it = merged_.find(id)) id = it->second;
      row_ptr_[static_cast<size_t>(i)] = &state_.sessions.at(id);
    }
    order_[static_cast<size_t>(i)] = {id, static_cast<int32_t>(i)};
  }
  std::sort(order_.begin(), order_.end());
  touched_.clear();
  for (size_t b = 0; b < order_.size();) {
    const int64_t id = order_[b].first;
    sel_.clear();
    size_t e = b;
    for (; e < order_.size() && order_[e].first == id; ++e) sel_.push_back(order_[e].second);
    Session& s = *row_ptr_[static_cast<size_t>(order_[b].second)];
    for (size_t c = 0; c < s.rows.size(); ++c) {
      s.rows[c]->AppendSelected(prepared.column(static_cast<int>(c)), sel_.data(),
                                static_cast<int64_t>(sel_.size()));
    }
    touched_.push_back(id);
    b = e;
  }
}

void SessionWindow::DropSlot(Session* s) {
  if (s->slot >= 0) --live_slots_;
  s->slot = -1;
  s->folded = 0;
}

const SchemaPtr& SessionWindow::RowsSchema(const Session& s) {
  if (rows_schema_ == nullptr) {
    std::vector<Field> fields;
    for (size_t c = 0; c < s.rows.size(); ++c)
      fields.push_back(Field{"c" + std::to_string(c), s.rows[c]->type(), true});
    rows_schema_ = MakeSchema(std::move(fields));
  }
  return rows_schema_;
}

void SessionWindow::MaybeCompactSlots() {
  const int64_t groups = acc_->num_groups();
  if (groups <= 1024 || groups <= 2 * live_slots_) return;
  std::vector<std::pair<int32_t, int64_t>> live;  // (slot, session)
  live.reserve(static_cast<size_t>(live_slots_));
  for (const auto& [id, s] : state_.sessions) {
    if (s.slot >= 0) live.emplace_back(s.slot, id);
  }
  std::sort(live.begin(), live.end());
  std::vector<int32_t> keep;
  keep.reserve(live.size());
  for (const auto& [slot, id] : live) keep.push_back(slot);
  acc_->KeepGroups(keep);
  for (size_t j = 0; j < live.size(); ++j) state_.sessions.at(live[j].second).slot = static_cast<int32_t>(j);
  live_slots_ = static_cast<int64_t>(live.size());
}

Status SessionWindow::AggregateIncremental(const std::vector<int64_t>& ids, RecordBatchPtr* rows) {
  *rows = nullptr;
  row_ends_.assign(ids.size(), 0);
  if (ids.empty()) return Status::OK();
  if (acc_ == nullptr) acc_ = std::make_unique<GroupAggregate>(query_);
  MaybeCompactSlots();
  // The rows not yet folded into each session's slot (all of them without a slot), one
  // session after the other.
  const Session& first = *publish_ptr_.front();
  const size_t ncols = first.rows.size();
  std::vector<std::shared_ptr<Column>> fold;
  for (size_t c = 0; c < ncols; ++c) fold.push_back(std::make_shared<Column>(first.rows[c]->type()));
  fold_begin_.resize(ids.size());
  int64_t total = 0;
  for (size_t k = 0; k < ids.size(); ++k) {
    const Session& s = *publish_ptr_[k];
    const int64_t from = s.slot < 0 ? 0 : s.folded;
    const int64_t len = s.rows.front()->length();
    fold_begin_[k] = total;
    if (len > from) {
      for (size_t c = 0; c < ncols; ++c) fold[c]->AppendRange(*s.rows[c], from, len - from);
      total += len - from;
    }
  }
  RecordBatch batch(RowsSchema(first), std::vector<ColumnPtr>(fold.begin(), fold.end()), total);
  groups_.resize(static_cast<size_t>(total));
  slots_.resize(ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    Session& s = *publish_ptr_[k];
    const int64_t begin = fold_begin_[k];
    const int64_t end = k + 1 < ids.size() ? fold_begin_[k + 1] : total;
    if (s.slot < 0) {
      if (end == begin) return Status::Internal("session window: a session without rows");
      SLUICE_ASSIGN_OR_RETURN(s.slot, acc_->AddGroupFromRow(batch, begin));
      ++live_slots_;
    }
    std::fill(groups_.begin() + begin, groups_.begin() + end, s.slot);
    s.folded = s.rows.front()->length();
    slots_[k] = s.slot;
    SLUICE_RETURN_NOT_OK(acc_->SetGroupKey(s.slot, window_.start_key, s.start));
    if (window_.end_key >= 0) SLUICE_RETURN_NOT_OK(acc_->SetGroupKey(s.slot, window_.end_key, s.last + gap_));
  }
  SLUICE_RETURN_NOT_OK(acc_->AccumulateGroups(batch, groups_.data()));
  FinalRows final_rows;
  SLUICE_RETURN_NOT_OK(acc_->EmitGroups(slots_, &final_rows, &group_session_));
  *rows = final_rows.rows;
  // Rows come in the order of slots_, at most one per session.
  size_t k = 0;
  for (size_t i = 0; i < group_session_.size(); ++i) {
    while (k < slots_.size() && slots_[k] != group_session_[i]) ++k;
    if (k == slots_.size()) return Status::Internal("session window: emitted rows out of order");
    row_ends_[k] = static_cast<int64_t>(i) + 1;
  }
  for (size_t j = 1; j < row_ends_.size(); ++j) row_ends_[j] = std::max(row_ends_[j], row_ends_[j - 1]);
  return Status::OK();
}

void SessionWindow::EnsureEmittedStore() {
  if (!state_.emitted_rows.empty()) return;
  for (const Field& f : query_->output_schema()->fields()) {
    state_.emitted_rows.push_back(std::make_shared<Column>(f.type));
  }
}

void SessionWindow::MaybeCompactEmitted() {
  const int64_t size = state_.emitted_rows.empty() ? 0 : state_.emitted_rows.front()->length();
  const int64_t garbage = state_.emitted_garbage;
  if (garbage <= 4096 || garbage * 2 <= size) return;
  std::vector<std::shared_ptr<Column>> fresh;
  for (const auto& c : state_.emitted_rows) fresh.push_back(std::make_shared<Column>(c->type()));
  int64_t at = 0;
  for (auto& [id, s] : state_.sessions) {
    for (RowRange& r : s.emitted) {
      for (size_t c = 0; c < fresh.size(); ++c) fresh[c]->AppendRange(*state_.emitted_rows[c], r.begin, r.n);
      r.begin = at;
      at += r.n;
    }
  }
  state_.emitted_rows = std::move(fresh);
  state_.emitted_garbage = 0;
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
  RowsSchema(first);
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
  publish_ptr_.resize(ids.size());
  for (size_t k = 0; k < ids.size(); ++k) publish_ptr_[k] = &state_.sessions.at(ids[k]);
  RecordBatchPtr rows;
  SLUICE_RETURN_NOT_OK(incremental_ ? AggregateIncremental(ids, &rows) : AggregateAll(ids, &rows));
  const Schema& schema = *query_->output_schema();
  const int width = schema.num_fields();
  EnsureEmittedStore();
  std::vector<std::shared_ptr<Column>>& store = state_.emitted_rows;
  std::vector<std::shared_ptr<Column>> cols;
  for (int c = 0; c < width; ++c) cols.push_back(std::make_shared<Column>(schema.field(c).type));
  warehouse::ChangeBatch changes;
  int64_t begin = 0;
  for (size_t k = 0; k < ids.size(); ++k) {
    Session& s = *publish_ptr_[k];
    const bool had = !s.emitted.empty();
    for (const RowRange& r : s.emitted) {
      changes.ops.insert(changes.ops.end(), static_cast<size_t>(r.n), retract);
      for (int c = 0; c < width; ++c) {
        cols[static_cast<size_t>(c)]->AppendRange(*store[static_cast<size_t>(c)], r.begin, r.n);
      }
      state_.emitted_garbage += r.n;
    }
    s.emitted.clear();
    const int64_t end = row_ends_[k];
    if (end > begin) {
      const int64_t n = end - begin;
      changes.ops.insert(changes.ops.end(), static_cast<size_t>(n), had ? reinsert : insert);
      s.emitted.push_back(RowRange{store.front()->length(), n});
      for (int c = 0; c < width; ++c) {
        cols[static_cast<size_t>(c)]->AppendRange(rows->column(c), begin, n);
        store[static_cast<size_t>(c)]->AppendRange(rows->column(c), begin, n);
      }
    }
    begin = end;
  }
  MaybeCompactEmitted();
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
    PartitionSessions& part = p->second;
    const auto at = std::find(part.ids.begin(), part.ids.end(), id);
    if (at != part.ids.end()) {
      part.sessions.erase(part.sessions.begin() + (at - part.ids.begin()));
      part.ids.erase(at);
    }
    if (part.ids.empty()) state_.partitions.erase(p);
  }
  state_.by_end.erase({it->second.last + gap_, id});
  for (const RowRange& r : it->second.emitted) state_.emitted_garbage += r.n;
  DropSlot(&it->second);
  state_.sessions.erase(it);
}

Status SessionWindow::Finish(ChangeSink* out) { return CloseSessions(INT64_MAX, out); }

RefusedRows SessionWindow::TakeRefusedRows() {
  RefusedRows r = std::move(refused_rows_);
  refused_rows_ = RefusedRows{};
  return r;
}

}  // namespace sluice::stream
