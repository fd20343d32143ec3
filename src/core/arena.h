// Arena: bump allocation in large blocks, freed all at once. For strings and small
// objects whose lifetime is one batch, one parse or one state table. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace sluice {

class Arena {
 public:
  explicit Arena(size_t block_size = 64 * 1024) : block_size_(block_size) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns `size` bytes aligned to `align` (a power of two), valid until Reset().
  void* Allocate(size_t size, size_t align = 8) {
    size_t pos = (pos_ + align - 1) & ~(align - 1);
    if (pos + size > limit_) {
      NewBlock(size + align);
      pos = (pos_ + align - 1) & ~(align - 1);
    }
    pos_ = pos + size;
    bytes_used_ += size;
    return current_ + pos;
  }
  // Copies `s` into the arena; the view stays valid until Reset().
  std::string_view CopyString(std::string_view s) {
    if (s.empty()) return {};
    char* p = static_cast<char*>(Allocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return std::string_view(p, s.size());
  }
  // Frees everything but keeps the first block for reuse.
  void Reset();
  size_t bytes_used() const { return bytes_used_; }
  size_t bytes_reserved() const { return bytes_reserved_; }

 private:
  void NewBlock(size_t min_size);

  size_t block_size_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* current_ = nullptr;
  size_t pos_ = 0;
  size_t limit_ = 0;
  size_t bytes_used_ = 0;
  size_t bytes_reserved_ = 0;
};

}  // namespace sluice
