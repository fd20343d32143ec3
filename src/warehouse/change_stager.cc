#include "warehouse/change_stager.h"

#include "warehouse/batch_shape.h"
#include "warehouse/table_name.h"

namespace sluice::warehouse {

namespace {

bool IsReserved(const std::string& name) {
  return name.size() >= 8 && EqualsIgnoreCase(std::string_view(name).substr(0, 8), "_sluice_");
}

}  // namespace

Result<UpsertKeys> ResolveUpsertKeys(const std::string& where, const Schema& schema,
                                     const std::vector<std::string>& keys) {
  for (const Field& f : schema.fields()) {
    if (IsReserved(f.name)) {
      return Status::Invalid(where + ": column '" + f.name +
                             "' uses the reserved prefix _sluice_; rename it in the query");
    }
  }
  if (keys.empty()) {
    return Status::Invalid(where + ": no key columns given; an upsert needs at least one");
  }
  UpsertKeys out;
  for (const std::string& k : keys) {
    const int index = schema.FieldIndex(k);
    if (index < 0) {
      return Status::Invalid(where + ": key column '" + k + "' is not a column of the data (" +
                             schema.ToString() + ")");
    }
    for (int seen : out.columns) {
      if (seen == index) return Status::Invalid(where + ": key column '" + k + "' is repeated");
    }
    const std::string type_error = KeyTypeError(schema.field(index).type);
    if (!type_error.empty()) {
      return Status::Invalid(where + ": key column '" + k + "': " + type_error);
    }
    out.columns.push_back(index);
    out.names.push_back(schema.field(index).name);
  }
  return out;
}

Schema StagingSchema(const Schema& schema) {
  std::vector<Field> fields = schema.fields();
  fields.push_back({"_sluice_delete", DataType::Boolean()});
  fields.push_back({"_sluice_seq", DataType::Int64()});
  return Schema(std::move(fields));
}

UpsertStatements BuildUpsertStatements(const std::string& target_sql,
                                       const std::string& staging_sql,
                                       const std::vector<std::string>& columns,
                                       const std::vector<int>& key_columns) {
  std::string keys;
  std::string match_target;
  std::string match_latest;
  for (size_t i = 0; i < key_columns.size(); ++i) {
    const std::string k = QuoteIdentifier(columns[static_cast<size_t>(key_columns[i])]);
    const std::string sep = i == 0 ? "" : " AND ";
    keys += (i == 0 ? "" : ", ") + k;
    match_target += sep + "t." + k + " = s." + k;
    match_latest += sep + "s." + k + " = l." + k;
  }
  std::string list;
  for (size_t i = 0; i < columns.size(); ++i) {
    list += (i == 0 ? "" : ", ") + QuoteIdentifier(columns[i]);
  }
  UpsertStatements out;
  out.dedupe = "DELETE FROM " + staging_sql + " AS s USING (SELECT " + keys +
               ", max(_sluice_seq) AS _sluice_last FROM " + staging_sql + " GROUP BY " + keys +
               ") AS l WHERE " + match_latest + " AND s._sluice_seq < l._sluice_last";
  out.remove = "DELETE FROM " + target_sql + " AS t USING " + staging_sql + " AS s WHERE " +
               match_target;
  out.insert = "INSERT INTO " + target_sql + " (" + list + ") SELECT " + list + " FROM " +
               staging_sql + " WHERE NOT _sluice_delete";
  return out;
}

ChangeStager::ChangeStager(std::string label, const Schema& schema, const UpsertKeys& keys)
    : label_(std::move(label)),
      staging_schema_(StagingSchema(schema)),
      num_fields_(schema.num_fields()),
      compactor_(keys.columns, keys.names) {}

Result<RecordBatchPtr> ChangeStager::StageInserts(const RecordBatch& rows) {
  all_inserts_.assign(static_cast<size_t>(rows.num_rows()), ChangeOp::kInsert);
  return Stage(rows, all_inserts_);
}

Result<RecordBatchPtr> ChangeStager::Stage(const RecordBatch& rows,
                                           const std::vector<ChangeOp>& ops) {
  SLUICE_RETURN_NOT_OK(
      CheckBatchShape(rows, staging_schema_, "upserter for " + label_, num_fields_));
  SLUICE_RETURN_NOT_OK(
      compactor_.Compact(rows, ops, &selection_).WithContext("changes for " + label_));
  const int64_t n = rows.num_rows();
  const auto m = static_cast<int64_t>(selection_.size());
  if (m == 0) return RecordBatchPtr();
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
  return std::make_shared<const RecordBatch>(nullptr, std::move(columns), m);
}

}  // namespace sluice::warehouse
