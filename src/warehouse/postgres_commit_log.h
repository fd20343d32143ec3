// The `_sluice_commits` table of a PostgreSQL warehouse (internal to the PostgreSQL
// adapter; the contract is in warehouse.h, FlushWithCommit, the shared rules in
// commit_log.h). The table lives in current_schema() (the first schema of the
// search_path that exists), like the tables EnsureTable creates.
//
// Concurrency: a flush takes a transaction-scoped advisory lock for its sink and then
// reads the sink's row FOR UPDATE, so a second writer of the same sink waits until the
// first one commits or rolls back and then sees its row (AlreadyExists for the same
// checkpoint id). The final INSERT ... ON CONFLICT only moves the id forward, so even
// a writer that skipped the lock could not commit an id twice.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "warehouse/commit_log.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

// In the caller's open transaction on `conn`: RecordCommit (commit_log.h) over
// `_sluice_commits`, creating it if missing.
Status RecordPostgresCommit(PGconn* conn, const std::string& sink, int64_t checkpoint_id,
                            const std::string& position);

// The committed row of `sink`, or nullopt when there is none or no table yet.
Result<std::optional<CommitRecord>> ReadPostgresCommit(PGconn* conn, std::string_view sink);

}  // namespace sluice::warehouse
