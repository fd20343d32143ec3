// LookupJoin: joins each row of an append-only stream with the CURRENT rows of a bounded
// table (Flink's lookup join, `JOIN t FOR SYSTEM_TIME AS OF s.p_time`). The table is
// read whole through a LookupTableProvider, indexed on its key columns in a hash table,
// and probed once per stream row: a row joins the table as it is when the row is
// processed, and later table changes never retract earlier results (the output is
// append-only). INNER drops rows without a match, LEFT pads them with NULLs. NULL keys
// never match. The table is loaded at the first batch and reloaded when processing
// time (OnProcessingTime) has advanced refresh_interval_us past the last load; the new
// table replaces the old one between two batches. A failed reload keeps the old table
// (and is counted in reload_failures()); a failed first load is an error.
//
// Checkpoints: the operator keeps no state of its own (the table is reloaded after a
// restore), so Snapshot writes a tag and Restore drops the loaded table.
// Driven by one thread; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sql/ast.h"
#include "sql/compiled_select.h"
#include "stream/stream_operator.h"

namespace sluice::stream {

// Where a lookup join reads its table. Implemented by the caller: the project's warehouse
// (orchestrate), generated rows (bench), fixed rows (tests).
class LookupTableProvider {
 public:
  virtual ~LookupTableProvider() = default;
  // Every current row of `table`, as batches whose columns have the types of `schema`
  // (the table's schema at plan time), in order. A missing table may give no batches
  // (an empty table). Errors: the table cannot be read (the message says why).
  virtual Result<std::vector<RecordBatchPtr>> Load(const std::string& table, const SchemaPtr& schema) = 0;
};

struct LookupJoinOptions {
  sql::JoinType type = sql::JoinType::kInner;
  SchemaPtr stream_schema;
  std::string table;         // as given to the provider
  SchemaPtr table_schema;
  std::vector<int> table_keys;  // key columns of the table
  // Computes the stream side's keys (one column per table key) from a stream batch;
  // without WHERE. Shared with the plan; used by this operator only.
  std::shared_ptr<sql::CompiledSelect> stream_keys;
  // Filters joined rows (WHERE over the output schema), or null.
  std::shared_ptr<sql::CompiledSelect> residual;
  int64_t refresh_interval_us = 60'000'000;
  std::shared_ptr<LookupTableProvider> provider;
};

class LookupJoin final : public StreamOperator {
 public:
  // Fails (Invalid) on inconsistent options: no provider, no keys, a key column out of range.
  static Result<std::unique_ptr<LookupJoin>> Make(LookupJoinOptions options);
  ~LookupJoin() override;

  const SchemaPtr& output_schema() const override { return output_schema_; }
  // Joins `input` (stream rows) with the table; loads the table first if needed.
  // Errors: Invalid when a key or residual expression fails on a row; the provider's
  // error when the first load fails.
  Status Apply(const RecordBatch& input, ChangeSink* out) override;
  // Reloads the table when refresh_interval_us has passed since the last load.
  Status OnProcessingTime(int64_t now_us, ChangeSink* out) override;
  Status Finish(ChangeSink* out) override;
  Status Snapshot(StateWriter* out) const override;
  Status Restore(StateReader* in) override;

  // For tests and metrics.
  int64_t table_rows() const;
  int64_t loads() const { return loads_; }
  int64_t reload_failures() const { return reload_failures_; }

 private:
  struct Table;
  explicit LookupJoin(LookupJoinOptions options);
  Status Load(int64_t now_us);
  static Result<std::shared_ptr<const Table>> BuildTable(const std::vector<RecordBatchPtr>& batches,
                                                         const LookupJoinOptions& o);

  LookupJoinOptions options_;
  SchemaPtr output_schema_;
  std::shared_ptr<const Table> table_;  // null until loaded
  int64_t loaded_at_us_ = 0;
  int64_t last_now_us_ = -1;  // the last processing time seen; -1 = none yet
  int64_t loads_ = 0;
  int64_t reload_failures_ = 0;
  // Scratch, reused across batches.
  std::vector<int32_t> stream_rows_, table_rows_;
};

}  // namespace sluice::stream
