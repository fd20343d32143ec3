// Hashing with xxHash (XXH3, 64 bit): stable across runs and machines for a given
// seed, so it may be used for partitioning and state keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/column.h"

namespace sluice {

uint64_t HashBytes(const void* data, size_t size, uint64_t seed = 0);
inline uint64_t HashString(std::string_view s, uint64_t seed = 0) {
  return HashBytes(s.data(), s.size(), seed);
}
// HashBytes over data given in parts: Digest() equals HashBytes of the parts'
// concatenation with the same seed (checksums of files written piece by piece).
class IncrementalHash {
 public:
  explicit IncrementalHash(uint64_t seed = 0);
  ~IncrementalHash();
  IncrementalHash(const IncrementalHash&) = delete;
  IncrementalHash& operator=(const IncrementalHash&) = delete;
  void Update(const void* data, size_t size);
  uint64_t Digest() const;

 private:
  void* state_;  // an XXH3_state_t (xxhash.h stays out of this header)
};

// A fast, well-mixed hash of one 64-bit integer.
inline uint64_t HashInt64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}
inline uint64_t HashCombine(uint64_t h, uint64_t v) {
  return HashInt64(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

// Hashes every row of `col` into hashes[0..length). With combine=true, mixes each row's
// hash into the existing hashes[i] (for multi-column keys). NULL hashes to a fixed value.
void HashColumn(const Column& col, uint64_t* hashes, bool combine);

}  // namespace sluice
