#include "stream/distinct_set.h"

#include <cassert>

#include "core/hash.h"

namespace sluice::stream {

namespace {

constexpr uint32_t kFirstCapacity = 4;
// The arena is rewritten when removed values hold more than half of it and at least this.
constexpr int64_t kMinDeadBytes = 256;

// Word 1 of a bytes slot: the hash's high 32 bits, then the length (< 2^31: a VARCHAR).
uint64_t BytesTag(std::string_view v) {
  const uint64_t h = HashBytes(v.data(), v.size());
  return (h & 0xffffffff00000000ULL) | static_cast<uint64_t>(v.size());
}

// The arena bytes at `at` equal v (whose length the tag already matched).
bool SameBytes(const char* at, std::string_view v) {
  return v.empty() || std::memcmp(at, v.data(), v.size()) == 0;
}

}  // namespace

template <bool kCounted>
void FlatDistinct<kCounted>::Grow(bool bytes, int64_t* heap_bytes) {
  const int64_t before = HeapBytes();
  const size_t stride = static_cast<size_t>(Stride(bytes));
  const uint32_t old_capacity = capacity_;
  std::vector<uint64_t> old = std::move(slots_);
  slots_ = std::vector<uint64_t>();
  capacity_ = old_capacity == 0 ? kFirstCapacity : old_capacity * 2;
  shift_ = 64 - std::countr_zero(capacity_);
  // Inline slots are empty at key 0, bytes slots at tag kEmptyBytes.
  slots_.assign(static_cast<size_t>(capacity_) * stride, bytes ? kEmptyBytes : 0);
  const size_t mask = capacity_ - 1;
  for (size_t j = 0; j < old_capacity; ++j) {
    const uint64_t* s = old.data() + j * stride;
    if (bytes ? s[1] == kEmptyBytes : s[0] == 0) continue;
    size_t i = Home(bytes ? s[1] >> 32 : s[0]);
    while (bytes ? slots_[i * stride + 1] != kEmptyBytes : slots_[i * stride] != 0) {
      i = (i + 1) & mask;
    }
    std::memcpy(slots_.data() + i * stride, s, stride * sizeof(uint64_t));
  }
  *heap_bytes += HeapBytes() - before;
}

template <bool kCounted>
void FlatDistinct<kCounted>::EraseSlot(size_t i, bool bytes) {
  const size_t stride = static_cast<size_t>(Stride(bytes));
  const size_t mask = capacity_ - 1;
  size_t hole = i;
  for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
    uint64_t* s = slots_.data() + j * stride;
    if (bytes ? s[1] == kEmptyBytes : s[0] == 0) break;
    const size_t home = Home(bytes ? s[1] >> 32 : s[0]);
    // The entry at j may fill the hole when the hole lies on its probe path (home..j).
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      std::memcpy(slots_.data() + hole * stride, s, stride * sizeof(uint64_t));
      hole = j;
    }
  }
  uint64_t* h = slots_.data() + hole * stride;
  if (bytes) {
    h[1] = kEmptyBytes;
  } else {
    h[0] = 0;
  }
  --used_;
}

template <bool kCounted>
bool FlatDistinct<kCounted>::Retract(uint64_t key, int64_t* heap_bytes) {
  if (key == 0) {
    if (zero_count_ == 0) return false;
    zero_count_ = kCounted ? zero_count_ - 1 : 0;
  } else {
    if (capacity_ == 0) return false;
    constexpr size_t kStride = static_cast<size_t>(Stride(false));
    size_t i = Home(key);
    for (;; i = (i + 1) & (capacity_ - 1)) {
      const uint64_t k = slots_[i * kStride];
      if (k == key) break;
      if (k == 0) return false;
    }
    if constexpr (kCounted) {
      if (--slots_[i * kStride + 1] > 0) return true;
    }
    EraseSlot(i, false);
  }
  if (empty()) Clear(heap_bytes);
  return true;
}

