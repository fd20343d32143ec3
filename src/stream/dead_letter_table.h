// DeadLetterTable: the warehouse table `_sluice_dead_letters` that holds every bad record
// (a source parse error, a row a query cannot evaluate, a row a sink rejects, a late
// row, a record the HTTP collector refused) with its raw bytes, the error, where it came
// from and when. See docs/dead_letters.md.
//
//   id BIGINT, time TIMESTAMP, pipeline VARCHAR, connector VARCHAR,
//   kind VARCHAR (source|query|sink|late), location VARCHAR, error VARCHAR,
//   raw VARCHAR, replayed_at TIMESTAMP (NULL until `sluice dlq replay` re-ingested it),
//   checkpoint BIGINT (the pipeline checkpoint that covers the record; NULL = none)
//
// Works on every warehouse adapter (DuckDB and PostgreSQL): it only uses EnsureTable,
// bulk Append and plain SQL. Writes are batched: one appender transaction per Write.
// Not thread-safe: BadRecordLog serializes its use; the CLI uses it from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema.h"
#include "core/status.h"
#include "warehouse/warehouse.h"

namespace sluice::stream {

inline constexpr std::string_view kDeadLetterTableName = "_sluice_dead_letters";

// One row of the table.
struct DeadLetter {
  int64_t id = 0;    // assigned by DeadLetterTable::Write (1, 2, ... per table)
  int64_t time = 0;  // microseconds since the epoch, UTC
  std::string pipeline;
  std::string connector;
  std::string kind;  // "source", "query", "sink" or "late"
  std::string location;
  std::string error;
  std::string raw;
  std::optional<int64_t> replayed_at;  // microseconds since the epoch, UTC
  // The checkpoint of `pipeline` that covers the record (the one the pipeline takes
  // next when it reports it); 0 = none (NULL: no checkpoints, or not from a pipeline).
  // A pipeline resuming from checkpoint R replays the records after R, reporting their
  // bad ones again, so it first deletes its rows with checkpoint > R
  // (DeleteUncommitted).
  int64_t checkpoint = 0;
  // Not stored: `location` identifies the record for good (BadRecord::stable_location),
  // so Write skips it when the table holds a row with the same pipeline, connector and
  // location already (the record was reported again by a replay after a crash).
  bool stable_location = false;
};

// Which rows List returns.
struct DeadLetterFilter {
  std::string source;             // empty = all; else rows whose pipeline or connector is it
  std::vector<int64_t> ids;       // empty = all; else only these ids
  bool only_not_replayed = false;
  int64_t limit = -1;             // -1 = no limit; rows come in id order
};

// The table's full schema (with replayed_at).
SchemaPtr DeadLetterSchema();

class DeadLetterTable {
 public:
  // Connects to `wh` and creates the table when missing (adding any missing column to
  // an older one). The next id continues after the largest id in the table.
  static Result<std::unique_ptr<DeadLetterTable>> Open(warehouse::Warehouse* wh);

  // Appends `rows` in one transaction, giving them the next ids (stored back in
  // `rows`). Rows with stable_location whose (pipeline, connector, location) is in the
  // table already, or earlier in `rows`, are removed from `rows` and not written. On
  // error nothing is written (the appender rolls back) and the ids given are not
  // reused; the caller keeps the rows elsewhere.
  Status Write(std::vector<DeadLetter>* rows);

  // Rows matching `filter`, in id order. Only committed rows are seen.
  Result<std::vector<DeadLetter>> List(const DeadLetterFilter& filter);
  // The number of rows.
  Result<int64_t> Count();
  // The row with `id`, or nullopt when there is none.
  Result<std::optional<DeadLetter>> Get(int64_t id);
  // Deletes the rows of `pipeline` with checkpoint > `after` that are not replayed yet
  // (a pipeline resuming from checkpoint `after` reports them again). Returns how many.
  Result<int64_t> DeleteUncommitted(const std::string& pipeline, int64_t after);
  // Sets replayed_at = `when` on rows `ids` that are not replayed yet.
  Status MarkReplayed(const std::vector<int64_t>& ids, int64_t when);

  const std::string& describe() const { return describe_; }

 private:
  explicit DeadLetterTable(std::unique_ptr<warehouse::Connection> conn) : conn_(std::move(conn)) {}
  Result<std::vector<DeadLetter>> Select(const std::string& where, int64_t limit);
  // Removes from `rows` the stable-location rows the table (or `rows`) holds already.
  Status DropStoredDuplicates(std::vector<DeadLetter>* rows);

  std::unique_ptr<warehouse::Connection> conn_;
  SchemaPtr append_schema_;  // every column but replayed_at
  int64_t next_id_ = 1;
  std::string describe_;
};

}  // namespace sluice::stream
