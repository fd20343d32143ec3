#include "stream/hash_join_state.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "core/hash.h"

namespace sluice::stream {

namespace {

template <typename T>
void EncodeInts(const Column& col, int64_t n, std::vector<int64_t>* cursor, uint8_t* bytes) {
  const T* v = col.values<T>();
  for (int64_t i = 0; i < n; ++i) {
    const auto x = static_cast<int64_t>(v[i]);
    int64_t& at = (*cursor)[static_cast<size_t>(i)];
    std::memcpy(bytes + at, &x, sizeof(x));
    at += 8;
  }
}

void EncodeDoubles(const Column& col, int64_t n, std::vector<int64_t>* cursor, uint8_t* bytes) {
  const double* v = col.values<double>();
  for (int64_t i = 0; i < n; ++i) {
    double x = v[i];
    if (x == 0.0) x = 0.0;                                        // -0.0 equals 0.0
    if (std::isnan(x)) x = std::numeric_limits<double>::quiet_NaN();  // one NaN
    int64_t& at = (*cursor)[static_cast<size_t>(i)];
    std::memcpy(bytes + at, &x, sizeof(x));
    at += 8;
  }
}

void EncodeStrings(const Column& col, int64_t n, std::vector<int64_t>* cursor, uint8_t* bytes) {
  for (int64_t i = 0; i < n; ++i) {
    const std::string_view s = col.GetString(i);
    const auto len = static_cast<uint32_t>(s.size());
    int64_t& at = (*cursor)[static_cast<size_t>(i)];
    std::memcpy(bytes + at, &len, sizeof(len));
    if (len > 0) std::memcpy(bytes + at + 4, s.data(), len);
    at += 4 + len;
  }
}

}  // namespace

void EncodeJoinKeys(const RecordBatch& batch, const std::vector<int>& keys, EncodedKeys* out) {
  const int64_t n = batch.num_rows();
  const auto rows = static_cast<size_t>(n);
  std::vector<int64_t>& off = out->offsets;
  off.assign(rows + 1, 0);
  out->null.assign(rows, 0);
  out->hashes.resize(rows);
  int64_t fixed = 0;
  for (int k : keys) {
    if (!batch.column(k).type().IsVarLength()) fixed += 8;
  }
  for (size_t i = 0; i < rows; ++i) off[i + 1] = fixed;
  for (int k : keys) {
    const Column& col = batch.column(k);
    if (!col.type().IsVarLength()) continue;
    const int32_t* o = col.offsets();
    for (size_t i = 0; i < rows; ++i) off[i + 1] += 4 + (o[i + 1] - o[i]);
  }
  for (size_t i = 0; i < rows; ++i) off[i + 1] += off[i];
  out->bytes.resize(static_cast<size_t>(off[rows]));
  std::vector<int64_t> cursor(off.begin(), off.end() - 1);
  uint8_t* bytes = out->bytes.data();
  for (int k : keys) {
    const Column& col = batch.column(k);
    if (col.has_nulls()) {
      for (int64_t i = 0; i < n; ++i) out->null[static_cast<size_t>(i)] |= col.IsNull(i) ? 1 : 0;
    }
    switch (col.type().id) {
      case TypeId::kBoolean: EncodeInts<uint8_t>(col, n, &cursor, bytes); break;
      case TypeId::kInt32:
      case TypeId::kDate: EncodeInts<int32_t>(col, n, &cursor, bytes); break;
      case TypeId::kDouble: EncodeDoubles(col, n, &cursor, bytes); break;
      case TypeId::kVarchar: EncodeStrings(col, n, &cursor, bytes); break;
      default: EncodeInts<int64_t>(col, n, &cursor, bytes); break;  // INT64, TIMESTAMP, DECIMAL
    }
  }
  static const uint8_t kEmpty = 0;
  for (size_t i = 0; i < rows; ++i) {
    const size_t size = static_cast<size_t>(off[i + 1] - off[i]);
    out->hashes[i] = HashBytes(size == 0 ? &kEmpty : bytes + off[i], size);
  }
}


void JoinSide::Init(const Schema& schema) {
  columns.clear();
  for (const Field& f : schema.fields()) columns.push_back(std::make_unique<Column>(f.type));
}

int32_t JoinSide::Find(uint64_t hash, std::string_view k) const {
  if (table.empty()) return -1;
  const size_t mask = table.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const JoinKeyEntry& e = table[i];
    if (e.key_row < 0) return -1;
    if (e.hash == hash && key(e.key_row) == k) return static_cast<int32_t>(i);
  }
}

