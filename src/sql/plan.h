// The logical plan of a continuous query: a tree of nodes from the streams it scans up to
// its result, each with its output schema and whether its output is append-only (+I
// only) or a changelog. The planner (PlanQuery) builds it from a parsed SELECT; the stream
// module's QueryGraph runs it. Nodes own their compiled expressions.
//
//   SELECT ... FROM (SELECT *, ROW_NUMBER() OVER (...) AS rn FROM bid) WHERE rn <= 3
//     Select(items) <- Select(hide) <- TopN <- Select(items + partition/order columns) <- Scan(bid)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sql/ast.h"
#include "sql/catalog.h"
#include "sql/compiled_aggregate.h"
#include "sql/compiled_select.h"

namespace sluice::sql {

struct JoinCondition;  // sql/join_condition.h

enum class PlanKind {
  kScan,             // a stream of the catalog: append-only rows
  kSelect,           // stateless WHERE + projection (keeps each row's change op)
  kAggregate,        // GROUP BY without a window (changelog out; input may retract)
  kWindowAggregate,  // GROUP BY over TUMBLE/HOP/SESSION/CUMULATE (append-only input)
  kJoin,             // two inputs: regular, interval or window join
  kTopN,             // ROW_NUMBER() OVER (PARTITION BY .. ORDER BY ..) filtered by rn <= N
  kUnion,            // UNION ALL: the inputs' changes, interleaved
  kWindowAssign,     // TUMBLE/HOP/CUMULATE without aggregation: rows + window_start/end
  kLookupJoin,       // a stream joined with a bounded table's current rows (lookup_join_plan.h)
  kOverAggregate,    // agg(x) OVER (PARTITION BY .. ORDER BY .. ROWS ...): a changelog
};

const char* PlanKindName(PlanKind kind);

struct PlanNode;
using PlanPtr = std::shared_ptr<PlanNode>;

struct PlanNode {
  PlanKind kind = PlanKind::kScan;
  SchemaPtr schema;          // output
  bool append_only = true;   // output has +I rows only
  // Output columns that identify a row of the result (the sink's upsert key), or empty
  // when none is known (then a changelog sink keys on every column).
  std::vector<int> unique_key;
  std::vector<PlanPtr> inputs;
  SourcePos pos;             // where messages about this node point

  // kScan: the stream as the catalog spells it.
  std::string table;

  // kSelect: over inputs[0]. When `with_ops`, the compiled select's input is the input's
  // columns plus a trailing INT32 change-op column and its output ends with that column too
  // (so rows dropped by WHERE take their op with them).
  std::shared_ptr<CompiledSelect> select;
  bool with_ops = false;
  // Per output column: the input column it passes through unchanged, or -1.
  std::vector<int> passthrough;

  // kAggregate / kWindowAggregate: over inputs[0].
  std::shared_ptr<CompiledAggregate> aggregate;
  // kWindowAggregate: rows later than this past a window's end still update it.
  int64_t allowed_lateness_us = 0;
  // kAggregate: per group key, the input column it is exactly (a plain reference), or -1.
  std::vector<int> key_input;
  // kAggregate: a group key that is a closed-by-watermark window bound of the input
  // (WindowCloseOffset), or -1. A group whose key value v has v + expiry_offset_us <= the
  // watermark can no longer change: the operator frees it (emitting nothing).
  int expiry_key = -1;
  // kAggregate with expiry_key, kJoin with window_close_expiry: added to the key / expiry
  // column's value.
  int64_t expiry_offset_us = 0;

  // kWindowAssign: over a scan; the window family and the event-time column (in the
  // input). Output: the input's columns, window_start, window_end.
  WindowKind window = WindowKind::kNone;
  int64_t window_size = 0;
  int64_t window_slide = 0;
  int time_column = -1;

  // kJoin: inputs[0] = left, inputs[1] = right; output = left columns then right columns.
  JoinType join_type = JoinType::kInner;
  std::shared_ptr<JoinCondition> join;
  // Window join: per side the window_end column; a row expires when the watermark passes it.
  // Also set for a join on window bounds of window aggregates (window_close_expiry): a row
  // expires once the watermark >= its expiry column + expiry_offset_us (above).
  int left_expiry = -1;
  int right_expiry = -1;
  // Interval join (join->has_time_bounds) with window_close_expiry: per side, when that
  // side's time column is a closed-by-watermark window bound (WindowCloseOffset), its
  // offset (>= 0); -1 when it is a stream's event time. State expires by the smaller of
  // the stream sides' watermark and the window aggregates' one (stream/hash_join.h).
  int64_t left_time_close_offset_us = -1;
  int64_t right_time_close_offset_us = -1;
  // The columns whose max drives a window join's watermark (the windows' time columns).
  int left_event_time = -1;
  int right_event_time = -1;

