#include "core/arena.h"

#include <algorithm>

namespace sluice {

void Arena::NewBlock(size_t min_size) {
  const size_t size = std::max(block_size_, min_size);
  blocks_.push_back(std::make_unique<char[]>(size));
  current_ = blocks_.back().get();
  pos_ = 0;
  limit_ = size;
  bytes_reserved_ += size;
}

void Arena::Reset() {
  if (blocks_.size() > 1) blocks_.resize(1);
  bytes_used_ = 0;
  if (blocks_.empty()) {
    current_ = nullptr;
    limit_ = bytes_reserved_ = 0;
  } else {
    current_ = blocks_[0].get();
    // The first block holds at least block_size_ bytes; use that bound.
    limit_ = block_size_;
    bytes_reserved_ = block_size_;
  }
  pos_ = 0;
}

}  // namespace sluice
