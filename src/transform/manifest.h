// Manifest: everything `sluice build/compile/ls/seed/test/snapshot/lineage` knows about a
// dbt-style project after parsing it, and the one seam between the two halves of the
// transformation layer:
//
//   front  (manifest.cc, model_config.cc, render.cc, selector.cc, dag.cc, dbt_project.cc)
//          DbtProject (dbt_project.h) -> Manifest: nodes with configs, dependencies, tests;
//          renders a node's SQL on demand (is_incremental() and {{ this }} need the
//          warehouse's state, so rendering happens when the runner asks, as in dbt);
//          selection and graph order.
//   runner (runner.cc, materialize_*.cc, seed_loader.cc, generic_tests.cc, snapshot.cc)
//          executes nodes against a warehouse::Connection in DAG order with --threads.
//
// Nodes are identified by their index in Manifest::nodes. A Manifest is immutable after
// BuildManifest; RenderNode may be called from several threads at once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/status.h"
#include "transform/dbt_project.h"

namespace sluice::transform {

enum class NodeKind {
  kModel,     // models/**/*.sql
  kSeed,      // seeds/**/*.csv
  kSnapshot,  // snapshots/**/*.sql ({% snapshot name %} ... {% endsnapshot %})
  kTest,      // a generic test from a schema.yml (not_null, unique, accepted_values,
              // relationships) or a singular test (tests/**/*.sql)
  kSource,    // a schema.yml source table (never executed; a DAG root)
  kStream,    // a sluice streaming materialized view's table (never executed; a DAG root)
};

// "model", "seed", "snapshot", "test", "source", "stream".
const char* NodeKindName(NodeKind kind);

enum class Materialization { kView, kTable, kIncremental, kEphemeral, kSnapshot, kSeed, kTest };
enum class IncrementalStrategy { kAppend, kMerge, kDeleteInsert };

// A node's effective config: dbt_project.yml `models:`/`seeds:`/`snapshots:` tree (by
// folder), then the schema.yml entry, then {{ config(...) }} in the file, later wins.
struct NodeConfig {
  Materialization materialized = Materialization::kView;
  // incremental: default kMerge when unique_key is set, else kAppend.
  IncrementalStrategy incremental_strategy = IncrementalStrategy::kAppend;
  std::vector<std::string> unique_key;  // one or more column names
  std::vector<std::string> tags;
  std::string schema;                   // custom schema (dbt: <target schema>_<schema>)
  std::string alias;                    // relation name instead of the node name
  bool enabled = true;
  bool full_refresh = false;            // config(full_refresh=true)
  // incremental: columns the model's output has and the table lacks: "ignore" (load only
  // the table's columns), "append_new_columns" (add them, nullable) or "fail" (an error
  // naming them). "sync_all_columns" is treated as append_new_columns. (D2, runner)
  std::string on_schema_change = "ignore";
  std::vector<std::string> pre_hook;    // SQL run before / after building the node
  std::vector<std::string> post_hook;
  // Snapshots (SCD type 2): strategy "timestamp" (updated_at) or "check" (check_cols,
  // or all columns when check_cols == {"all"}).
  std::string snapshot_strategy;
  std::string updated_at;
  std::vector<std::string> check_cols;
  std::string target_schema;            // snapshot target schema (default: model schema)
  // Seeds: column name -> SQL type ("varchar", "integer", ...), `+column_types`.
  std::map<std::string, std::string> column_types;
  std::string delimiter = ",";
  // Generic tests: severity "error" (default) or "warn"; where clause; limit of shown rows.
  std::string severity = "error";
  std::string where;
};

// A schema.yml column entry of a model/seed/snapshot/source.
struct ColumnDoc {
  std::string name;
  std::string description;
  std::optional<std::string> data_type;
};

// A generic test instance: `not_null` on orders.id, `relationships` from orders.customer_id to
// ref('customers').id, ...
struct GenericTest {
  std::string test_name;     // "not_null", "unique", "accepted_values", "relationships"
  std::string column;        // the column tested ("" for model-level tests)
  // Arguments as given: accepted_values: values (list), quote (bool);
  // relationships: to (a ref()/source() expression, rendered to a relation), field.
  std::vector<std::string> values;
  bool quote = true;
  int to_node = -1;          // relationships: the node `to` refers to
  std::string field;         // relationships: the column in `to`
  int attached_node = -1;    // the model/seed/snapshot/source tested
};

struct Node {
  NodeKind kind = NodeKind::kModel;
  std::string name;          // model / seed / snapshot name; tests: a dbt-style name such
                             // as "not_null_orders_id"; sources: "source_name.table_name"
  std::string unique_id;     // dbt-style: "model.<project>.<name>", "source.<p>.<s>.<t>", ...
  std::string path;          // file relative to the project ("models/marts/revenue.sql");
                             // for generic tests the schema.yml that declares them
  SourceLocation location;   // where it is declared, for messages
  std::vector<std::string> folders;  // folders below the resource path: {"marts"}
  std::string description;
  std::vector<ColumnDoc> columns;
  NodeConfig config;
  // The warehouse relation, quoted for the target: "main"."orders". Ephemeral models have
  // none (they are inlined as CTEs). Tests: none.
  std::string relation;
  std::string schema_name;   // unquoted schema of `relation`
  std::string identifier;    // unquoted name of `relation`
  std::vector<int> depends_on;  // node indices this node refs/sources (sorted, unique)
  std::optional<GenericTest> generic_test;  // kind == kTest from a schema.yml
  std::string raw_sql;       // the file's text (models, snapshots, singular tests)
  std::string seed_file;     // seeds: absolute CSV path
};

struct Manifest {
  const DbtProject* project = nullptr;  // outlives the manifest
  std::vector<Node> nodes;
  // name -> node index for models, seeds and snapshots (what ref() resolves).
  std::map<std::string, int> refs;