  // kLookupJoin: inputs[0] = the stream (append-only); the table `lookup_table` (as the
  // catalog spells it, columns lookup_schema) is read whole and indexed on the columns
  // lookup_table_keys; `lookup_keys` computes the matching stream-side keys (one output
  // column per table key) from a stream batch; `lookup_residual` (may be null) filters
  // the joined rows (its WHERE; input = output schema). Output = stream columns then
  // table columns; join_type INNER or LEFT. The table is reloaded every
  // lookup_refresh_us of processing time.
  std::string lookup_table;
  SchemaPtr lookup_schema;
  std::vector<int> lookup_table_keys;
  std::shared_ptr<CompiledSelect> lookup_keys;
  std::shared_ptr<CompiledSelect> lookup_residual;
  int64_t lookup_refresh_us = 60'000'000;

  // kTopN: over inputs[0]; output = input columns + rank (BIGINT NOT NULL) when emit_rank.
  struct Order {
    int column;
    bool descending;
    bool nulls_first;
  };
  std::vector<int> partition;
  std::vector<Order> order;
  int64_t limit = 1;
  bool emit_rank = true;

  // kOverAggregate: over inputs[0], with `partition` and `order` as kTopN; output = input
  // columns + one column per call. Frame: over_preceding rows before the current one
  // (-1 = UNBOUNDED PRECEDING); over_range_peers: up to the current row's last peer.
  struct OverCall {
    AggregateKind kind;
    int arg_column;  // -1 for count(*)
  };
  std::vector<OverCall> over_calls;
  int64_t over_preceding = -1;
  bool over_range_peers = false;

  // kJoin with left_expiry/right_expiry or left/right_time_close_offset_us, kAggregate with
  // expiry_key: the state is freed by the watermark of the window aggregates below the
  // node (their windows' closing rule), which the query graph hands to the node after
  // each call (for an interval join: those below its window-bound sides only).
  bool window_close_expiry = false;

  // Every stream the tree scans (in first-scan order), for the runtime's inputs.
  void CollectScans(std::vector<const PlanNode*>* out) const;
  // One line per node, indented ("Aggregate (changelog) [count(*)]"), for EXPLAIN and tests.
  std::string ToString(int indent = 0) const;
};

// Closed-by-watermark window bounds. WindowCloseOffset(node, c) is an offset d such that
// once a window aggregate below `node` has a watermark >= v + d, no change (insert or
// retraction) whose column c holds v can come out of `node` any more; kNotWindowBound
// when column c is not such a column. It holds for:
//  - window_end of an event-time TUMBLE/HOP/CUMULATE WindowAggregate's output (a plain
//    reference to the group key): d = allowed lateness, the rule by which the aggregate
//    stops updating a window; window_start of TUMBLE/HOP: d = size + allowed lateness;
//  - a column a Select passes through unchanged from such a column of its input;
//  - a GroupAggregate's output column that is exactly a group key which is such a column
//    of its input (a group changes only when rows of its key change).
// Not for SESSION windows (a session's end moves when sessions merge), processing-time
// windows, computed expressions, joins, TopN, OVER or UNION outputs.
constexpr int64_t kNotWindowBound = INT64_MIN;
int64_t WindowCloseOffset(const PlanNode& node, int column);

struct PlanOptions {
  // Per-query options (Statement::options, validated): allowed_lateness.
  int64_t allowed_lateness_us = 0;
  // lookup_refresh_interval: how often lookup joins reload their table (default 60s).
  int64_t lookup_refresh_us = 60'000'000;
  // state_backend ("memory" or "rocksdb") and state_memory_budget (bytes, >= 1 MB): this
  // query's state backend; empty / 0 = the project's run.state_backend / budget.
  std::string state_backend;
  int64_t state_memory_budget_bytes = 0;
};

// Plans `select` (a statement's query, UNION ALL branches included) over `catalog`.
// Errors are formatted like the binder's (file:line:col, caret): Invalid for mistakes,
// NotImplemented for what the engine cannot run yet, each saying what to write instead.
Result<PlanPtr> PlanQuery(const SelectStmt& select, const Catalog& catalog,
                          const PlanOptions& options, const ErrorContext& ctx);

// Reads a statement's WITH (...) options: allowed_lateness = '10 seconds'. Unknown keys
// are errors naming the known ones.
Result<PlanOptions> ReadPlanOptions(const Statement& stmt, const ErrorContext& ctx);

}  // namespace sluice::sql