void JoinSide::Grow() {
  // Rehash, dropping keys without rows; at most a quarter full afterwards.
  int64_t keep = 0;
  for (const JoinKeyEntry& e : table) keep += (e.key_row >= 0 && e.head >= 0) ? 1 : 0;
  size_t size = 64;
  while (size < static_cast<size_t>(keep + 1) * 4) size *= 2;
  std::vector<JoinKeyEntry> old = std::move(table);
  table.assign(size, JoinKeyEntry{});
  const size_t mask = size - 1;
  for (const JoinKeyEntry& e : old) {
    if (e.key_row < 0 || e.head < 0) continue;
    size_t i = e.hash & mask;
    while (table[i].key_row >= 0) i = (i + 1) & mask;
    table[i] = e;
  }
  table_used = keep;
}

int32_t JoinSide::FindOrInsert(uint64_t hash, int32_t key_row) {
  if (static_cast<size_t>(table_used + 1) * 2 > table.size()) Grow();
  const std::string_view k = key(key_row);
  const size_t mask = table.size() - 1;
  size_t i = hash & mask;
  for (;; i = (i + 1) & mask) {
    const JoinKeyEntry& e = table[i];
    if (e.key_row < 0) break;
    if (e.hash == hash && key(e.key_row) == k) return static_cast<int32_t>(i);
  }
  table[i] = JoinKeyEntry{hash, key_row, -1, -1};
  ++table_used;
  return static_cast<int32_t>(i);
}

void JoinSide::Append(const RecordBatch& batch, const int32_t* rows, int64_t n,
                      const EncodedKeys& keys, const uint64_t* row_hashes,
                      const int64_t* match_counts, const int64_t* expire) {
  if (n == 0) return;
  const auto base = static_cast<int32_t>(slots());
  for (size_t c = 0; c < columns.size(); ++c) {
    columns[c]->AppendSelected(batch.column(static_cast<int>(c)), rows, n);
  }
  for (int64_t k = 0; k < n; ++k) {
    const int32_t i = rows[k];
    const auto row = static_cast<int32_t>(base + k);
    key_bytes.insert(key_bytes.end(), keys.key(i), keys.key(i) + keys.key_size(i));
    key_offsets.push_back(static_cast<int64_t>(key_bytes.size()));
    key_hash.push_back(keys.hashes[static_cast<size_t>(i)]);
    row_hash.push_back(row_hashes != nullptr ? row_hashes[i] : 0);
    alive.push_back(1);
    match_count.push_back(match_counts != nullptr ? match_counts[i] : 0);
    const int64_t exp = expire != nullptr ? expire[i] : INT64_MAX;
    expire_at.push_back(exp);
    prev.push_back(-1);
    next.push_back(-1);
    JoinKeyEntry& e = table[static_cast<size_t>(FindOrInsert(key_hash.back(), row))];
    if (e.tail < 0) {
      e.head = e.tail = row;
    } else {
      next[static_cast<size_t>(e.tail)] = row;
      prev[static_cast<size_t>(row)] = e.tail;
      e.tail = row;
    }
    if (exp != INT64_MAX) {
      expiry_heap.emplace_back(exp, row);
      std::push_heap(expiry_heap.begin(), expiry_heap.end(), std::greater<>());
    }
    ++live_rows;
    if (!row_index.empty()) IndexRow(row);
  }
}

void JoinSide::BuildRowIndex() {
  size_t size = 64;
  while (size < static_cast<size_t>(live_rows + 1) * 2) size *= 2;
  std::vector<RowIndexEntry>(size).swap(row_index);
  row_index_used = 0;
  std::vector<int32_t>(alive.size(), -1).swap(row_next);
  for (int64_t r = 0; r < slots(); ++r) {
    if (alive[static_cast<size_t>(r)]) IndexRow(static_cast<int32_t>(r));
  }
}

