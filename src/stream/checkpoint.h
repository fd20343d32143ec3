// Checkpoints of a pipeline: the state of every query's operator together with the
// source's position, written to <state_dir>/checkpoints/<pipeline>/<id>.ckpt.
//
// A pipeline runs on one thread, so a checkpoint is taken between two source batches:
// every operator has seen exactly the records before the position, no barrier needed.
// The file is written to a temporary name, fsynced, renamed and the directory fsynced,
// so a crash leaves either the whole checkpoint or none. See docs/architecture.md
// ("Checkpoints and exactly-once") for how the runtime uses them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "connectors/position.h"
#include "core/status.h"

namespace sluice::stream {

// One stateful operator of a query as its state sees it: what decides the layout and the
// meaning of the operator's state. Facets are (name, value) pairs such as
// ("group keys", "[channel VARCHAR]"); two operators hold compatible state when kind and
// every facet are equal.
struct StateOperatorInfo {
  std::string kind;   // "Aggregate", "WindowAggregate", "Join", "TopN"
  std::string where;  // "streams/orders.sql:9:1", for messages (not compared)
  std::vector<std::pair<std::string, std::string>> facets;
};

struct CheckpointQuery {
  std::string name;         // PipelineQuery::name
  std::string fingerprint;  // the query's plan, SQL and schema: equal = compatible at once
  bool stateful = false;    // whether `state` holds an operator snapshot
  std::string state;        // StreamOperator::Snapshot output (state_codec.h format)
  // What the state depends on (format 2; empty in checkpoints of format 1): the stateful
  // operators in plan post-order, and the query's SQL with the parts that only shape the
  // output after the state masked (the SELECT list of an aggregate query).
  bool has_layout = false;
  std::vector<StateOperatorInfo> layout = {};
  std::string state_sql = {};
};

struct CheckpointData {
  int64_t id = 0;                  // > 0, increasing per pipeline
  int64_t records = 0;             // source records read when it was taken (since the start)
  connectors::Position position;   // the source's CurrentPosition
  bool finished = false;           // taken after the operators' Finish (end of a run)
  std::vector<CheckpointQuery> queries;
};

// Encodes/decodes a checkpoint (state_codec.h format, so checksummed). Decode fails with
// Invalid naming `what` and the byte offset on corrupt or truncated input.
std::string EncodeCheckpoint(const CheckpointData& data);
Result<CheckpointData> DecodeCheckpoint(std::string_view bytes, const std::string& what);

// Whether the state saved in `saved` can be restored into the query now described by
// `now` (same name). OK when the fingerprints are equal, when neither holds state, or when
// the stateful operators and the SQL that feeds them are unchanged (only the output
// shaping changed). Otherwise Invalid saying what is incompatible: which operator (kind,
// location) and which facet (group keys, aggregates, window, join keys, input columns,
// ...) changed from what to what, or that the SQL before the state changed (e.g. a WHERE
// before an aggregate: the state would mean something else). Checkpoints without layout
// (format 1) are compatible only with an equal fingerprint. `query` names the query.
Status CheckStateCompatible(const CheckpointQuery& saved, const CheckpointQuery& now,
                            const std::string& query);

// Copies the file `from` to `to` durably (write, fsync, fsync of `to`'s directory).
// IOError naming the path on failure.
Status CopyFileDurably(const std::string& from, const std::string& to);
// fsyncs the directory `dir` (after a rename or create inside it).
Status SyncDirectory(const std::string& dir);

// The checkpoint files of one pipeline. Not thread-safe (the pipeline's thread).
class CheckpointStore {
 public:
  explicit CheckpointStore(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }
  std::string PathOf(int64_t id) const;

  // Writes checkpoint `data.id` atomically and durably (temp file, fsync, rename, fsync
  // of the directory), creating the directory. IOError naming the path on failure.
  Status Write(const CheckpointData& data);
  // Reads checkpoint `id`: NotFound when the file is missing, Invalid when corrupt.
  Result<CheckpointData> Read(int64_t id) const;
  // The ids of the complete checkpoint files, ascending (none when the directory is
  // missing). Temporary files of interrupted writes are ignored.
  Result<std::vector<int64_t>> List() const;
  // Deletes the checkpoints older than the newest `keep` ones.
  Status Prune(size_t keep);

 private:
  std::string dir_;
};

}  // namespace sluice::stream
