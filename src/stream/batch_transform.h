// BatchTransform: one step of a continuous query that maps each input batch to an output
// batch (projection and filter today; the streaming SQL issue adds stateful operators
// behind the same per-batch interface). Called once per batch, never per row.
#pragma once

#include <functional>

#include "core/record_batch.h"
#include "core/status.h"

namespace sluice::stream {

class BatchTransform {
 public:
  virtual ~BatchTransform() = default;
  virtual const SchemaPtr& output_schema() const = 0;
  // Returns the output for `input` (possibly with zero rows). An error means the batch as a
  // whole could not be processed; the pipeline then retries parts of it (halves, split
  // again down to single rows) to isolate the bad rows, so a transform must not keep
  // partial effects of a failed call.
  virtual Result<RecordBatchPtr> Apply(const RecordBatch& input) = 0;
};

// Rows [offset, offset + count) of `batch` as a new batch (copies the values).
RecordBatchPtr SliceBatch(const RecordBatch& batch, int64_t offset, int64_t count);

// After `input` failed as a whole with Invalid (bad rows; nothing applied): applies its
// halves in order, splitting those that fail with Invalid again, and hands each single
// failing row to `bad`, so the good rows go in, in order, in few batches (k bad rows among
// n cost about k log2 n applications). Each part comes with the input row it starts at.
// Stops at the first other error and returns it.
using BadRowsApply = std::function<Status(const RecordBatchPtr& part, int64_t first_row)>;
using BadRowReport = std::function<void(const RecordBatchPtr& row, int64_t at, const Status& error)>;
Status IsolateBadRows(const RecordBatch& input, const BadRowsApply& apply, const BadRowReport& bad);

}  // namespace sluice::stream
