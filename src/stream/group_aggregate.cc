#include "stream/group_aggregate.h"

#include <cstring>

#include "core/hash.h"
#include "core/value.h"

namespace sluice::stream {

namespace {


// CellsIdentical with the value width known: 8 or 4 bytes compared as integers, else
// (strings, other widths) CellsIdentical.
inline bool KeyCellsIdentical(const Column& a, int64_t i, const Column& b, int64_t j, int width) {
  if (width == 8 || width == 4) {
    const bool av = a.IsValid(i);
    const bool bv = b.IsValid(j);
    if (!av || !bv) return av == bv;
    if (width == 8) return a.values<int64_t>()[i] == b.values<int64_t>()[j];
    return a.values<int32_t>()[i] == b.values<int32_t>()[j];
  }
  return CellsIdentical(a, i, b, j);
}

bool RowsEqual(const RecordBatch& b, int64_t x, int64_t y) {
  for (int c = 0; c < b.num_columns(); ++c) {
    if (!CellsIdentical(b.column(c), x, b.column(c), y)) return false;
  }
  return true;
}

}  // namespace

GroupAggregate::GroupAggregate(std::shared_ptr<sql::CompiledAggregate> query,
                               bool retractable_input, OperatorStateOptions state)
    : query_(std::move(query)), retractable_(retractable_input), state_options_(std::move(state)) {
  const Schema& frame = *query_->frame_schema();
  for (int k = 0; k < query_->num_keys(); ++k) {
    state_.keys.emplace_back(frame.field(k).type);
    key_width_.push_back(frame.field(k).type.IsVarLength() ? 0 : frame.field(k).type.ByteWidth());
  }
  state_.accumulators.resize(query_->aggregates().size());
  for (AccumulatorColumn& a : state_.accumulators) a.retractable = retractable_;
  for (const sql::AggregateInput& a : query_->aggregates()) {
    if (!sql::SupportsRetraction(a.kind) && unretractable_.empty()) unretractable_ = a.text;
  }
  state_.slots.assign(64, -1);
}

GroupAggregate::~GroupAggregate() = default;

int32_t GroupAggregate::AddGroup(const RecordBatch* prepared, int64_t row, uint64_t hash) {
  const int32_t g = state_.num_groups++;
  for (int k = 0; k < query_->num_keys(); ++k) {
    const int32_t r = static_cast<int32_t>(row);
    state_.keys[static_cast<size_t>(k)].AppendSelected(prepared->column(k), &r, 1);
  }
  state_.hashes.push_back(hash);
  state_.visible.push_back(0);
  touch_epoch_.push_back(0);
  if (retractable_) {
    state_.row_count.push_back(0);
    if (query_->num_keys() > 0) ++state_.dead_groups;  // no rows yet
  }
  const auto& specs = query_->aggregates();
  for (size_t a = 0; a < specs.size(); ++a) state_.accumulators[a].AddGroup(specs[a]);
  if (static_cast<size_t>(state_.num_groups) * 2 > state_.slots.size()) Rehash();
  return g;
}

void GroupAggregate::Rehash() {
  state_.slots.assign(state_.slots.size() * 2, -1);
  const uint64_t mask = state_.slots.size() - 1;
  for (int32_t g = 0; g < state_.num_groups; ++g) {
    uint64_t s = state_.hashes[static_cast<size_t>(g)] & mask;
    while (state_.slots[s] >= 0) s = (s + 1) & mask;
    state_.slots[s] = g;
  }
}

int32_t GroupAggregate::FindOrAddGroup(const RecordBatch& prepared, int64_t row, uint64_t hash) {
  const uint64_t mask = state_.slots.size() - 1;
  const int keys = query_->num_keys();
  for (uint64_t s = hash & mask;; s = (s + 1) & mask) {
    const int32_t g = state_.slots[s];
    if (g < 0) {
      const int32_t added = AddGroup(&prepared, row, hash);
      // AddGroup may have rehashed; place the group if it did not.
      if (state_.slots.size() - 1 == mask) state_.slots[s] = added;
      return added;
    }
    if (state_.hashes[static_cast<size_t>(g)] != hash) continue;
    bool equal = true;
    for (int k = 0; k < keys && equal; ++k) {
      equal = KeyCellsIdentical(prepared.column(k), row, state_.keys[static_cast<size_t>(k)], g,
                                key_width_[static_cast<size_t>(k)]);
    }
    if (equal) return g;
  }
}

Status GroupAggregate::AssignGroups(const RecordBatch& prepared) {
  const int64_t n = prepared.num_rows();
  gid_.resize(static_cast<size_t>(n));
  touched_.clear();
  ++epoch_;
  const int keys = query_->num_keys();
  if (keys == 0) {
    if (n == 0) return Status::OK();
    if (state_.num_groups == 0) AddGroup(nullptr, 0, 0);
    std::fill(gid_.begin(), gid_.end(), 0);
    touched_.push_back(0);
    touch_epoch_[0] = epoch_;
    return Status::OK();
  }
  const int32_t first_new = state_.num_groups;
  hashes_.resize(static_cast<size_t>(n));
  for (int k = 0; k < keys; ++k) HashColumn(prepared.column(k), hashes_.data(), k > 0);
  // The probes miss the cache on large tables: prefetch the slot kAhead rows ahead, and
  // the group that slot holds (its hash and fixed-width keys) kAhead / 2 rows ahead.
  constexpr int64_t kAhead = 16;
  const uint64_t* h = hashes_.data();
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t mask = state_.slots.size() - 1;
    if (i + kAhead < n) __builtin_prefetch(&state_.slots[h[i + kAhead] & mask]);
    if (i + kAhead / 2 < n) {
      const int32_t ahead = state_.slots[h[i + kAhead / 2] & mask];
      if (ahead >= 0) {
        __builtin_prefetch(&state_.hashes[static_cast<size_t>(ahead)]);
        for (int k = 0; k < keys; ++k) {
          const int w = key_width_[static_cast<size_t>(k)];
          if (w > 0) __builtin_prefetch(state_.keys[static_cast<size_t>(k)].values<uint8_t>() + static_cast<int64_t>(ahead) * w);
        }
      }
    }
    const int32_t g = FindOrAddGroup(prepared, i, hashes_[static_cast<size_t>(i)]);
    gid_[static_cast<size_t>(i)] = g;
    if (touch_epoch_[static_cast<size_t>(g)] != epoch_) {
      touch_epoch_[static_cast<size_t>(g)] = epoch_;
      touched_.push_back(g);
    }
  }
  if (spilled_groups_ > 0 && state_.num_groups > first_new) return LoadSpilledGroups(first_new);
  return Status::OK();
}

