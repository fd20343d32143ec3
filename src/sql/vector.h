// The vector model of expression evaluation: a Vec is either a column of `rows`
// values or a constant (a 1-row column standing for every row). Helpers build result
// columns from raw buffers and combine validity bitmaps word by word.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "core/buffer.h"
#include "core/column.h"
#include "core/value.h"

namespace sluice::sql {

struct Vec {
  ColumnPtr col;
  bool constant = false;

  const Column& column() const { return *col; }
  // Row i, or row 0 for a constant.
  int64_t Index(int64_t i) const { return constant ? 0 : i; }
  bool IsValid(int64_t i) const { return col->IsValid(Index(i)); }
  bool IsConstNull() const { return constant && col->IsNull(0); }
};

// A constant vector holding `v` (which may be NULL) as type `type`.
Vec MakeConstant(const Value& v, const DataType& type);
Vec MakeNullConstant(const DataType& type);
// A flat column of `rows` rows for `v` (constants repeated).
ColumnPtr Materialize(const Vec& v, int64_t rows);

inline bool BitIsSet(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline void ClearBit(uint8_t* bits, int64_t i) {
  bits[i >> 3] = static_cast<uint8_t>(bits[i >> 3] & ~(1u << (i & 7)));
}

// A validity bitmap under construction; empty = every row valid.
struct Validity {
  Buffer bits;
  int64_t null_count = 0;

  bool IsValid(int64_t i) const { return bits.empty() || BitIsSet(bits.data(), i); }
  // Marks row i null (materializing the bitmap for `rows` rows if needed).
  void SetNull(int64_t i, int64_t rows);
  // Recounts null_count over `rows` rows and drops an all-valid bitmap.
  void Recount(int64_t rows);
};

// Validity of a row-wise operation over `inputs`: valid where every input is valid.
// `rows` is the output length (1 when every input is constant).
Validity MergeValidity(std::initializer_list<const Vec*> inputs, int64_t rows);
Validity MergeValidity(const std::vector<const Vec*>& inputs, int64_t rows);

// Installs fixed-width `values` (rows * width bytes) and `validity` into a new column.
ColumnPtr MakeColumn(const DataType& type, Buffer values, Validity validity, int64_t rows);

// Builds a VARCHAR column row by row without per-row allocation.
class StringVectorBuilder {
 public:
  explicit StringVectorBuilder(int64_t rows, int64_t byte_hint = 0);
  void Append(std::string_view s) {
    bytes_.Append(s.data(), s.size());
    Push();
  }
  // Space for `n` more bytes of the current value; write them, then Commit(n).
  char* Reserve(size_t n) {
    bytes_.Reserve(bytes_.size() + n);
    return reinterpret_cast<char*>(bytes_.mutable_data()) + bytes_.size();
  }
  void Commit(size_t n) {
    bytes_.Resize(bytes_.size() + n);
    Push();
  }
  // Appends bytes to the current (unfinished) value; finish it with Commit(0).
  void AppendPart(std::string_view s) { bytes_.Append(s.data(), s.size()); }
  void AppendNull() {
    validity_.SetNull(length_, rows_);
    Push();
  }
  ColumnPtr Finish();

 private:
  void Push() {
    offsets_.AppendValue<int32_t>(static_cast<int32_t>(bytes_.size()));
    ++length_;
  }
  int64_t rows_;
  int64_t length_ = 0;
  Buffer offsets_;
  Buffer bytes_;
  Validity validity_;
};

// Rows sel[0..n) of `c` as a new column (same type; Column::AppendSelected). Used to
// narrow a batch-wide result to the rows a filter kept.
ColumnPtr GatherColumn(const Column& c, const int32_t* sel, int64_t n);

// a[0..n) == b[0..n), for the short strings of IN lists and comparisons with a
// constant: a byte loop below 16 bytes (cheaper than a memcmp call), memcmp above.
inline bool BytesEqual(const char* a, const char* b, size_t n) {
  if (n >= 16) return std::memcmp(a, b, n) == 0;
  for (size_t k = 0; k < n; ++k) {
    if (a[k] != b[k]) return false;
  }
  return true;
}

// True when active is null or any of active[0..rows) is set.
bool AnyActive(const uint8_t* active, int64_t rows);

}  // namespace sluice::sql
