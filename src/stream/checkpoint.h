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
#include <vector>

#include "connectors/position.h"
#include "core/status.h"

namespace sluice::stream {

struct CheckpointQuery {
  std::string name;         // PipelineQuery::name
  std::string fingerprint;  // the query's plan and schema; a change refuses the restore
  bool stateful = false;    // whether `state` holds an operator snapshot
  std::string state;        // StreamOperator::Snapshot output (state_codec.h format)
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