Status GroupAggregate::AppendFrame(const std::vector<int32_t>& groups) {
  const int keys = query_->num_keys();
  for (int k = 0; k < keys; ++k) {
    frame_[static_cast<size_t>(k)]->AppendSelected(state_.keys[static_cast<size_t>(k)],
                                                   groups.data(),
                                                   static_cast<int64_t>(groups.size()));
  }
  const auto& specs = query_->aggregates();
  for (size_t a = 0; a < specs.size(); ++a) {
    SLUICE_RETURN_NOT_OK(state_.accumulators[a].AppendResults(
        specs[a], groups, frame_[static_cast<size_t>(keys) + a].get()));
  }
  return Status::OK();
}

Status GroupAggregate::Apply(const RecordBatch& input, ChangeSink* out) {
  SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr prepared, query_->Prepare(input));
  return ApplyPrepared(*prepared, out);
}

Status GroupAggregate::EmitFinal(ChangeSink* out, std::vector<int32_t>* row_groups) {
  if (spilled_groups_ > 0) return EmitFinalSpilled(out, row_groups);
  return EmitTableFinal(out, row_groups);
}

Status GroupAggregate::EmitTableFinal(ChangeSink* out, std::vector<int32_t>* row_groups) {
  touched_.resize(static_cast<size_t>(state_.num_groups));
  for (int32_t g = 0; g < state_.num_groups; ++g) {
    touched_[static_cast<size_t>(g)] = g;
    state_.visible[static_cast<size_t>(g)] = 0;
  }
  old_groups_.clear();
  frame_.clear();
  for (const Field& f : query_->frame_schema()->fields()) {
    frame_.push_back(std::make_shared<Column>(f.type));
  }
  if (row_groups != nullptr) row_groups->clear();
  emitted_groups_ = row_groups;
  Status st = EmitChanges(out);
  emitted_groups_ = nullptr;
  return st;
}

