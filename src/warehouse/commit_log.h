// The rules of `_sluice_commits`, shared by every adapter (internal to the warehouse
// module; the contract is in warehouse.h, FlushWithCommit, and docs/warehouse.md,
// "Exactly-once loading"). An adapter supplies a CommitStore — how to create, lock,
// read and write the table in its SQL dialect — and RecordCommit applies the rules:
// names checked, replays refused with AlreadyExists, the sink's row inserted or updated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"

namespace sluice::warehouse {

// The table's name in the warehouse's default schema.
inline constexpr const char* kCommitsTable = "_sluice_commits";

// Access to `_sluice_commits` inside the caller's open transaction.
class CommitStore {
 public:
  virtual ~CommitStore() = default;
  // Creates the table if it is missing (safe against a concurrent creator).
  virtual Status EnsureTable() = 0;
  // The stored checkpoint id of `sink` (nullopt when it has no row), read so that no
  // other transaction can commit a row for `sink` until this one ends (a row lock, an
  // advisory lock, or a write conflict detected at commit).
  virtual Result<std::optional<int64_t>> LockAndRead(const std::string& sink) = 0;
  // Inserts or updates the row of `sink`. Returns AlreadyExists when the table already
  // holds a checkpoint id >= `checkpoint_id` for it (a concurrent writer got there first).
  virtual Status Write(const std::string& sink, int64_t checkpoint_id,
                       const std::string& position, int64_t committed_at_micros) = 0;
};

// Records (`sink`, `checkpoint_id`, `position`, now) through `store`: Invalid for an
// empty sink name or a sink or position holding a NUL byte; AlreadyExists, naming both
// ids, when the stored checkpoint id of `sink` is >= `checkpoint_id` (a replay; nothing
// is written); otherwise the sink's row is written.
Status RecordCommit(CommitStore* store, const std::string& sink, int64_t checkpoint_id,
                    const std::string& position);

// The AlreadyExists status for a replay of `checkpoint_id` when `stored` is committed.
Status ReplayError(const std::string& sink, int64_t stored, int64_t checkpoint_id);

}  // namespace sluice::warehouse
