// RecordBatch: a schema plus one column per field, all of the same length; the unit
// of data that flows through sluice (about 1-4K rows). Immutable once made, so it may
// be shared across threads and exported to Arrow consumers without copying.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/column.h"
#include "core/schema.h"
#include "core/status.h"

namespace sluice {

inline constexpr int64_t kDefaultBatchRows = 2048;

class RecordBatch {
 public:
  RecordBatch(SchemaPtr schema, std::vector<ColumnPtr> columns, int64_t num_rows)
      : schema_(std::move(schema)), columns_(std::move(columns)), num_rows_(num_rows) {}

  // Checks that the columns match the schema in count, type and length.
  static Result<std::shared_ptr<const RecordBatch>> Make(SchemaPtr schema,
                                                         std::vector<ColumnPtr> columns);

  const SchemaPtr& schema() const { return schema_; }
  int num_columns() const { return static_cast<int>(columns_.size()); }
  int64_t num_rows() const { return num_rows_; }
  const Column& column(int i) const { return *columns_[static_cast<size_t>(i)]; }
  const ColumnPtr& column_ptr(int i) const { return columns_[static_cast<size_t>(i)]; }
  const std::vector<ColumnPtr>& columns() const { return columns_; }
  int64_t ByteSize() const;
  // Rows as text, one per line, columns separated by " | " (for tests and debugging).
  std::string ToString() const;

 private:
  SchemaPtr schema_;
  std::vector<ColumnPtr> columns_;
  int64_t num_rows_;
};

using RecordBatchPtr = std::shared_ptr<const RecordBatch>;

// BatchBuilder builds one batch column by column or row by row.
//   BatchBuilder b(schema);
//   b.column(0)->Append<int64_t>(1); b.column(1)->AppendString("x"); ...
//   RecordBatchPtr batch = b.Finish();   // builder is empty again afterwards
class BatchBuilder {
 public:
  explicit BatchBuilder(SchemaPtr schema, int64_t reserve_rows = kDefaultBatchRows);
  Column* column(int i) { return columns_[static_cast<size_t>(i)].get(); }
  int64_t num_rows() const { return columns_.empty() ? 0 : columns_[0]->length(); }
  const SchemaPtr& schema() const { return schema_; }
  // Hands over the columns as a batch and starts fresh ones. Precondition: every
  // column has the same length.
  RecordBatchPtr Finish();

 private:
  void Reset();
  SchemaPtr schema_;
  int64_t reserve_rows_;
  std::vector<std::unique_ptr<Column>> columns_;
};

}  // namespace sluice