Status GroupAggregate::ApplyPrepared(const RecordBatch& prepared_batch, ChangeSink* out) {
  const RecordBatch* prepared = &prepared_batch;
  if (prepared->num_rows() == 0) return Status::OK();
  if (retractable_) {
    sign_.assign(static_cast<size_t>(prepared->num_rows()), 1);
    return ApplySigned(*prepared, out);
  }
  // Nothing below fails on bad rows: the batch's effect on the state is all or nothing.
  SLUICE_RETURN_NOT_OK(AssignGroups(*prepared));
  if (out == nullptr) {
    const auto& specs = query_->aggregates();
    for (size_t a = 0; a < specs.size(); ++a) {
      state_.accumulators[a].Accumulate(specs[a], *prepared, gid_.data());
    }
    return MaybeEvict();
  }
  const Schema& frame = *query_->frame_schema();
  frame_.clear();
  for (const Field& f : frame.fields()) frame_.push_back(std::make_shared<Column>(f.type));
  old_groups_.clear();
  for (const int32_t g : touched_) {
    if (state_.visible[static_cast<size_t>(g)]) old_groups_.push_back(g);
  }
  SLUICE_RETURN_NOT_OK(AppendFrame(old_groups_));
  const auto& specs = query_->aggregates();
  for (size_t a = 0; a < specs.size(); ++a) {
    state_.accumulators[a].Accumulate(specs[a], *prepared, gid_.data());
  }
  SLUICE_RETURN_NOT_OK(EmitChanges(out));
  return MaybeEvict();
}

Status GroupAggregate::ApplyGrouped(const RecordBatch& prepared, const int32_t* row_group,
                                    int32_t groups) {
  const int keys = query_->num_keys();
  if (state_.num_groups != 0 || retractable_ || keys == 0 ||
      state_options_.backend != StateBackendKind::kMemory) {
    return Status::Internal("ApplyGrouped needs a fresh keyed append-only GroupAggregate");
  }
  const int64_t n = prepared.num_rows();
  std::vector<int32_t> first(static_cast<size_t>(groups), -1);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t g = row_group[i];
    if (g < 0 || g >= groups) return Status::Internal("ApplyGrouped: group out of range");
    if (first[static_cast<size_t>(g)] < 0) first[static_cast<size_t>(g)] = static_cast<int32_t>(i);
  }
  for (const int32_t f : first) {
    if (f < 0) return Status::Internal("ApplyGrouped: a group without rows");
  }
  for (int k = 0; k < keys; ++k) {
    state_.keys[static_cast<size_t>(k)].AppendSelected(prepared.column(k), first.data(), groups);
  }
  const auto count = static_cast<size_t>(groups);
  state_.hashes.assign(count, 0);
  for (int k = 0; k < keys; ++k) HashColumn(state_.keys[static_cast<size_t>(k)], state_.hashes.data(), k > 0);
  state_.visible.assign(count, 0);
  touch_epoch_.assign(count, 0);
  const auto& specs = query_->aggregates();
  for (int32_t g = 0; g < groups; ++g) {
    for (size_t a = 0; a < specs.size(); ++a) state_.accumulators[a].AddGroup(specs[a]);
  }
  state_.num_groups = groups;
  size_t slots = 64;
  while (slots < count * 2) slots *= 2;
  state_.slots.assign(slots / 2, -1);  // Rehash doubles it
  Rehash();
  gid_.assign(row_group, row_group + n);
  for (size_t a = 0; a < specs.size(); ++a) state_.accumulators[a].Accumulate(specs[a], prepared, gid_.data());
  return Status::OK();
}

