// JoinSpill: HashJoin's RocksDB state backend (`state_backend: rocksdb`). Keeps the rows
// of both join sides within a memory budget by moving cold join keys, each with all its
// rows, into a StateBackend, and bringing them back when a batch needs them.
//
// Unit of spilling: one (side, join key) with every live row holding it, in arrival
// order, each with its cells, row hash, match count (LEFT joins) and expiry time. Store
// key = side byte (0 left, 1 right) + the encoded join key (hash_join_state.h); value =
// row count u32, the rows' max expire_at i64, then per row: row hash u64, match count
// i64, expire_at i64, and per column a validity byte and the cell (fixed-width bytes, or
// u32 length + bytes for VARCHAR).
//
// The hashes of the spilled keys (with the key's max expire_at) are kept per side in a
// compact in-memory set (8 bytes a slot, 16 for interval/window joins, at most 3/4 full;
// not counted in the budget, like RocksDB's own memory); a key whose hash is not in the
// set is never looked up, so new keys cost nothing. Load() runs before a batch: the
// batch's keys whose hash is in the probed side's set, and its retractions' keys in its
// own side's set, are fetched in one MultiGet and their rows appended back, dropping rows
// whose expire_at <= watermark. Rows inserted for a key spilled on their own side stay in
// memory beside the stored ones (a split key): loading it moves its rows in memory behind
// the loaded ones, evicting it appends them to the stored value, so every key keeps its
// rows in arrival order (chain and row order) and the changelog is the memory backend's.
// AfterChange() runs after a batch or watermark: it forgets spilled keys whose max
// expire_at the watermark has passed (their store entries are deleted by an occasional
// scan), and when the two sides' tracked bytes exceed the budget it evicts the keys
// inserted least recently (by their newest row) until both sides hold at most half of
// it, then compacts the sides.
//
// Snapshots hold every row (AddSpilledRows builds the full state), so either backend
// restores either's snapshot; the store directory is scratch, wiped when first opened.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/record_batch.h"
#include "stream/hash_join_state.h"
#include "stream/state_backend.h"
#include "warehouse/changelog.h"

namespace sluice::stream {

// A multiset of 64-bit hashes, each with an int64 (the key's max expire_at; only kept
// when `track_expiry`, else every entry's is INT64_MAX): open addressing, linear probing,
// at most 3/4 full, backward-shift deletion. 8 bytes a slot (16 with expiry).
class SpilledKeySet {
 public:
  explicit SpilledKeySet(bool track_expiry = true) : track_expiry_(track_expiry) {}
  int64_t size() const { return size_; }
  int64_t MemoryBytes() const {
    return static_cast<int64_t>(hashes_.capacity() * 8 + expires_.capacity() * 8);
  }
  bool Contains(uint64_t hash) const;
  void Insert(uint64_t hash, int64_t max_expire);
  // Removes one entry with `hash` and `max_expire`; false when there is none.
  bool RemoveOne(uint64_t hash, int64_t max_expire);
  // Removes the entries with max_expire <= watermark; returns how many.
  int64_t ForgetExpired(int64_t watermark);
  // A lower bound of the entries' max_expire (INT64_MAX when empty).
  int64_t min_expire() const { return min_expire_; }
  void Clear();

 private:
  static uint64_t Stored(uint64_t h) { return h == 0 ? 1 : h; }
  int64_t expire(size_t i) const { return track_expiry_ ? expires_[i] : INT64_MAX; }
  void Rebuild(size_t capacity);
  bool track_expiry_;
  std::vector<uint64_t> hashes_;  // 0 = free (hashes are stored with 0 remapped to 1)
  std::vector<int64_t> expires_;  // parallel to hashes_ when track_expiry_
  int64_t size_ = 0;
  int64_t min_expire_ = INT64_MAX;
};

class JoinSpill {
 public:
  // `options.backend` must be kRocksDb; schemas are the two inputs' (port 0, port 1);
  // `expiring`: rows can have an expire_at (interval or window joins).
  JoinSpill(OperatorStateOptions options, SchemaPtr left, SchemaPtr right, bool expiring);
  ~JoinSpill();

