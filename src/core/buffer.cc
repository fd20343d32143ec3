#include "core/buffer.h"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace sluice {

Buffer::~Buffer() { Release(); }

Buffer::Buffer(Buffer&& other) noexcept
    : data_(other.data_),
      size_(other.size_),
      capacity_(other.capacity_),
      owner_(std::move(other.owner_)) {
  other.data_ = nullptr;
  other.size_ = other.capacity_ = 0;
}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = other.data_;
    size_ = other.size_;
    capacity_ = other.capacity_;
    owner_ = std::move(other.owner_);
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  return *this;
}

Buffer Buffer::Borrow(const void* data, size_t size, std::shared_ptr<const void> owner) {
  Buffer b;
  b.data_ = const_cast<uint8_t*>(static_cast<const uint8_t*>(data));
  b.size_ = b.capacity_ = size;
  b.owner_ = std::move(owner);
  if (!b.owner_) b.owner_ = std::make_shared<int>(0);  // borrowed without owner: still read-only
  return b;
}

void Buffer::Release() {
  if (!owner_) std::free(data_);
  owner_.reset();
  data_ = nullptr;
  size_ = capacity_ = 0;
}

void Buffer::Grow(size_t n) {
  size_t cap = std::max<size_t>({n, capacity_ * 2, kAlignment});
  cap = (cap + kAlignment - 1) / kAlignment * kAlignment;
  auto* fresh = static_cast<uint8_t*>(std::aligned_alloc(kAlignment, cap));
  if (fresh == nullptr) throw std::bad_alloc();
  if (size_) std::memcpy(fresh, data_, size_);
  const size_t keep = size_;
  Release();
  data_ = fresh;
  size_ = keep;
  capacity_ = cap;
}

void Buffer::ResizeZeroed(size_t n) {
  const size_t old = size_;
  Resize(n);
  if (n > old) std::memset(data_ + old, 0, n - old);
}

Buffer Buffer::Copy() const {
  Buffer b;
  b.Append(data_, size_);
  return b;
}

}  // namespace sluice
