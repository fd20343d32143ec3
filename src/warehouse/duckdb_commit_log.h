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
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

// The table's name in the warehouse's default schema.
inline constexpr const char* kCommitsTable = "_sluice_commits";

// Runs `sql` (one or more statements) on `conn`, discarding rows; Invalid with
// DuckDB's message on error.
Status DuckDBExec(duckdb_connection conn, const std::string& sql);

// In the caller's open transaction on `conn`: creates `_sluice_commits` if missing,
// refuses a replay (AlreadyExists when the stored checkpoint id of `sink` is >=
// `checkpoint_id`, the message naming both ids) and otherwise inserts or updates the
// sink's row with `committed_at` = now. Fails with Invalid for an empty sink name.
Status RecordCommit(duckdb_connection conn, const std::string& sink, int64_t checkpoint_id,
                    const std::string& position);

// The committed row of `sink`, or nullopt when there is none or no table yet.
Result<std::optional<CommitRecord>> ReadCommit(duckdb_connection conn, std::string_view sink);

}  // namespace sluice::warehouse
