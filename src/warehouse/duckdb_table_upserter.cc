#include "warehouse/duckdb_table_upserter.h"

#include <atomic>

#include "warehouse/duckdb_commit_log.h"
#include "warehouse/duckdb_types.h"

namespace sluice::warehouse {

namespace {

std::atomic<int64_t> g_staging_counter{0};

bool IsReserved(const std::string& name) {
  return name.size() >= 8 && EqualsIgnoreCase(std::string_view(name).substr(0, 8), "_sluice_");
}

}  // namespace

Result<std::unique_ptr<TableUpserter>> DuckDBTableUpserter::Make(
    duckdb_connection conn, const TableName& table, const Schema& schema,
    const std::vector<std::string>& keys) {
  const std::string where = "upsert into " + table.ToString();
  for (const Field& f : schema.fields()) {
    if (IsReserved(f.name)) {
      return Status::Invalid(where + ": column '" + f.name +
                             "' uses the reserved prefix _sluice_; rename it in the query");
    }
  }
  if (keys.empty()) {
    return Status::Invalid(where + ": no key columns given; an upsert needs at least one");
  }
  std::vector<int> key_columns;
  std::vector<std::string> key_names;
  for (const std::string& k : keys) {
    const int index = schema.FieldIndex(k);
    if (index < 0) {
      return Status::Invalid(where + ": key column '" + k + "' is not a column of the data (" +
                             schema.ToString() + ")");
    }
    for (int seen : key_columns) {
      if (seen == index) return Status::Invalid(where + ": key column '" + k + "' is repeated");
    }
    const std::string type_error = KeyTypeError(schema.field(index).type);
    if (!type_error.empty()) {
      return Status::Invalid(where + ": key column '" + k + "': " + type_error);
    }
    key_columns.push_back(index);
    key_names.push_back(schema.field(index).name);
  }
  std::vector<Field> fields = schema.fields();
  fields.push_back({"_sluice_delete", DataType::Boolean()});
  fields.push_back({"_sluice_seq", DataType::Int64()});
  const std::string staging = "_sluice_upsert_" + std::to_string(++g_staging_counter);
  std::unique_ptr<DuckDBTableUpserter> upserter(
      new DuckDBTableUpserter(conn, table, Schema(std::move(fields)), std::move(key_columns),
                              std::move(key_names), staging));
  std::string create = "CREATE TEMP TABLE " + QuoteIdentifier(staging) + " (";
  for (int i = 0; i < upserter->staging_schema_.num_fields(); ++i) {
    const Field& f = upserter->staging_schema_.field(i);
    if (i > 0) create += ", ";
    create += QuoteIdentifier(f.name) + " " + DuckDBTypeName(f.type);
  }
  create += ")";
  SLUICE_RETURN_NOT_OK(DuckDBExec(conn, create).WithContext(where + ": creating the staging table"));
  upserter->BuildSql(schema);
  SLUICE_RETURN_NOT_OK(upserter->Open());
  return std::unique_ptr<TableUpserter>(std::move(upserter));
}

DuckDBTableUpserter::DuckDBTableUpserter(duckdb_connection conn, TableName table,
                                         Schema staging_schema, std::vector<int> key_columns,
                                         std::vector<std::string> key_names, std::string staging)
    : conn_(conn),
      table_(std::move(table)),
      staging_schema_(std::move(staging_schema)),
      num_fields_(staging_schema_.num_fields() - 2),
      key_columns_(key_columns),
      staging_(std::move(staging)),
      writer_(staging_schema_),
      compactor_(std::move(key_columns), std::move(key_names)) {}

DuckDBTableUpserter::~DuckDBTableUpserter() {
  // Destroyed without Close: pending changes are dropped, not committed (Close commits).
  DiscardPending();
  (void)DuckDBExec(conn_, "DROP TABLE IF EXISTS temp.main." + QuoteIdentifier(staging_));
}

void DuckDBTableUpserter::BuildSql(const Schema& schema) {
  const std::string s = "temp.main." + QuoteIdentifier(staging_);
  const std::string t = table_.ToSql();
  std::string keys;
  std::string match_target;
  std::string match_latest;
  for (size_t i = 0; i < key_columns_.size(); ++i) {
    const std::string k = QuoteIdentifier(schema.field(key_columns_[i]).name);
    const std::string sep = i == 0 ? "" : " AND ";
    keys += (i == 0 ? "" : ", ") + k;
    match_target += sep + "t." + k + " = s." + k;
    match_latest += sep + "s." + k + " = l." + k;
  }
  std::string columns;
  for (int i = 0; i < schema.num_fields(); ++i) {
    columns += (i == 0 ? "" : ", ") + QuoteIdentifier(schema.field(i).name);
  }
  dedupe_sql_ = "DELETE FROM " + s + " AS s USING (SELECT " + keys +
                ", max(_sluice_seq) AS _sluice_last FROM " + s + " GROUP BY " + keys +
                ") AS l WHERE " + match_latest + " AND s._sluice_seq < l._sluice_last";
  apply_sql_ = "DELETE FROM " + t + " AS t USING " + s + " AS s WHERE " + match_target +
               ";\nINSERT INTO " + t + " (" + columns + ") SELECT " + columns + " FROM " + s +
               " WHERE NOT _sluice_delete;\nDELETE FROM " + s;
}

Status DuckDBTableUpserter::Open() {
  if (duckdb_appender_create_ext(conn_, "temp", "main", staging_.c_str(), &appender_) !=
      DuckDBSuccess) {
    Status st = Status::Invalid("cannot stage changes for " + table_.ToString() + ": " +
                                AppenderError(appender_));
    duckdb_appender_destroy(&appender_);
    appender_ = nullptr;
    return st;
  }
  return Status::OK();
}

void DuckDBTableUpserter::DiscardPending() {
  // Destroying the appender flushes what it buffers into the staging table, inside the
  // open transaction, which the rollback then undoes.
  if (appender_ != nullptr) duckdb_appender_destroy(&appender_);
  appender_ = nullptr;
  if (in_transaction_) (void)DuckDBExec(conn_, "ROLLBACK");
  in_transaction_ = false;
  staged_batches_ = 0;
}

Status DuckDBTableUpserter::Fail(Status error) {
  const bool had_changes = in_transaction_;
  DiscardPending();
  if (!had_changes) return error;
  return error.WithContext("changes written to " + table_.ToString() +
                           " since the last flush were rolled back");
}

Status DuckDBTableUpserter::Write(const RecordBatch& batch) {
  all_inserts_.assign(static_cast<size_t>(batch.num_rows()), ChangeOp::kInsert);
  return WriteRows(batch, all_inserts_);
}

Status DuckDBTableUpserter::WriteChanges(const ChangeBatch& changes) {
  if (changes.rows == nullptr) return Status::Invalid("change batch without rows");
  return WriteRows(*changes.rows, changes.ops);
}

Status DuckDBTableUpserter::WriteRows(const RecordBatch& rows, const std::vector<ChangeOp>& ops) {
  if (closed_) return Status::Invalid("upserter for " + table_.ToString() + " is closed");
  if (rows.num_columns() != num_fields_) {
    return Status::Invalid("batch has " + std::to_string(rows.num_columns()) +
                           " columns, upserter for " + table_.ToString() + " expects " +
                           std::to_string(num_fields_));
  }
  for (int c = 0; c < num_fields_; ++c) {
    if (!(rows.column(c).type() == staging_schema_.field(c).type)) {
      return Status::Invalid("column '" + staging_schema_.field(c).name + "' is " +
                             rows.column(c).type().ToString() + " in the batch but " +
                             staging_schema_.field(c).type.ToString() + " in the upserter for " +
                             table_.ToString());
    }
  }
  SLUICE_RETURN_NOT_OK(compactor_.Compact(rows, ops, &selection_)
                           .WithContext("changes for " + table_.ToString()));
  const int64_t n = rows.num_rows();
  const auto m = static_cast<int64_t>(selection_.size());
  if (m == 0) return Status::OK();
  const int32_t* sel = selection_.data();
  std::vector<ColumnPtr> columns;
  columns.reserve(static_cast<size_t>(num_fields_) + 2);
  for (int c = 0; c < num_fields_; ++c) {
    if (m == n) {  // every key distinct: pass the columns through
      columns.push_back(rows.column_ptr(c));
      continue;
    }
    auto col = std::make_shared<Column>(rows.column(c).type());
    col->AppendSelected(rows.column(c), sel, m);
    columns.push_back(std::move(col));
  }
  auto removal = std::make_shared<Column>(DataType::Boolean());
  auto seq = std::make_shared<Column>(DataType::Int64());
  removal->ResizeFixed(m);
  seq->ResizeFixed(m);
  uint8_t* rm = removal->mutable_values<uint8_t>();
  int64_t* sq = seq->mutable_values<int64_t>();
  for (int64_t i = 0; i < m; ++i) {
    rm[i] = IsRemoval(ops[static_cast<size_t>(sel[i])]) ? 1 : 0;
    sq[i] = next_seq_ + sel[i];
  }
  columns.push_back(std::move(removal));
  columns.push_back(std::move(seq));
  next_seq_ += n;
  const RecordBatch staged(nullptr, std::move(columns), m);
  if (appender_ == nullptr) SLUICE_RETURN_NOT_OK(Open());
  if (!in_transaction_) {
    SLUICE_RETURN_NOT_OK(DuckDBExec(conn_, "BEGIN TRANSACTION"));
    in_transaction_ = true;
  }
  Status st = writer_.Append(appender_, staged, "the staging table of " + table_.ToString());
  if (!st.ok()) return Fail(st);
  ++staged_batches_;
  return Status::OK();
}

Status DuckDBTableUpserter::ApplyStaged() {
  if (appender_ != nullptr && duckdb_appender_flush(appender_) != DuckDBSuccess) {
    return Status::Invalid("staging changes for " + table_.ToString() +
                           " failed: " + AppenderError(appender_));
  }
  if (staged_batches_ > 1) {
    SLUICE_RETURN_NOT_OK(DuckDBExec(conn_, dedupe_sql_)
                             .WithContext("compacting the changes for " + table_.ToString()));
  }
  if (staged_batches_ > 0) {
    SLUICE_RETURN_NOT_OK(
        DuckDBExec(conn_, apply_sql_).WithContext("applying changes to " + table_.ToString()));
  }
  staged_batches_ = 0;
  return Status::OK();
}

Status DuckDBTableUpserter::Flush() {
  if (closed_ || !in_transaction_) return Status::OK();
  Status st = ApplyStaged();
  if (st.ok()) {
    st = DuckDBExec(conn_, "COMMIT").WithContext("committing changes to " + table_.ToString());
    if (st.ok()) {
      in_transaction_ = false;
      return st;
    }
  }
  return Fail(st);
}

Status DuckDBTableUpserter::FlushWithCommit(const std::string& sink, int64_t checkpoint_id,
                                            const std::string& position) {
  if (closed_) return Status::Invalid("upserter for " + table_.ToString() + " is closed");
  const bool had_changes = in_transaction_;
  if (!in_transaction_) {
    SLUICE_RETURN_NOT_OK(DuckDBExec(conn_, "BEGIN TRANSACTION"));
    in_transaction_ = true;
  }
  Status st = ApplyStaged();
  if (st.ok()) st = RecordCommit(conn_, sink, checkpoint_id, position);
  if (st.ok()) {
    st = DuckDBExec(conn_, "COMMIT").WithContext("committing changes to " + table_.ToString());
    if (st.ok()) {
      in_transaction_ = false;
      return st;
    }
  }
  if (!had_changes) {
    DiscardPending();
    return st;
  }
  return Fail(st);
}

Status DuckDBTableUpserter::Close() {
  if (closed_) return Status::OK();
  Status st = Flush();
  DiscardPending();
  closed_ = true;
  return st;
}

}  // namespace sluice::warehouse
