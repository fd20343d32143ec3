// The state of a HashJoin (hash_join.h): per side, the rows kept for matching, stored
// columnar, with an open-addressing hash table from join key to the chain of rows
// holding it. Duplicate identical rows are allowed (a multiset). Removed rows become
// tombstones until the side is compacted (when they outnumber the live rows).
//
// Join keys are encoded per row into bytes in which equal SQL values are equal bytes:
// integers (INT32, INT64, DATE, TIMESTAMP, BOOLEAN, DECIMAL unscaled) as int64, DOUBLE
// by bits with -0.0 -> 0.0 and every NaN -> one NaN, VARCHAR as a 4-byte length and
// the bytes. A row with a NULL key has no encoding (it never matches).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "core/record_batch.h"

namespace sluice::stream {

// The encoded join keys of the rows of one batch.
struct EncodedKeys {
  std::vector<int64_t> offsets;  // rows + 1
  std::vector<uint8_t> bytes;
  std::vector<uint64_t> hashes;
  std::vector<uint8_t> null;  // 1 = some key column is NULL

  const uint8_t* key(int64_t i) const { return bytes.data() + offsets[static_cast<size_t>(i)]; }
  size_t key_size(int64_t i) const {
    return static_cast<size_t>(offsets[static_cast<size_t>(i) + 1] - offsets[static_cast<size_t>(i)]);
  }
};

// Encodes the key columns `keys` of `batch` (no key columns: every row has the empty key).
void EncodeJoinKeys(const RecordBatch& batch, const std::vector<int>& keys, EncodedKeys* out);


struct JoinKeyEntry {
  uint64_t hash = 0;
  int32_t key_row = -1;  // a row (possibly removed since) whose encoded key is this key; -1 = free
  int32_t head = -1;     // first live row with the key, -1 when none is left
  int32_t tail = -1;
};

// The rows of one side. Row ids are stable until Compact().
struct JoinSide {
  std::vector<std::unique_ptr<Column>> columns;
  // Per row (live or removed):
  std::vector<int64_t> key_offsets = {0};
  std::vector<uint8_t> key_bytes;
  std::vector<uint64_t> key_hash;
  std::vector<uint64_t> row_hash;  // over every column, to find rows to retract
  std::vector<int32_t> prev, next;  // chain of rows with the same key, in arrival order
  std::vector<uint8_t> alive;
  std::vector<int64_t> match_count;  // joined rows emitted for the row (left side of a LEFT join)
  std::vector<int64_t> expire_at;    // dropped once the watermark >= this; INT64_MAX = never
  std::vector<JoinKeyEntry> table;   // power-of-two size
  int64_t table_used = 0;
  std::vector<std::pair<int64_t, int32_t>> expiry_heap;  // min-heap of (expire_at, row)
  int64_t live_rows = 0;
  int64_t max_event_time = INT64_MIN;

  void Init(const Schema& schema);
  int64_t slots() const { return static_cast<int64_t>(alive.size()); }
  std::string_view key(int32_t row) const {
    const auto r = static_cast<size_t>(row);
    return std::string_view(reinterpret_cast<const char*>(key_bytes.data()) + key_offsets[r],
                            static_cast<size_t>(key_offsets[r + 1] - key_offsets[r]));
  }
  // The entry of `key`, or -1.
  int32_t Find(uint64_t hash, std::string_view key) const;
  // The first live row with `key`, or -1.
  int32_t Head(uint64_t hash, std::string_view key) const {
    const int32_t e = Find(hash, key);
    return e < 0 ? -1 : table[static_cast<size_t>(e)].head;
  }
  // Appends rows `rows[0..n)` of `batch` (keys not NULL) with their encoded keys, row
  // hashes, match counts and expiry times (all indexed by batch row).
  void Append(const RecordBatch& batch, const int32_t* rows, int64_t n, const EncodedKeys& keys,
              const uint64_t* row_hashes, const int64_t* match_counts, const int64_t* expire_at);
  // Unlinks a live row (a tombstone until Compact).
  void Remove(int32_t row);
  // Removes the rows whose expire_at <= watermark; returns how many.
  int64_t Expire(int64_t watermark);
  // Drops tombstones when they are at least 1024 and outnumber the live rows (row ids
  // change). Returns whether it compacted.
  bool MaybeCompact();
  // Drops every tombstone now and releases unused capacity (after a spill evicted rows).
  void CompactNow();
  // Bytes held (capacities): column buffers, per-row vectors, key table, expiry heap and
  // row index. What the rocksdb state backend keeps within its budget.
  int64_t MemoryBytes() const;
  // A deep copy, without the derived row index.
  JoinSide Clone() const;
  // The first live row (in arrival order) with row hash `hash` whose cells are identical
  // to `batch` row `row` (same columns as this side), or -1. Uses the row index (below),
  // built on the first call; costs the rows sharing that row hash, not the key's rows.
  int32_t FindIdentical(uint64_t hash, const RecordBatch& batch, int64_t row);

  // Derived, not checkpointed (a restored side starts without it and builds it on the
  // first FindIdentical): row hash -> the rows with that hash, chained in arrival order
  // through row_next. Removed rows stay chained until the side compacts or the index
  // grows; lookups skip them.
  struct RowIndexEntry {
    uint64_t hash = 0;
    int32_t head = -1;  // -1 = free
    int32_t tail = -1;
  };
  std::vector<RowIndexEntry> row_index;  // power-of-two size; empty = not built
  std::vector<int32_t> row_next;         // per row once built
  int64_t row_index_used = 0;

 private:
  void BuildRowIndex();
  void IndexRow(int32_t row);
  int32_t FindOrInsert(uint64_t hash, int32_t key_row);
  void Grow();
  void Compact();
};

// All of a HashJoin's state (checkpointed as one unit).
struct HashJoinState {
  JoinSide left, right;
  int64_t watermark = INT64_MIN;
  JoinSide& side(int port) { return port == 0 ? left : right; }
  const JoinSide& side(int port) const { return port == 0 ? left : right; }
};

}  // namespace sluice::stream
