// The project's lookup tables: what `JOIN t [FOR SYSTEM_TIME AS OF ...]` in streams/*.sql
// can read. A table is a materialized view declared earlier in the project (its schema
// is the planned query's) or a table of the project's warehouse (a seed, a model, a view
// of an earlier run), whose schema is read from the warehouse at plan time. The warehouse
// is opened only when a query looks a table up, and kept open for the queries' loads.
//
// Thread safety: WarehouseLookupTables is safe to share between threads (the warehouse
// is opened once under a lock); each provider made by NewProvider belongs to one query
// (one pipeline thread).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "project/project.h"
#include "stream/lookup_join.h"
#include "warehouse/warehouse.h"

namespace sluice::orchestrate {

class WarehouseLookupTables : public std::enable_shared_from_this<WarehouseLookupTables> {
 public:
  explicit WarehouseLookupTables(project::Project project) : project_(std::move(project)) {}

  // A materialized view of the project, planned with `schema`.
  void AddView(const std::string& name, SchemaPtr schema);
  // The schema of `name` (a view added above, else a warehouse table), nullptr when the
  // table does not exist, or the warehouse's error (it could not be opened or read).
  Result<SchemaPtr> Find(std::string_view name);
  // A provider loading tables through its own connection (for one query).
  std::shared_ptr<stream::LookupTableProvider> NewProvider();
  // The warehouse, opened at the first call.
  Result<warehouse::Warehouse*> Open();

 private:
  project::Project project_;
  std::mutex mu_;
  std::unique_ptr<warehouse::Warehouse> warehouse_;
  std::map<std::string, SchemaPtr> views_;  // lowercased name
};

}  // namespace sluice::orchestrate
