#include "orchestrate/project_warehouse.h"

#include "warehouse/duckdb_warehouse.h"
#include "warehouse/postgres_warehouse.h"

namespace sluice::orchestrate {

Result<std::unique_ptr<warehouse::Warehouse>> OpenProjectWarehouse(const project::Project& p) {
  if (p.warehouse.type == "postgres") return warehouse::OpenPostgres(p.warehouse.url);
  return warehouse::OpenDuckDB(p.warehouse.path);
}

}  // namespace sluice::orchestrate