Result<int32_t> GroupAggregate::AddGroupFromRow(const RecordBatch& prepared, int64_t row) {
  if (retractable_ || query_->num_keys() == 0 || state_options_.backend != StateBackendKind::kMemory) {
    return Status::Internal("AddGroupFromRow needs a keyed append-only GroupAggregate in memory");
  }
  if (row < 0 || row >= prepared.num_rows()) return Status::Internal("AddGroupFromRow: row out of range");
  // A placeholder hash, distinct per group, keeps the table's probes short.
  const uint64_t hash = (static_cast<uint64_t>(state_.num_groups) + 1) * 0x9E3779B97F4A7C15ULL;
  const size_t before = state_.slots.size();
  const int32_t g = AddGroup(&prepared, row, hash);
  if (state_.slots.size() == before) {  // not rehashed: place it
    const uint64_t mask = state_.slots.size() - 1;
    uint64_t s = hash & mask;
    while (state_.slots[s] >= 0) s = (s + 1) & mask;
    state_.slots[s] = g;
  }
  return g;
}

Status GroupAggregate::AccumulateGroups(const RecordBatch& prepared, const int32_t* row_group) {
  const int64_t n = prepared.num_rows();
  if (n == 0) return Status::OK();
  if (retractable_) return Status::Internal("AccumulateGroups needs an append-only GroupAggregate");
  const int32_t groups = state_.num_groups;
  for (int64_t i = 0; i < n; ++i) {
    if (row_group[i] < 0 || row_group[i] >= groups) return Status::Internal("AccumulateGroups: group out of range");
  }
  const auto& specs = query_->aggregates();
  for (size_t a = 0; a < specs.size(); ++a) state_.accumulators[a].Accumulate(specs[a], prepared, row_group);
  return Status::OK();
}

Status GroupAggregate::SetGroupKey(int32_t g, int key, int64_t value) {
  if (g < 0 || g >= state_.num_groups || key < 0 || key >= query_->num_keys() ||
      key_width_[static_cast<size_t>(key)] != 8) {
    return Status::Internal("SetGroupKey: no such group or 8-byte key");
  }
  Column& col = state_.keys[static_cast<size_t>(key)];
  if (col.IsNull(g)) return Status::Internal("SetGroupKey: the key is NULL");
  col.mutable_values<int64_t>()[g] = value;
  return Status::OK();
}

Status GroupAggregate::EmitGroups(const std::vector<int32_t>& groups, ChangeSink* out,
                                  std::vector<int32_t>* row_groups) {
  if (spilled_groups_ > 0) return Status::NotImplemented("EmitGroups with spilled groups");
  row_groups->clear();
  if (groups.empty()) return Status::OK();
  for (const int32_t g : groups) {
    if (g < 0 || g >= state_.num_groups) return Status::Internal("EmitGroups: group out of range");
    state_.visible[static_cast<size_t>(g)] = 0;
  }
  touched_ = groups;
  old_groups_.clear();
  frame_.clear();
  for (const Field& f : query_->frame_schema()->fields()) {
    frame_.push_back(std::make_shared<Column>(f.type));
  }
  emitted_groups_ = row_groups;
  Status st = EmitChanges(out);
  emitted_groups_ = nullptr;
  return st;
}

Status GroupAggregate::Finish(ChangeSink* out) {
  // A global aggregate has a row even for an empty input.
  if (query_->num_keys() > 0 || state_.num_groups > 0) return Status::OK();
  AddGroup(nullptr, 0, 0);
  touched_.assign(1, 0);
  old_groups_.clear();
  frame_.clear();
  for (const Field& f : query_->frame_schema()->fields()) {
    frame_.push_back(std::make_shared<Column>(f.type));
  }
  return EmitChanges(out);
}

