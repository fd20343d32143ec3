// BatchTransform: one step of a continuous query that maps each input batch to an output
// batch (projection and filter today; the streaming SQL issue adds stateful operators
// behind the same per-batch interface). Called once per batch, never per row.
#pragma once

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

}  // namespace sluice::stream