  // Before a batch on `port` (`ops` null = all inserts): loads the spilled keys among
  // `keys` (NULL keys skipped) of the other side (probed), and of this side those of
  // removal rows (retractions look for a stored row). Inserted rows of a spilled key stay
  // in memory next to the spilled ones (a split key): loading a split key puts its
  // spilled rows before its rows in memory, and evicting one appends its rows to the
  // stored value. IOError (naming the store) on a store error or a corrupt entry.
  Status Load(int port, const EncodedKeys& keys, const warehouse::ChangeOp* ops, HashJoinState* state);
  // After a batch or watermark: forgets expired spilled keys and evicts down to half the
  // budget when the sides exceed it. IOError naming the directory when the store cannot
  // be opened or written.
  Status AfterChange(HashJoinState* state);
  // `full` = `state` plus every spilled row not yet expired (for snapshots).
  Status AddSpilledRows(const HashJoinState& state, HashJoinState* full) const;
  // After a restore: nothing is spilled any more (the store is wiped when next opened).
  void Reset();

  bool has_spilled() const { return left_set_.size() + right_set_.size() > 0; }
  int64_t spilled_keys() const { return left_set_.size() + right_set_.size(); }
  int64_t spilled_set_bytes() const { return left_set_.MemoryBytes() + right_set_.MemoryBytes(); }
  int64_t keys_evicted() const { return keys_evicted_; }
  int64_t keys_loaded() const { return keys_loaded_; }
  // Evictions of split keys (rows appended to a stored value).
  int64_t keys_appended() const { return keys_appended_; }
  const OperatorStateOptions& options() const { return options_; }

 private:
  Status OpenStore();
  SpilledKeySet& set(int side) { return side == 0 ? left_set_ : right_set_; }
  // Evicts the keys of `side` except those holding about `keep_fraction` of its rows.
  Status EvictSide(int side, double keep_fraction, JoinSide* s);
  void EncodeKey(int side, std::string_view key, std::string* out) const;
  // Appends key `entry`'s rows to out (the value format above); returns its max expire.
  int64_t EncodeRows(const JoinSide& s, const JoinKeyEntry& entry, std::string* out) const;
  // Decodes `value` (key `key`, hash `hash`) and appends its rows with expire_at >
  // watermark to the decode buffers of `side`. Returns the value's max expire.
  Result<int64_t> DecodeRows(int side, std::string_view key, uint64_t hash, std::string_view value,
                             int64_t watermark);
  // Moves the live rows of `key` in `s` (if any) behind the decode buffers of `side`
  // (tombstones in `s`), so that flushing keeps arrival order.
  void MoveBehindDecoded(int side, uint64_t hash, std::string_view key, JoinSide* s);
  // Appends the decode buffers of `side` to `s` and clears them.
  void FlushDecoded(int side, JoinSide* s);
  // Deletes the store entries whose rows have all expired (forgotten keys).
  Status DropStaleEntries(int64_t watermark);

  OperatorStateOptions options_;
  SchemaPtr schema_[2];
  std::unique_ptr<StateBackend> store_;
  bool expiring_;
  SpilledKeySet left_set_, right_set_;
  int64_t stale_entries_ = 0;  // store entries of forgotten keys
  int64_t keys_evicted_ = 0, keys_loaded_ = 0, keys_appended_ = 0;

  // Scratch.
  struct Decoded {
    std::vector<std::unique_ptr<Column>> columns;
    EncodedKeys keys;
    std::vector<uint64_t> row_hash;
    std::vector<int64_t> match_count, expire_at;
  };
  Decoded decoded_[2];
  std::string key_bytes_;
  std::vector<size_t> key_ends_;
  std::vector<int> key_sides_;
  std::vector<uint64_t> key_hashes_;
  std::vector<std::string_view> key_views_;
  std::vector<std::string> values_;
  std::vector<uint8_t> found_;
};

}  // namespace sluice::stream
