// StreamOperator: a stateful step of a continuous query (GROUP BY aggregation; windows
// later). Unlike BatchTransform, its output is a changelog (warehouse::ChangeBatch: rows
// plus one ChangeOp per row) and it may emit at any call, not only per input batch:
// on a watermark (windows closing) and at the end of the input.
//
// Each operator keeps ALL of its state in one struct it owns (issue 4 checkpoints
// operators by snapshotting that struct). Operators are driven by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/record_batch.h"
#include "core/status.h"
#include "warehouse/changelog.h"

namespace sluice::stream {

class StateWriter;
class StateReader;

// Receives an operator's changes, in order. The batch is only borrowed for the call.
class ChangeSink {
 public:
  virtual ~ChangeSink() = default;
  virtual Status Emit(const warehouse::ChangeBatch& changes) = 0;
};

// Input rows an operator refused without failing (rows later than the watermark): the
// pipeline counts them (sluice_late_records_total) and writes each to the bad-record log.
struct RefusedRows {
  RecordBatchPtr rows;               // input rows, or nullptr for none
  std::vector<std::string> reasons;  // one per row, starting with "late"
};

class StreamOperator {
 public:
  virtual ~StreamOperator() = default;
  // The schema of the rows the operator emits.
  virtual const SchemaPtr& output_schema() const = 0;
  // Consumes one input batch and emits the changes it causes (possibly none).
  // Errors: Invalid means rows of the batch could not be evaluated and the operator's
  // state is unchanged (the pipeline retries parts of the batch, in order, to isolate the
  // bad rows, as for BatchTransform); any other code is fatal for the pipeline. An error from `out` is
  // returned as is.
  virtual Status Apply(const RecordBatch& input, ChangeSink* out) = 0;

  // Operators with several inputs (joins: 0 = left, 1 = right) say how many.
  virtual int num_inputs() const { return 1; }
  // Append-only rows (all +I) on input `port`. The default serves one-input operators:
  // port 0 is Apply, any other port is Internal.
  virtual Status ApplyInput(int port, const RecordBatch& input, ChangeSink* out) {
    if (port != 0) return Status::Internal("operator has no input port " + std::to_string(port));
    return Apply(input, out);
  }
  // A changelog on input `port` (the output of another operator: a join, an aggregate).
  // Errors as Apply. The default accepts changes that are all +I (passed to ApplyInput)
  // and refuses retractions with NotImplemented: operators that can consume -U/+U/-D
  // override it.
  virtual Status ApplyChanges(int port, const warehouse::ChangeBatch& input, ChangeSink* out) {
    for (warehouse::ChangeOp op : input.ops) {
      if (op != warehouse::ChangeOp::kInsert) {
        return Status::NotImplemented("this operator cannot consume updates or deletes (" +
                                      std::string(warehouse::ChangeOpName(op)) + ") on its input");
      }
    }
    return ApplyInput(port, *input.rows, out);
  }
  // Event time has advanced to `watermark` (micros): rows older than it will not come.
  virtual Status OnWatermark(int64_t watermark, ChangeSink* out) {
    (void)watermark;
    (void)out;
    return Status::OK();
  }
  // Wall-clock time is now `now_us` (micros since the epoch); the pipeline calls it
  // periodically, also when no rows come. Processing-time windows close on it; the
  // default does nothing.
  virtual Status OnProcessingTime(int64_t now_us, ChangeSink* out) {
    (void)now_us;
    (void)out;
    return Status::OK();
  }
  // The input has ended (bounded source, --max-events, shutdown): emit what is final.
  virtual Status Finish(ChangeSink* out) = 0;
  // The rows refused since the last call (moved out).
  virtual RefusedRows TakeRefusedRows() { return {}; }

  // Checkpoints (see state_codec.h). Snapshot writes the operator's whole state (its
  // <Op>State struct) between two calls; Restore replaces the state of an operator
  // made with the same options (the same query) by one written by Snapshot, so that
  // continuing from the restored copy emits exactly what the original would have.
  // Restore fails with Invalid (naming the byte offset) on a snapshot of another
  // operator or shape, leaving the operator unusable (callers discard it). The defaults
  // return NotImplemented naming the operator's class.
  virtual Status Snapshot(StateWriter* out) const;
  virtual Status Restore(StateReader* in);
};

// The common checks of an ApplyChanges input: `port` < `ports` (Internal otherwise),
// rows present, one op per row and every op a known code (Invalid), messages naming `op`
// ("top-N").
Status CheckChangeBatch(const std::string& op, int port, int ports, const warehouse::ChangeBatch& input);

}  // namespace sluice::stream
