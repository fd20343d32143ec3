// ExportSchema / ExportRecordBatch (the import half is in arrow_import.cc).
#include "core/arrow.h"

#include <cstring>
#include <string>
#include <vector>

namespace sluice {

namespace {

// Stands in for empty buffers: some consumers dereference buffer pointers even when a
// buffer has no bytes, so never hand out nullptr for a value buffer.
alignas(64) const uint8_t kEmptyBytes[64] = {};

int64_t BitmapBytes(int64_t bits) { return (bits + 7) / 8; }

// ---------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------

struct SchemaPrivate {
  std::string format;
  std::string name;
  std::vector<ArrowSchema*> children;  // owned structs (the consumer may move them out)
};

void ReleaseSchema(ArrowSchema* schema) {
  auto* p = static_cast<SchemaPrivate*>(schema->private_data);
  for (ArrowSchema* child : p->children) {
    if (child->release != nullptr) child->release(child);
    delete child;
  }
  delete p;
  schema->release = nullptr;
  schema->private_data = nullptr;
}

void FillSchema(ArrowSchema* out, std::string format, std::string name, int64_t flags,
                std::vector<ArrowSchema*> children) {
  auto* p = new SchemaPrivate{std::move(format), std::move(name), std::move(children)};
  out->format = p->format.c_str();
  out->name = p->name.c_str();
  out->metadata = nullptr;
  out->flags = flags;
  out->n_children = static_cast<int64_t>(p->children.size());
  out->children = p->children.empty() ? nullptr : p->children.data();
  out->dictionary = nullptr;
  out->release = ReleaseSchema;
  out->private_data = p;
}

struct ArrayPrivate {
  RecordBatchPtr batch;  // parent: keeps the whole batch alive
  ColumnPtr column;      // child: keeps the shared buffers alive on its own
  Buffer converted;      // child: values converted to Arrow's layout
  Buffer validity;       // child: validity copied only when the column's was too short
  const void* buffers[3] = {nullptr, nullptr, nullptr};
  std::vector<ArrowArray*> children;  // parent: owned structs
};

void ReleaseArray(ArrowArray* array) {
  auto* p = static_cast<ArrayPrivate*>(array->private_data);
  for (ArrowArray* child : p->children) {
    if (child->release != nullptr) child->release(child);
    delete child;
  }
  delete p;
  array->release = nullptr;
  array->private_data = nullptr;
}

void FillArray(ArrowArray* out, ArrayPrivate* p, int64_t length, int64_t null_count,
               int64_t n_buffers) {
  out->length = length;
  out->null_count = null_count;
  out->offset = 0;
  out->n_buffers = n_buffers;
  out->n_children = static_cast<int64_t>(p->children.size());
  out->buffers = n_buffers > 0 ? p->buffers : nullptr;
  out->children = p->children.empty() ? nullptr : p->children.data();
  out->dictionary = nullptr;
  out->release = ReleaseArray;
  out->private_data = p;
}

const void* OrEmpty(const uint8_t* data) { return data != nullptr ? data : kEmptyBytes; }

// Fills p->converted / p->buffers[1..] for `col`; fails only for unrepresentable values.
Status ExportValues(const Column& col, ArrayPrivate* p) {
  const int64_t n = col.length();
  switch (col.type().id) {
    case TypeId::kBoolean: {
      p->converted.ResizeZeroed(static_cast<size_t>(BitmapBytes(n)));
      uint8_t* bits = p->converted.mutable_data();
      const uint8_t* bytes = col.values<uint8_t>();
      for (int64_t i = 0; i < n; ++i) {
        bits[i >> 3] |= static_cast<uint8_t>((bytes[i] != 0) << (i & 7));
      }
      p->buffers[1] = OrEmpty(p->converted.data());
      return Status::OK();
    }
    case TypeId::kDecimal: {
      p->converted.Resize(static_cast<size_t>(n) * 16);
      int64_t* out = p->converted.mutable_data_as<int64_t>();
      const int64_t* in = col.values<int64_t>();
      for (int64_t i = 0; i < n; ++i) {
        out[2 * i] = in[i];                   // little-endian 128-bit: low word first
        out[2 * i + 1] = in[i] < 0 ? -1 : 0;  // sign extension
      }
      p->buffers[1] = OrEmpty(p->converted.data());
      return Status::OK();
    }
    case TypeId::kInterval: {
      p->converted.Resize(static_cast<size_t>(n) * 16);
      uint8_t* out = p->converted.mutable_data();
      const Interval* in = col.values<Interval>();
      for (int64_t i = 0; i < n; ++i) {
        int64_t nanos = 0;
        if (__builtin_mul_overflow(in[i].micros, int64_t{1000}, &nanos)) {
          return Status::OutOfRange("INTERVAL value of " + std::to_string(in[i].micros) +
                                    " microseconds is too large for Arrow's nanosecond "
                                    "interval (more than about 292 years)");
        }
        std::memcpy(out + i * 16, &in[i].months, 4);
        std::memcpy(out + i * 16 + 4, &in[i].days, 4);
        std::memcpy(out + i * 16 + 8, &nanos, 8);
      }
      p->buffers[1] = OrEmpty(p->converted.data());
      return Status::OK();
    }
    case TypeId::kVarchar:
      p->buffers[1] = col.offsets();
      p->buffers[2] = OrEmpty(col.string_buffer().data());
      return Status::OK();
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kDouble:
    case TypeId::kTimestamp:
    case TypeId::kDate:
      p->buffers[1] = OrEmpty(col.data_buffer().data());
      return Status::OK();
  }
  return Status::Internal("unknown column type in Arrow export");
}

Status ExportColumn(const ColumnPtr& column, ArrowArray* out) {
  auto* p = new ArrayPrivate();
  p->column = column;
  const Column& col = *column;
  const int64_t n = col.length();
  if (col.null_count() > 0) {
    const Buffer& v = col.validity_buffer();
    if (static_cast<int64_t>(v.size()) >= BitmapBytes(n)) {
      p->buffers[0] = v.data();
    } else {  // defensive: a short bitmap is padded (missing bits count as valid)
      p->validity.Resize(static_cast<size_t>(BitmapBytes(n)));
      std::memset(p->validity.mutable_data(), 0xFF, p->validity.size());
      if (v.size() > 0) std::memcpy(p->validity.mutable_data(), v.data(), v.size());
      p->buffers[0] = p->validity.data();
    }
  }
  Status st = ExportValues(col, p);
  if (!st.ok()) {
    delete p;
    return st;
  }
  FillArray(out, p, n, col.null_count(), col.type().IsVarLength() ? 3 : 2);
  return Status::OK();
}

}  // namespace

std::string ArrowFormat(const DataType& type) {
  switch (type.id) {
    case TypeId::kBoolean:
      return "b";
    case TypeId::kInt32:
      return "i";
    case TypeId::kInt64:
      return "l";
    case TypeId::kDouble:
      return "g";
    case TypeId::kDecimal:
      return "d:" + std::to_string(type.precision) + "," + std::to_string(type.scale);
    case TypeId::kVarchar:
      return "u";
    case TypeId::kTimestamp:
      return "tsu:UTC";
    case TypeId::kDate:
      return "tdD";
    case TypeId::kInterval:
      return "tin";
  }
  return "n";
}

Status ExportSchema(const Schema& schema, ArrowSchema* out) {
  std::vector<ArrowSchema*> children;
  children.reserve(static_cast<size_t>(schema.num_fields()));
  for (const Field& f : schema.fields()) {
    auto* child = new ArrowSchema();
    FillSchema(child, ArrowFormat(f.type), f.name, f.nullable ? ARROW_FLAG_NULLABLE : 0, {});
    children.push_back(child);
  }
  FillSchema(out, "+s", "", 0, std::move(children));
  return Status::OK();
}

Status ExportRecordBatch(RecordBatchPtr batch, ArrowSchema* schema_out, ArrowArray* array_out) {
  schema_out->release = nullptr;
  array_out->release = nullptr;
  auto* p = new ArrayPrivate();
  for (int i = 0; i < batch->num_columns(); ++i) {
    auto* child = new ArrowArray();
    child->release = nullptr;
    p->children.push_back(child);
    Status st = ExportColumn(batch->column_ptr(i), child);
    if (!st.ok()) {
      ArrowArray tmp{};
      FillArray(&tmp, p, 0, 0, 1);
      ReleaseArray(&tmp);
      return st.WithContext("column '" + batch->schema()->field(i).name + "'");
    }
  }
  const int64_t rows = batch->num_rows();
  SLUICE_RETURN_NOT_OK(ExportSchema(*batch->schema(), schema_out));
  p->batch = std::move(batch);
  FillArray(array_out, p, rows, 0, 1);  // a struct has one buffer: its (absent) validity
  return Status::OK();
}

}  // namespace sluice
