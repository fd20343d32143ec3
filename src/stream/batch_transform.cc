#include "stream/batch_transform.h"

namespace sluice::stream {

RecordBatchPtr SliceBatch(const RecordBatch& batch, int64_t offset, int64_t count) {
  std::vector<ColumnPtr> cols;
  cols.reserve(static_cast<size_t>(batch.num_columns()));
  for (int i = 0; i < batch.num_columns(); ++i) {
    auto col = std::make_shared<Column>(batch.column(i).type());
    col->AppendRange(batch.column(i), offset, count);
    cols.push_back(std::move(col));
  }
  return std::make_shared<const RecordBatch>(batch.schema(), std::move(cols), count);
}

}  // namespace sluice::stream
