// ImportRecordBatch: Arrow struct arrays from any producer into sluice batches (the
// export half and the format table are in arrow.cc / arrow.h).
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "core/arrow.h"  // IWYU: the declarations this file implements

namespace sluice {

namespace {

int64_t BitmapBytes(int64_t bits) { return (bits + 7) / 8; }

bool GetBit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

// Owns a moved-in ArrowArray; every borrowed buffer holds a shared_ptr to it.
struct ImportedArray {
  ArrowArray array{};
  ~ImportedArray() {
    if (array.release != nullptr) array.release(&array);
  }
};

// Owns a moved-in ArrowSchema for the duration of the import.
struct SchemaGuard {
  ArrowSchema schema{};
  ~SchemaGuard() {
    if (schema.release != nullptr) schema.release(&schema);
  }
};

enum class SourceKind {
  kBool,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kFloat,
  kDouble,
  kDecimal32,
  kDecimal64,
  kDecimal128,
  kUtf8,
  kLargeUtf8,
  kUtf8View,
  kTimestamp,
  kDate32,
  kDate64,
  kIntervalMdn,
  kIntervalMonths,
  kIntervalDayTime,
  kDuration,
};

struct SourceFormat {
  SourceKind kind;
  DataType type;
  int64_t unit = 1;   // timestamps/durations: source units per second
  int precision = 0;  // decimals
  int scale = 0;
};

// Units per second for the time-unit letter of "ts?" / "tD?".
int64_t UnitsPerSecond(char c) {
  switch (c) {
    case 's':
      return 1;
    case 'm':
      return 1000;
    case 'u':
      return 1000000;
    case 'n':
      return 1000000000;
  }
  return 0;
}

bool ParseDecimalFormat(std::string_view f, SourceFormat* out) {
  // "d:p,s" or "d:p,s,bits"
  f.remove_prefix(2);
  int parts[3] = {0, 0, 128};
  int count = 0;
  while (!f.empty() && count < 3) {
    const size_t comma = f.find(',');
    const std::string_view part = f.substr(0, comma);
    if (part.empty()) return false;
    int v = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
      if (v > 1000) return false;
    }
    parts[count++] = v;
    if (comma == std::string_view::npos) break;
    f.remove_prefix(comma + 1);
  }
  if (count < 2 || parts[0] < 1 || parts[1] > parts[0]) return false;
  out->precision = parts[0];
  out->scale = parts[1];
  switch (parts[2]) {
    case 32:
      out->kind = SourceKind::kDecimal32;
      break;
    case 64:
      out->kind = SourceKind::kDecimal64;
      break;
    case 128:
      out->kind = SourceKind::kDecimal128;
      break;
    default:
      return false;  // decimal256 and friends
  }
  out->type = out->precision <= kMaxDecimalPrecision
                  ? DataType::Decimal(static_cast<uint8_t>(out->precision),
                                      static_cast<uint8_t>(out->scale))
                  : DataType::Double();
  return true;
}

bool ParseSourceFormat(std::string_view f, SourceFormat* out) {
  struct Simple {
    const char* format;
    SourceKind kind;
    DataType type;
  };
  static const Simple kSimple[] = {
      {"b", SourceKind::kBool, DataType::Boolean()},
      {"c", SourceKind::kInt8, DataType::Int32()},
      {"s", SourceKind::kInt16, DataType::Int32()},
      {"i", SourceKind::kInt32, DataType::Int32()},
      {"l", SourceKind::kInt64, DataType::Int64()},
      {"C", SourceKind::kUInt8, DataType::Int64()},
      {"S", SourceKind::kUInt16, DataType::Int64()},
      {"I", SourceKind::kUInt32, DataType::Int64()},
      {"f", SourceKind::kFloat, DataType::Double()},
      {"g", SourceKind::kDouble, DataType::Double()},
      {"u", SourceKind::kUtf8, DataType::Varchar()},
      {"U", SourceKind::kLargeUtf8, DataType::Varchar()},
      {"vu", SourceKind::kUtf8View, DataType::Varchar()},
      {"tdD", SourceKind::kDate32, DataType::Date()},
      {"tdm", SourceKind::kDate64, DataType::Date()},
      {"tin", SourceKind::kIntervalMdn, DataType::Interval()},
      {"tiM", SourceKind::kIntervalMonths, DataType::Interval()},
      {"tiD", SourceKind::kIntervalDayTime, DataType::Interval()},
  };
  for (const Simple& s : kSimple) {
    if (f == s.format) {
      *out = SourceFormat{s.kind, s.type};
      return true;
    }
  }
  if (f.size() >= 4 && f.substr(0, 2) == "ts" && f[3] == ':' && UnitsPerSecond(f[2]) > 0) {
    *out = SourceFormat{SourceKind::kTimestamp, DataType::Timestamp(), UnitsPerSecond(f[2])};
    return true;
  }
  if (f.size() == 3 && f.substr(0, 2) == "tD" && UnitsPerSecond(f[2]) > 0) {
    *out = SourceFormat{SourceKind::kDuration, DataType::Interval(), UnitsPerSecond(f[2])};
    return true;
  }
  if (f.size() > 2 && f.substr(0, 2) == "d:") return ParseDecimalFormat(f, out);
  return false;
}

int64_t ExpectedBuffers(SourceKind kind) {
  switch (kind) {
    case SourceKind::kUtf8:
    case SourceKind::kLargeUtf8:
      return 3;
    case SourceKind::kUtf8View:
      return -1;  // 3 or more (variadic data buffers)
    default:
      return 2;
  }
}

// Everything one column's import needs to know.
struct ColumnInput {
  const ArrowArray* array;
  int64_t start;  // first element (parent offset + child offset)
  int64_t rows;
  std::shared_ptr<const void> owner;
  std::string name;
};

template <typename T>
const T* ValuesAt(const ColumnInput& in, int buffer) {
  return static_cast<const T*>(in.array->buffers[buffer]) + in.start;
}

// Validity for [start, start + rows): borrowed when byte-aligned, shifted otherwise.
Buffer ImportValidity(const ColumnInput& in, int64_t* null_count) {
  *null_count = 0;
  const auto* bits = static_cast<const uint8_t*>(in.array->buffers[0]);
  if (bits == nullptr || in.array->null_count == 0 || in.rows == 0) return Buffer();
  for (int64_t i = 0; i < in.rows; ++i) *null_count += GetBit(bits, in.start + i) ? 0 : 1;
  if (*null_count == 0) return Buffer();
  const auto bytes = static_cast<size_t>(BitmapBytes(in.rows));
  if (in.start % 8 == 0) return Buffer::Borrow(bits + in.start / 8, bytes, in.owner);
  Buffer out;
  out.ResizeZeroed(bytes);
  uint8_t* dst = out.mutable_data();
  for (int64_t i = 0; i < in.rows; ++i) {
    dst[i >> 3] |= static_cast<uint8_t>(GetBit(bits, in.start + i) << (i & 7));
  }
  return out;
}

template <typename Out, typename In, typename Fn>
Buffer Convert(const ColumnInput& in, Fn fn) {
  Buffer out;
  out.Resize(static_cast<size_t>(in.rows) * sizeof(Out));
  Out* dst = out.mutable_data_as<Out>();
  const In* src = ValuesAt<In>(in, 1);
  for (int64_t i = 0; i < in.rows; ++i) dst[i] = fn(src[i]);
  return out;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

Result<Buffer> ImportStrings(const ColumnInput& in, SourceKind kind, Buffer* offsets_out) {
  Buffer offsets;
  offsets.Resize(static_cast<size_t>(in.rows + 1) * sizeof(int32_t));
  int32_t* off = offsets.mutable_data_as<int32_t>();
  Buffer bytes;
  off[0] = 0;
  if (kind == SourceKind::kUtf8View) {
    const auto* views = static_cast<const uint8_t*>(in.array->buffers[1]) + in.start * 16;
    const int64_t n_data = in.array->n_buffers - 3;
    for (int64_t i = 0; i < in.rows; ++i) {
      const uint8_t* v = views + i * 16;
      int32_t len = 0;
      std::memcpy(&len, v, 4);
      if (len <= 12) {
        bytes.Append(v + 4, static_cast<size_t>(len));
      } else {
        int32_t buf = 0, pos = 0;
        std::memcpy(&buf, v + 8, 4);
        std::memcpy(&pos, v + 12, 4);
        if (buf < 0 || buf >= n_data) {
          return Status::Invalid("Arrow column '" + in.name +
                                 "': string view refers to data "
                                 "buffer " +
                                 std::to_string(buf) + " of " + std::to_string(n_data));
        }
        bytes.Append(static_cast<const uint8_t*>(in.array->buffers[2 + buf]) + pos,
                     static_cast<size_t>(len));
      }
      if (bytes.size() > INT32_MAX) break;
      off[i + 1] = static_cast<int32_t>(bytes.size());
    }
  } else {
    const auto* data = static_cast<const uint8_t*>(in.array->buffers[2]);
    for (int64_t i = 0; i < in.rows; ++i) {
      int64_t b = 0, e = 0;
      if (kind == SourceKind::kLargeUtf8) {
        b = ValuesAt<int64_t>(in, 1)[i];
        e = ValuesAt<int64_t>(in, 1)[i + 1];
      } else {
        b = ValuesAt<int32_t>(in, 1)[i];
        e = ValuesAt<int32_t>(in, 1)[i + 1];
      }
      if (e < b || b < 0) {
        return Status::Invalid("Arrow column '" + in.name + "': string offsets decrease at row " +
                               std::to_string(i));
      }
      bytes.Append(data + b, static_cast<size_t>(e - b));
      if (bytes.size() > INT32_MAX) break;
      off[i + 1] = static_cast<int32_t>(bytes.size());
    }
  }
  if (bytes.size() > INT32_MAX) {
    return Status::OutOfRange("Arrow column '" + in.name +
                              "' holds more than 2 GiB of text "
                              "in one batch; send smaller batches");
  }
  *offsets_out = std::move(offsets);
  return bytes;
}

Result<ColumnPtr> ImportColumn(const ColumnInput& in, const SourceFormat& f) {
  if (in.rows == 0) return ColumnPtr(std::make_shared<Column>(f.type));
  int64_t nulls = 0;
  Buffer validity = ImportValidity(in, &nulls);
  Buffer data, strings;
  const size_t rows = static_cast<size_t>(in.rows);
  const std::shared_ptr<const void>& owner = in.owner;
  switch (f.kind) {
    case SourceKind::kInt32:
    case SourceKind::kDate32:
      data = Buffer::Borrow(ValuesAt<int32_t>(in, 1), rows * 4, owner);
      break;
    case SourceKind::kInt64:
    case SourceKind::kDouble:
    case SourceKind::kDecimal64:
      data = Buffer::Borrow(ValuesAt<int64_t>(in, 1), rows * 8, owner);
      break;
    case SourceKind::kTimestamp:
      if (f.unit == 1000000) {
        data = Buffer::Borrow(ValuesAt<int64_t>(in, 1), rows * 8, owner);
      } else if (f.unit > 1000000) {
        data = Convert<int64_t, int64_t>(in, [&](int64_t v) { return FloorDiv(v, 1000); });
      } else {
        const int64_t mul = 1000000 / f.unit;
        data = Convert<int64_t, int64_t>(in, [&](int64_t v) { return v * mul; });
      }
      break;
    case SourceKind::kBool: {
      data.Resize(rows);
      const auto* bits = static_cast<const uint8_t*>(in.array->buffers[1]);
      uint8_t* dst = data.mutable_data();
      for (int64_t i = 0; i < in.rows; ++i) dst[i] = GetBit(bits, in.start + i);
      break;
    }
    case SourceKind::kInt8:
      data = Convert<int32_t, int8_t>(in, [](int8_t v) { return v; });
      break;
    case SourceKind::kInt16:
      data = Convert<int32_t, int16_t>(in, [](int16_t v) { return v; });
      break;
    case SourceKind::kUInt8:
      data = Convert<int64_t, uint8_t>(in, [](uint8_t v) { return v; });
      break;
    case SourceKind::kUInt16:
      data = Convert<int64_t, uint16_t>(in, [](uint16_t v) { return v; });
      break;
    case SourceKind::kUInt32:
      data = Convert<int64_t, uint32_t>(in, [](uint32_t v) { return v; });
      break;
    case SourceKind::kFloat:
      data = Convert<double, float>(in, [](float v) { return v; });
      break;
    case SourceKind::kDecimal32:
      data = Convert<int64_t, int32_t>(in, [](int32_t v) { return v; });
      break;
    case SourceKind::kDecimal128: {
      // memcpy per value: Arrow only promises 8-byte alignment, __int128 loads want 16.
      const auto* src = static_cast<const uint8_t*>(in.array->buffers[1]) + in.start * 16;
      auto load = [src](int64_t i) {
        __int128 v;
        std::memcpy(&v, src + i * 16, 16);
        return v;
      };
      if (f.type.id == TypeId::kDouble) {
        const double div = static_cast<double>(Pow10(f.scale > 18 ? 18 : f.scale)) *
                           (f.scale > 18 ? static_cast<double>(Pow10(f.scale - 18)) : 1.0);
        data.Resize(rows * 8);
        double* dst = data.mutable_data_as<double>();
        for (int64_t i = 0; i < in.rows; ++i) dst[i] = static_cast<double>(load(i)) / div;
        break;
      }
      data.Resize(rows * 8);
      int64_t* dst = data.mutable_data_as<int64_t>();
      for (int64_t i = 0; i < in.rows; ++i) {
        const __int128 v = load(i);
        if (v > INT64_MAX || v < INT64_MIN) {
          if (validity.empty() || GetBit(validity.data(), i)) {
            return Status::OutOfRange("Arrow column '" + in.name + "' row " + std::to_string(i) +
                                      ": decimal value does not fit its declared precision " +
                                      std::to_string(f.precision));
          }
        }
        dst[i] = static_cast<int64_t>(v);
      }
      break;
    }
    case SourceKind::kUtf8:
      if (in.start == 0) {
        const int32_t* off = ValuesAt<int32_t>(in, 1);
        if (off[0] < 0 || off[in.rows] < off[0]) {
          return Status::Invalid("Arrow column '" + in.name + "': string offsets are invalid");
        }
        data = Buffer::Borrow(off, (rows + 1) * 4, owner);
        strings = Buffer::Borrow(in.array->buffers[2], static_cast<size_t>(off[in.rows]), owner);
        break;
      }
      [[fallthrough]];
    case SourceKind::kLargeUtf8:
    case SourceKind::kUtf8View: {
      SLUICE_ASSIGN_OR_RETURN(strings, ImportStrings(in, f.kind, &data));
      break;
    }
    case SourceKind::kDate64:
      data = Convert<int32_t, int64_t>(
          in, [](int64_t ms) { return static_cast<int32_t>(FloorDiv(ms, 86400000)); });
      break;
    case SourceKind::kIntervalMdn:
      data = Convert<Interval, std::array<int32_t, 4>>(in, [](const std::array<int32_t, 4>& v) {
        int64_t nanos = 0;
        std::memcpy(&nanos, &v[2], 8);
        return Interval{v[0], v[1], nanos / 1000};
      });
      break;
    case SourceKind::kIntervalMonths:
      data = Convert<Interval, int32_t>(in, [](int32_t m) { return Interval{m, 0, 0}; });
      break;
    case SourceKind::kIntervalDayTime:
      data = Convert<Interval, std::array<int32_t, 2>>(in, [](const std::array<int32_t, 2>& v) {
        return Interval{0, v[0], int64_t{v[1]} * 1000};
      });
      break;
    case SourceKind::kDuration: {
      const int64_t unit = f.unit;
      data = Convert<Interval, int64_t>(in, [unit](int64_t v) {
        const int64_t micros = unit >= 1000000 ? v / (unit / 1000000) : v * (1000000 / unit);
        return Interval{0, 0, micros};
      });
      break;
    }
  }
  auto col = std::make_shared<Column>(f.type);
  col->SetBuffers(std::move(data), std::move(validity), std::move(strings), in.rows, nulls);
  return ColumnPtr(std::move(col));
}

Status CheckChild(const ArrowSchema& s, const ArrowArray& a, const SourceFormat& f,
                  const std::string& name, int64_t needed) {
  const std::string where = "Arrow column '" + name + "' (format '" + s.format + "')";
  if (s.dictionary != nullptr || a.dictionary != nullptr) {
    return Status::NotImplemented(where +
                                  " is dictionary-encoded; sluice imports plain "
                                  "arrays only (decode the dictionary first)");
  }
  const int64_t expected = ExpectedBuffers(f.kind);
  if ((expected > 0 && a.n_buffers != expected) || (expected < 0 && a.n_buffers < 3)) {
    return Status::Invalid(where + " has " + std::to_string(a.n_buffers) + " buffers");
  }
  if (a.length < needed || a.offset < 0) {
    return Status::Invalid(where + " has " + std::to_string(a.length) +
                           " values, the struct needs " + std::to_string(needed));
  }
  // Value and offset buffers must be there; string bytes may be absent when all are empty.
  const bool strings = f.kind == SourceKind::kUtf8 || f.kind == SourceKind::kLargeUtf8 ||
                       f.kind == SourceKind::kUtf8View;
  for (int64_t i = 1; i < a.n_buffers; ++i) {
    if (a.buffers[i] == nullptr && a.length > 0 && !(strings && i > 1)) {
      return Status::Invalid(where + " has a null data buffer");
    }
  }
  return Status::OK();
}

Result<RecordBatchPtr> ImportStruct(const ArrowSchema& schema,
                                    const std::shared_ptr<ImportedArray>& owner) {
  const ArrowArray& array = owner->array;
  const std::string format = schema.format != nullptr ? schema.format : "";
  if (format != "+s") {
    return Status::NotImplemented(
        "expected an Arrow struct array (format '+s', one child per "
        "column), got format '" +
        format + "'");
  }
  if (schema.n_children != array.n_children) {
    return Status::Invalid("Arrow schema has " + std::to_string(schema.n_children) +
                           " children but the array has " + std::to_string(array.n_children));
  }
  if (array.null_count != 0 && array.n_buffers > 0 && array.buffers[0] != nullptr) {
    const auto* bits = static_cast<const uint8_t*>(array.buffers[0]);
    for (int64_t i = 0; i < array.length; ++i) {
      if (!GetBit(bits, array.offset + i)) {
        return Status::NotImplemented("Arrow struct array has null rows at the top level (row " +
                                      std::to_string(i) + "); sluice needs nulls in the columns");
      }
    }
  }
  std::vector<Field> fields;
  std::vector<ColumnPtr> columns;
  for (int64_t c = 0; c < schema.n_children; ++c) {
    const ArrowSchema& cs = *schema.children[c];
    const ArrowArray& ca = *array.children[c];
    std::string name = cs.name != nullptr && cs.name[0] != '\0' ? std::string(cs.name)
                                                                : "column" + std::to_string(c + 1);
    SourceFormat f{};
    const std::string cformat = cs.format != nullptr ? cs.format : "";
    if (!ParseSourceFormat(cformat, &f)) {
      return Status::NotImplemented(
          "Arrow column '" + name + "' has format '" + cformat +
          "', which sluice does not import; supported: b c s i l C S I f g d:p,s u U vu "
          "ts{s,m,u,n}:tz tdD tdm tin tiM tiD tD{s,m,u,n}");
    }
    SLUICE_RETURN_NOT_OK(CheckChild(cs, ca, f, name, array.offset + array.length));
    ColumnInput in{&ca, ca.offset + array.offset, array.length, owner, name};
    SLUICE_ASSIGN_OR_RETURN(ColumnPtr col, ImportColumn(in, f));
    fields.push_back(Field{std::move(name), f.type, (cs.flags & ARROW_FLAG_NULLABLE) != 0});
    columns.push_back(std::move(col));
  }
  return std::make_shared<const RecordBatch>(MakeSchema(std::move(fields)), std::move(columns),
                                             array.length);
}

}  // namespace

Result<RecordBatchPtr> ImportRecordBatch(ArrowSchema* schema, ArrowArray* array) {
  SchemaGuard schema_guard;
  auto owner = std::make_shared<ImportedArray>();
  if (schema != nullptr) {
    schema_guard.schema = *schema;
    schema->release = nullptr;
  }
  if (array != nullptr) {
    owner->array = *array;
    array->release = nullptr;
  }
  if (schema_guard.schema.release == nullptr || owner->array.release == nullptr) {
    return Status::Invalid(
        "Arrow import needs a live schema and array (one was missing or "
        "already released)");
  }
  return ImportStruct(schema_guard.schema, owner);
}

}  // namespace sluice
