// Checkpoints of a pipeline: the state of every query's operator together with the
// source's position, written to <state_dir>/checkpoints/<pipeline>/<id>.ckpt.
//
// A pipeline runs on one thread, so a checkpoint is taken between two source batches:
// every operator has seen exactly the records before the position, no barrier needed.
// The file is written to a temporary name, fsynced, renamed and the directory fsynced,
// so a crash leaves either the whole checkpoint or none. The pipeline writes it on a
// background thread (CheckpointWriter) after its sinks committed the checkpoint, so each
// commit row also records what a replay to the checkpoint needs (EncodeCommitPosition).
// See docs/architecture.md ("Checkpoints and exactly-once") for how the runtime uses them.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "connectors/position.h"
#include "core/file_io.h"  // CopyFileDurably, SyncDirectory (savepoints)
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
  // The newest event time the pipeline read (its idle-source timeout moves the
  // watermarks there); INT64_MIN = none, or a checkpoint older than format 3.
  int64_t max_event_time = INT64_MIN;
};

// A checkpoint encoded for writing without copying the operators' states: the file's
// bytes are the segments' views in order (the first is the header). Borrowed segments
// point into the CheckpointData's states, which must outlive it.
struct EncodedCheckpoint {
  struct Segment {
    std::string owned;
    std::string_view borrowed;
    bool is_borrowed = false;
    std::string_view view() const { return is_borrowed ? borrowed : std::string_view(owned); }
  };
  std::vector<Segment> segments;
  size_t size() const;
};

// Encodes/decodes a checkpoint (state_codec.h format, so checksummed). Decode fails with
// Invalid naming `what` and the byte offset on corrupt or truncated input.
// EncodeCheckpoint is the concatenation of EncodeCheckpointParts' segments.
EncodedCheckpoint EncodeCheckpointParts(const CheckpointData& data);
std::string EncodeCheckpoint(const CheckpointData& data);
Result<CheckpointData> DecodeCheckpoint(std::string_view bytes, const std::string& what);

// What a sink's commit row (`_sluice_commits.position`) says about its checkpoint: the
// record count, whether it was the run's final checkpoint and the source position, so a
// resume can replay exactly to it even when its file never became durable.
struct CommitInfo {
  bool has_replay_info = false;  // false: a row of an older version, only the position
  int64_t records = 0;
  bool finished = false;
  connectors::Position position;
};

// The commit row text: "sluice-commit 1 records=<n> finished=<0|1>" and a newline, then
// Position::Serialize() (whose lines start with a number, so older rows, holding only
// the serialized position, stay readable).
std::string EncodeCommitPosition(int64_t records, bool finished, const connectors::Position& position);
// Reads either form; an empty text (the "checkpoint 0" row) gives an empty position
// without replay info. Invalid naming `what` when malformed.
Result<CommitInfo> DecodeCommitPosition(const std::string& text, const std::string& what);

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


// The checkpoint files of one pipeline. Holds no state but the directory: calls on
// different files may run on different threads (CheckpointWriter writes and prunes on
// its own thread while no other thread touches the directory's files).
class CheckpointStore {
 public:
  explicit CheckpointStore(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }
  std::string PathOf(int64_t id) const;

  // Writes checkpoint `data.id` atomically and durably (temp file, fsync, rename, fsync
  // of the directory), creating the directory. IOError naming the path on failure.
  Status Write(const CheckpointData& data);
  // The same for checkpoint `id` already encoded (EncodeCheckpointParts).
  Status WriteEncoded(int64_t id, const EncodedCheckpoint& encoded);
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

// Encodes and writes checkpoints of one store on a background thread, one at a time,
// each followed by Prune(keep) once it is durable (never before: the files a replay may
// need stay). Submit and Wait are called by one thread (the pipeline's); the destructor
// waits for the write in flight.
class CheckpointWriter {
 public:
  // `store` must outlive the writer.
  CheckpointWriter(CheckpointStore* store, size_t keep);
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Waits for the previous write; if it failed returns its error (sticky: every later
  // call returns it too) and starts nothing. Otherwise starts encoding and writing
  // `data` (taken over) as checkpoint `data.id` and returns OK at once.
  Status Submit(CheckpointData data);
  // Waits until no write is in flight. OK, or the first write or prune error.
  Status Wait();
  // How long the last finished encoding + write + prune took (0 before the first).
  int64_t last_write_nanos() const;
  // A buffer for the next snapshot of query `index` (StateWriter(std::string)): the
  // state buffer of that query in the last checkpoint written, emptied with its memory
  // kept (no page faults, no regrowth), or while that one is still being written a new
  // string with room for its size. One such buffer per query stays allocated between
  // checkpoints.
  std::string TakeSpareBuffer(size_t index);

 private:
  void Loop();

  CheckpointStore* store_;
  size_t keep_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool busy_ = false;  // a job is queued or being written
  bool stop_ = false;
  CheckpointData data_;
  Status error_;
  int64_t last_write_nanos_ = 0;
  std::vector<std::string> spare_;      // per query: its last written state's buffer
  std::vector<size_t> last_state_size_;  // per query: that state's size in bytes
  std::thread thread_;  // last: started after the fields above are initialized
};

}  // namespace sluice::stream