  // The index of the node named `name` of `kind`, or -1.
  int Find(NodeKind kind, const std::string& name) const;
};

// Parses every model, seed, snapshot, schema.yml and test of `project` into a manifest:
// renders each template once with execute=false (as dbt's parse does) to collect config()
// and ref()/source() calls, applies config precedence, and checks the graph. Errors go to
// `diag` with file:line:column: a ref to a missing model (naming it and suggesting near
// names), a source() to an undeclared source, a cycle (the full path a -> b -> c -> a),
// a bad config value, a Jinja error. Returns the manifest even with errors so callers can
// report them all; callers check diag->has_errors().
Manifest BuildManifest(const DbtProject& project, Diagnostics* diag);

// What a render may depend on besides the manifest.
struct RenderContext {
  bool is_incremental = false;   // the value of is_incremental()
  // For {{ this }} of an incremental model built into a temporary name, the relation the
  // existing data lives in (defaults to node.relation).
  std::string this_relation;
};

// The compiled SQL of a model, snapshot or singular/generic test: Jinja rendered with ref(),
// source(), this, var(), env_var(), target, config() (a no-op returning ''), is_incremental(),
// the project's macros and dbt's built-in ones that sluice supports; refs to ephemeral models
// become CTEs (`__dbt__cte__<name>`) prepended to the statement. For a model this is the
// bare SELECT (the runner wraps it in CREATE ... AS); for a generic test, a SELECT of the
// failing rows. Errors carry file:line:column.
Result<std::string> RenderNode(const Manifest& manifest, int node, const RenderContext& context);

// Node selection, dbt's syntax: "name", "name+", "+name", "2+name", "name+1", "tag:x",
// "path:models/marts", "source:s.t", "resource_type:seed"; a space-separated list is a
// union, a comma inside one item an intersection. Empty `select` = every node.
// `resource_kinds` limits the result (e.g. build: models, seeds, snapshots, tests; test:
// tests only); tests are selected when a node they test is (dbt's indirect selection).
// Unknown names are errors naming them with a did-you-mean.
Result<std::vector<int>> SelectNodes(const Manifest& manifest,
                                     const std::vector<std::string>& select,
                                     const std::vector<std::string>& exclude,
                                     const std::vector<NodeKind>& resource_kinds);

// The nodes of `selected` in an order where each comes after everything it depends on
// (ties by name, so the order is deterministic).
std::vector<int> TopologicalOrder(const Manifest& manifest, const std::vector<int>& selected);

}  // namespace sluice::transform
