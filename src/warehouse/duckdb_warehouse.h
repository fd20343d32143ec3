// The embedded DuckDB warehouse (DuckDB's C API, pinned to 1.4.x).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

// Opens (creating if needed, with its parent folders) the DuckDB file at `path`, or a
// private in-memory database for ":memory:". Opening a file this process already has
// open shares the one database (DuckDB must not open a file twice in one process).
// Fails with IOError when another process holds the file's lock (the message says
// another `sluice run` may be using it) or the file cannot be opened, quoting DuckDB.
Result<std::unique_ptr<Warehouse>> OpenDuckDB(const std::string& path);

}  // namespace sluice::warehouse
