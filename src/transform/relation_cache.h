// RelationCache: what relations exist in the schemas a run writes to, listed once when the
// run starts and kept up to date as nodes are built (dbt keeps the same cache). Without it,
// every node asked the warehouse's information_schema before building, a query whose cost
// grows with the number of relations: on 200 models that was three quarters of the
// runner's overhead (docs/benchmarks.md, "Transformation").
//
// The run owns the relations it builds; anything else changing them during a run is not
// seen. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/status.h"
#include "warehouse/warehouse.h"

namespace sluice::transform {

// What exists under a name: nothing, a table, a view.
enum class RelationType { kNone, kTable, kView };

class RelationCache {
 public:
  // Lists every table and view of `schemas` (one query).
  Status Load(warehouse::Connection* conn, const std::set<std::string>& schemas);
  // What exists as schema.identifier; nullopt when the schema was not loaded or the entry
  // was forgotten (the caller asks the warehouse).
  std::optional<RelationType> Get(const std::string& schema, const std::string& identifier) const;
  // Records what a node's build left (kNone after a drop).
  void Set(const std::string& schema, const std::string& identifier, RelationType type);
  // Forgets one entry: after a failed build the relation's state is asked again.
  void Forget(const std::string& schema, const std::string& identifier);

 private:
  mutable std::mutex mu_;
  std::set<std::string> schemas_;
  std::map<std::pair<std::string, std::string>, RelationType> relations_;
  std::set<std::pair<std::string, std::string>> forgotten_;
};

}  // namespace sluice::transform