template <bool kCounted>
bool FlatDistinct<kCounted>::AddBytes(std::string_view v, int64_t count, int64_t* heap_bytes) {
  assert(v.size() < 0xffffffffULL);
  constexpr size_t kStride = static_cast<size_t>(Stride(true));
  const uint64_t tag = BytesTag(v);
  if (capacity_ != 0) {
    for (size_t i = Home(tag >> 32);; i = (i + 1) & (capacity_ - 1)) {
      uint64_t* s = slots_.data() + i * kStride;
      if (s[1] == tag && SameBytes(arena_.data() + s[0], v)) {
        if constexpr (kCounted) s[2] += static_cast<uint64_t>(count);
        return false;
      }
      if (s[1] == kEmptyBytes) break;
    }
  }
  if (NeedsGrow()) Grow(true, heap_bytes);
  size_t i = Home(tag >> 32);
  while (slots_[i * kStride + 1] != kEmptyBytes) i = (i + 1) & (capacity_ - 1);
  const int64_t arena_before = static_cast<int64_t>(arena_.capacity());
  uint64_t* s = slots_.data() + i * kStride;
  s[0] = arena_.size();
  s[1] = tag;
  if constexpr (kCounted) s[2] = static_cast<uint64_t>(count);
  arena_.insert(arena_.end(), v.begin(), v.end());
  *heap_bytes += static_cast<int64_t>(arena_.capacity()) - arena_before;
  ++used_;
  return true;
}

template <bool kCounted>
bool FlatDistinct<kCounted>::RetractBytes(std::string_view v, int64_t* heap_bytes) {
  if (capacity_ == 0) return false;
  constexpr size_t kStride = static_cast<size_t>(Stride(true));
  const uint64_t tag = BytesTag(v);
  size_t i = Home(tag >> 32);
  for (;; i = (i + 1) & (capacity_ - 1)) {
    const uint64_t* s = slots_.data() + i * kStride;
    if (s[1] == tag && SameBytes(arena_.data() + s[0], v)) break;
    if (s[1] == kEmptyBytes) return false;
  }
  if constexpr (kCounted) {
    if (--slots_[i * kStride + 2] > 0) return true;
  }
  dead_bytes_ += static_cast<int64_t>(v.size());
  EraseSlot(i, true);
  if (empty()) {
    Clear(heap_bytes);
  } else {
    MaybeCompactArena(heap_bytes);
  }
  return true;
}

template <bool kCounted>
void FlatDistinct<kCounted>::MaybeCompactArena(int64_t* heap_bytes) {
  if (dead_bytes_ < kMinDeadBytes || dead_bytes_ * 2 <= static_cast<int64_t>(arena_.size())) {
    return;
  }
  constexpr size_t kStride = static_cast<size_t>(Stride(true));
  const int64_t before = static_cast<int64_t>(arena_.capacity());
  std::vector<char> live;
  live.reserve(arena_.size() - static_cast<size_t>(dead_bytes_));
  for (size_t i = 0; i < capacity_; ++i) {
    uint64_t* s = slots_.data() + i * kStride;
    if (s[1] == kEmptyBytes) continue;
    const size_t offset = live.size();
    const char* from = arena_.data() + s[0];
    live.insert(live.end(), from, from + static_cast<uint32_t>(s[1]));
    s[0] = offset;
  }
  arena_ = std::move(live);
  dead_bytes_ = 0;
  *heap_bytes += static_cast<int64_t>(arena_.capacity()) - before;
}

template <bool kCounted>
void FlatDistinct<kCounted>::Clear(int64_t* heap_bytes) {
  *heap_bytes -= HeapBytes();
  std::vector<uint64_t>().swap(slots_);
  std::vector<char>().swap(arena_);
  capacity_ = 0;
  used_ = 0;
  shift_ = 64;
  zero_count_ = 0;
  dead_bytes_ = 0;
}

template class FlatDistinct<false>;
template class FlatDistinct<true>;

}  // namespace sluice::stream
