#include "warehouse/postgres_copy_buffer.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "warehouse/postgres_client.h"
#include "warehouse/postgres_types.h"

namespace sluice::warehouse {

namespace {

// "PGCOPY\n\377\r\n\0", flags (no OIDs), header extension length.
constexpr uint8_t kCopyHeader[] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n',
                                   0,   0,   0,   0,   0,   0,   0,    0,    0};
constexpr uint8_t kCopyTrailer[] = {0xFF, 0xFF};  // field count -1
constexpr int kMaxPutBytes = 1 << 20;              // PQputCopyData takes an int length

// Bytes of one non-null value on the wire, for the fixed-width types.
int WireWidth(TypeId id) {
  switch (id) {
    case TypeId::kBoolean:
      return 1;
    case TypeId::kInt32:
    case TypeId::kDate:
      return 4;
    case TypeId::kInterval:
      return 16;
    default:
      return 8;
  }
}

// PostgreSQL's timestamp for unix microseconds. The int64 ends are +-infinity both
// ways; values PostgreSQL cannot hold become one it refuses, so the load fails loudly.
int64_t TimestampToPg(int64_t v) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (v == kMin || v == kMax) return v;
  if (v < kMin + kPgEpochMicros) return kMin + 1;
  return v - kPgEpochMicros;
}

int32_t DateToPg(int32_t v) {
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  if (v == kMin || v == kMax) return v;
  if (v < kMin + kPgEpochDays) return kMin + 1;
  return v - kPgEpochDays;
}

// Adds the wire size of each non-null value of `col` to sizes[i].
void AddValueSizes(const Column& col, int64_t n, int64_t* sizes) {
  const DataType& type = col.type();
  if (type.id == TypeId::kVarchar) {
    const int32_t* off = col.offsets();
    for (int64_t i = 0; i < n; ++i) {
      if (col.IsValid(i)) sizes[i] += off[i + 1] - off[i];
    }
  } else if (type.id == TypeId::kDecimal) {
    const int64_t* v = col.values<int64_t>();
    uint8_t scratch[kMaxNumericBytes];
    for (int64_t i = 0; i < n; ++i) {
      if (col.IsValid(i)) sizes[i] += EncodeNumeric(v[i], type.scale, scratch);
    }
  } else {
    const int w = WireWidth(type.id);
    for (int64_t i = 0; i < n; ++i) {
      if (col.IsValid(i)) sizes[i] += w;
    }
  }
}

// Writes the length word and value of every row of `col` at base + cursor[i] and
// advances the cursors; `write(i, out)` writes row i's value and returns its length.
template <typename Fn>
void WriteValues(const Column& col, int64_t n, uint8_t* base, int64_t* cursor, Fn write) {
  for (int64_t i = 0; i < n; ++i) {
    uint8_t* p = base + cursor[i];
    if (col.IsNull(i)) {
      StoreBE32(p, 0xFFFFFFFFu);  // -1: NULL
      cursor[i] += 4;
      continue;
    }
    const int len = write(i, p + 4);
    StoreBE32(p, static_cast<uint32_t>(len));
    cursor[i] += 4 + len;
  }
}

