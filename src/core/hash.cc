#include "core/hash.h"

#include <xxhash.h>

#include <new>

namespace sluice {

uint64_t HashBytes(const void* data, size_t size, uint64_t seed) {
  return XXH3_64bits_withSeed(data, size, seed);
}

IncrementalHash::IncrementalHash(uint64_t seed) : state_(XXH3_createState()) {
  if (state_ == nullptr) throw std::bad_alloc();  // out of memory, as operator new would
  XXH3_64bits_reset_withSeed(static_cast<XXH3_state_t*>(state_), seed);
}

IncrementalHash::~IncrementalHash() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }

void IncrementalHash::Update(const void* data, size_t size) {
  XXH3_64bits_update(static_cast<XXH3_state_t*>(state_), data, size);
}

uint64_t IncrementalHash::Digest() const {
  return XXH3_64bits_digest(static_cast<const XXH3_state_t*>(state_));
}

namespace {

constexpr uint64_t kNullHash = 0x5bd1e9955bd1e995ULL;

// A NULL cell hashes as kNullHash whatever bytes its slot holds (kernels leave computed
// values in NULL slots), so equal keys always get equal hashes.
template <typename T, bool kNulls>
void HashFixed(const Column& col, uint64_t* hashes, bool combine) {
  const T* v = col.values<T>();
  const int64_t n = col.length();
  for (int64_t i = 0; i < n; ++i) {
    uint64_t h = kNullHash;
    if (!kNulls || !col.IsNull(i)) {
      uint64_t bits = 0;
      std::memcpy(&bits, &v[i], sizeof(T) < 8 ? sizeof(T) : 8);
      h = HashInt64(bits);
    }
    hashes[i] = combine ? HashCombine(hashes[i], h) : h;
  }
}

template <typename T>
void HashFixed(const Column& col, uint64_t* hashes, bool combine) {
  if (col.has_nulls()) {
    HashFixed<T, true>(col, hashes, combine);
  } else {
    HashFixed<T, false>(col, hashes, combine);
  }
}

}  // namespace

void HashColumn(const Column& col, uint64_t* hashes, bool combine) {
  const int64_t n = col.length();
  const bool nulls = col.has_nulls();
  switch (col.type().ByteWidth() == 16 ? 16 : col.type().IsVarLength() ? 0 : col.type().ByteWidth()) {
    case 1: HashFixed<uint8_t>(col, hashes, combine); break;
    case 4: HashFixed<uint32_t>(col, hashes, combine); break;
    case 8: HashFixed<uint64_t>(col, hashes, combine); break;
    case 16:
      for (int64_t i = 0; i < n; ++i) {
        const uint64_t h = nulls && col.IsNull(i) ? kNullHash
                                                  : HashBytes(col.values<Interval>() + i, sizeof(Interval));
        hashes[i] = combine ? HashCombine(hashes[i], h) : h;
      }
      break;
    default:
      for (int64_t i = 0; i < n; ++i) {
        const uint64_t h = nulls && col.IsNull(i) ? kNullHash : HashString(col.GetString(i));
        hashes[i] = combine ? HashCombine(hashes[i], h) : h;
      }
  }
}

}  // namespace sluice
