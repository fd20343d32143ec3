// Materializations: the SQL that turns one node into a warehouse relation, per warehouse
// (DuckDB and PostgreSQL). Used by the runner (runner.h); each function builds one node
// on one connection and returns what it did, or an error whose message names the node's
// file and quotes the warehouse. A failure never leaves a half-built relation: tables are
// built under a temporary name ("<identifier>__sluice_tmp") and swapped in with one
// transaction, incremental loads and snapshot updates run in one transaction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "transform/manifest.h"
#include "transform/relation_cache.h"
#include "transform/runner.h"
#include "warehouse/warehouse.h"

namespace sluice::transform {

// One node being built.
struct BuildContext {
  const Manifest* manifest = nullptr;
  int node = -1;
  warehouse::Connection* conn = nullptr;
  bool postgres = false;      // the warehouse is PostgreSQL (else DuckDB)
  bool full_refresh = false;  // --full-refresh
  const RenderFunction* render = nullptr;
  RelationCache* relations = nullptr;  // the run's; null = always ask the warehouse

  const Node& n() const { return manifest->nodes[static_cast<size_t>(node)]; }
};

// What a successful build did.
struct BuildOutcome {
  std::string message;  // "created view", "created table", "merged into incremental", ...
  int64_t rows = -1;    // rows written, -1 when unknown (views)
  NodeStatus status = NodeStatus::kSuccess;  // tests: pass / fail / warn
  std::string sample;                        // tests: failing rows, as an aligned table
};

// materialize_relation.cc
Result<BuildOutcome> BuildView(const BuildContext& ctx);
Result<BuildOutcome> BuildTable(const BuildContext& ctx);
// materialize_incremental.cc
Result<BuildOutcome> BuildIncremental(const BuildContext& ctx);
// snapshot.cc
Result<BuildOutcome> BuildSnapshot(const BuildContext& ctx);

// --- helpers shared by the materializations (materialize_relation.cc) ---

// What exists under the node's name: from the run's RelationCache when it knows, else
// asked of the warehouse.
Result<RelationType> LookUpRelation(const BuildContext& ctx);
// Column names and SQL types of a table, in order.
struct ColumnInfo {
  std::string name;
  std::string type;
};
Result<std::vector<ColumnInfo>> TableColumns(warehouse::Connection* conn, bool postgres,
                                             const std::string& schema,
                                             const std::string& identifier);
// "schema"."identifier + suffix".
std::string SiblingRelation(const Node& node, std::string_view suffix);
// "(<sql>\n)": the model's SQL without trailing semicolons and blanks, in parentheses (the
// line break before the closing one keeps a trailing "-- comment" harmless).
std::string NestableSql(std::string_view sql);
// Runs `statements` in one transaction; on error rolls back and returns the error.
Status RunInTransaction(warehouse::Connection* conn, const std::vector<std::string>& statements);
// SELECT count(*) of a relation.
Result<int64_t> CountRows(warehouse::Connection* conn, const std::string& relation);
// Replaces the relation of `ctx` by the finished table `tmp_relation` (drops the old table
// or view, renames the new one), in a transaction of its own unless `in_transaction` (the
// caller's open transaction; the caller rolls back on error).
Status SwapIn(const BuildContext& ctx, const std::string& tmp_relation, RelationType existing,
              bool in_transaction = false);
// Renders the node with `context`, naming the node on error.
Result<std::string> RenderFor(const BuildContext& ctx, const RenderContext& context);
// Prefixes a warehouse error with the node's kind, name and file:
// "model orders (models/orders.sql): <warehouse message>".
Status NodeError(const Node& node, const Status& status);
// Runs the node's pre_hook / post_hook statements ({{ this }} is the node's relation).
Status RunHooks(const BuildContext& ctx, const std::vector<std::string>& hooks);

}  // namespace sluice::transform
