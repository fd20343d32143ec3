#include "warehouse/commit_log.h"

#include "core/time.h"

namespace sluice::warehouse {

Status ReplayError(const std::string& sink, int64_t stored, int64_t checkpoint_id) {
  return Status::AlreadyExists("sink '" + sink + "' already committed checkpoint " +
                               std::to_string(stored) + ", so checkpoint " +
                               std::to_string(checkpoint_id) +
                               " is a replay and was not committed again");
}

Status RecordCommit(CommitStore* store, const std::string& sink, int64_t checkpoint_id,
                    const std::string& position) {
  if (sink.empty()) return Status::Invalid("a commit needs a sink name; got an empty one");
  if (sink.find('\0') != std::string::npos) {
    return Status::Invalid("the sink name of a commit holds a NUL byte; use printable text");
  }
  if (position.find('\0') != std::string::npos) {
    return Status::Invalid("the position committed for sink '" + sink +
                           "' holds a NUL byte; serialize positions as text (JSON, base64)");
  }
  SLUICE_RETURN_NOT_OK(store->EnsureTable().WithContext(std::string("creating ") + kCommitsTable));
  SLUICE_ASSIGN_OR_RETURN(std::optional<int64_t> stored, store->LockAndRead(sink));
  if (stored && *stored >= checkpoint_id) return ReplayError(sink, *stored, checkpoint_id);
  return store->Write(sink, checkpoint_id, position, NowMicros());
}

}  // namespace sluice::warehouse
