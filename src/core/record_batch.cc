#include "core/record_batch.h"

#include "core/value.h"

namespace sluice {

Result<RecordBatchPtr> RecordBatch::Make(SchemaPtr schema, std::vector<ColumnPtr> columns) {
  if (static_cast<int>(columns.size()) != schema->num_fields()) {
    return Status::Invalid("batch has " + std::to_string(columns.size()) + " columns, schema has " +
                           std::to_string(schema->num_fields()));
  }
  const int64_t rows = columns.empty() ? 0 : columns[0]->length();
  for (size_t i = 0; i < columns.size(); ++i) {
    const Field& f = schema->field(static_cast<int>(i));
    if (!(columns[i]->type() == f.type)) {
      return Status::Invalid("column '" + f.name + "' has type " + columns[i]->type().ToString() +
                             ", schema says " + f.type.ToString());
    }
    if (columns[i]->length() != rows) {
      return Status::Invalid("column '" + f.name + "' has " + std::to_string(columns[i]->length()) +
                             " rows, expected " + std::to_string(rows));
    }
  }
  return std::make_shared<const RecordBatch>(std::move(schema), std::move(columns), rows);
}

int64_t RecordBatch::ByteSize() const {
  int64_t total = 0;
  for (const auto& c : columns_) total += c->ByteSize();
  return total;
}

std::string RecordBatch::ToString() const {
  std::string out;
  for (int64_t r = 0; r < num_rows_; ++r) {
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (c) out += " | ";
      out += FormatCell(*columns_[c], r);
    }
    out += '\n';
  }
  return out;
}

BatchBuilder::BatchBuilder(SchemaPtr schema, int64_t reserve_rows)
    : schema_(std::move(schema)), reserve_rows_(reserve_rows) {
  Reset();
}

void BatchBuilder::Reset() {
  columns_.clear();
  columns_.reserve(static_cast<size_t>(schema_->num_fields()));
  for (const Field& f : schema_->fields()) {
    auto col = std::make_unique<Column>(f.type);
    col->Reserve(reserve_rows_);
    columns_.push_back(std::move(col));
  }
}

RecordBatchPtr BatchBuilder::Finish() {
  std::vector<ColumnPtr> cols;
  cols.reserve(columns_.size());
  const int64_t rows = num_rows();
  for (auto& c : columns_) cols.push_back(ColumnPtr(std::move(c)));
  Reset();
  return std::make_shared<const RecordBatch>(schema_, std::move(cols), rows);
}

}  // namespace sluice
