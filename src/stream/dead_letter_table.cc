#include "stream/dead_letter_table.h"

#include <map>
#include <set>
#include <utility>

#include "core/record_batch.h"
#include "core/time.h"
#include "warehouse/table_name.h"

namespace sluice::stream {

namespace {

constexpr int kColumns = 8;  // the columns Select reads before replayed_at: id .. raw

// The appended columns (replayed_at stays NULL); matched by name, so the table's column
// order (checkpoint after replayed_at, added to older tables) does not matter.
std::vector<Field> AppendFields() {
  return {{"id", DataType::Int64()},          {"time", DataType::Timestamp()},
          {"pipeline", DataType::Varchar()},  {"connector", DataType::Varchar()},
          {"kind", DataType::Varchar()},      {"location", DataType::Varchar()},
          {"error", DataType::Varchar()},     {"raw", DataType::Varchar()},
          {"checkpoint", DataType::Int64()}};
}

std::string TableSql() { return warehouse::QuoteIdentifier(kDeadLetterTableName); }

std::string TimestampLiteral(int64_t micros) {
  return "CAST(" + warehouse::QuoteLiteral(FormatTimestamp(micros)) + " AS TIMESTAMP)";
}

std::string IdList(const std::vector<int64_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out;
}

// `s` as valid UTF-8 without NUL bytes (both warehouses refuse either in VARCHAR, and
// one bad value would fail the whole batch): each offending byte becomes U+FFFD.
std::string_view CleanText(std::string_view s, std::string* scratch) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  // Length of the valid UTF-8 sequence at i (0 = invalid or NUL).
  const auto valid_at = [p, n](size_t i) -> size_t {
    const unsigned char c = p[i];
    if (c == 0) return 0;
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (i + len > n) return 0;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
  };
  size_t i = 0;
  while (i < n) {
    const size_t len = valid_at(i);
    if (len == 0) break;
    i += len;
  }
  if (i == n) return s;
  scratch->assign(s.substr(0, i));
  while (i < n) {
    const size_t len = valid_at(i);
    if (len == 0) {
      *scratch += "\xEF\xBF\xBD";
      ++i;
    } else {
      scratch->append(s.substr(i, len));
      i += len;
    }
  }
  return *scratch;
}

std::string Str(const Column& c, int64_t r) {
  return c.IsNull(r) ? std::string() : std::string(c.GetString(r));
}

}  // namespace

SchemaPtr DeadLetterSchema() {
  std::vector<Field> fields = AppendFields();
  fields.insert(fields.begin() + kColumns, {"replayed_at", DataType::Timestamp()});
  return MakeSchema(std::move(fields));
}

Result<std::unique_ptr<DeadLetterTable>> DeadLetterTable::Open(warehouse::Warehouse* wh) {
  if (wh == nullptr) return Status::Invalid("no warehouse for the dead-letter table");
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::Connection> conn, wh->Connect());
  SLUICE_RETURN_NOT_OK(conn->EnsureTable(kDeadLetterTableName, *DeadLetterSchema())
                           .WithContext("cannot create the dead-letter table " +
                                        std::string(kDeadLetterTableName)));
  SLUICE_ASSIGN_OR_RETURN(warehouse::QueryResult max,
                          conn->Query("SELECT CAST(max(id) AS BIGINT) FROM " + TableSql()));
  std::unique_ptr<DeadLetterTable> t(new DeadLetterTable(std::move(conn)));
  if (!max.batches.empty() && max.batches[0]->num_rows() > 0 &&
      !max.batches[0]->column(0).IsNull(0)) {
    t->next_id_ = max.batches[0]->column(0).Get<int64_t>(0) + 1;
  }
  t->append_schema_ = MakeSchema(AppendFields());
  t->describe_ = "table " + std::string(kDeadLetterTableName) + " in " + wh->Describe();
  return t;
}

Status DeadLetterTable::DropStoredDuplicates(std::vector<DeadLetter>* rows) {
  // (pipeline, connector) -> locations of the stable rows.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> stable;
  for (const DeadLetter& d : *rows) {
    if (d.stable_location) stable[{d.pipeline, d.connector}];
  }
  if (stable.empty()) return Status::OK();
  constexpr size_t kPerQuery = 1000;
  for (auto& [who, stored] : stable) {
    std::vector<std::string> wanted;
    for (const DeadLetter& d : *rows) {
      if (d.stable_location && d.pipeline == who.first && d.connector == who.second) {
        wanted.push_back(d.location);
      }
    }
    for (size_t i = 0; i < wanted.size(); i += kPerQuery) {
      std::string in;
      std::string scratch;
      for (size_t k = i; k < wanted.size() && k < i + kPerQuery; ++k) {
        in += (k > i ? "," : "") + warehouse::QuoteLiteral(CleanText(wanted[k], &scratch));
      }
      SLUICE_ASSIGN_OR_RETURN(
          warehouse::QueryResult res,
          conn_->Query("SELECT location FROM " + TableSql() + " WHERE pipeline = " +
                       warehouse::QuoteLiteral(CleanText(who.first, &scratch)) +
                       " AND connector = " +
                       warehouse::QuoteLiteral(CleanText(who.second, &scratch)) +
                       " AND location IN (" + in + ")"));
      for (const RecordBatchPtr& batch : res.batches) {
        for (int64_t r = 0; r < batch->num_rows(); ++r) stored.insert(Str(batch->column(0), r));
      }
    }
  }
  std::vector<DeadLetter> kept;
  kept.reserve(rows->size());
  for (DeadLetter& d : *rows) {
    if (d.stable_location) {
      std::string scratch;
      std::set<std::string>& seen = stable[{d.pipeline, d.connector}];
      // Stored and compared in the cleaned form the table holds.
      if (!seen.insert(std::string(CleanText(d.location, &scratch))).second) continue;
    }
    kept.push_back(std::move(d));
  }
  rows->swap(kept);
  return Status::OK();
}

