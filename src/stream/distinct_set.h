// Per-group sets of distinct values for count(DISTINCT ...): a small open-addressing
// table per group, with no heap node per value.
//
// Two ways of keeping values, fixed per aggregate (the argument's type decides):
//  - inline: values of a fixed width of at most 8 bytes (BOOLEAN, INT32, DATE, INT64,
//    DECIMAL, TIMESTAMP, DOUBLE) are 64-bit keys: the value's bytes, little-endian,
//    zero-extended (exact, not hashes). See InlineKey / DoubleKey.
//  - bytes: VARCHAR and wider fixed values (INTERVAL) are kept as (hash, offset, length)
//    into the set's own byte arena; a probe compares the bytes exactly.
// A set uses one way for its whole life (Insert/Retract/Add vs the *Bytes calls).
//
// DOUBLE: -0.0 and 0.0 are one value, and every NaN is one value (NaN), as DuckDB
// compares them; DoubleKey normalizes before keying.
//
// Memory: one array of 8-byte words (1 per slot inline, 2 for bytes, plus 1 for a
// count when counted), grown by doubling at 75% load, plus the arena. The calls that
// can change HeapBytes() add the change to the caller's *heap_bytes counter, so that an
// owner summing HeapBytes() over its sets stays exact (AccumulatorColumn::heap_bytes).
// Not thread-safe; a set is owned by one operator.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

namespace sluice::stream {

// The key of a fixed-width value of `width` (1..8) bytes: its bytes, zero-extended.
inline uint64_t InlineKey(const void* bytes, int width) {
  uint64_t k = 0;
  std::memcpy(&k, bytes, static_cast<size_t>(width));
  return k;
}
// The key of a DOUBLE: -0.0 keyed as 0.0, every NaN as the one quiet NaN.
inline uint64_t DoubleKey(double v) {
  if (v == 0) v = 0.0;
  if (v != v) v = std::numeric_limits<double>::quiet_NaN();
  return std::bit_cast<uint64_t>(v);
}

// kCounted = false: a set (count(DISTINCT), append-only input).
// kCounted = true: value -> how many counted rows hold it (retractable input); a value
// leaves the set when its count drops to 0.
template <bool kCounted>
class FlatDistinct {
 public:
  // Distinct values held.
  int64_t size() const { return static_cast<int64_t>(used_) + (zero_count_ > 0 ? 1 : 0); }
  bool empty() const { return size() == 0; }
  // Heap bytes held: the table's and the arena's capacities.
  int64_t HeapBytes() const {
    return static_cast<int64_t>(slots_.capacity() * sizeof(uint64_t) + arena_.capacity());
  }

  // Hints the cache with the slot where an inline `key` would be probed (the
  // accumulate loop calls it some rows ahead). No effect on the contents.
  void Prefetch(uint64_t key) const {
    if (capacity_ != 0) __builtin_prefetch(slots_.data() + Home(key) * Stride(false));
  }

  // Inline values. Adds one occurrence of `key`; true when the key was not held before.
  bool Insert(uint64_t key, int64_t* heap_bytes) { return Add(key, 1, heap_bytes); }
  // Adds `count` (> 0; 1 for a set) occurrences of `key`; true when it was not held.
  bool Add(uint64_t key, int64_t count, int64_t* heap_bytes);
  // kCounted only: removes one occurrence of `key`; false (nothing changed) when the key
  // is not held. The last value leaving frees the table.
  bool Retract(uint64_t key, int64_t* heap_bytes);

  // Bytes values: the same three calls.
  bool InsertBytes(std::string_view v, int64_t* heap_bytes) { return AddBytes(v, 1, heap_bytes); }
  bool AddBytes(std::string_view v, int64_t count, int64_t* heap_bytes);
  bool RetractBytes(std::string_view v, int64_t* heap_bytes);

  // Calls f(key, count) for every inline value (count 1 in a set), in table order.
  template <typename F>
  void ForEach(F&& f) const;
  // Calls f(bytes, count) for every bytes value, in table order.
  template <typename F>
  void ForEachBytes(F&& f) const;