Status GroupAggregate::EmitChanges(ChangeSink* out) {
  Status st = AppendFrame(touched_);
  const int64_t old_rows = static_cast<int64_t>(old_groups_.size());
  const int64_t rows = old_rows + static_cast<int64_t>(touched_.size());
  std::vector<uint8_t> pass;
  RecordBatchPtr result;
  if (st.ok()) {
    std::vector<ColumnPtr> cols(frame_.begin(), frame_.end());
    auto frame = std::make_shared<const RecordBatch>(query_->frame_schema(), std::move(cols), rows);
    Result<RecordBatchPtr> r = query_->Finalize(*frame, &pass);
    if (r.ok()) {
      result = std::move(r).value();
    } else {
      st = r.status();
    }
  }
  if (!st.ok()) {
    // The state already holds the batch: no part of it can be retried.
    return Status::OutOfRange("computing the aggregate's output rows failed: " + st.message());
  }
  // Pair each touched group's old row (frame rows 0..old_rows-1, in touched order) with
  // its new row (old_rows + t).
  std::vector<int32_t> sel;
  warehouse::ChangeBatch changes;
  int64_t o = 0;
  for (size_t t = 0; t < touched_.size(); ++t) {
    const size_t g = static_cast<size_t>(touched_[t]);
    const bool was = state_.visible[g] != 0;
    const int32_t new_row = static_cast<int32_t>(old_rows + static_cast<int64_t>(t));
    const bool now = pass[static_cast<size_t>(new_row)] != 0 && GroupLive(touched_[t]);
    const int32_t old_row = was ? static_cast<int32_t>(o++) : -1;
    state_.visible[g] = now;
    if (was && now && RowsEqual(*result, old_row, new_row)) continue;  // nothing changed
    if (was) {
      sel.push_back(old_row);
      changes.ops.push_back(now ? warehouse::ChangeOp::kUpdateBefore : warehouse::ChangeOp::kDelete);
    }
    if (now) {
      if (emitted_groups_ != nullptr) emitted_groups_->push_back(touched_[t]);
      sel.push_back(new_row);
      changes.ops.push_back(was ? warehouse::ChangeOp::kUpdateAfter : warehouse::ChangeOp::kInsert);
    }
  }
  frame_.clear();
  if (sel.empty()) return Status::OK();
  std::vector<ColumnPtr> cols;
  for (int c = 0; c < result->num_columns(); ++c) {
    auto col = std::make_shared<Column>(result->column(c).type());
    col->AppendSelected(result->column(c), sel.data(), static_cast<int64_t>(sel.size()));
    cols.push_back(std::move(col));
  }
  changes.rows = std::make_shared<const RecordBatch>(query_->output_schema(), std::move(cols),
                                                     static_cast<int64_t>(sel.size()));
  return out->Emit(changes);
}

Status GroupAggregate::ApplyChanges(int port, const warehouse::ChangeBatch& input,
                                    ChangeSink* out) {
  if (!retractable_) return StreamOperator::ApplyChanges(port, input, out);
  if (port != 0) return Status::Internal("operator has no input port " + std::to_string(port));
  if (input.rows == nullptr || static_cast<int64_t>(input.ops.size()) != input.rows->num_rows()) {
    return Status::Internal("changelog batch without one op per row");
  }
  SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr prepared, query_->Prepare(*input.rows));
  const int64_t n = prepared->num_rows();
  if (n == 0) return Status::OK();
  const std::vector<int32_t>* selection = query_->prepared_selection();
  sign_.resize(static_cast<size_t>(n));
  bool retracts = false;
  for (int64_t i = 0; i < n; ++i) {
    const size_t j = static_cast<size_t>(i);
    const size_t row = selection != nullptr ? static_cast<size_t>((*selection)[j]) : j;
    const bool removal = warehouse::IsRemoval(input.ops[row]);
    sign_[static_cast<size_t>(i)] = removal ? -1 : 1;
    retracts |= removal;
  }
  if (retracts && !unretractable_.empty()) {
    return Status::NotImplemented(unretractable_ + ": approx_count_distinct cannot consume "
                                  "updates or deletes; use count(DISTINCT ...)");
  }
  return ApplySigned(*prepared, out);
}

