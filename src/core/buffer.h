// Buffer: a contiguous, 64-byte aligned block of bytes, either owned and growable or
// borrowed from a foreign owner (e.g. an imported Arrow array) and read-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace sluice {

class Buffer {
 public:
  static constexpr size_t kAlignment = 64;

  Buffer() = default;
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  // Borrows `size` bytes at `data`; `owner` keeps them alive while this Buffer lives.
  static Buffer Borrow(const void* data, size_t size, std::shared_ptr<const void> owner);

  const uint8_t* data() const { return data_; }
  // Writable bytes. Precondition: the buffer is owned (not borrowed).
  uint8_t* mutable_data() { return data_; }
  template <typename T>
  const T* data_as() const { return reinterpret_cast<const T*>(data_); }
  template <typename T>
  T* mutable_data_as() { return reinterpret_cast<T*>(data_); }

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  bool borrowed() const { return owner_ != nullptr; }

  // Ensures capacity >= n (amortized doubling). New bytes are uninitialized.
  void Reserve(size_t n) {
    if (n > capacity_) Grow(n);
  }
  // Sets the size, growing as needed; bytes past the old size are uninitialized.
  void Resize(size_t n) {
    Reserve(n);
    size_ = n;
  }
  // Sets the size and zero-fills bytes past the old size.
  void ResizeZeroed(size_t n);
  void Append(const void* src, size_t n) {
    Reserve(size_ + n);
    if (n) std::memcpy(data_ + size_, src, n);
    size_ += n;
  }
  template <typename T>
  void AppendValue(const T& v) {
    Reserve(size_ + sizeof(T));
    std::memcpy(data_ + size_, &v, sizeof(T));
    size_ += sizeof(T);
  }
  void Clear() { size_ = 0; }
  // An owned deep copy.
  Buffer Copy() const;

 private:
  void Grow(size_t n);
  void Release();

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  std::shared_ptr<const void> owner_;  // set when borrowed: the foreign memory's keep-alive
};

}  // namespace sluice