  // Frees everything (size() 0); subtracts the freed bytes from *heap_bytes.
  void Clear(int64_t* heap_bytes);

 private:
  static constexpr uint64_t kEmptyBytes = ~uint64_t{0};  // word 1 of an empty bytes slot
  static constexpr uint64_t kFib = 0x9e3779b97f4a7c15ULL;
  static constexpr int Stride(bool bytes) { return (bytes ? 2 : 1) + (kCounted ? 1 : 0); }

  size_t Home(uint64_t h) const { return static_cast<size_t>((h * kFib) >> shift_); }
  bool NeedsGrow() const { return (static_cast<uint64_t>(used_) + 1) * 4 > capacity_ * 3ull; }
  // Doubles the table (or allocates the first one) and reinserts every slot.
  void Grow(bool bytes, int64_t* heap_bytes);
  // Removes the slot at i by shifting later slots of its probe run back (no tombstones).
  void EraseSlot(size_t i, bool bytes);
  // Rewrites the arena with the live values only, when removed ones hold most of it.
  void MaybeCompactArena(int64_t* heap_bytes);

  std::vector<uint64_t> slots_;  // capacity_ * Stride words
  std::vector<char> arena_;      // bytes values, back to back
  uint32_t capacity_ = 0;        // slots, a power of two (0 before the first value)
  uint32_t used_ = 0;            // slots in use
  int shift_ = 64;               // 64 - log2(capacity_)
  int64_t zero_count_ = 0;       // inline: occurrences of key 0 (0 marks an empty slot)
  int64_t dead_bytes_ = 0;       // bytes: arena bytes of values removed
};

using DistinctSet = FlatDistinct<false>;
using DistinctCounts = FlatDistinct<true>;

// ---- inline definitions (the accumulate loops call these per row) ----

template <bool kCounted>
inline bool FlatDistinct<kCounted>::Add(uint64_t key, int64_t count, int64_t* heap_bytes) {
  if (key == 0) {
    const bool added = zero_count_ == 0;
    if constexpr (kCounted) {
      zero_count_ += count;
    } else {
      zero_count_ = 1;
    }
    return added;
  }
  constexpr int kStride = Stride(false);
  if (capacity_ != 0) {
    for (size_t i = Home(key);; i = (i + 1) & (capacity_ - 1)) {
      uint64_t* s = slots_.data() + i * kStride;
      if (s[0] == key) {
        if constexpr (kCounted) s[1] += static_cast<uint64_t>(count);
        return false;
      }
      if (s[0] == 0) break;
    }
  }
  if (NeedsGrow()) Grow(false, heap_bytes);
  size_t i = Home(key);
  while (slots_[i * kStride] != 0) i = (i + 1) & (capacity_ - 1);
  slots_[i * kStride] = key;
  if constexpr (kCounted) slots_[i * kStride + 1] = static_cast<uint64_t>(count);
  ++used_;
  return true;
}

template <bool kCounted>
template <typename F>
inline void FlatDistinct<kCounted>::ForEach(F&& f) const {
  if (zero_count_ > 0) f(uint64_t{0}, zero_count_);
  constexpr int kStride = Stride(false);
  for (size_t i = 0; i < capacity_; ++i) {
    const uint64_t* s = slots_.data() + i * kStride;
    if (s[0] == 0) continue;
    if constexpr (kCounted) {
      f(s[0], static_cast<int64_t>(s[1]));
    } else {
      f(s[0], int64_t{1});
    }
  }
}

template <bool kCounted>
template <typename F>
inline void FlatDistinct<kCounted>::ForEachBytes(F&& f) const {
  constexpr int kStride = Stride(true);
  for (size_t i = 0; i < capacity_; ++i) {
    const uint64_t* s = slots_.data() + i * kStride;
    if (s[1] == kEmptyBytes) continue;
    const std::string_view v(arena_.data() + s[0], static_cast<uint32_t>(s[1]));
    if constexpr (kCounted) {
      f(v, static_cast<int64_t>(s[2]));
    } else {
      f(v, int64_t{1});
    }
  }
}

extern template class FlatDistinct<false>;
extern template class FlatDistinct<true>;

}  // namespace sluice::stream
