// Pipeline checkpoints and resume (the Pipeline members declared under "Checkpoints").
//
// Taking checkpoint N, between two source batches (one thread: no barriers needed):
//   (a) snapshot every query's operator and the source position into N.ckpt (atomic),
//   (b) FlushWithCommit(N) every committing sink (warehouse: data + `_sluice_commits`
//       row in one transaction), plain Flush for the others (at-least-once),
//   (c) delete all but the newest two checkpoint files.
// Resuming: R = the smallest checkpoint id the committing sinks committed (the newest
// file when no sink commits). Restore from R.ckpt. A sink that committed a newer
// checkpoint M (a crash between two commits of (b)) already holds the output up to M,
// so the replay takes checkpoint M at exactly M's record count: that sink gets
// AlreadyExists (its replayed rows are dropped), the others commit M normally.
#include <algorithm>
#include <filesystem>

#include "observe/log.h"
#include "stream/bad_record_log.h"
#include "stream/checkpoint.h"
#include "stream/pipeline.h"
#include "stream/query_graph.h"
#include "stream/state_codec.h"

namespace sluice::stream {

std::string Pipeline::QueryFingerprint(const PipelineQuery& q) const {
  std::string f = q.name + "\n";
  f += "stream " + std::to_string(q.stream) + " inputs";
  for (int s : q.input_streams) f += " " + std::to_string(s);
  f += "\nsink " + spec_.sinks[static_cast<size_t>(q.sink)].name + " " +
       spec_.sinks[static_cast<size_t>(q.sink)].schema->ToString() + "\n";
  if (q.op) {
    f += "output " + q.op->output_schema()->ToString() + "\n";
    if (const auto* graph = dynamic_cast<const QueryGraph*>(q.op.get())) f += graph->plan().ToString();
  }
  return f;
}

Status Pipeline::SetUpCheckpoints() {
  if (options_.checkpoint_interval_us <= 0 || ctx_.state_dir.empty()) return Status::OK();
  // Every stateful operator must support snapshots; otherwise run as before, without.
  for (const auto& q : spec_.queries) {
    if (!q.op) continue;
    StateWriter probe;
    Status st = q.op->Snapshot(&probe);
    if (st.code() == StatusCode::kNotImplemented) {
      observe::LogWarn("checkpoints are off for this pipeline (at-least-once delivery)",
                       {{"pipeline", spec_.name}, {"query", q.location}, {"reason", st.message()}});
      return Status::OK();
    }
    SLUICE_RETURN_NOT_OK(st.WithContext(q.location));
  }
  const std::string dir =
      (std::filesystem::path(ctx_.state_dir) / "checkpoints" / spec_.name).string();
  checkpoints_ = std::make_unique<CheckpointStore>(dir);
  return ResumeFromCheckpoint().WithContext("pipeline '" + spec_.name + "'");
}

// How to start a pipeline over from nothing.
std::string Pipeline::StartOverAdvice() const {
  return "delete " + checkpoints_->dir() + ", the rows the pipeline wrote and its commit rows " +
         "(DELETE FROM _sluice_commits WHERE sink LIKE '" + spec_.name +
         "/%'), or set state_dir to a new directory with a new warehouse";
}

Status Pipeline::ResumeFromCheckpoint() {
  SLUICE_ASSIGN_OR_RETURN(std::vector<int64_t> ids, checkpoints_->List());
  int64_t restore_id = INT64_MAX;  // R
  int64_t newest_commit = -1;      // M
  std::string lagging_sink;
  bool any_commits = false;
  for (auto& s : spec_.sinks) {
    if (!SinkCommits(s)) continue;
    any_commits = true;
    SLUICE_ASSIGN_OR_RETURN(int64_t c, s.sink->LastCommittedCheckpoint(CommitKey(s)));
    if (c < 0) {
      // Record "checkpoint 0" (nothing) now, while no pipeline is writing: the commit
      // table and this sink's row then exist before pipelines commit concurrently
      // (DuckDB refuses two transactions creating the same table).
      Status st = s.sink->FlushWithCommit(CommitKey(s), 0, "");
      if (!st.ok() && st.code() != StatusCode::kAlreadyExists) {
        return st.WithContext("sink '" + s.name + "'");
      }
      c = 0;
    }
    if (c < restore_id) lagging_sink = s.name;
    restore_id = std::min(restore_id, c);
    newest_commit = std::max(newest_commit, c);
  }
  if (!any_commits) restore_id = newest_commit = ids.empty() ? -1 : ids.back();
  next_checkpoint_id_ = std::max(ids.empty() ? 0 : ids.back(), newest_commit) + 1;
  if (restore_id > 0) {
    Result<CheckpointData> data = checkpoints_->Read(restore_id);
    if (!data.ok()) {
      return Status::Invalid("cannot resume: sink '" + lagging_sink + "' last committed checkpoint " +
                             std::to_string(restore_id) + " but it cannot be read (" +
                             data.status().message() + "); to start over, " + StartOverAdvice());
    }
    SLUICE_RETURN_NOT_OK(RestoreCheckpoint(*data));
  }
  if (newest_commit > std::max<int64_t>(restore_id, 0)) {
    Result<CheckpointData> ahead = checkpoints_->Read(newest_commit);
    if (!ahead.ok()) {
      return Status::Invalid("cannot resume: a sink committed checkpoint " + std::to_string(newest_commit) +
                             " but it cannot be read (" + ahead.status().message() + "); to start over, " +
                             StartOverAdvice());
    }
    forced_checkpoint_id_ = newest_commit;
    forced_records_ = ahead->records;
    forced_finished_ = ahead->finished;
  }
  return Status::OK();
}

Status Pipeline::RestoreCheckpoint(const CheckpointData& data) {
  const std::string where = checkpoints_->PathOf(data.id);
  const std::string start_over = "; its state cannot be restored. Undo the change, or to start over, " +
                                 StartOverAdvice();
  // The same queries, in order, with the same plans.
  for (size_t i = 0; i < std::max(spec_.queries.size(), data.queries.size()); ++i) {
    if (i >= spec_.queries.size()) {
      return Status::Invalid("query '" + data.queries[i].name + "' was removed since checkpoint " +
                             where + start_over);
    }
    const PipelineQuery& q = spec_.queries[i];
    if (i >= data.queries.size() || data.queries[i].name != q.name) {
      return Status::Invalid("query " + q.location + " ('" + q.name + "') is not in checkpoint " + where +
                             " (queries were added or reordered)" + start_over);
    }
    if (data.queries[i].fingerprint != QueryFingerprint(q)) {
      return Status::Invalid("query " + q.location + " ('" + q.name + "') changed since checkpoint " +
                             where + " (its plan or schema differs)" + start_over);
    }
  }
  for (size_t i = 0; i < spec_.queries.size(); ++i) {
    PipelineQuery& q = spec_.queries[i];
    if (!q.op) continue;
    const CheckpointQuery& cq = data.queries[i];
    const std::string what = "checkpoint " + where + ", query '" + q.name + "'";
    if (!cq.stateful) return Status::Invalid(what + ": no operator state");
    SLUICE_ASSIGN_OR_RETURN(StateReader reader, StateReader::Open(cq.state, what));
    SLUICE_RETURN_NOT_OK(q.op->Restore(&reader));
    SLUICE_RETURN_NOT_OK(reader.ExpectEnd());
  }
  SLUICE_RETURN_NOT_OK(spec_.source->Seek(data.position).WithContext("source '" + spec_.name + "'"));
  stats_.records_in.store(data.records, std::memory_order_relaxed);
  observe::LogInfo("resumed from checkpoint", {{"pipeline", spec_.name},
                                                {"checkpoint", data.id},
                                                {"records", data.records},
                                                {"position", data.position.ToString()}});
  return Status::OK();
}

Status Pipeline::TakeCheckpoint(int64_t id, bool finished) {
  CheckpointData data;
  data.id = id;
  data.finished = finished;
  data.records = stats_.records_in.load(std::memory_order_relaxed);
  data.position = spec_.source->CurrentPosition();
  for (const auto& q : spec_.queries) {
    CheckpointQuery cq;
    cq.name = q.name;
    cq.fingerprint = QueryFingerprint(q);
    if (q.op) {
      StateWriter w;
      SLUICE_RETURN_NOT_OK(q.op->Snapshot(&w).WithContext(q.location));
      cq.stateful = true;
      cq.state = w.Finish();
    }
    data.queries.push_back(std::move(cq));
  }
  SLUICE_RETURN_NOT_OK(checkpoints_->Write(data));
  const std::string position = data.position.Serialize();
  for (auto& s : spec_.sinks) {
    if (!SinkCommits(s)) {
      SLUICE_RETURN_NOT_OK(s.sink->Flush().WithContext("sink '" + s.name + "' failed to flush"));
      continue;
    }
    Status st = s.sink->FlushWithCommit(CommitKey(s), id, position);
    if (st.code() == StatusCode::kAlreadyExists) {
      // A replay of output this sink committed before the crash: dropped, already there.
      observe::LogDebug("sink already committed this checkpoint",
                        {{"pipeline", spec_.name}, {"sink", s.name}, {"checkpoint", id}});
      continue;
    }
    SLUICE_RETURN_NOT_OK(st.WithContext("sink '" + s.name + "' failed to commit checkpoint " +
                                        std::to_string(id)));
  }
  if (bad_records_ != nullptr) bad_records_->Flush();
  next_checkpoint_id_ = std::max(next_checkpoint_id_, id + 1);
  return checkpoints_->Prune(2);
}

}  // namespace sluice::stream