void JoinSide::IndexRow(int32_t row) {
  if (static_cast<size_t>(row_index_used + 1) * 4 > row_index.size() * 3) {
    BuildRowIndex();  // also chains `row` when it is alive (it is: just appended)
    return;
  }
  if (row_next.size() <= static_cast<size_t>(row)) row_next.resize(static_cast<size_t>(row) + 1, -1);
  const uint64_t h = row_hash[static_cast<size_t>(row)];
  const size_t mask = row_index.size() - 1;
  size_t i = h & mask;
  while (row_index[i].head >= 0 && row_index[i].hash != h) i = (i + 1) & mask;
  RowIndexEntry& e = row_index[i];
  row_next[static_cast<size_t>(row)] = -1;
  if (e.head < 0) {
    e = RowIndexEntry{h, row, row};
    ++row_index_used;
  } else {
    row_next[static_cast<size_t>(e.tail)] = row;
    e.tail = row;
  }
}

int32_t JoinSide::FindIdentical(uint64_t hash, const RecordBatch& batch, int64_t row) {
  if (live_rows == 0) return -1;
  if (row_index.empty()) BuildRowIndex();
  const size_t mask = row_index.size() - 1;
  size_t i = hash & mask;
  while (row_index[i].head >= 0 && row_index[i].hash != hash) i = (i + 1) & mask;
  for (int32_t j = row_index[i].head; j >= 0; j = row_next[static_cast<size_t>(j)]) {
    const auto uj = static_cast<size_t>(j);
    if (!alive[uj] || row_hash[uj] != hash) continue;
    bool same = true;
    for (size_t c = 0; c < columns.size() && same; ++c) {
      same = CellsIdentical(*columns[c], j, batch.column(static_cast<int>(c)), row);
    }
    if (same) return j;
  }
  return -1;
}

void JoinSide::Remove(int32_t row) {
  const auto r = static_cast<size_t>(row);
  JoinKeyEntry& e = table[static_cast<size_t>(Find(key_hash[r], key(row)))];
  const int32_t p = prev[r], nx = next[r];
  if (p >= 0) {
    next[static_cast<size_t>(p)] = nx;
  } else {
    e.head = nx;
  }
  if (nx >= 0) {
    prev[static_cast<size_t>(nx)] = p;
  } else {
    e.tail = p;
  }
  alive[r] = 0;
  --live_rows;
}

int64_t JoinSide::Expire(int64_t watermark) {
  int64_t removed = 0;
  while (!expiry_heap.empty() && expiry_heap.front().first <= watermark) {
    const auto [at, row] = expiry_heap.front();
    std::pop_heap(expiry_heap.begin(), expiry_heap.end(), std::greater<>());
    expiry_heap.pop_back();
    if (alive[static_cast<size_t>(row)] && expire_at[static_cast<size_t>(row)] == at) {
      Remove(row);
      ++removed;
    }
  }
  return removed;
}

bool JoinSide::MaybeCompact() {
  const int64_t dead = slots() - live_rows;
  if (dead < 1024 || dead <= live_rows) return false;
  Compact();
  return true;
}

void JoinSide::CompactNow() {
  Compact();  // fresh columns and per-row vectors, sized to the live rows
  table.shrink_to_fit();
  if (live_rows == 0) {
    // The row index is derived: rebuilt on the next FindIdentical.
    std::vector<RowIndexEntry>().swap(row_index);
    std::vector<int32_t>().swap(row_next);
    row_index_used = 0;
  }
  row_next.shrink_to_fit();
}

namespace {

template <typename V>
int64_t CapacityBytes(const V& v) {
  return static_cast<int64_t>(v.capacity() * sizeof(typename V::value_type));
}

}  // namespace

int64_t JoinSide::MemoryBytes() const {
  int64_t b = 0;
  for (const auto& c : columns) {
    b += static_cast<int64_t>(c->data_buffer().capacity() + c->validity_buffer().capacity() +
                              c->string_buffer().capacity());
  }
  b += CapacityBytes(key_offsets) + CapacityBytes(key_bytes) + CapacityBytes(key_hash) +
       CapacityBytes(row_hash) + CapacityBytes(prev) + CapacityBytes(next) + CapacityBytes(alive) +
       CapacityBytes(match_count) + CapacityBytes(expire_at) + CapacityBytes(table) +
       CapacityBytes(expiry_heap) + CapacityBytes(row_index) + CapacityBytes(row_next);
  return b;
}