std::string GroupAggregate::GroupKeyText(const RecordBatch& prepared, int64_t row) const {
  if (query_->num_keys() == 0) return "the global group";
  std::string text = "(";
  for (int k = 0; k < query_->num_keys(); ++k) {
    if (k > 0) text += ", ";
    text += FormatCell(prepared.column(k), row);
  }
  return text + ")";
}

Status GroupAggregate::CountRows(const RecordBatch& prepared) {
  const int64_t n = prepared.num_rows();
  const bool keyed = query_->num_keys() > 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t& c = state_.row_count[static_cast<size_t>(gid_[static_cast<size_t>(i)])];
    const int64_t before = c;
    c += sign_[static_cast<size_t>(i)];
    if (c < 0) {
      return Status::Internal(
          "aggregate input retracts a row that was never accumulated, in group " +
          GroupKeyText(prepared, i) + ": the upstream operator's changelog is inconsistent");
    }
    if (keyed && before == 0) --state_.dead_groups;
    if (keyed && c == 0) ++state_.dead_groups;
  }
  return Status::OK();
}

Status GroupAggregate::ApplySigned(const RecordBatch& prepared, ChangeSink* out) {
  // Nothing below fails on bad rows (Prepare did); a failure here is fatal.
  SLUICE_RETURN_NOT_OK(AssignGroups(prepared));
  if (out != nullptr) {
    frame_.clear();
    for (const Field& f : query_->frame_schema()->fields()) {
      frame_.push_back(std::make_shared<Column>(f.type));
    }
    old_groups_.clear();
    for (const int32_t g : touched_) {
      if (state_.visible[static_cast<size_t>(g)]) old_groups_.push_back(g);
    }
    SLUICE_RETURN_NOT_OK(AppendFrame(old_groups_));
  }
  SLUICE_RETURN_NOT_OK(CountRows(prepared));
  const auto& specs = query_->aggregates();
  for (size_t a = 0; a < specs.size(); ++a) {
    const int64_t bad =
        state_.accumulators[a].AccumulateSigned(specs[a], prepared, gid_.data(), sign_.data());
    if (bad >= 0) {
      return Status::Internal("aggregate " + specs[a].text +
                              " retracts a value that was never accumulated, in group " +
                              GroupKeyText(prepared, bad) +
                              ": the upstream operator's changelog is inconsistent");
    }
  }
  if (out != nullptr) SLUICE_RETURN_NOT_OK(EmitChanges(out));
  ReleaseDeadGroups();
  return MaybeEvict();
}

void GroupAggregate::ReleaseDeadGroups() {
  if (query_->num_keys() == 0) return;
  for (const int32_t g : touched_) {
    if (state_.row_count[static_cast<size_t>(g)] != 0) continue;
    for (AccumulatorColumn& a : state_.accumulators) a.ReleaseGroup(g);
  }
  // A floor keeps small states from rebuilding over and over.
  constexpr int32_t kMinTombstones = 1024;
  if (state_.dead_groups >= kMinTombstones && state_.dead_groups * 2 > state_.num_groups) {
    RebuildWithoutTombstones();
  }
}

void GroupAggregate::RebuildWithoutTombstones() {
  std::vector<int32_t> keep;
  keep.reserve(static_cast<size_t>(state_.num_groups - state_.dead_groups));
  for (int32_t g = 0; g < state_.num_groups; ++g) {
    if (state_.row_count[static_cast<size_t>(g)] > 0) keep.push_back(g);
  }
  CompactGroups(keep);
}

