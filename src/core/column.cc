#include "core/column.h"

#include <cstring>

#include "core/copy_bytes.h"

namespace sluice {

void Column::Reserve(int64_t rows, int64_t string_bytes) {
  const int64_t extra = type_.IsVarLength() ? 1 : 0;
  data_.Reserve(static_cast<size_t>((length_ + rows + extra) * type_.ByteWidth()));
  if (string_bytes > 0) strings_.Reserve(strings_.size() + static_cast<size_t>(string_bytes));
}

namespace {


}  // namespace

void Column::MaterializeValidity() {
  if (!validity_.empty()) return;
  const size_t bytes = static_cast<size_t>((length_ + 8) >> 3);
  validity_.Resize(bytes);
  std::memset(validity_.mutable_data(), 0xFF, bytes);
}

void Column::AppendNull() {
  MaterializeValidity();
  if (type_.IsVarLength()) {
    data_.AppendValue<int32_t>(static_cast<int32_t>(strings_.size()));
  } else {
    const size_t w = static_cast<size_t>(type_.ByteWidth());
    data_.ResizeZeroed(data_.size() + w);
  }
  SetValidBit(length_, false);
  ++length_;
  ++null_count_;
}

void Column::ResizeFixed(int64_t n) {
  data_.Resize(static_cast<size_t>(n * type_.ByteWidth()));
  if (!validity_.empty()) {
    for (int64_t i = length_; i < n; ++i) SetValidBit(i, true);
  }
  length_ = n;
}

void Column::SetNull(int64_t i) {
  if (IsNull(i)) return;
  MaterializeValidity();
  SetValidBit(i, false);
  ++null_count_;
}

void Column::AppendRange(const Column& other, int64_t offset, int64_t count) {
  if (count <= 0) return;
  if (type_.IsVarLength()) {
    const int32_t* src_off = other.offsets();
    const int32_t begin = src_off[offset];
    const int32_t end = src_off[offset + count];
    const int32_t base = static_cast<int32_t>(strings_.size()) - begin;
    strings_.Append(other.string_data() + begin, static_cast<size_t>(end - begin));
    const size_t old = data_.size();
    data_.Resize(old + static_cast<size_t>(count) * sizeof(int32_t));
    int32_t* dst = reinterpret_cast<int32_t*>(data_.mutable_data() + old);
    for (int64_t i = 0; i < count; ++i) dst[i] = src_off[offset + i + 1] + base;
  } else {
    const size_t w = static_cast<size_t>(type_.ByteWidth());
    data_.Append(other.data_.data() + static_cast<size_t>(offset) * w, static_cast<size_t>(count) * w);
  }
  if (other.has_nulls() || !validity_.empty()) {
    MaterializeValidity();
    for (int64_t i = 0; i < count; ++i) {
      const bool valid = other.IsValid(offset + i);
      SetValidBit(length_ + i, valid);
      null_count_ += valid ? 0 : 1;
    }
  }
  length_ += count;
}

void Column::AppendSelected(const Column& other, const int32_t* indices, int64_t count) {
  if (count <= 0) return;
  if (type_.IsVarLength()) {
    const int32_t* src_off = other.offsets();
    const char* src = other.string_data();
    const size_t old = data_.size();
    data_.Resize(old + static_cast<size_t>(count) * sizeof(int32_t));
    // Offsets first (one pass), then the bytes into the pre-sized buffer: short strings
    // by a byte loop (cheaper than a memcpy call), long ones by memcpy.
    int32_t* dst = reinterpret_cast<int32_t*>(data_.mutable_data() + old);
    const size_t base = strings_.size();
    int64_t end = static_cast<int64_t>(base);
    for (int64_t i = 0; i < count; ++i) {
      end += src_off[indices[i] + 1] - src_off[indices[i]];
      dst[i] = static_cast<int32_t>(end);
    }
    strings_.Resize(static_cast<size_t>(end));
    char* to = reinterpret_cast<char*>(strings_.mutable_data());
    int32_t at = static_cast<int32_t>(base);
    for (int64_t i = 0; i < count; ++i) {
      const char* from = src + src_off[indices[i]];
      char* into = to + at;
      const auto len = static_cast<size_t>(dst[i] - at);
      if (len >= 16) {
        std::memcpy(into, from, len);
      } else {
        CopyShortBytes(into, from, len);
      }
      at = dst[i];
    }
  } else {
    const size_t w = static_cast<size_t>(type_.ByteWidth());
    const size_t old = data_.size();
    data_.Resize(old + static_cast<size_t>(count) * w);
    uint8_t* dst = data_.mutable_data() + old;
    const uint8_t* src = other.data_.data();
    switch (w) {
      case 1:
        for (int64_t i = 0; i < count; ++i) dst[i] = src[indices[i]];
        break;
      case 4: {
        auto* d = reinterpret_cast<int32_t*>(dst);
        auto* s = reinterpret_cast<const int32_t*>(src);
        for (int64_t i = 0; i < count; ++i) d[i] = s[indices[i]];
        break;
      }
      case 8: {
        auto* d = reinterpret_cast<int64_t*>(dst);
        auto* s = reinterpret_cast<const int64_t*>(src);
        for (int64_t i = 0; i < count; ++i) d[i] = s[indices[i]];
        break;
      }
      default:
        for (int64_t i = 0; i < count; ++i) {
          std::memcpy(dst + static_cast<size_t>(i) * w, src + static_cast<size_t>(indices[i]) * w, w);
        }
    }
  }
  if (other.has_nulls() || !validity_.empty()) {
    MaterializeValidity();
    const int64_t end = length_ + count;
    const auto need = static_cast<size_t>((end + 7) >> 3);
    if (validity_.size() < need) validity_.ResizeZeroed(need);
    uint8_t* bits = validity_.mutable_data();
    // Valid unless `other` has a validity bitmap saying otherwise.
    const uint8_t* src = other.validity_.empty() ? nullptr : other.validity_.data();
    auto valid = [src](int32_t j) -> uint32_t {
      return src == nullptr ? 1u : (src[j >> 3] >> (j & 7)) & 1u;
    };
    int64_t i = 0;
    int64_t row = length_;
    // Bit by bit up to a byte boundary and after the last whole byte; whole bytes between.
    for (; i < count && (row & 7) != 0; ++i, ++row) {
      const bool v = valid(indices[i]) != 0;
      SetValidBit(row, v);
      null_count_ += v ? 0 : 1;
    }
    for (; i + 8 <= count; i += 8, row += 8) {
      uint32_t byte = 0;
      for (int k = 0; k < 8; ++k) byte |= valid(indices[i + k]) << k;
      bits[row >> 3] = static_cast<uint8_t>(byte);
      null_count_ += 8 - __builtin_popcount(byte);
    }
    for (; i < count; ++i, ++row) {
      const bool v = valid(indices[i]) != 0;
      SetValidBit(row, v);
      null_count_ += v ? 0 : 1;
    }
  }
  length_ += count;
}

void Column::SetBuffers(Buffer data, Buffer validity, Buffer strings, int64_t length,
                        int64_t null_count) {
  data_ = std::move(data);
  validity_ = null_count > 0 ? std::move(validity) : Buffer();
  strings_ = std::move(strings);
  length_ = length;
  null_count_ = null_count;
}

bool Column::Equals(const Column& other) const {
  if (!(type_ == other.type_) || length_ != other.length_) return false;
  for (int64_t i = 0; i < length_; ++i) {
    if (IsValid(i) != other.IsValid(i)) return false;
    if (!IsValid(i)) continue;
    if (type_.IsVarLength()) {
      if (GetString(i) != other.GetString(i)) return false;
    } else {
      const size_t w = static_cast<size_t>(type_.ByteWidth());
      if (std::memcmp(data_.data() + i * w, other.data_.data() + i * w, w) != 0) return false;
    }
  }
  return true;
}

bool CellsIdentical(const Column& a, int64_t i, const Column& b, int64_t j) {
  const bool av = a.IsValid(i);
  const bool bv = b.IsValid(j);
  if (!av || !bv) return av == bv;
  if (a.type().IsVarLength()) return a.GetString(i) == b.GetString(j);
  const auto w = static_cast<size_t>(a.type().ByteWidth());
  return std::memcmp(a.values<uint8_t>() + static_cast<size_t>(i) * w,
                     b.values<uint8_t>() + static_cast<size_t>(j) * w, w) == 0;
}

}  // namespace sluice
