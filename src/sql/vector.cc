#include "sql/vector.h"

#include <cstring>

namespace sluice::sql {

Vec MakeConstant(const Value& v, const DataType& type) {
  auto col = std::make_shared<Column>(type);
  AppendValue(col.get(), v);
  return Vec{std::move(col), true};
}

Vec MakeNullConstant(const DataType& type) {
  auto col = std::make_shared<Column>(type);
  col->AppendNull();
  return Vec{std::move(col), true};
}

ColumnPtr Materialize(const Vec& v, int64_t rows) {
  if (!v.constant) return v.col;
  const Column& c = *v.col;
  auto out = std::make_shared<Column>(c.type());
  if (c.IsNull(0)) {
    for (int64_t i = 0; i < rows; ++i) out->AppendNull();
    return out;
  }
  if (c.type().IsVarLength()) {
    const std::string_view s = c.GetString(0);
    out->Reserve(rows, static_cast<int64_t>(s.size()) * rows);
    for (int64_t i = 0; i < rows; ++i) out->AppendString(s);
    return out;
  }
  const size_t w = static_cast<size_t>(c.type().ByteWidth());
  Buffer data;
  data.Resize(w * static_cast<size_t>(rows));
  const uint8_t* src = c.data_buffer().data();
  uint8_t* dst = data.mutable_data();
  for (int64_t i = 0; i < rows; ++i) std::memcpy(dst + static_cast<size_t>(i) * w, src, w);
  out->SetBuffers(std::move(data), Buffer(), Buffer(), rows, 0);
  return out;
}

void Validity::SetNull(int64_t i, int64_t rows) {
  if (bits.empty()) {
    const size_t bytes = static_cast<size_t>((rows + 7) >> 3) + 1;
    bits.Resize(bytes);
    std::memset(bits.mutable_data(), 0xFF, bytes);
  }
  if (BitIsSet(bits.data(), i)) {
    ClearBit(bits.mutable_data(), i);
    ++null_count;
  }
}

void Validity::Recount(int64_t rows) {
  if (bits.empty()) {
    null_count = 0;
    return;
  }
  int64_t valid = 0;
  const uint8_t* b = bits.data();
  const int64_t full = rows >> 3;
  for (int64_t i = 0; i < full; ++i) valid += __builtin_popcount(b[i]);
  for (int64_t i = full << 3; i < rows; ++i) valid += BitIsSet(b, i) ? 1 : 0;
  null_count = rows - valid;
  if (null_count == 0) bits = Buffer();
}

Validity MergeValidity(const std::vector<const Vec*>& inputs, int64_t rows) {
  Validity out;
  const size_t bytes = static_cast<size_t>((rows + 7) >> 3) + 1;
  for (const Vec* v : inputs) {
    const Column& c = *v->col;
    if (!c.has_nulls()) continue;
    if (v->constant) {  // a NULL constant: nothing is valid
      out.bits.Resize(bytes);
      std::memset(out.bits.mutable_data(), 0, bytes);
      out.null_count = rows;
      return out;
    }
    const uint8_t* src = c.validity_buffer().data();
    const size_t src_bytes = static_cast<size_t>((rows + 7) >> 3);
    if (out.bits.empty()) {
      out.bits.Resize(bytes);
      std::memset(out.bits.mutable_data(), 0xFF, bytes);
      std::memcpy(out.bits.mutable_data(), src, src_bytes);
    } else {
      uint8_t* dst = out.bits.mutable_data();
      for (size_t i = 0; i < src_bytes; ++i) dst[i] &= src[i];
    }
  }
  out.Recount(rows);
  return out;
}

Validity MergeValidity(std::initializer_list<const Vec*> inputs, int64_t rows) {
  return MergeValidity(std::vector<const Vec*>(inputs), rows);
}

ColumnPtr MakeColumn(const DataType& type, Buffer values, Validity validity, int64_t rows) {
  auto col = std::make_shared<Column>(type);
  col->SetBuffers(std::move(values), std::move(validity.bits), Buffer(), rows, validity.null_count);
  return col;
}

StringVectorBuilder::StringVectorBuilder(int64_t rows, int64_t byte_hint) : rows_(rows) {
  offsets_.Reserve(static_cast<size_t>(rows + 1) * sizeof(int32_t));
  offsets_.AppendValue<int32_t>(0);
  if (byte_hint > 0) bytes_.Reserve(static_cast<size_t>(byte_hint));
}

ColumnPtr StringVectorBuilder::Finish() {
  validity_.Recount(length_);
  auto col = std::make_shared<Column>(DataType::Varchar());
  col->SetBuffers(std::move(offsets_), std::move(validity_.bits), std::move(bytes_), length_,
                  validity_.null_count);
  return col;
}

ColumnPtr GatherColumn(const Column& c, const int32_t* sel, int64_t n) {
  auto out = std::make_shared<Column>(c.type());
  out->AppendSelected(c, sel, n);
  return out;
}

bool AnyActive(const uint8_t* active, int64_t rows) {
  if (active == nullptr) return true;
  for (int64_t i = 0; i < rows; ++i) {
    if (active[i]) return true;
  }
  return false;
}

}  // namespace sluice::sql