Status DeadLetterTable::Write(std::vector<DeadLetter>* rows) {
  SLUICE_RETURN_NOT_OK(DropStoredDuplicates(rows));
  if (rows->empty()) return Status::OK();
  BatchBuilder b(append_schema_, static_cast<int64_t>(rows->size()));
  std::string scratch;
  for (DeadLetter& d : *rows) {
    d.id = next_id_++;
    b.column(0)->Append<int64_t>(d.id);
    b.column(1)->Append<int64_t>(d.time);
    const std::string* texts[] = {&d.pipeline, &d.connector, &d.kind,
                                  &d.location, &d.error,     &d.raw};
    for (int c = 0; c < 6; ++c) b.column(2 + c)->AppendString(CleanText(*texts[c], &scratch));
    if (d.checkpoint > 0) {
      b.column(8)->Append<int64_t>(d.checkpoint);
    } else {
      b.column(8)->AppendNull();
    }
  }
  RecordBatchPtr batch = b.Finish();
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::TableAppender> app,
                          conn_->Append(kDeadLetterTableName, *append_schema_));
  SLUICE_RETURN_NOT_OK(app->Write(*batch));
  return app->Close();
}

Result<std::vector<DeadLetter>> DeadLetterTable::Select(const std::string& where,
                                                        int64_t limit) {
  std::string sql =
      "SELECT id, time, pipeline, connector, kind, location, error, raw, replayed_at, checkpoint FROM " +
      TableSql() + (where.empty() ? "" : " WHERE " + where) + " ORDER BY id";
  if (limit >= 0) sql += " LIMIT " + std::to_string(limit);
  SLUICE_ASSIGN_OR_RETURN(warehouse::QueryResult res, conn_->Query(sql));
  std::vector<DeadLetter> out;
  for (const RecordBatchPtr& batch : res.batches) {
    if (batch->num_columns() != kColumns + 2) {
      return Status::Internal("unexpected shape of " + std::string(kDeadLetterTableName));
    }
    for (int64_t r = 0; r < batch->num_rows(); ++r) {
      DeadLetter d;
      d.id = batch->column(0).Get<int64_t>(r);
      d.time = batch->column(1).IsNull(r) ? 0 : batch->column(1).Get<int64_t>(r);
      d.pipeline = Str(batch->column(2), r);
      d.connector = Str(batch->column(3), r);
      d.kind = Str(batch->column(4), r);
      d.location = Str(batch->column(5), r);
      d.error = Str(batch->column(6), r);
      d.raw = Str(batch->column(7), r);
      if (!batch->column(8).IsNull(r)) d.replayed_at = batch->column(8).Get<int64_t>(r);
      if (!batch->column(9).IsNull(r)) d.checkpoint = batch->column(9).Get<int64_t>(r);
      out.push_back(std::move(d));
    }
  }
  return out;
}

Result<std::vector<DeadLetter>> DeadLetterTable::List(const DeadLetterFilter& filter) {
  std::string where;
  const auto add = [&where](const std::string& cond) {
    where += (where.empty() ? "" : " AND ") + cond;
  };
  if (!filter.source.empty()) {
    const std::string s = warehouse::QuoteLiteral(filter.source);
    add("(pipeline = " + s + " OR connector = " + s + ")");
  }
  if (!filter.ids.empty()) add("id IN (" + IdList(filter.ids) + ")");
  if (filter.only_not_replayed) add("replayed_at IS NULL");
  return Select(where, filter.limit);
}

Result<int64_t> DeadLetterTable::Count() {
  SLUICE_ASSIGN_OR_RETURN(warehouse::QueryResult res,
                          conn_->Query("SELECT CAST(count(*) AS BIGINT) FROM " + TableSql()));
  if (res.batches.empty() || res.batches[0]->num_rows() == 0) return int64_t{0};
  return res.batches[0]->column(0).Get<int64_t>(0);
}

Result<std::optional<DeadLetter>> DeadLetterTable::Get(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<DeadLetter> rows, Select("id = " + std::to_string(id), 1));
  if (rows.empty()) return std::optional<DeadLetter>();
  return std::optional<DeadLetter>(std::move(rows[0]));
}

Result<int64_t> DeadLetterTable::DeleteUncommitted(const std::string& pipeline, int64_t after) {
  std::string scratch;
  const std::string where = " WHERE pipeline = " + warehouse::QuoteLiteral(CleanText(pipeline, &scratch)) +
                            " AND checkpoint > " + std::to_string(after) + " AND replayed_at IS NULL";
  SLUICE_ASSIGN_OR_RETURN(warehouse::QueryResult res,
                          conn_->Query("SELECT CAST(count(*) AS BIGINT) FROM " + TableSql() + where));
  int64_t n = 0;
  if (!res.batches.empty() && res.batches[0]->num_rows() > 0) n = res.batches[0]->column(0).Get<int64_t>(0);
  if (n > 0) SLUICE_RETURN_NOT_OK(conn_->Execute("DELETE FROM " + TableSql() + where));
  return n;
}

Status DeadLetterTable::MarkReplayed(const std::vector<int64_t>& ids, int64_t when) {
  if (ids.empty()) return Status::OK();
  return conn_->Execute("UPDATE " + TableSql() + " SET replayed_at = " + TimestampLiteral(when) +
                        " WHERE replayed_at IS NULL AND id IN (" + IdList(ids) + ")");
}

}  // namespace sluice::stream