Status GroupAggregate::SetWatermarkExpiry(int key, int64_t offset_us) {
  if (key < 0 || key >= query_->num_keys()) {
    return Status::Invalid("expiry key " + std::to_string(key) + " is not a group key (" +
                           std::to_string(query_->num_keys()) + " keys)");
  }
  const DataType& type = query_->frame_schema()->field(key).type;
  if (type.id != TypeId::kTimestamp && type.id != TypeId::kInt64) {
    return Status::Invalid("expiry key '" + query_->frame_schema()->field(key).name + "' is " +
                           type.ToString() + ", not TIMESTAMP");
  }
  if (offset_us < 0) return Status::Invalid("expiry offset must not be negative");
  expiry_key_ = key;
  expiry_offset_ = offset_us;
  ResetExpiryScan();
  return Status::OK();
}

Status GroupAggregate::OnWatermark(int64_t watermark, ChangeSink* out) {
  (void)out;
  if (expiry_key_ < 0 || watermark <= expiry_watermark_) return Status::OK();
  expiry_watermark_ = watermark;
  // Group numbers only grow between compactions; a restore or spill may have renumbered.
  if (state_.num_groups < expiry_scanned_) ResetExpiryScan();
  const Column& keys = state_.keys[static_cast<size_t>(expiry_key_)];
  const int64_t* v = keys.values<int64_t>();
  const auto due_at = [&](int32_t g) {
    const int64_t x = v[g];
    return x > INT64_MAX - expiry_offset_ ? INT64_MAX : x + expiry_offset_;
  };
  for (int32_t g = expiry_scanned_; g < state_.num_groups; ++g) {
    if (keys.IsValid(g)) expiry_min_ = std::min(expiry_min_, due_at(g));
  }
  expiry_scanned_ = state_.num_groups;
  if (expiry_min_ > watermark) return Status::OK();
  std::vector<int32_t> keep;
  keep.reserve(static_cast<size_t>(state_.num_groups));
  int64_t next_min = INT64_MAX;
  for (int32_t g = 0; g < state_.num_groups; ++g) {
    if (!keys.IsValid(g)) {
      keep.push_back(g);
      continue;
    }
    const int64_t due = due_at(g);
    if (due <= watermark) continue;
    keep.push_back(g);
    next_min = std::min(next_min, due);
  }
  if (static_cast<int32_t>(keep.size()) < state_.num_groups) CompactGroups(keep);
  expiry_scanned_ = state_.num_groups;
  expiry_min_ = next_min;
  return Status::OK();
}

void GroupAggregate::CompactGroups(const std::vector<int32_t>& keep) {
  ResetExpiryScan();
  const int64_t live = static_cast<int64_t>(keep.size());
  for (Column& key : state_.keys) {
    Column compacted(key.type());
    compacted.AppendSelected(key, keep.data(), live);
    key = std::move(compacted);
  }
  const bool counted = !state_.row_count.empty();
  int32_t dead = 0;
  for (size_t j = 0; j < keep.size(); ++j) {
    const size_t g = static_cast<size_t>(keep[j]);
    state_.hashes[j] = state_.hashes[g];
    state_.visible[j] = state_.visible[g];
    touch_epoch_[j] = touch_epoch_[g];
    if (counted) {
      state_.row_count[j] = state_.row_count[g];
      dead += state_.row_count[j] == 0 && query_->num_keys() > 0;
    }
  }
  const auto shrink = [&](auto& v) {
    v.resize(keep.size());
    v.shrink_to_fit();
  };
  shrink(state_.hashes);
  shrink(state_.visible);
  shrink(touch_epoch_);
  if (counted) shrink(state_.row_count);
  for (AccumulatorColumn& a : state_.accumulators) a.Compact(keep);
  state_.num_groups = static_cast<int32_t>(live);
  state_.dead_groups = dead;
  size_t slots = 64;
  while (slots < keep.size() * 2) slots *= 2;
  // Rehash doubles the table: start from half the size wanted.
  state_.slots.assign(slots / 2, -1);
  state_.slots.shrink_to_fit();
  Rehash();
}

}  // namespace sluice::stream
