#include "stream/batch_transform.h"

#include <algorithm>
#include <vector>

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

Status IsolateBadRows(const RecordBatch& input, const BadRowsApply& apply, const BadRowReport& bad) {
  // Halves that fail are split again, down to single rows: k bad rows among n cost about
  // k * log2(n) applications instead of n, and the good rows flow in few batches.
  struct Range {
    int64_t begin, end;
  };
  std::vector<Range> todo = {{0, input.num_rows() / 2}, {input.num_rows() / 2, input.num_rows()}};
  std::reverse(todo.begin(), todo.end());  // a stack: the first range on top
  while (!todo.empty()) {
    const Range r = todo.back();
    todo.pop_back();
    if (r.end <= r.begin) continue;
    RecordBatchPtr part = SliceBatch(input, r.begin, r.end - r.begin);
    Status st = apply(part, r.begin);
    if (st.ok()) continue;
    if (st.code() != StatusCode::kInvalid) return st;
    if (r.end - r.begin == 1) {
      bad(part, r.begin, st);
      continue;
    }
    const int64_t mid = r.begin + (r.end - r.begin) / 2;
    todo.push_back({mid, r.end});
    todo.push_back({r.begin, mid});
  }
  return Status::OK();
}

}  // namespace sluice::stream
