// The one interface every source and sink implements: generator, file, console and
// DuckDB today; HTTP, Kafka, CDC and REST APIs later.
//
// Life cycle of a source:  create (options validated, no I/O) -> streams() known ->
// Open (I/O starts) -> [Seek] -> Next ... Next -> Close.
// Life cycle of a sink:    create -> Open(schema) -> Write ... Flush ... -> Close.
//
// Sources and sinks are driven by one thread at a time (the pipeline's); they need no
// internal locking unless they start threads of their own.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "connectors/position.h"
#include "core/record_batch.h"
#include "core/status.h"
#include "warehouse/changelog.h"

namespace sluice::observe {
class MetricsRegistry;
}
namespace sluice::warehouse {
class Warehouse;
}

namespace sluice::connectors {

// A record that could not be read or written. Never dropped silently: the runtime
// counts it, logs it, and (later) writes it to the dead-letter table.
struct BadRecord {
  std::string connector;  // source or sink name
  std::string location;   // "orders.csv:17" or a position; where to look
  std::string raw;        // the raw bytes of the record (truncated to 4 KiB)
  std::string error;      // what is wrong
  // True when `location` names this record uniquely and for good (a position in a
  // durable log): a replay after a crash may report it again, and the dead-letter table
  // keeps one row per such location.
  bool stable_location = false;
};

using BadRecordHandler = std::function<void(BadRecord)>;

// Everything a connector may use from its surroundings.
struct ConnectorContext {
  std::string name;                               // the source or sink name in the project
  std::string project_dir;                        // absolute; relative paths resolve here
  std::string state_dir;                          // absolute; for files sluice owns
  observe::MetricsRegistry* metrics = nullptr;    // may be null in unit tests
  warehouse::Warehouse* warehouse = nullptr;      // the project's warehouse (DuckDB sink)
  BadRecordHandler on_bad_record;                 // may be empty: bad records then only counted
  const std::atomic<bool>* stop = nullptr;        // set when the run is stopping; may be null
  int64_t batch_size = kDefaultBatchRows;         // the project's run.batch_size: the default
                                                  // rows per batch of sources that batch
  std::string collector_listen = "127.0.0.1:8080";  // sluice.yaml collector.listen: where
                                                  // the HTTP collector (http sources) listens
};

// One stream a source produces. Multi-stream sources (the shop generator, CDC of many
// tables) name each stream; SQL refers to it as "source.stream". A single-stream
// source has one stream whose name is empty and is referred to as "source".
struct StreamInfo {
  std::string name;
  SchemaPtr schema;
};

struct SourceBatch {
  int stream = 0;  // index into streams()
  RecordBatchPtr batch;
};

// For Source::Next: no limit beyond the source's own batch size.
inline constexpr int64_t kNoRecordLimit = INT64_MAX;

enum class ReadState {
  kData,  // batches were appended
  kIdle,  // nothing available now; call again later (follow mode, rate limiting)
  kEnd,   // the source is exhausted; Next will not produce more
};

class Source {
 public:
  virtual ~Source() = default;
  // The streams this source produces; known right after creation, before Open.
  virtual const std::vector<StreamInfo>& streams() const = 0;
  virtual Status Open(const ConnectorContext& ctx) = 0;
  // Resumes from `pos` (a value CurrentPosition returned earlier). Before the first Next.
  virtual Status Seek(const Position& pos) = 0;
  // Appends zero or more batches to `out` (not cleared), holding at most `max_records`
  // records in total (> 0), so that a bounded run stops exactly at a record boundary in
  // the source's own order. Bad records are reported via the context and skipped; only
  // failures of the source as a whole are errors.
  virtual Result<ReadState> Next(std::vector<SourceBatch>* out, int64_t max_records) = 0;
  // The position just after everything returned by Next so far.
  virtual Position CurrentPosition() const = 0;
  // How far behind the newest available data the source is, in records, or -1 if
  // unknown. Shown as lag in the status line.
  virtual int64_t Lag() const { return -1; }
  virtual Status Close() = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Prepares to receive batches of `schema` (creates the table or file).
  virtual Status Open(const ConnectorContext& ctx, const SchemaPtr& schema) = 0;
  virtual Status Write(const RecordBatch& batch) = 0;
  // Changelog input from stateful queries (GROUP BY): whether this sink applies
  // changes (WriteChanges), and the application. Sinks that only append keep the
  // defaults (false, NotImplemented); the planner never sends them changes.
  virtual bool AcceptsChanges() const { return false; }
  virtual Status WriteChanges(const warehouse::ChangeBatch& changes) {
    (void)changes;
    return Status::NotImplemented("this sink cannot apply updates and deletes");
  }
  // Makes everything written so far durable and visible to readers.
  virtual Status Flush() = 0;

  // Exactly-once delivery with checkpoints. A sink that SupportsCommit (the warehouse
  // sinks) makes everything written since the last flush durable together with
  // (`commit_key`, `checkpoint_id`, `position`), atomically; when `commit_key` already
  // committed a checkpoint id >= `checkpoint_id` it returns AlreadyExists and DROPS the
  // rows written since the last flush (they are already in the output: a replay), which
  // the caller treats as done. Such a sink must not be flushed with plain Flush between
  // checkpoints. Other sinks keep the defaults: Flush (at-least-once), no commits.
  virtual bool SupportsCommit() const { return false; }
  virtual Status FlushWithCommit(const std::string& commit_key, int64_t checkpoint_id,
                                 const std::string& position) {
    (void)commit_key;
    (void)checkpoint_id;
    (void)position;
    return Flush();
  }
  // After Open: the last checkpoint id committed under `commit_key`, or -1 when none.
  virtual Result<int64_t> LastCommittedCheckpoint(const std::string& commit_key) {
    (void)commit_key;
    return int64_t{-1};
  }
  // After Open: the `position` text of that last commit, or "" when none.
  virtual Result<std::string> LastCommittedPosition(const std::string& commit_key) {
    (void)commit_key;
    return std::string();
  }
  // Flushes and releases resources. Idempotent.
  virtual Status Close() = 0;
};

}  // namespace sluice::connectors
