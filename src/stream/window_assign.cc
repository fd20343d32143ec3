#include "stream/window_assign.h"

#include <algorithm>

#include "core/time.h"

namespace sluice::stream {

std::string FormatWindow(int64_t start, int64_t end) {
  return "[" + FormatTimestamp(start) + ", " + FormatTimestamp(end) + ")";
}

void AppendRefused(const RecordBatch& input, const std::vector<int32_t>& sel,
                   std::vector<std::string>* reasons, RefusedRows* refused) {
  if (sel.empty()) return;
  std::vector<ColumnPtr> cols;
  for (int c = 0; c < input.num_columns(); ++c) {
    auto col = std::make_shared<Column>(input.column(c).type());
    if (refused->rows) col->AppendRange(refused->rows->column(c), 0, refused->rows->num_rows());
    col->AppendSelected(input.column(c), sel.data(), static_cast<int64_t>(sel.size()));
    cols.push_back(std::move(col));
  }
  const int64_t total = cols.empty() ? 0 : cols.front()->length();
  refused->rows = std::make_shared<const RecordBatch>(input.schema(), std::move(cols), total);
  for (std::string& r : *reasons) refused->reasons.push_back(std::move(r));
  reasons->clear();
}

RecordBatchPtr GatherWithWindows(const RecordBatch& input, const std::vector<int32_t>& take,
                                 const int64_t* starts, const int64_t* ends, SchemaPtr schema) {
  const int64_t n = input.num_rows();
  const int64_t m = static_cast<int64_t>(take.size());
  bool identity = m == n;
  for (int64_t j = 0; identity && j < m; ++j) identity = take[static_cast<size_t>(j)] == j;
  std::vector<ColumnPtr> cols;
  for (int c = 0; c < input.num_columns(); ++c) {
    if (identity) {
      cols.push_back(input.column_ptr(c));
      continue;
    }
    auto col = std::make_shared<Column>(input.column(c).type());
    col->AppendSelected(input.column(c), take.data(), m);
    cols.push_back(std::move(col));
  }
  auto start = std::make_shared<Column>(DataType::Timestamp());
  auto end = std::make_shared<Column>(DataType::Timestamp());
  start->ResizeFixed(m);
  end->ResizeFixed(m);
  std::copy(starts, starts + m, start->mutable_values<int64_t>());
  std::copy(ends, ends + m, end->mutable_values<int64_t>());
  cols.push_back(std::move(start));
  cols.push_back(std::move(end));
  return std::make_shared<const RecordBatch>(std::move(schema), std::move(cols), m);
}

WindowAssign::WindowAssign(SchemaPtr source_schema, int time_column, WindowSpec spec)
    : source_schema_(std::move(source_schema)), time_column_(time_column), spec_(spec) {
  std::vector<Field> fields = source_schema_->fields();
  fields.push_back(Field{"window_start", DataType::Timestamp(), false});
  fields.push_back(Field{"window_end", DataType::Timestamp(), false});
  output_schema_ = MakeSchema(std::move(fields));
}

Result<RecordBatchPtr> WindowAssign::Assign(const RecordBatch& input) {
  if (input.num_columns() != source_schema_->num_fields()) {
    return Status::Invalid("window assignment expects " +
                           std::to_string(source_schema_->num_fields()) + " columns, got " +
                           std::to_string(input.num_columns()));
  }
  const int64_t n = input.num_rows();
  const Column& ts = input.column(time_column_);
  const int64_t* t = ts.values<int64_t>();
  take_.clear();
  starts_.clear();
  ends_.clear();
  refused_.clear();
  std::vector<std::string> reasons;
  for (int64_t i = 0; i < n; ++i) {
    if (ts.IsNull(i)) {
      refused_.push_back(static_cast<int32_t>(i));
      reasons.push_back("late: the event time (" + source_schema_->field(time_column_).name +
                        ") is NULL, so the row belongs to no window");
      continue;
    }
    const size_t before = starts_.size();
    AppendWindows(spec_, t[i], &starts_, &ends_);
    take_.insert(take_.end(), starts_.size() - before, static_cast<int32_t>(i));
  }
  RecordBatchPtr out = GatherWithWindows(input, take_, starts_.data(), ends_.data(), output_schema_);
  AppendRefused(input, refused_, &reasons, &refused_rows_);
  return out;
}

RefusedRows WindowAssign::TakeRefusedRows() {
  RefusedRows r = std::move(refused_rows_);
  refused_rows_ = RefusedRows{};
  return r;
}

}  // namespace sluice::stream
