// JoinSpill (hash_join_spill.h): HashJoin's RocksDB state backend.
#include "stream/hash_join_spill.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/hash.h"

namespace sluice::stream {

namespace {

constexpr int64_t kWriteChunk = 4096;  // entries per store write batch
constexpr size_t kValueHeader = 4 + 8;  // row count, max expire_at

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Bounds-checked reads of a stored value.
struct Cursor {
  std::string_view data;
  size_t pos = 0;
  bool ok = true;
  template <typename T>
  T Get() {
    T v{};
    if (data.size() - pos < sizeof v) {
      ok = false;
      return v;
    }
    std::memcpy(&v, data.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  const char* Take(size_t n) {
    if (data.size() - pos < n) {
      ok = false;
      return nullptr;
    }
    const char* p = data.data() + pos;
    pos += n;
    return p;
  }
};

}  // namespace

// --- SpilledKeySet ------------------------------------------------------------------

bool SpilledKeySet::Contains(uint64_t hash) const {
  if (size_ == 0) return false;
  const uint64_t h = Stored(hash);
  const size_t mask = hashes_.size() - 1;
  for (size_t i = h & mask; hashes_[i] != 0; i = (i + 1) & mask) {
    if (hashes_[i] == h) return true;
  }
  return false;
}

void SpilledKeySet::Rebuild(size_t capacity) {
  std::vector<uint64_t> old = std::move(hashes_);
  std::vector<int64_t> old_expires = std::move(expires_);
  hashes_.assign(capacity, 0);
  if (track_expiry_) expires_.assign(capacity, 0);
  const size_t mask = capacity - 1;
  for (size_t k = 0; k < old.size(); ++k) {
    if (old[k] == 0) continue;
    size_t i = old[k] & mask;
    while (hashes_[i] != 0) i = (i + 1) & mask;
    hashes_[i] = old[k];
    if (track_expiry_) expires_[i] = old_expires[k];
  }
}

void SpilledKeySet::Insert(uint64_t hash, int64_t max_expire) {
  if (static_cast<size_t>(size_ + 1) * 4 > hashes_.size() * 3) {
    Rebuild(std::max<size_t>(64, hashes_.size() * 2));
  }
  const uint64_t h = Stored(hash);
  const size_t mask = hashes_.size() - 1;
  size_t i = h & mask;
  while (hashes_[i] != 0) i = (i + 1) & mask;
  hashes_[i] = h;
  if (track_expiry_) expires_[i] = max_expire;
  ++size_;
  min_expire_ = std::min(min_expire_, track_expiry_ ? max_expire : INT64_MAX);
}

bool SpilledKeySet::RemoveOne(uint64_t hash, int64_t max_expire) {
  if (size_ == 0) return false;
  const uint64_t h = Stored(hash);
  const size_t mask = hashes_.size() - 1;
  size_t i = h & mask;
  for (; hashes_[i] != 0; i = (i + 1) & mask) {
    if (hashes_[i] == h && (!track_expiry_ || expires_[i] == max_expire)) break;
  }
  if (hashes_[i] == 0) return false;
  // Backward-shift deletion: move later members of the probe run into the hole.
  size_t hole = i;
  for (size_t j = (i + 1) & mask; hashes_[j] != 0; j = (j + 1) & mask) {
    const size_t home = hashes_[j] & mask;
    // j stays when its home is cyclically within (hole, j].
    const bool within = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (within) continue;
    hashes_[hole] = hashes_[j];
    if (track_expiry_) expires_[hole] = expires_[j];
    hole = j;
  }
  hashes_[hole] = 0;
  --size_;
  return true;
}

int64_t SpilledKeySet::ForgetExpired(int64_t watermark) {
  if (size_ == 0 || !track_expiry_ || min_expire_ > watermark) return 0;
  int64_t removed = 0;
  int64_t lo = INT64_MAX;
  for (size_t i = 0; i < hashes_.size(); ++i) {
    if (hashes_[i] == 0) continue;
    if (expires_[i] <= watermark) {
      hashes_[i] = 0;
      ++removed;
    } else {
      lo = std::min(lo, expires_[i]);
    }
  }
  size_ -= removed;
  min_expire_ = lo;
  if (removed > 0) {
    size_t cap = 64;
    while (cap * 3 < static_cast<size_t>(size_ + 1) * 4) cap *= 2;
    Rebuild(cap);  // also restores the probe runs the removed entries broke
  }
  return removed;
}

void SpilledKeySet::Clear() {
  std::vector<uint64_t>().swap(hashes_);
  std::vector<int64_t>().swap(expires_);
  size_ = 0;
  min_expire_ = INT64_MAX;
}

// --- JoinSpill ----------------------------------------------------------------------

JoinSpill::JoinSpill(OperatorStateOptions options, SchemaPtr left, SchemaPtr right, bool expiring)
    : options_(std::move(options)), expiring_(expiring), left_set_(expiring), right_set_(expiring) {
  schema_[0] = std::move(left);
  schema_[1] = std::move(right);
}

JoinSpill::~JoinSpill() = default;

Status JoinSpill::OpenStore() {
  if (store_) return Status::OK();
  if (options_.dir.empty()) {
    return Status::Internal("the rocksdb state backend of a join needs a directory (the project's state_dir)");
  }
  StateBackendOptions o;
  o.memory_hint_bytes = options_.memory_budget_bytes;
  o.wipe = true;
  SLUICE_ASSIGN_OR_RETURN(store_, StateBackend::Open(options_.dir, o));
  return Status::OK();
}

void JoinSpill::Reset() {
  left_set_.Clear();
  right_set_.Clear();
  stale_entries_ = 0;
  store_.reset();  // the next OpenStore wipes the directory
}

void JoinSpill::EncodeKey(int side, std::string_view key, std::string* out) const {
  out->push_back(static_cast<char>(side));
  out->append(key);
}

int64_t JoinSpill::EncodeRows(const JoinSide& s, const JoinKeyEntry& entry, std::string* out) const {
  const size_t header = out->size();
  out->append(kValueHeader, '\0');
  uint32_t rows = 0;
  int64_t max_expire = INT64_MIN;
  for (int32_t j = entry.head; j >= 0; j = s.next[static_cast<size_t>(j)]) {
    const auto r = static_cast<size_t>(j);
    Put(out, s.row_hash[r]);
    Put(out, s.match_count[r]);
    Put(out, s.expire_at[r]);
    max_expire = std::max(max_expire, s.expire_at[r]);
    for (const auto& col : s.columns) {
      if (col->IsNull(j)) {
        out->push_back('\0');
        continue;
      }
      out->push_back('\1');
      if (col->type().IsVarLength()) {
        const std::string_view v = col->GetString(j);
        Put(out, static_cast<uint32_t>(v.size()));
        out->append(v);
      } else {
        const auto w = static_cast<size_t>(col->type().ByteWidth());
        out->append(reinterpret_cast<const char*>(col->values<uint8_t>()) + r * w, w);
      }
    }
    ++rows;
  }
  std::memcpy(out->data() + header, &rows, 4);
  std::memcpy(out->data() + header + 4, &max_expire, 8);
  return max_expire;
}

Result<int64_t> JoinSpill::DecodeRows(int side, std::string_view key, uint64_t hash,
                                      std::string_view value, int64_t watermark) {
  Decoded& d = decoded_[side];
  if (d.columns.empty()) {
    for (const Field& f : schema_[side]->fields()) d.columns.push_back(std::make_unique<Column>(f.type));
  }
  if (d.keys.offsets.empty()) d.keys.offsets.push_back(0);
  Cursor in{value};
  const auto rows = in.Get<uint32_t>();
  const auto max_expire = in.Get<int64_t>();
  const auto corrupt = [&](const char* what) {
    return Status::IOError("state store " + options_.dir + ": a spilled join entry is corrupt (" +
                           what + " at byte " + std::to_string(in.pos) +
                           "); delete the directory and restart from the last checkpoint");
  };
  if (!in.ok) return corrupt("truncated header");
  for (uint32_t k = 0; k < rows; ++k) {
    const auto row_hash = in.Get<uint64_t>();
    const auto count = in.Get<int64_t>();
    const auto expire = in.Get<int64_t>();
    if (!in.ok) return corrupt("truncated row");
    const bool keep = expire > watermark;
    for (auto& col : d.columns) {
      const auto valid = in.Get<uint8_t>();
      if (!in.ok || valid > 1) return corrupt("bad validity byte");
      if (valid == 0) {
        if (keep) col->AppendNull();
        continue;
      }
      if (col->type().IsVarLength()) {
        const auto len = in.Get<uint32_t>();
        const char* p = in.ok ? in.Take(len) : nullptr;
        if (p == nullptr) return corrupt("truncated string");
        if (keep) col->AppendString(std::string_view(p, len));
      } else {
        const auto w = static_cast<size_t>(col->type().ByteWidth());
        const char* p = in.Take(w);
        if (p == nullptr) return corrupt("truncated cell");
        if (keep) {
          const int64_t at = col->length();
          col->ResizeFixed(at + 1);
          std::memcpy(col->mutable_values<uint8_t>() + static_cast<size_t>(at) * w, p, w);
        }
      }
    }
    if (!keep) continue;
    d.keys.bytes.insert(d.keys.bytes.end(), key.begin(), key.end());
    d.keys.offsets.push_back(static_cast<int64_t>(d.keys.bytes.size()));
    d.keys.hashes.push_back(hash);
    d.keys.null.push_back(0);
    d.row_hash.push_back(row_hash);
    d.match_count.push_back(count);
    d.expire_at.push_back(expire);
  }
  if (in.pos != value.size()) return corrupt("trailing bytes");
  return max_expire;
}

void JoinSpill::MoveBehindDecoded(int side, uint64_t hash, std::string_view key, JoinSide* s) {
  const int32_t head = s->Head(hash, key);
  if (head < 0) return;
  Decoded& d = decoded_[side];
  if (d.columns.empty()) {
    for (const Field& f : schema_[side]->fields()) d.columns.push_back(std::make_unique<Column>(f.type));
  }
  if (d.keys.offsets.empty()) d.keys.offsets.push_back(0);
  std::vector<int32_t> rows;
  for (int32_t j = head; j >= 0; j = s->next[static_cast<size_t>(j)]) rows.push_back(j);
  const auto n = static_cast<int64_t>(rows.size());
  for (size_t c = 0; c < d.columns.size(); ++c) d.columns[c]->AppendSelected(*s->columns[c], rows.data(), n);
  for (int32_t j : rows) {
    const auto r = static_cast<size_t>(j);
    d.keys.bytes.insert(d.keys.bytes.end(), key.begin(), key.end());
    d.keys.offsets.push_back(static_cast<int64_t>(d.keys.bytes.size()));
    d.keys.hashes.push_back(hash);
    d.keys.null.push_back(0);
    d.row_hash.push_back(s->row_hash[r]);
    d.match_count.push_back(s->match_count[r]);
    d.expire_at.push_back(s->expire_at[r]);
  }
  for (int32_t j : rows) s->Remove(j);
}

void JoinSpill::FlushDecoded(int side, JoinSide* s) {
  Decoded& d = decoded_[side];
  const auto n = static_cast<int64_t>(d.row_hash.size());
  if (n > 0) {
    std::vector<ColumnPtr> cols;
    for (auto& c : d.columns) cols.push_back(std::shared_ptr<const Column>(std::move(c)));
    d.columns.clear();
    const RecordBatch batch(schema_[side], std::move(cols), n);
    std::vector<int32_t> rows(static_cast<size_t>(n));
    for (int32_t i = 0; i < static_cast<int32_t>(n); ++i) rows[static_cast<size_t>(i)] = i;
    s->Append(batch, rows.data(), n, d.keys, d.row_hash.data(), d.match_count.data(),
              d.expire_at.data());
  }
  d.columns.clear();
  d.keys.offsets.clear();
  d.keys.bytes.clear();
  d.keys.hashes.clear();
  d.keys.null.clear();
  d.row_hash.clear();
  d.match_count.clear();
  d.expire_at.clear();
}

Status JoinSpill::Load(int port, const EncodedKeys& keys, const warehouse::ChangeOp* ops,
                       HashJoinState* state) {
  if (!has_spilled()) return Status::OK();
  key_bytes_.clear();
  key_ends_.clear();
  key_sides_.clear();
  key_hashes_.clear();
  // The distinct (side, key) pairs whose hash is spilled.
  struct Want {
    int side;
    size_t begin, end;
    uint64_t hash;
  };
  std::vector<Want> want;
  const auto n = static_cast<int64_t>(keys.hashes.size());
  for (int64_t i = 0; i < n; ++i) {
    if (keys.null[static_cast<size_t>(i)]) continue;
    const uint64_t h = keys.hashes[static_cast<size_t>(i)];
    const bool removal = ops != nullptr && warehouse::IsRemoval(ops[i]);
    for (int side = 0; side < 2; ++side) {
      if ((side == port && !removal) || !set(side).Contains(h)) continue;
      const size_t begin = key_bytes_.size();
      EncodeKey(side, std::string_view(reinterpret_cast<const char*>(keys.key(i)), keys.key_size(i)),
                &key_bytes_);
      want.push_back(Want{side, begin, key_bytes_.size(), h});
    }
  }
  if (want.empty()) return Status::OK();
  const auto view = [&](const Want& w) { return std::string_view(key_bytes_).substr(w.begin, w.end - w.begin); };
  std::sort(want.begin(), want.end(), [&](const Want& a, const Want& b) { return view(a) < view(b); });
  want.erase(std::unique(want.begin(), want.end(), [&](const Want& a, const Want& b) { return view(a) == view(b); }),
             want.end());
  SLUICE_RETURN_NOT_OK(OpenStore());
  key_views_.clear();
  for (const Want& w : want) key_views_.push_back(view(w));
  SLUICE_RETURN_NOT_OK(store_->MultiGet(key_views_, &values_, &found_));
  StateBackend::WriteBatch batch;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!found_[i]) continue;
    const Want& w = want[i];
    SLUICE_ASSIGN_OR_RETURN(const int64_t max_expire,
                            DecodeRows(w.side, key_views_[i].substr(1), w.hash, values_[i], state->watermark));
    MoveBehindDecoded(w.side, w.hash, key_views_[i].substr(1), &state->side(w.side));
    if (set(w.side).RemoveOne(w.hash, max_expire)) {
      ++keys_loaded_;
    } else if (stale_entries_ > 0) {
      --stale_entries_;  // an entry of a key forgotten as expired: its rows were all dropped
    }
    batch.Delete(key_views_[i]);
  }
  for (int side = 0; side < 2; ++side) FlushDecoded(side, &state->side(side));
  return store_->Write(&batch);
}

Status JoinSpill::AfterChange(HashJoinState* state) {
  const int64_t wm = state->watermark;
  stale_entries_ += left_set_.ForgetExpired(wm) + right_set_.ForgetExpired(wm);
  if (stale_entries_ > std::max<int64_t>(4096, spilled_keys())) {
    SLUICE_RETURN_NOT_OK(DropStaleEntries(wm));
  }
  const int64_t budget = options_.memory_budget_bytes;
  for (int round = 0; round < 4; ++round) {
    const int64_t bytes = state->left.MemoryBytes() + state->right.MemoryBytes();
    if (bytes <= budget) break;
    // Keep about half the budget's worth of rows, less on later rounds (row sizes vary).
    double keep = static_cast<double>(budget) / 2 / static_cast<double>(bytes);
    for (int r = 0; r < round; ++r) keep /= 2;
    if (round == 3) keep = 0;
    SLUICE_RETURN_NOT_OK(OpenStore());
    for (int side = 0; side < 2; ++side) SLUICE_RETURN_NOT_OK(EvictSide(side, keep, &state->side(side)));
  }
  return Status::OK();
}

Status JoinSpill::EvictSide(int side, double keep_fraction, JoinSide* s) {
  // Live keys by recency: the slot of their newest row (slots grow with arrival, and
  // compaction keeps their order; reloaded rows are appended, so they count as new).
  struct Key {
    int32_t tail;
    int32_t entry;
  };
  std::vector<Key> live;
  for (size_t e = 0; e < s->table.size(); ++e) {
    const JoinKeyEntry& k = s->table[e];
    if (k.key_row >= 0 && k.head >= 0) live.push_back(Key{k.tail, static_cast<int32_t>(e)});
  }
  std::sort(live.begin(), live.end(), [](const Key& a, const Key& b) { return a.tail > b.tail; });
  const auto keep_rows = static_cast<int64_t>(keep_fraction * static_cast<double>(s->live_rows));
  int64_t kept = 0;
  size_t first_evicted = 0;
  while (first_evicted < live.size() && kept < keep_rows) {
    const JoinKeyEntry& k = s->table[static_cast<size_t>(live[first_evicted].entry)];
    for (int32_t j = k.head; j >= 0; j = s->next[static_cast<size_t>(j)]) ++kept;
    ++first_evicted;
  }
  if (first_evicted == live.size()) {
    if (s->slots() > s->live_rows) s->CompactNow();  // at least drop the tombstones
    return Status::OK();
  }
  // Split keys (spilled rows in the store, newer ones here) append to their stored value:
  // fetch those first.
  key_bytes_.clear();
  key_ends_.clear();
  std::vector<size_t> split;  // indexes into live
  for (size_t i = first_evicted; i < live.size(); ++i) {
    const JoinKeyEntry& entry = s->table[static_cast<size_t>(live[i].entry)];
    if (!set(side).Contains(entry.hash)) continue;
    EncodeKey(side, s->key(entry.key_row), &key_bytes_);
    key_ends_.push_back(key_bytes_.size());
    split.push_back(i);
  }
  key_views_.clear();
  for (size_t k = 0, begin = 0; k < key_ends_.size(); begin = key_ends_[k++]) {
    key_views_.emplace_back(key_bytes_.data() + begin, key_ends_[k] - begin);
  }
  SLUICE_RETURN_NOT_OK(store_->MultiGet(key_views_, &values_, &found_));
  StateBackend::WriteBatch batch;
  std::string key, value;
  std::vector<int32_t> rows;
  size_t next_split = 0;
  for (size_t i = first_evicted; i < live.size(); ++i) {
    const JoinKeyEntry entry = s->table[static_cast<size_t>(live[i].entry)];
    key.clear();
    EncodeKey(side, s->key(entry.key_row), &key);
    value.clear();
    int64_t max_expire = EncodeRows(*s, entry, &value);
    const bool is_split = next_split < split.size() && split[next_split] == i;
    if (is_split && found_[next_split]) {
      // The stored value's rows first, then these: counts and max expire combined.
      const std::string& old = values_[next_split];
      uint32_t old_rows = 0, rows_here = 0;
      int64_t old_max = INT64_MIN;
      if (old.size() < kValueHeader) {
        return Status::IOError("state store " + options_.dir + ": a spilled join entry is corrupt "
                               "(truncated header); delete the directory and restart from the last checkpoint");
      }
      std::memcpy(&old_rows, old.data(), 4);
      std::memcpy(&old_max, old.data() + 4, 8);
      std::memcpy(&rows_here, value.data(), 4);
      std::string merged;
      merged.reserve(old.size() + value.size() - kValueHeader);
      const uint32_t total = old_rows + rows_here;
      const int64_t merged_max = std::max(old_max, max_expire);
      Put(&merged, total);
      Put(&merged, merged_max);
      merged.append(old, kValueHeader, std::string::npos);
      merged.append(value, kValueHeader, std::string::npos);
      value = std::move(merged);
      if (!set(side).RemoveOne(entry.hash, old_max) && stale_entries_ > 0) --stale_entries_;
      max_expire = merged_max;
      ++keys_appended_;
    }
    if (is_split) ++next_split;
    batch.Put(key, value);
    rows.clear();
    for (int32_t j = entry.head; j >= 0; j = s->next[static_cast<size_t>(j)]) rows.push_back(j);
    for (int32_t j : rows) s->Remove(j);
    set(side).Insert(entry.hash, max_expire);
    ++keys_evicted_;
    if (batch.count() >= kWriteChunk) SLUICE_RETURN_NOT_OK(store_->Write(&batch));
  }
  SLUICE_RETURN_NOT_OK(store_->Write(&batch));
  s->CompactNow();
  return Status::OK();
}

Status JoinSpill::DropStaleEntries(int64_t watermark) {
  if (!store_) {
    stale_entries_ = 0;
    return Status::OK();
  }
  StateBackend::WriteBatch batch;
  std::unique_ptr<StateBackend::Iterator> it = store_->NewIterator();
  for (; it->Valid(); it->Next()) {
    const std::string_view v = it->value();
    int64_t max_expire = INT64_MAX;
    if (v.size() >= kValueHeader) std::memcpy(&max_expire, v.data() + 4, 8);
    if (max_expire <= watermark) batch.Delete(it->key());
    if (batch.count() >= kWriteChunk) SLUICE_RETURN_NOT_OK(store_->Write(&batch));
  }
  SLUICE_RETURN_NOT_OK(it->status());
  it.reset();
  stale_entries_ = 0;
  return store_->Write(&batch);
}

Status JoinSpill::AddSpilledRows(const HashJoinState& state, HashJoinState* full) const {
  full->left = state.left.Clone();
  full->right = state.right.Clone();
  full->watermark = state.watermark;
  if (!has_spilled() || !store_) return Status::OK();
  // Decoding reuses scratch buffers: work on a copy of this (const) object's codec.
  JoinSpill scratch(options_, schema_[0], schema_[1], expiring_);
  std::unique_ptr<StateBackend::Iterator> it = store_->NewIterator();
  for (; it->Valid(); it->Next()) {
    const std::string_view k = it->key();
    if (k.empty() || static_cast<uint8_t>(k[0]) > 1) {
      return Status::IOError("state store " + options_.dir + ": an entry has an unknown side byte; "
                             "delete the directory and restart from the last checkpoint");
    }
    const int side = k[0];
    const std::string_view key = k.substr(1);
    static const uint8_t kEmpty = 0;
    const uint64_t hash = HashBytes(key.empty() ? &kEmpty : reinterpret_cast<const uint8_t*>(key.data()), key.size());
    SLUICE_RETURN_NOT_OK(scratch.DecodeRows(side, key, hash, it->value(), state.watermark).status());
    scratch.MoveBehindDecoded(side, hash, key, &full->side(side));  // a split key's newer rows
    if (scratch.decoded_[side].row_hash.size() >= static_cast<size_t>(kWriteChunk)) {
      scratch.FlushDecoded(side, &full->side(side));
    }
  }
  SLUICE_RETURN_NOT_OK(it->status());
  for (int side = 0; side < 2; ++side) scratch.FlushDecoded(side, &full->side(side));
  return Status::OK();
}

}  // namespace sluice::stream
