// Runner: executes the nodes of a Manifest against a warehouse in dependency order, the
// way `dbt build` does: seeds load CSV files, models are materialized (view, table,
// incremental, ephemeral), snapshots record SCD type 2 history, tests run their
// failing-rows query. Independent nodes run in parallel, each worker thread on its own
// warehouse connection. A node that fails (an error, or a test that fails with severity
// error) marks every node depending on it, transitively, "skipped"; the others still run.
// In a run that holds both a node and tests on it, the node's dependants also wait for
// those tests (dbt build semantics), so a failing test stops them too.
//
// docs/transform.md ("Running models") is the user's view, with the SQL each
// materialization runs on DuckDB and PostgreSQL.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "transform/manifest.h"
#include "warehouse/warehouse.h"

namespace sluice::transform {

enum class NodeStatus {
  kSuccess,  // a seed, model or snapshot was built
  kError,    // it could not be built (or a test query failed to run)
  kSkipped,  // something it depends on failed (or fail_fast stopped the run)
  kPass,     // a test found no failing rows
  kFail,     // a test with severity error found failing rows
  kWarn,     // a test with severity warn found failing rows
};

// "success", "error", "skipped", "pass", "fail", "warn".
const char* NodeStatusName(NodeStatus status);

struct NodeResult {
  int node = -1;  // index in Manifest::nodes
  int index = 0;  // 1-based position in the run ("3 of 7")
  int total = 0;  // nodes of the run that report a result (the "7")
  NodeStatus status = NodeStatus::kSuccess;
  int64_t rows_affected = -1;  // rows loaded / written; tests: failing rows; -1 unknown
  double seconds = 0;
  // success: what was done ("created table", "merged into incremental", ...);
  // error: the reason, naming the node's file and quoting the warehouse;
  // skipped: which failed node caused it; tests: "Got 3 results, configured to fail if != 0".
  std::string message;
  std::string sample;  // tests with failing rows: up to 5 rows, an aligned table
};

// Renders a node's SQL (see RenderNode in manifest.h). Tests substitute it.
using RenderFunction =
    std::function<Result<std::string>(const Manifest&, int, const RenderContext&)>;

struct RunOptions {
  int threads = 4;            // worker threads = warehouse connections (>= 1)
  bool full_refresh = false;  // rebuild incremental models and seeds from scratch
  bool fail_fast = false;     // after the first failure, skip everything not started
  // Called for every node when it starts and when it finishes, one call at a time (under
  // the runner's lock, from worker threads): `done` is false at start (only node/index
  // set), true at the end with the full result.
  std::function<void(const NodeResult& result, bool done)> progress;
  // The renderer; empty = RenderNode.
  RenderFunction render;
};

struct RunResult {
  std::vector<NodeResult> results;  // one per executed node, in the order they finished
  double seconds = 0;
  int Count(NodeStatus status) const;
  // No error, no failed test and nothing skipped.
  bool ok() const;
};

// Runs `nodes` (indices into manifest.nodes; source and stream nodes are ignored, ephemeral
// models succeed without touching the warehouse) against `warehouse`. Dependencies that
// are not in `nodes` are assumed to exist already. Schemas the nodes need are created
// first. Fails as a whole (Status) only when no warehouse connection can be made; every
// per-node problem is a NodeResult. Thread safety: one Run per manifest at a time is not
// required; Run itself uses options.threads threads and returns when all have finished.
Result<RunResult> Run(const Manifest& manifest, const std::vector<int>& nodes,
                      warehouse::Warehouse* warehouse, const RunOptions& options);

// The text dbt prints for a finished node: "OK created view model main.orders",
// "ERROR creating table model main.orders", "PASS not_null_orders_id", ...
std::string DescribeResult(const Manifest& manifest, const NodeResult& result);

}  // namespace sluice::transform
