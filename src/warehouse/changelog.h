// Changelogs at the warehouse boundary: how a stream hands inserts, updates and deletes
// to a table, and the per-key compaction every adapter applies before loading them.
// Database-neutral (no DuckDB or PostgreSQL types here).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/record_batch.h"
#include "core/status.h"

namespace sluice::warehouse {

// The kind of one changelog row. The numeric codes are stable (they match the
// RowKind bytes of other stream processors) and may be stored or sent as one byte.
enum class ChangeOp : uint8_t {
  kInsert = 0,        // +I  a new row
  kUpdateBefore = 1,  // -U  the old version of an updated row
  kUpdateAfter = 2,   // +U  the new version of an updated row
  kDelete = 3,        // -D  a removed row
};
inline constexpr int kChangeOpCount = 4;

// "+I", "-U", "+U", "-D"; "?" for a code outside the enum.
const char* ChangeOpName(ChangeOp op);

// Whether applying `op` removes the key's row (-U, -D) rather than upserting it (+I, +U).
inline bool IsRemoval(ChangeOp op) {
  return op == ChangeOp::kUpdateBefore || op == ChangeOp::kDelete;
}

// One batch of changes: the full rows (for -U and -D the old row; only the key columns
// of a removal are read) and, in parallel, one op per row. Columnar: the stream runtime
// fills `ops` as a plain byte array next to the batch it already has, no per-row objects.
//
// How a warehouse applies changes on a key (Connection::Upsert):
//  - changes are compacted per key first, in order: the LAST change to a key since the
//    last Flush wins, and the others are dropped;
//  - +I and +U upsert: every row with that key is replaced by this row (inserted if none);
//  - -D and -U remove every row with that key. A -U followed by a +U (or +I) for the same
//    key before the next Flush is therefore the same as the +U alone; a -U whose +U never
//    comes (the key itself changed) deletes the old key's row, as it must;
//  - a key column may not be NULL in any row (a NULL key matches nothing): the batch is
//    refused as a whole, naming the column and the row.
struct ChangeBatch {
  RecordBatchPtr rows;
  std::vector<ChangeOp> ops;  // ops.size() == rows->num_rows()
};

// Finds the last change per key in a ChangeBatch: a hash table over row indices, with the
// key columns hashed and compared column by column (type dispatch once per column, plain
// loops over the value arrays). Reuses its buffers across calls; not thread-safe.
class ChangeCompactor {
 public:
  // `key_columns`: indices of the key columns in the batches to come, with their names
  // (for messages). Types must not be DOUBLE (the caller checks, see KeyTypeError).
  ChangeCompactor(std::vector<int> key_columns, std::vector<std::string> key_names);

  // Checks a batch (rows present, one valid op per row, no NULL key) and sets `last` to
  // the ascending indices of the rows holding the last change to each distinct key.
  // On error `last` is unspecified and the message names the problem (and for a NULL
  // key the column and the row, counted from 0).
  Status Compact(const RecordBatch& rows, const std::vector<ChangeOp>& ops,
                 std::vector<int32_t>* last);
  Status Compact(const ChangeBatch& batch, std::vector<int32_t>* last) {
    if (batch.rows == nullptr) return Status::Invalid("change batch without rows");
    return Compact(*batch.rows, batch.ops, last);
  }

 private:
  void HashKeys(const RecordBatch& rows);
  bool KeysEqual(const RecordBatch& rows, int64_t a, int64_t b) const;

  std::vector<int> key_columns_;
  std::vector<std::string> key_names_;
  std::vector<uint64_t> hashes_;  // per row
  std::vector<int32_t> slots_;    // open addressing: row index or -1
};

// Why a column of type `type` cannot be an upsert key, or "" when it can. DOUBLE is
// refused: floating-point equality is not exact (0.0 and -0.0, rounding), so updates
// would silently miss their rows.
std::string KeyTypeError(const DataType& type);

}  // namespace sluice::warehouse
