// Column: one typed vector of values with an optional validity bitmap, laid out as
// Arrow lays it out (see types.h for the physical type of each logical type).
//
// A Column is built by appending (or by Resize + writing into the value buffer in
// bulk) and is then shared read-only through ColumnPtr between batches; projection
// passes columns through without copying. Not thread-safe while being built;
// immutable columns may be read from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/buffer.h"
#include "core/types.h"

namespace sluice {

class Column {
 public:
  explicit Column(DataType type) : type_(type) {
    if (type_.IsVarLength()) data_.AppendValue<int32_t>(0);
  }
  Column(Column&&) = default;
  Column& operator=(Column&&) = default;

  const DataType& type() const { return type_; }
  int64_t length() const { return length_; }
  int64_t null_count() const { return null_count_; }
  bool has_nulls() const { return null_count_ > 0; }

  bool IsValid(int64_t i) const {
    return validity_.empty() || ((validity_.data()[i >> 3] >> (i & 7)) & 1);
  }
  bool IsNull(int64_t i) const { return !IsValid(i); }

  // Fixed-width values; T must match the physical type.
  template <typename T>
  const T* values() const { return data_.data_as<T>(); }
  template <typename T>
  T* mutable_values() { return data_.mutable_data_as<T>(); }
  template <typename T>
  T Get(int64_t i) const { return values<T>()[i]; }

  // VARCHAR access.
  const int32_t* offsets() const { return data_.data_as<int32_t>(); }
  const char* string_data() const { return strings_.data_as<char>(); }
  std::string_view GetString(int64_t i) const {
    const int32_t* off = offsets();
    return std::string_view(string_data() + off[i], static_cast<size_t>(off[i + 1] - off[i]));
  }

  // --- building ---
  void Reserve(int64_t rows, int64_t string_bytes = 0);
  template <typename T>
  void Append(T v) {
    data_.AppendValue<T>(v);
    if (!validity_.empty()) SetValidBit(length_, true);
    ++length_;
  }
  void AppendString(std::string_view s) {
    strings_.Append(s.data(), s.size());
    data_.AppendValue<int32_t>(static_cast<int32_t>(strings_.size()));
    if (!validity_.empty()) SetValidBit(length_, true);
    ++length_;
  }
  // Appends a null (a zeroed value slot, or an empty string).
  void AppendNull();
  // Appends rows [offset, offset + count) of `other`, which must have the same type.
  void AppendRange(const Column& other, int64_t offset, int64_t count);
  // Appends the rows of `other` named by `indices` (a gather), same type.
  void AppendSelected(const Column& other, const int32_t* indices, int64_t count);
  // Bulk fixed-width build: sets the length to n; values past the old length are
  // uninitialized and must be written through mutable_values(). All rows valid unless
  // SetNull is called afterwards.
  void ResizeFixed(int64_t n);
  // Marks row i null (after a bulk build).
  void SetNull(int64_t i);

  // Raw buffers, for Arrow export/import and vectorized kernels.
  const Buffer& data_buffer() const { return data_; }
  const Buffer& validity_buffer() const { return validity_; }
  const Buffer& string_buffer() const { return strings_; }
  Buffer& mutable_data_buffer() { return data_; }
  Buffer& mutable_string_buffer() { return strings_; }
  // Installs buffers wholesale (import). `validity` may be empty (all valid).
  void SetBuffers(Buffer data, Buffer validity, Buffer strings, int64_t length, int64_t null_count);

  // Bytes held by the value, validity and string buffers.
  int64_t ByteSize() const {
    return static_cast<int64_t>(data_.size() + validity_.size() + strings_.size());
  }
  bool Equals(const Column& other) const;

 private:
  void MaterializeValidity();
  void SetValidBit(int64_t i, bool valid) {
    const size_t need = static_cast<size_t>((i >> 3) + 1);
    if (validity_.size() < need) validity_.ResizeZeroed(need);
    uint8_t& byte = validity_.mutable_data()[i >> 3];
    const uint8_t mask = static_cast<uint8_t>(1u << (i & 7));
    byte = valid ? (byte | mask) : (byte & ~mask);
  }

  DataType type_;
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  Buffer data_;      // values, or length+1 int32 offsets for VARCHAR
  Buffer validity_;  // bit i set = row i valid; empty = all valid
  Buffer strings_;   // VARCHAR bytes
};

using ColumnPtr = std::shared_ptr<const Column>;

// Whether row i of `a` and row j of `b` hold the same value: NULL equals NULL and the
// bytes of NULL slots are ignored (identity of keys and changelog rows, not SQL
// equality; doubles compare by bits). Same types required.
bool CellsIdentical(const Column& a, int64_t i, const Column& b, int64_t j);

}  // namespace sluice
