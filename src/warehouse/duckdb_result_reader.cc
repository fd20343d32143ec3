#include "warehouse/duckdb_result_reader.h"

#include <bit>
#include <cstring>
#include <vector>

#include "warehouse/duckdb_types.h"

namespace sluice::warehouse {

namespace {

// The chunks of one result, destroyed together.
class ChunkList {
 public:
  ~ChunkList() {
    for (auto& c : chunks_) duckdb_destroy_data_chunk(&c);
  }
  void Add(duckdb_data_chunk c) { chunks_.push_back(c); }
  const std::vector<duckdb_data_chunk>& chunks() const { return chunks_; }

 private:
  std::vector<duckdb_data_chunk> chunks_;
};

bool IsValid(const uint64_t* validity, idx_t i) {
  return validity == nullptr || ((validity[i >> 6] >> (i & 63)) & 1);
}

// A 128-bit view of the wide sources; `exact` is false for UHUGEINT values above 2^127.
__int128 WideValue(const void* data, duckdb_type source, idx_t i, bool* exact) {
  *exact = true;
  switch (source) {
    case DUCKDB_TYPE_UBIGINT:
      return static_cast<__int128>(static_cast<const uint64_t*>(data)[i]);
    case DUCKDB_TYPE_UHUGEINT: {
      const duckdb_uhugeint v = static_cast<const duckdb_uhugeint*>(data)[i];
      if (v.upper >> 63) *exact = false;
      return static_cast<__int128>((static_cast<unsigned __int128>(v.upper) << 64) | v.lower);
    }
    default: {  // HUGEINT and DECIMAL stored as HUGEINT
      const duckdb_hugeint v = static_cast<const duckdb_hugeint*>(data)[i];
      return static_cast<__int128>((static_cast<unsigned __int128>(v.upper) << 64) | v.lower);
    }
  }
}

double WideToDouble(const void* data, duckdb_type source, idx_t i) {
  if (source == DUCKDB_TYPE_UHUGEINT) {
    const duckdb_uhugeint v = static_cast<const duckdb_uhugeint*>(data)[i];
    return static_cast<double>((static_cast<unsigned __int128>(v.upper) << 64) | v.lower);
  }
  bool exact = true;
  return static_cast<double>(WideValue(data, source, i, &exact));
}

// Whether every valid value of wide column `col` fits DECIMAL(18, s) (|v| < 10^18).
bool WideColumnFits(const ChunkList& chunks, idx_t col, duckdb_type source) {
  const __int128 limit = Pow10(18);
  for (duckdb_data_chunk chunk : chunks.chunks()) {
    duckdb_vector vec = duckdb_data_chunk_get_vector(chunk, col);
    const void* data = duckdb_vector_get_data(vec);
    const uint64_t* validity = duckdb_vector_get_validity(vec);
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    for (idx_t i = 0; i < n; ++i) {
      if (!IsValid(validity, i)) continue;
      bool exact = true;
      const __int128 v = WideValue(data, source, i, &exact);
      if (!exact || v >= limit || v <= -limit) return false;
    }
  }
  return true;
}

template <typename Out, typename In, typename Fn>
Buffer ConvertValues(const void* data, idx_t n, Fn fn) {
  Buffer out;
  out.Resize(n * sizeof(Out));
  Out* dst = out.mutable_data_as<Out>();
  const In* src = static_cast<const In*>(data);
  for (idx_t i = 0; i < n; ++i) dst[i] = fn(src[i]);
  return out;
}

Buffer CopyValues(const void* data, size_t bytes) {
  Buffer out;
  out.Append(data, bytes);
  return out;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Reads one vector of `n` rows into a column of `m.type`.
ColumnPtr ReadVector(duckdb_vector vec, idx_t n, const ColumnMapping& m) {
  const void* data = duckdb_vector_get_data(vec);
  const uint64_t* validity = duckdb_vector_get_validity(vec);
  Buffer values, strings, bits;
  int64_t nulls = 0;
  if (validity != nullptr) {
    for (idx_t w = 0; w < n / 64; ++w) nulls += 64 - std::popcount(validity[w]);
    for (idx_t i = n / 64 * 64; i < n; ++i) nulls += IsValid(validity, i) ? 0 : 1;
    if (nulls > 0) bits = CopyValues(validity, (n + 7) / 8);  // same LSB-first bit order
  }
  switch (m.reader) {
    case ColumnReader::kBoolean:
      values = ConvertValues<uint8_t, bool>(data, n, [](bool v) { return uint8_t{v}; });
      break;
    case ColumnReader::kInt8:
      values = ConvertValues<int32_t, int8_t>(data, n, [](int8_t v) { return v; });
      break;
    case ColumnReader::kInt16:
      values = ConvertValues<int32_t, int16_t>(data, n, [](int16_t v) { return v; });
      break;
    case ColumnReader::kUInt8:
      values = ConvertValues<int64_t, uint8_t>(data, n, [](uint8_t v) { return v; });
      break;
    case ColumnReader::kUInt16:
      values = ConvertValues<int64_t, uint16_t>(data, n, [](uint16_t v) { return v; });
      break;
    case ColumnReader::kUInt32:
      values = ConvertValues<int64_t, uint32_t>(data, n, [](uint32_t v) { return v; });
      break;
    case ColumnReader::kFloat:
      values = ConvertValues<double, float>(data, n, [](float v) { return v; });
      break;
    case ColumnReader::kDecimal16:
      values = ConvertValues<int64_t, int16_t>(data, n, [](int16_t v) { return v; });
      break;
    case ColumnReader::kDecimal32:
      values = ConvertValues<int64_t, int32_t>(data, n, [](int32_t v) { return v; });
      break;
    case ColumnReader::kInt32:
    case ColumnReader::kDate:
      values = CopyValues(data, n * 4);
      break;
    case ColumnReader::kInt64:
    case ColumnReader::kDouble:
    case ColumnReader::kDecimal64:
    case ColumnReader::kTimestamp:
      values = CopyValues(data, n * 8);
      break;
    case ColumnReader::kInterval:
      values = CopyValues(data, n * sizeof(Interval));
      break;
    case ColumnReader::kTimestampS:
      values = ConvertValues<int64_t, int64_t>(data, n, [](int64_t v) { return v * 1000000; });
      break;
    case ColumnReader::kTimestampMs:
      values = ConvertValues<int64_t, int64_t>(data, n, [](int64_t v) { return v * 1000; });
      break;
    case ColumnReader::kTimestampNs:
      values =
          ConvertValues<int64_t, int64_t>(data, n, [](int64_t v) { return FloorDiv(v, 1000); });
      break;
    case ColumnReader::kWide:
      values.Resize(n * 8);
      if (m.type.id == TypeId::kDouble) {
        const double div = m.scale <= 18 ? static_cast<double>(Pow10(m.scale))
                                         : static_cast<double>(Pow10(18)) *
                                               static_cast<double>(Pow10(m.scale - 18));
        double* dst = values.mutable_data_as<double>();
        for (idx_t i = 0; i < n; ++i) dst[i] = WideToDouble(data, m.source, i) / div;
      } else {
        int64_t* dst = values.mutable_data_as<int64_t>();
        bool exact = true;
        for (idx_t i = 0; i < n; ++i) {
          dst[i] =
              IsValid(validity, i) ? static_cast<int64_t>(WideValue(data, m.source, i, &exact)) : 0;
        }
      }
      break;
    case ColumnReader::kVarchar: {
      values.Resize((n + 1) * 4);
      int32_t* off = values.mutable_data_as<int32_t>();
      off[0] = 0;
      const auto* s = static_cast<const duckdb_string_t*>(data);
      for (idx_t i = 0; i < n; ++i) {
        if (IsValid(validity, i)) {
          const uint32_t len = s[i].value.inlined.length;
          strings.Append(len <= 12 ? s[i].value.inlined.inlined : s[i].value.pointer.ptr, len);
        }
        off[i + 1] = static_cast<int32_t>(strings.size());
      }
      break;
    }
    case ColumnReader::kUnsupported:
      break;  // excluded by the caller
  }
  auto col = std::make_shared<Column>(m.type);
  col->SetBuffers(std::move(values), std::move(bits), std::move(strings), static_cast<int64_t>(n),
                  nulls);
  return col;
}

}  // namespace

Result<QueryResult> ReadDuckDBResult(duckdb_result* result) {
  const idx_t ncols = duckdb_column_count(result);
  std::vector<ColumnMapping> mappings;
  std::vector<Field> fields;
  for (idx_t c = 0; c < ncols; ++c) {
    duckdb_logical_type t = duckdb_column_logical_type(result, c);
    mappings.push_back(MapDuckDBType(t));
    duckdb_destroy_logical_type(&t);
    if (mappings.back().reader == ColumnReader::kUnsupported) {
      return Status::Internal("result column '" + std::string(duckdb_column_name(result, c)) +
                              "' has type " + mappings.back().duckdb_name +
                              ", which was not cast to VARCHAR");
    }
  }
  ChunkList chunks;
  while (duckdb_data_chunk chunk = duckdb_fetch_chunk(*result)) chunks.Add(chunk);
  for (idx_t c = 0; c < ncols; ++c) {
    ColumnMapping& m = mappings[c];
    if (m.reader == ColumnReader::kWide && m.type.id == TypeId::kDecimal &&
        !WideColumnFits(chunks, c, m.source)) {
      m.type = DataType::Double();
    }
    fields.push_back(Field{duckdb_column_name(result, c), m.type, true});
  }
  QueryResult out;
  out.schema = MakeSchema(std::move(fields));
  for (duckdb_data_chunk chunk : chunks.chunks()) {
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    if (n == 0) continue;
    std::vector<ColumnPtr> columns;
    columns.reserve(ncols);
    for (idx_t c = 0; c < ncols; ++c) {
      columns.push_back(ReadVector(duckdb_data_chunk_get_vector(chunk, c), n, mappings[c]));
    }
    out.batches.push_back(std::make_shared<const RecordBatch>(out.schema, std::move(columns),
                                                              static_cast<int64_t>(n)));
  }
  return out;
}

}  // namespace sluice::warehouse
