#include "warehouse/duckdb_chunk_writer.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "warehouse/duckdb_types.h"

namespace sluice::warehouse {

namespace {

// Copies validity bits [offset, offset + rows) of `col` (offset is a multiple of 64,
// as slices are chunk-sized) into DuckDB's validity words, or marks all rows valid.
void FillValidity(const Column& col, int64_t offset, int64_t rows, duckdb_vector vec) {
  if (!col.has_nulls()) {
    // A reset chunk is all-valid, but a mask made writable earlier may linger.
    if (uint64_t* v = duckdb_vector_get_validity(vec)) {
      std::memset(v, 0xFF, static_cast<size_t>((rows + 63) / 64) * 8);
    }
    return;
  }
  duckdb_vector_ensure_validity_writable(vec);
  uint64_t* dst = duckdb_vector_get_validity(vec);
  const size_t words = static_cast<size_t>((rows + 63) / 64);
  std::memset(dst, 0xFF, words * 8);
  const Buffer& bits = col.validity_buffer();
  const size_t begin = static_cast<size_t>(offset / 8);
  const size_t want = static_cast<size_t>((rows + 7) / 8);
  const size_t have = bits.size() > begin ? std::min(want, bits.size() - begin) : 0;
  std::memcpy(dst, bits.data() + begin, have);  // LSB-first in both, little-endian words
}

template <typename Out>
void NarrowInt64(const int64_t* src, int64_t rows, void* out) {
  Out* dst = static_cast<Out*>(out);
  for (int64_t i = 0; i < rows; ++i) dst[i] = static_cast<Out>(src[i]);
}

void FillValues(const Column& col, int64_t offset, int64_t rows, duckdb_vector vec) {
  void* out = duckdb_vector_get_data(vec);
  const DataType& type = col.type();
  const size_t n = static_cast<size_t>(rows);
  switch (type.id) {
    case TypeId::kBoolean: {
      const uint8_t* src = col.values<uint8_t>() + offset;
      auto* dst = static_cast<bool*>(out);
      for (size_t i = 0; i < n; ++i) dst[i] = src[i] != 0;
      break;
    }
    case TypeId::kDecimal: {
      const int64_t* src = col.values<int64_t>() + offset;
      if (type.precision <= 4) {
        NarrowInt64<int16_t>(src, rows, out);
      } else if (type.precision <= 9) {
        NarrowInt64<int32_t>(src, rows, out);
      } else {
        std::memcpy(out, src, n * 8);
      }
      break;
    }
    case TypeId::kVarchar: {
      const int32_t* off = col.offsets() + offset;
      const char* data = col.string_data();
      for (int64_t i = 0; i < rows; ++i) {
        if (col.IsNull(offset + i)) {  // an empty string, not a stale slot from a reset chunk
          duckdb_vector_assign_string_element_len(vec, static_cast<idx_t>(i), "", 0);
          continue;
        }
        duckdb_vector_assign_string_element_len(vec, static_cast<idx_t>(i), data + off[i],
                                                static_cast<idx_t>(off[i + 1] - off[i]));
      }
      break;
    }
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kDouble:
    case TypeId::kTimestamp:
    case TypeId::kDate:
    case TypeId::kInterval: {  // identical layouts (duckdb_interval == sluice::Interval)
      const size_t w = static_cast<size_t>(type.ByteWidth());
      std::memcpy(out, col.data_buffer().data() + static_cast<size_t>(offset) * w, n * w);
      break;
    }
  }
}


}  // namespace

std::string AppenderError(duckdb_appender appender) {
  const char* e = duckdb_appender_error(appender);
  return e != nullptr ? e : "unknown DuckDB appender error";
}

DuckDBChunkWriter::DuckDBChunkWriter(const Schema& schema) {
  std::vector<duckdb_logical_type> types;
  for (const Field& f : schema.fields()) types.push_back(NewDuckDBLogicalType(f.type));
  chunk_ = duckdb_create_data_chunk(types.data(), types.size());
  for (auto& t : types) duckdb_destroy_logical_type(&t);
}

DuckDBChunkWriter::~DuckDBChunkWriter() { duckdb_destroy_data_chunk(&chunk_); }

Status DuckDBChunkWriter::Append(duckdb_appender appender, const RecordBatch& batch,
                                 const std::string& target) {
  const int64_t capacity = static_cast<int64_t>(duckdb_vector_size());
  for (int64_t offset = 0; offset < batch.num_rows(); offset += capacity) {
    SLUICE_RETURN_NOT_OK(AppendSlice(appender, batch, offset,
                                     std::min(capacity, batch.num_rows() - offset), target));
  }
  return Status::OK();
}

Status DuckDBChunkWriter::AppendSlice(duckdb_appender appender, const RecordBatch& batch,
                                      int64_t offset, int64_t rows, const std::string& target) {
  duckdb_data_chunk_reset(chunk_);
  for (int c = 0; c < batch.num_columns(); ++c) {
    duckdb_vector vec = duckdb_data_chunk_get_vector(chunk_, static_cast<idx_t>(c));
    FillValidity(batch.column(c), offset, rows, vec);
    FillValues(batch.column(c), offset, rows, vec);
  }
  duckdb_data_chunk_set_size(chunk_, static_cast<idx_t>(rows));
  if (duckdb_append_data_chunk(appender, chunk_) != DuckDBSuccess) {
    return Status::Invalid("appending to " + target + " failed: " + AppenderError(appender));
  }
  return Status::OK();
}

}  // namespace sluice::warehouse
