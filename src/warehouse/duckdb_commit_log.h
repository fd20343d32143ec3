// The `_sluice_commits` table of a DuckDB warehouse: one row per sink with the last
// checkpoint whose data committed, written in the same transaction as that data
// (internal to the DuckDB adapter; the contract is in warehouse.h, FlushWithCommit).
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "warehouse/commit_log.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

// Runs `sql` (one or more statements) on `conn`, discarding rows; Invalid with
// DuckDB's message on error.
Status DuckDBExec(duckdb_connection conn, const std::string& sql);

// In the caller's open transaction on `conn`: RecordCommit (commit_log.h) over DuckDB's
// `main._sluice_commits`. Concurrent writers of one sink are stopped by DuckDB's
// write-conflict detection at COMMIT (or see the other's row: AlreadyExists).
Status RecordCommit(duckdb_connection conn, const std::string& sink, int64_t checkpoint_id,
                    const std::string& position);

// The committed row of `sink`, or nullopt when there is none or no table yet.
Result<std::optional<CommitRecord>> ReadCommit(duckdb_connection conn, std::string_view sink);

}  // namespace sluice::warehouse
