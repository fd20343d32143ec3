#include "warehouse/postgres_result_reader.h"

#include <bit>
#include <cstring>
#include <limits>

#include "warehouse/postgres_client.h"

namespace sluice::warehouse {

namespace {

// The single-row results of one batch, cleared together.
class RowResults {
 public:
  ~RowResults() { Clear(); }
  void Add(PGresult* r) { rows_.push_back(r); }
  void Clear() {
    for (PGresult* r : rows_) PQclear(r);
    rows_.clear();
  }
  size_t size() const { return rows_.size(); }
  const std::vector<PGresult*>& rows() const { return rows_; }

 private:
  std::vector<PGresult*> rows_;
};

double BitsToDouble(uint64_t bits) { return std::bit_cast<double>(bits); }

// Unix microseconds for a PostgreSQL timestamp; +-infinity stay at the int64 ends.
int64_t TimestampFromPg(int64_t v) {
  if (v == std::numeric_limits<int64_t>::max() || v == std::numeric_limits<int64_t>::min())
    return v;
  return v + kPgEpochMicros;
}

int32_t DateFromPg(int32_t v) {
  if (v == std::numeric_limits<int32_t>::max() || v == std::numeric_limits<int32_t>::min())
    return v;
  return v + kPgEpochDays;
}

Status Malformed(const Field& f, int len) {
  return Status::Internal("column '" + f.name + "': unexpected " + std::to_string(len) +
                          "-byte binary value for " + f.type.ToString());
}

// Decodes column `c` of every row with `decode(data, len, T* out) -> bool`, where the
// value is `width` bytes (0 = any length); a false return fails with `error`.
template <typename T, typename Fn>
Result<ColumnPtr> ReadFixed(const std::vector<PGresult*>& rows, int c, const Field& field,
                            int width, Fn decode) {
  auto col = std::make_shared<Column>(field.type);
  const int64_t n = static_cast<int64_t>(rows.size());
  col->ResizeFixed(n);
  T* out = col->mutable_values<T>();
  for (int64_t i = 0; i < n; ++i) {
    PGresult* r = rows[static_cast<size_t>(i)];
    if (PQgetisnull(r, 0, c)) {
      out[i] = T{};
      col->SetNull(i);
      continue;
    }
    const int len = PQgetlength(r, 0, c);
    if (width != 0 && len != width) return Malformed(field, len);
    if (!decode(PQgetvalue(r, 0, c), len, &out[i])) {
      return Status::Invalid("column '" + field.name + "' holds a value that " +
                             field.type.ToString() +
                             " cannot represent (NaN, infinity or more digits); cast it to "
                             "double precision or text in the query");
    }
  }
  return ColumnPtr(std::move(col));
}

Result<ColumnPtr> ReadText(const std::vector<PGresult*>& rows, int c, const Field& field) {
  auto col = std::make_shared<Column>(field.type);
  int64_t bytes = 0;
  for (PGresult* r : rows) bytes += PQgetlength(r, 0, c);
  col->Reserve(static_cast<int64_t>(rows.size()), bytes);
  for (PGresult* r : rows) {
    if (PQgetisnull(r, 0, c)) {
      col->AppendNull();
    } else {
      col->AppendString(
          std::string_view(PQgetvalue(r, 0, c), static_cast<size_t>(PQgetlength(r, 0, c))));
    }
  }
  return ColumnPtr(std::move(col));
}

Result<ColumnPtr> ReadColumn(const std::vector<PGresult*>& rows, int c, const Field& field,
                             PgReader reader) {
  switch (reader) {
    case PgReader::kBool:
      return ReadFixed<uint8_t>(rows, c, field, 1, [](const char* p, int, uint8_t* o) {
        *o = *p != 0;
        return true;
      });
    case PgReader::kInt2:
      return ReadFixed<int32_t>(rows, c, field, 2, [](const char* p, int, int32_t* o) {
        *o = static_cast<int16_t>(LoadBE16(p));
        return true;
      });
    case PgReader::kInt4:
      return ReadFixed<int32_t>(rows, c, field, 4, [](const char* p, int, int32_t* o) {
        *o = static_cast<int32_t>(LoadBE32(p));
        return true;
      });
    case PgReader::kInt8:
      return ReadFixed<int64_t>(rows, c, field, 8, [](const char* p, int, int64_t* o) {
        *o = static_cast<int64_t>(LoadBE64(p));
        return true;
      });
    case PgReader::kFloat4:
      return ReadFixed<double>(rows, c, field, 4, [](const char* p, int, double* o) {
        *o = std::bit_cast<float>(LoadBE32(p));
        return true;
      });
    case PgReader::kFloat8:
      return ReadFixed<double>(rows, c, field, 8, [](const char* p, int, double* o) {
        *o = BitsToDouble(LoadBE64(p));
        return true;
      });
    case PgReader::kNumericDecimal: {
      const int scale = field.type.scale;
      return ReadFixed<int64_t>(rows, c, field, 0, [scale](const char* p, int len, int64_t* o) {
        return DecodeNumericUnscaled(p, len, scale, o);
      });
    }
    case PgReader::kNumericDouble:
      return ReadFixed<double>(rows, c, field, 0, [](const char* p, int len, double* o) {
        *o = DecodeNumericDouble(p, len);
        return true;
      });
    case PgReader::kText:
      return ReadText(rows, c, field);
    case PgReader::kTimestamp:
      return ReadFixed<int64_t>(rows, c, field, 8, [](const char* p, int, int64_t* o) {
        *o = TimestampFromPg(static_cast<int64_t>(LoadBE64(p)));
        return true;
      });
    case PgReader::kDate:
      return ReadFixed<int32_t>(rows, c, field, 4, [](const char* p, int, int32_t* o) {
        *o = DateFromPg(static_cast<int32_t>(LoadBE32(p)));
        return true;
      });
    case PgReader::kInterval:
      return ReadFixed<Interval>(rows, c, field, 16, [](const char* p, int, Interval* o) {
        o->micros = static_cast<int64_t>(LoadBE64(p));
        o->days = static_cast<int32_t>(LoadBE32(p + 8));
        o->months = static_cast<int32_t>(LoadBE32(p + 12));
        return true;
      });
    case PgReader::kCastToText:
      break;
  }
  return Status::Internal("column '" + field.name + "' was not cast to text before reading");
}

Result<RecordBatchPtr> MakeBatch(const SchemaPtr& schema, const std::vector<PgReader>& readers,
                                 const RowResults& rows) {
  std::vector<ColumnPtr> columns;
  for (int c = 0; c < schema->num_fields(); ++c) {
    SLUICE_ASSIGN_OR_RETURN(ColumnPtr col, ReadColumn(rows.rows(), c, schema->field(c),
                                                      readers[static_cast<size_t>(c)]));
    columns.push_back(std::move(col));
  }
  return std::make_shared<const RecordBatch>(schema, std::move(columns),
                                             static_cast<int64_t>(rows.size()));
}

}  // namespace

Result<QueryResult> ReadPostgresRows(PGconn* conn, SchemaPtr schema,
                                     const std::vector<PgReader>& readers) {
  (void)PQsetSingleRowMode(conn);  // fails only when a result was already taken
  QueryResult out;
  out.schema = schema;
  Status error;
  RowResults pending;
  auto flush = [&] {
    if (pending.size() == 0 || !error.ok()) return;
    Result<RecordBatchPtr> batch = MakeBatch(schema, readers, pending);
    if (batch.ok()) {
      out.batches.push_back(std::move(*batch));
    } else {
      error = batch.status();
    }
    pending.Clear();
  };
  // Read to the end even after an error: the connection must be drained to be reused.
  while (PGresult* r = PQgetResult(conn)) {
    switch (PQresultStatus(r)) {
      case PGRES_SINGLE_TUPLE:
        if (!error.ok()) {
          PQclear(r);
          break;
        }
        pending.Add(r);
        if (static_cast<int64_t>(pending.size()) >= kDefaultBatchRows) flush();
        break;
      case PGRES_TUPLES_OK:
      case PGRES_COMMAND_OK:
      case PGRES_EMPTY_QUERY:
        PQclear(r);
        break;
      default:
        if (error.ok()) error = PostgresError(conn, r);
        PQclear(r);
        break;
    }
  }
  flush();
  if (!error.ok()) return error;
  if (PQstatus(conn) == CONNECTION_BAD) return PostgresError(conn, nullptr);
  return out;
}

}  // namespace sluice::warehouse