JoinSide JoinSide::Clone() const {
  JoinSide c;
  for (const auto& col : columns) {
    auto copy = std::make_unique<Column>(col->type());
    copy->AppendRange(*col, 0, col->length());
    c.columns.push_back(std::move(copy));
  }
  c.key_offsets = key_offsets;
  c.key_bytes = key_bytes;
  c.key_hash = key_hash;
  c.row_hash = row_hash;
  c.prev = prev;
  c.next = next;
  c.alive = alive;
  c.match_count = match_count;
  c.expire_at = expire_at;
  c.table = table;
  c.table_used = table_used;
  c.expiry_heap = expiry_heap;
  c.live_rows = live_rows;
  c.max_event_time = max_event_time;
  return c;
}

void JoinSide::Compact() {
  std::vector<int32_t> keep;
  keep.reserve(static_cast<size_t>(live_rows));
  for (int64_t r = 0; r < slots(); ++r) {
    if (alive[static_cast<size_t>(r)]) keep.push_back(static_cast<int32_t>(r));
  }
  const auto m = static_cast<int64_t>(keep.size());
  for (auto& col : columns) {
    auto fresh = std::make_unique<Column>(col->type());
    fresh->AppendSelected(*col, keep.data(), m);
    col = std::move(fresh);
  }
  std::vector<int64_t> offsets;
  std::vector<uint8_t> bytes;
  std::vector<uint64_t> khash, rhash;
  std::vector<int64_t> counts, expire;
  offsets.reserve(keep.size() + 1);
  offsets.push_back(0);
  size_t key_total = 0;
  for (int32_t r : keep) key_total += key(r).size();
  bytes.reserve(key_total);
  khash.reserve(keep.size());
  rhash.reserve(keep.size());
  counts.reserve(keep.size());
  expire.reserve(keep.size());
  for (int32_t r : keep) {
    const std::string_view k = key(r);
    bytes.insert(bytes.end(), k.begin(), k.end());
    offsets.push_back(static_cast<int64_t>(bytes.size()));
    khash.push_back(key_hash[static_cast<size_t>(r)]);
    rhash.push_back(row_hash[static_cast<size_t>(r)]);
    counts.push_back(match_count[static_cast<size_t>(r)]);
    expire.push_back(expire_at[static_cast<size_t>(r)]);
  }
  key_offsets = std::move(offsets);
  key_bytes = std::move(bytes);
  key_hash = std::move(khash);
  row_hash = std::move(rhash);
  match_count = std::move(counts);
  expire_at = std::move(expire);
  // Fresh vectors (assign would keep the old capacity).
  std::vector<uint8_t>(static_cast<size_t>(m), 1).swap(alive);
  std::vector<int32_t>(static_cast<size_t>(m), -1).swap(prev);
  std::vector<int32_t>(static_cast<size_t>(m), -1).swap(next);
  table.clear();
  table_used = 0;
  std::vector<std::pair<int64_t, int32_t>>().swap(expiry_heap);
  int64_t expiring = 0;
  for (const int64_t e : expire_at) expiring += e != INT64_MAX;
  expiry_heap.reserve(static_cast<size_t>(expiring));
  for (int32_t row = 0; row < static_cast<int32_t>(m); ++row) {
    JoinKeyEntry& e = table[static_cast<size_t>(FindOrInsert(key_hash[static_cast<size_t>(row)], row))];
    if (e.tail < 0) {
      e.head = e.tail = row;
    } else {
      next[static_cast<size_t>(e.tail)] = row;
      prev[static_cast<size_t>(row)] = e.tail;
      e.tail = row;
    }
    if (expire_at[static_cast<size_t>(row)] != INT64_MAX) {
      expiry_heap.emplace_back(expire_at[static_cast<size_t>(row)], row);
    }
  }
  std::make_heap(expiry_heap.begin(), expiry_heap.end(), std::greater<>());
  if (!row_index.empty()) BuildRowIndex();
}

}  // namespace sluice::stream
