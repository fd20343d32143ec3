// GroupAggregate's state backend: memory accounting, spilling cold groups to a
// StateBackend and loading them back (see "State backends" in group_aggregate.h).
#include <algorithm>
#include <cstring>

#include "stream/aggregate_state_codec.h"
#include "stream/group_aggregate.h"
#include "stream/state_codec.h"

namespace sluice::stream {

namespace {

constexpr int64_t kWriteChunk = 4096;  // entries per store write batch

template <typename V>
int64_t CapacityBytes(const V& v) {
  return static_cast<int64_t>(v.capacity() * sizeof(typename V::value_type));
}

}  // namespace

int64_t GroupAggregate::MemoryBytes() const {
  int64_t b = 0;
  for (const Column& k : state_.keys) {
    b += static_cast<int64_t>(k.data_buffer().capacity() + k.validity_buffer().capacity() +
                              k.string_buffer().capacity());
  }
  b += CapacityBytes(state_.hashes) + CapacityBytes(state_.slots) + CapacityBytes(state_.visible) +
       CapacityBytes(state_.row_count) + CapacityBytes(touch_epoch_);
  for (const AccumulatorColumn& a : state_.accumulators) b += a.MemoryBytes();
  return b;
}

Status GroupAggregate::OpenStore() {
  if (store_) return Status::OK();
  if (state_options_.dir.empty()) {
    return Status::Internal(
        "the rocksdb state backend needs a directory (the project's state_dir)");
  }
  StateBackendOptions o;
  o.memory_hint_bytes = state_options_.memory_budget_bytes;
  o.wipe = true;
  SLUICE_ASSIGN_OR_RETURN(store_, StateBackend::Open(state_options_.dir, o));
  return Status::OK();
}

void GroupAggregate::EncodeGroupKey(int32_t g, std::string* out) const {
  for (const Column& k : state_.keys) {
    if (!k.IsValid(g)) {
      out->push_back('\0');
      continue;
    }
    out->push_back('\1');
    if (k.type().IsVarLength()) {
      const std::string_view v = k.GetString(g);
      const uint32_t len = static_cast<uint32_t>(v.size());
      out->append(reinterpret_cast<const char*>(&len), sizeof len);
      out->append(v);
    } else {
      const int w = k.type().ByteWidth();
      out->append(reinterpret_cast<const char*>(k.values<uint8_t>() + static_cast<int64_t>(g) * w),
                  static_cast<size_t>(w));
    }
  }
}

std::string GroupAggregate::EncodeGroupValue(int32_t g, StateWriter* w) const {
  const size_t i = static_cast<size_t>(g);
  w->WriteU64(state_.hashes[i]);
  w->WriteU8(state_.visible[i]);
  if (retractable_) w->WriteI64(state_.row_count[i]);
  for (const AccumulatorColumn& a : state_.accumulators) WriteGroupAccumulators(a, g, w);
  return w->Finish();
}

Status GroupAggregate::DecodeGroupValue(std::string_view value, int32_t g,
                                        const std::string& what) {
  SLUICE_ASSIGN_OR_RETURN(StateReader in, StateReader::Open(value, what));
  const size_t i = static_cast<size_t>(g);
  uint64_t hash = 0;
  uint8_t visible = 0;
  SLUICE_RETURN_NOT_OK(in.ReadU64(&hash));
  SLUICE_RETURN_NOT_OK(in.ReadU8(&visible));
  if (hash != state_.hashes[i]) return in.Corrupt("the group's hash does not match its key");
  if (visible > 1) return in.Corrupt("bad visible flag");
  state_.visible[i] = visible;
  if (retractable_) {
    int64_t rows = 0;
    SLUICE_RETURN_NOT_OK(in.ReadI64(&rows));
    if (rows <= 0) return in.Corrupt("a stored group without rows");
    state_.row_count[i] = rows;
    --state_.dead_groups;  // it was counted dead when created empty
  }
  for (AccumulatorColumn& a : state_.accumulators) {
    SLUICE_RETURN_NOT_OK(ReadGroupAccumulators(&in, g, &a));
  }
  return in.ExpectEnd();
}

Status GroupAggregate::LoadSpilledGroups(int32_t first_new) {
  key_bytes_.clear();
  key_ends_.clear();
  for (int32_t g = first_new; g < state_.num_groups; ++g) {
    EncodeGroupKey(g, &key_bytes_);
    key_ends_.push_back(key_bytes_.size());
  }
  key_views_.clear();
  size_t begin = 0;
  for (const size_t end : key_ends_) {
    key_views_.emplace_back(key_bytes_.data() + begin, end - begin);
    begin = end;
  }
  SLUICE_RETURN_NOT_OK(store_->MultiGet(key_views_, &values_, &found_));
  StateBackend::WriteBatch batch;
  for (size_t i = 0; i < key_views_.size(); ++i) {
    if (!found_[i]) continue;
    const int32_t g = first_new + static_cast<int32_t>(i);
    Status st = DecodeGroupValue(values_[i], g, "state store " + store_->dir());
    if (!st.ok()) return Status::IOError(st.message() + "; delete the directory and restart");
    batch.Delete(key_views_[i]);
    --spilled_groups_;
    ++groups_loaded_;
  }
  return store_->Write(&batch);
}

Status GroupAggregate::MaybeEvict() { return EvictToBytes(state_options_.memory_budget_bytes); }

Status GroupAggregate::EvictToBytes(int64_t budget) {
  if (!spills()) return Status::OK();
  int64_t bytes = MemoryBytes();
  // Evict down to half the budget, so that eviction (a pass over the table) is rare;
  // a few rounds when the first estimate keeps too much (groups of unequal size).
  for (int round = 0; round < 4 && bytes > budget && state_.num_groups > 0; ++round) {
    const double per_group = static_cast<double>(bytes) / state_.num_groups;
    int64_t keep = std::min<int64_t>(
        static_cast<int64_t>(static_cast<double>(budget) / 2 / per_group), state_.num_groups / 2);
    keep >>= round;
    if (round == 3) keep = 0;
    SLUICE_RETURN_NOT_OK(EvictAllBut(keep));
    bytes = MemoryBytes();
  }
  return Status::OK();
}

Status GroupAggregate::EvictAllBut(int64_t keep_groups) {
  SLUICE_RETURN_NOT_OK(OpenStore());
  const int32_t n = state_.num_groups;
  // Keep the keep_groups live groups touched last: those with an epoch above
  // `threshold`, then as many at `threshold` as fit.
  std::vector<uint32_t> epochs;
  epochs.reserve(static_cast<size_t>(n));
  for (int32_t g = 0; g < n; ++g) {
    if (GroupLive(g)) epochs.push_back(touch_epoch_[static_cast<size_t>(g)]);
  }
  const int64_t live = static_cast<int64_t>(epochs.size());
  const bool keep_all = keep_groups >= live;
  uint32_t threshold = 0;
  int64_t at_threshold = 0;
  if (!keep_all && keep_groups > 0) {
    const auto nth = epochs.begin() + (live - keep_groups);
    std::nth_element(epochs.begin(), nth, epochs.end());
    threshold = *nth;
    int64_t above = 0;
    for (auto it = nth; it != epochs.end(); ++it) above += *it > threshold;
    at_threshold = keep_groups - above;
  }
  std::vector<int32_t> keep;
  keep.reserve(static_cast<size_t>(std::min(keep_groups, live)));
  StateBackend::WriteBatch batch;
  StateWriter writer;
  std::string key;
  for (int32_t g = 0; g < n; ++g) {
    if (!GroupLive(g)) {
      // A tombstone holds nothing (its rows were all retracted): dropped, not stored.
      for (AccumulatorColumn& a : state_.accumulators) a.heap_bytes -= a.GroupHeapBytes(g);
      continue;
    }
    const uint32_t e = touch_epoch_[static_cast<size_t>(g)];
    if (keep_all ||
        (keep_groups > 0 && (e > threshold || (e == threshold && at_threshold-- > 0)))) {
      keep.push_back(g);
      continue;
    }
    key.clear();
    EncodeGroupKey(g, &key);
    batch.Put(key, EncodeGroupValue(g, &writer));
    for (AccumulatorColumn& a : state_.accumulators) a.heap_bytes -= a.GroupHeapBytes(g);
    ++spilled_groups_;
    ++groups_evicted_;
    if (batch.count() >= kWriteChunk) SLUICE_RETURN_NOT_OK(store_->Write(&batch));
  }
  SLUICE_RETURN_NOT_OK(store_->Write(&batch));
  CompactGroups(keep);
  return Status::OK();
}

Status GroupAggregate::EmitFinalSpilled(ChangeSink* out, std::vector<int32_t>* row_groups) {
  if (row_groups != nullptr) {
    return Status::NotImplemented(
        "the groups of final rows of a GROUP BY whose groups spilled to " + state_options_.dir);
  }
  SLUICE_RETURN_NOT_OK(OpenStore());
  // The iterator sees the store as of now: the spilled groups, none of the table's (a
  // group is in one place), even after the table's groups join the store below.
  std::unique_ptr<StateBackend::Iterator> it = store_->NewIterator();
  const int64_t stored = spilled_groups_;
  SLUICE_RETURN_NOT_OK(EmitTableFinal(out, nullptr));
  // The table's groups, now with their visible flags, go to the store: the table then
  // holds one chunk of stored groups at a time.
  SLUICE_RETURN_NOT_OK(EvictAllBut(0));
  const int64_t chunk_bytes = std::max<int64_t>(state_options_.memory_budget_bytes / 8, 64 << 10);
  const std::string what = "state store " + state_options_.dir;
  StateBackend::WriteBatch batch;
  StateWriter writer;
  std::string key;
  int64_t seen = 0;
  while (it->Valid()) {
    int64_t bytes = 0;
    for (; it->Valid() && state_.num_groups < kWriteChunk && bytes < chunk_bytes; it->Next()) {
      Status st = AdoptGroup(it->key(), it->value(), what);
      if (!st.ok()) return Status::IOError(st.message() + "; delete the directory and restart");
      bytes += static_cast<int64_t>(it->key().size() + it->value().size());
      ++seen;
      ++groups_loaded_;
    }
    SLUICE_RETURN_NOT_OK(EmitTableFinal(out, nullptr));
    // Back to the store with the visible flags the emission set (overwriting).
    for (int32_t g = 0; g < state_.num_groups; ++g) {
      key.clear();
      EncodeGroupKey(g, &key);
      batch.Put(key, EncodeGroupValue(g, &writer));
      for (AccumulatorColumn& a : state_.accumulators) a.heap_bytes -= a.GroupHeapBytes(g);
      ++groups_evicted_;
    }
    SLUICE_RETURN_NOT_OK(store_->Write(&batch));
    CompactGroups({});
  }
  SLUICE_RETURN_NOT_OK(it->status());
  if (seen != stored) {
    return Status::Internal(what + " holds " + std::to_string(seen) +
                            " groups, the GROUP BY counted " + std::to_string(stored) +
                            " (a read error, or the directory was changed by another process)");
  }
  return Status::OK();
}

Status GroupAggregate::AdoptGroup(std::string_view key, std::string_view value,
                                  const std::string& what) {
  const int32_t g = state_.num_groups;
  size_t pos = 0;
  for (Column& c : state_.keys) {
    if (pos >= key.size() || static_cast<uint8_t>(key[pos]) > 1) {
      return Status::Invalid(what + ": malformed group key");
    }
    if (key[pos++] == 0) {
      c.AppendNull();
      continue;
    }
    if (c.type().IsVarLength()) {
      uint32_t len = 0;
      if (key.size() - pos < sizeof len) return Status::Invalid(what + ": truncated group key");
      std::memcpy(&len, key.data() + pos, sizeof len);
      pos += sizeof len;
      if (key.size() - pos < len) return Status::Invalid(what + ": truncated group key");
      c.AppendString(key.substr(pos, len));
      pos += len;
    } else {
      const size_t w = static_cast<size_t>(c.type().ByteWidth());
      if (key.size() - pos < w) return Status::Invalid(what + ": truncated group key");
      const int64_t row = c.length();
      c.ResizeFixed(row + 1);
      std::memcpy(c.mutable_values<uint8_t>() + row * static_cast<int64_t>(w), key.data() + pos, w);
      pos += w;
    }
  }
  if (pos != key.size()) return Status::Invalid(what + ": group key longer than the query's keys");
  // The hash comes with the value: read it first so that DecodeGroupValue's check holds.
  uint64_t hash = 0;
  {
    SLUICE_ASSIGN_OR_RETURN(StateReader in, StateReader::Open(value, what));
    SLUICE_RETURN_NOT_OK(in.ReadU64(&hash));
  }
  ++state_.num_groups;
  state_.hashes.push_back(hash);
  state_.visible.push_back(0);
  touch_epoch_.push_back(0);
  if (retractable_) {
    state_.row_count.push_back(0);
    ++state_.dead_groups;
  }
  const auto& specs = query_->aggregates();
  for (size_t a = 0; a < specs.size(); ++a) state_.accumulators[a].AddGroup(specs[a]);
  return DecodeGroupValue(value, g, what);
}

Status GroupAggregate::RestoreSpilled(StateReader* in) {
  uint64_t n = 0;
  SLUICE_RETURN_NOT_OK(in->ReadCount(&n, 16));
  std::string key, value;
  if (spills()) {
    SLUICE_RETURN_NOT_OK(OpenStore());
    StateBackend::WriteBatch batch;
    for (uint64_t i = 0; i < n; ++i) {
      SLUICE_RETURN_NOT_OK(in->ReadString(&key));
      SLUICE_RETURN_NOT_OK(in->ReadString(&value));
      batch.Put(key, value);
      if (batch.count() >= kWriteChunk) SLUICE_RETURN_NOT_OK(store_->Write(&batch));
    }
    SLUICE_RETURN_NOT_OK(store_->Write(&batch));
    spilled_groups_ = static_cast<int64_t>(n);
    return Status::OK();
  }
  // Into the table (the memory backend, or a snapshot of a keyless query).
  for (uint64_t i = 0; i < n; ++i) {
    SLUICE_RETURN_NOT_OK(in->ReadString(&key));
    SLUICE_RETURN_NOT_OK(in->ReadString(&value));
    Status st = AdoptGroup(key, value, "spilled group " + std::to_string(i));
    if (!st.ok()) return in->Corrupt(st.message());
  }
  size_t slots = 64;
  while (slots < static_cast<size_t>(state_.num_groups) * 2) slots *= 2;
  state_.slots.assign(slots / 2, -1);  // Rehash doubles it
  Rehash();
  return Status::OK();
}

}  // namespace sluice::stream
