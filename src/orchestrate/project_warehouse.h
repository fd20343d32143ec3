// Opens the warehouse a project declares (sluice.yaml `warehouse:`): the embedded DuckDB
// file or a PostgreSQL server.
#pragma once

#include <memory>

#include "project/project.h"
#include "warehouse/warehouse.h"

namespace sluice::orchestrate {

// Fails with the adapter's message (a locked DuckDB file, a server that refuses the
// connection), which says what to check.
Result<std::unique_ptr<warehouse::Warehouse>> OpenProjectWarehouse(const project::Project& p);

}  // namespace sluice::orchestrate