void WriteColumn(const Column& col, int64_t n, uint8_t* base, int64_t* cursor) {
  const DataType& type = col.type();
  switch (type.id) {
    case TypeId::kBoolean: {
      const uint8_t* v = col.values<uint8_t>();
      WriteValues(col, n, base, cursor, [v](int64_t i, uint8_t* out) {
        *out = v[i] != 0;
        return 1;
      });
      break;
    }
    case TypeId::kInt32: {
      const int32_t* v = col.values<int32_t>();
      WriteValues(col, n, base, cursor, [v](int64_t i, uint8_t* out) {
        StoreBE32(out, static_cast<uint32_t>(v[i]));
        return 4;
      });
      break;
    }
    case TypeId::kInt64: {
      const int64_t* v = col.values<int64_t>();
      WriteValues(col, n, base, cursor, [v](int64_t i, uint8_t* out) {
        StoreBE64(out, static_cast<uint64_t>(v[i]));
        return 8;
      });
      break;
    }
    case TypeId::kDouble: {
      const double* v = col.values<double>();
      WriteValues(col, n, base, cursor, [v](int64_t i, uint8_t* out) {
        StoreBE64(out, std::bit_cast<uint64_t>(v[i]));
        return 8;
      });
      break;
    }
    case TypeId::kDecimal: {
      const int64_t* v = col.values<int64_t>();
      const int scale = type.scale;
      WriteValues(col, n, base, cursor,
                  [v, scale](int64_t i, uint8_t* out) { return EncodeNumeric(v[i], scale, out); });
      break;
    }
    case TypeId::kVarchar: {
      const int32_t* off = col.offsets();
      const char* data = col.string_data();
      WriteValues(col, n, base, cursor, [off, data](int64_t i, uint8_t* out) {
        const int len = off[i + 1] - off[i];
        // A column of empty strings may have no string data at all (data == nullptr).
        if (len > 0) std::memcpy(out, data + off[i], static_cast<size_t>(len));
        return len;
      });
      break;
    }
    case TypeId::kTimestamp: {
      const int64_t* v = col.values<int64_t>();
      WriteValues(col, n, base, cursor, [v](int64_t i, uint8_t* out) {
        StoreBE64(out, static_cast<uint64_t>(TimestampToPg(v[i])));
        return 8;
      });
      break;
    }
    case TypeId::kDate: {
      const int32_t* v = col.values<int32_t>();
      WriteValues(col, n, base, cursor, [v](int64_t i, uint8_t* out) {
        StoreBE32(out, static_cast<uint32_t>(DateToPg(v[i])));
        return 4;
      });
      break;
    }
    case TypeId::kInterval: {
      const Interval* v = col.values<Interval>();
      WriteValues(col, n, base, cursor, [v](int64_t i, uint8_t* out) {
        StoreBE64(out, static_cast<uint64_t>(v[i].micros));
        StoreBE32(out + 8, static_cast<uint32_t>(v[i].days));
        StoreBE32(out + 12, static_cast<uint32_t>(v[i].months));
        return 16;
      });
      break;
    }
  }
}

}  // namespace

void PostgresCopyBuffer::Encode(const RecordBatch& batch) {
  const int64_t n = batch.num_rows();
  const int ncols = batch.num_columns();
  if (buffer_.empty()) buffer_.Append(kCopyHeader, sizeof(kCopyHeader));
  // Pass 1: the size of every row (field count, then a length word per field).
  cursor_.assign(static_cast<size_t>(n), 2 + 4 * int64_t{ncols});
  int64_t* cursor = cursor_.data();
  for (int c = 0; c < ncols; ++c) AddValueSizes(batch.column(c), n, cursor);
  // Turn sizes into start offsets within the buffer and write the field counts.
  int64_t at = static_cast<int64_t>(buffer_.size());
  for (int64_t i = 0; i < n; ++i) {
    const int64_t size = cursor[i];
    cursor[i] = at;
    at += size;
  }
  buffer_.Resize(static_cast<size_t>(at));
  uint8_t* base = buffer_.mutable_data();
  for (int64_t i = 0; i < n; ++i) {
    StoreBE16(base + cursor[i], static_cast<uint16_t>(ncols));
    cursor[i] += 2;
  }
  // Pass 2: one column at a time, each row's value at its cursor.
  for (int c = 0; c < ncols; ++c) WriteColumn(batch.column(c), n, base, cursor);
  rows_ += n;
}

Status PostgresCopyBuffer::Send(PGconn* conn, const std::string& copy_sql) {
  if (rows_ == 0) return Status::OK();
  PGresultPtr start(PQexec(conn, copy_sql.c_str()));
  if (start == nullptr || PQresultStatus(start.get()) != PGRES_COPY_IN) {
    Clear();
    return PostgresError(conn, start.get());
  }
  buffer_.Append(kCopyTrailer, sizeof(kCopyTrailer));
  bool sent = true;
  for (size_t off = 0; off < buffer_.size() && sent; off += kMaxPutBytes) {
    const int len = static_cast<int>(std::min(buffer_.size() - off, size_t{kMaxPutBytes}));
    sent = PQputCopyData(conn, reinterpret_cast<const char*>(buffer_.data()) + off, len) == 1;
  }
  const bool ended = PQputCopyEnd(conn, sent ? nullptr : "sluice could not send the rows") == 1;
  Status st;
  while (PGresult* r = PQgetResult(conn)) {
    if (st.ok() && PQresultStatus(r) != PGRES_COMMAND_OK) st = PostgresError(conn, r);
    PQclear(r);
  }
  if (st.ok() && (!sent || !ended)) st = PostgresError(conn, nullptr);
  buffer_.Clear();
  rows_ = 0;
  return st;
}

void PostgresCopyBuffer::Clear() {
  buffer_.Clear();
  rows_ = 0;
}

}  // namespace sluice::warehouse
