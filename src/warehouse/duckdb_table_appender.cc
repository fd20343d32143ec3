#include "warehouse/duckdb_table_appender.h"

#include <algorithm>
#include <cstring>

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

std::string AppenderError(duckdb_appender appender) {
  const char* e = duckdb_appender_error(appender);
  return e != nullptr ? e : "unknown DuckDB appender error";
}

}  // namespace

Result<std::unique_ptr<TableAppender>> DuckDBTableAppender::Make(duckdb_connection conn,
                                                                 const TableName& table,
                                                                 const Schema& schema) {
  std::unique_ptr<DuckDBTableAppender> appender(new DuckDBTableAppender(conn, table, schema));
  SLUICE_RETURN_NOT_OK(appender->Open());
  return std::unique_ptr<TableAppender>(std::move(appender));
}

DuckDBTableAppender::DuckDBTableAppender(duckdb_connection conn, TableName table, Schema schema)
    : conn_(conn), table_(std::move(table)), schema_(std::move(schema)) {
  std::vector<duckdb_logical_type> types;
  for (const Field& f : schema_.fields()) types.push_back(NewDuckDBLogicalType(f.type));
  chunk_ = duckdb_create_data_chunk(types.data(), types.size());
  for (auto& t : types) duckdb_destroy_logical_type(&t);
}

DuckDBTableAppender::~DuckDBTableAppender() {
  // Destroyed without Close: pending rows are dropped, not committed (Close commits).
  DiscardPending();
  duckdb_destroy_data_chunk(&chunk_);
}

Status DuckDBTableAppender::Open() {
  const char* schema_name = table_.schema.empty() ? nullptr : table_.schema.c_str();
  if (duckdb_appender_create(conn_, schema_name, table_.table.c_str(), &appender_) !=
      DuckDBSuccess) {
    Status st = Status::Invalid("cannot append to table " + table_.ToString() + ": " +
                                AppenderError(appender_));
    duckdb_appender_destroy(&appender_);
    appender_ = nullptr;
    return st;
  }
  for (const Field& f : schema_.fields()) {
    if (duckdb_appender_add_column(appender_, f.name.c_str()) != DuckDBSuccess) {
      Status st = Status::Invalid("cannot append to table " + table_.ToString() + ", column '" +
                                  f.name + "': " + AppenderError(appender_));
      duckdb_appender_destroy(&appender_);
      appender_ = nullptr;
      return st;
    }
  }
  return Status::OK();
}

void DuckDBTableAppender::DiscardPending() {
  // duckdb_appender_destroy flushes what it buffers, so destroy it inside the open
  // transaction and roll that back; outside a transaction nothing is buffered.
  if (appender_ != nullptr) duckdb_appender_destroy(&appender_);
  appender_ = nullptr;
  if (in_transaction_) (void)RunSql("ROLLBACK");
  in_transaction_ = false;
}

Status DuckDBTableAppender::RunSql(const char* sql) {
  duckdb_result res;
  Status st;
  if (duckdb_query(conn_, sql, &res) != DuckDBSuccess) {
    st = Status::Invalid(std::string(sql) + " failed: " + duckdb_result_error(&res));
  }
  duckdb_destroy_result(&res);
  return st;
}

Status DuckDBTableAppender::Fail(Status error) {
  // After an error DuckDB's appender accepts nothing more: drop it and start a fresh
  // one at the next Write.
  const bool had_rows = in_transaction_;
  DiscardPending();
  if (!had_rows) return error;
  return error.WithContext("rows written to " + table_.ToString() +
                           " since the last flush were rolled back");
}

Status DuckDBTableAppender::Write(const RecordBatch& batch) {
  if (closed_) return Status::Invalid("appender for " + table_.ToString() + " is closed");
  if (batch.num_columns() != schema_.num_fields()) {
    return Status::Invalid("batch has " + std::to_string(batch.num_columns()) +
                           " columns, appender for " + table_.ToString() + " expects " +
                           std::to_string(schema_.num_fields()));
  }
  for (int c = 0; c < batch.num_columns(); ++c) {
    if (!(batch.column(c).type() == schema_.field(c).type)) {
      return Status::Invalid("column '" + schema_.field(c).name + "' is " +
                             batch.column(c).type().ToString() + " in the batch but " +
                             schema_.field(c).type.ToString() + " in the appender for " +
                             table_.ToString());
    }
  }
  if (batch.num_rows() == 0) return Status::OK();
  if (appender_ == nullptr) SLUICE_RETURN_NOT_OK(Open());
  if (!in_transaction_) {
    SLUICE_RETURN_NOT_OK(RunSql("BEGIN TRANSACTION"));
    in_transaction_ = true;
  }
  const int64_t capacity = static_cast<int64_t>(duckdb_vector_size());
  for (int64_t offset = 0; offset < batch.num_rows(); offset += capacity) {
    Status st = AppendSlice(batch, offset, std::min(capacity, batch.num_rows() - offset));
    if (!st.ok()) return Fail(st);
  }
  return Status::OK();
}

Status DuckDBTableAppender::AppendSlice(const RecordBatch& batch, int64_t offset, int64_t rows) {
  duckdb_data_chunk_reset(chunk_);
  for (int c = 0; c < batch.num_columns(); ++c) {
    duckdb_vector vec = duckdb_data_chunk_get_vector(chunk_, static_cast<idx_t>(c));
    FillValidity(batch.column(c), offset, rows, vec);
    FillValues(batch.column(c), offset, rows, vec);
  }
  duckdb_data_chunk_set_size(chunk_, static_cast<idx_t>(rows));
  if (duckdb_append_data_chunk(appender_, chunk_) != DuckDBSuccess) {
    return Status::Invalid("appending to " + table_.ToString() +
                           " failed: " + AppenderError(appender_));
  }
  return Status::OK();
}

Status DuckDBTableAppender::Flush() {
  if (closed_ || !in_transaction_) return Status::OK();
  if (duckdb_appender_flush(appender_) != DuckDBSuccess) {
    return Fail(Status::Invalid("flushing rows into " + table_.ToString() +
                                " failed: " + AppenderError(appender_)));
  }
  Status st = RunSql("COMMIT");
  in_transaction_ = false;
  return st;
}

Status DuckDBTableAppender::Close() {
  if (closed_) return Status::OK();
  Status st = Flush();
  DiscardPending();
  closed_ = true;
  return st;
}

}  // namespace sluice::warehouse
