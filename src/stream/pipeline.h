// Pipeline: one source and the continuous queries that read its streams, each writing to
// a sink. A pipeline runs on one thread: read a batch, hand it to every query of its
// stream, write each query's output to that query's sink, flush sinks periodically.
//
// Bad records (unreadable input, rows a query cannot evaluate, rows a sink rejects) are
// counted, logged and appended to the bad-record file; they never stop the pipeline.
// A failure of a source or sink as a whole stops this pipeline with an error.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "stream/batch_transform.h"
#include "stream/stream_operator.h"

namespace sluice::observe {
class MetricsRegistry;
}

namespace sluice::stream {

class BadRecordLog;
class CheckpointStore;
class CheckpointWriter;
struct CheckpointData;
struct CheckpointQuery;
struct CommitInfo;

struct PipelineQuery {
  std::string name;       // "orders" for a materialized view, "insert into file_out" otherwise
  std::string location;   // "streams/orders.sql:3:1", for messages
  int stream = 0;         // index into the source's streams()
  // Exactly one of the two: a stateless transform (its batches are appended to the
  // sink) or a stateful operator (its changelog goes to the sink's WriteChanges when
  // the sink AcceptsChanges, else only +I rows are accepted). Operators are Finished
  // when the pipeline's input ends.
  std::unique_ptr<BatchTransform> transform;
  std::unique_ptr<StreamOperator> op;
  int sink = 0;           // index into PipelineSpec::sinks
  // A query over several streams of the source (a join, a UNION ALL; `op` is then a
  // QueryGraph): port i of `op` reads stream input_streams[i]. Empty: `op` or `transform`
  // reads `stream` (port 0).
  std::vector<int> input_streams;
  // The statement's SQL text (for the state-compatibility check of checkpoints); may be
  // empty (then any change of a stateful query's plan refuses its state).
  std::string sql;
};

struct PipelineSink {
  std::string name;  // sink name in the project, or the materialized view's table
  std::unique_ptr<connectors::Sink> sink;
  SchemaPtr schema;  // the schema every query writing here produces
};

struct PipelineSpec {
  std::string name;  // the source's name ("a+b" for sources read together, MultiSource)
  std::unique_ptr<connectors::Source> source;
  std::vector<PipelineQuery> queries;
  std::vector<PipelineSink> sinks;
  // Idle sources (the sources' `watermark.idle_timeout`): once the source has given no
  // record for idle_timeout_us of wall-clock time (0 = never), every query gets
  // OnWatermark(the largest event time read so far, at most the wall clock), so windows
  // and joins waiting for data behind the delay close instead of waiting for the next
  // record; once per idle period. Event time is read from watermark_columns[stream]
  // (a TIMESTAMP column of that stream; -1 or absent: none).
  std::vector<int> watermark_columns;
  int64_t idle_timeout_us = 0;
};

struct PipelineOptions {
  int64_t max_events = -1;               // stop after this many source records; -1 = unbounded
  int64_t flush_interval_us = 1000000;   // how often sinks flush
  int64_t idle_sleep_us = 2000;          // sleep when the source reports kIdle
  int64_t processing_time_interval_us = 100000;  // how often operators see the wall clock
  // How often to checkpoint (run.checkpoint_interval); 0 = never. With checkpoints the
  // pipeline resumes from its last complete checkpoint on Open and the sinks that
  // SupportsCommit (warehouse) commit only at checkpoints: exactly-once. See checkpoint.h.
  int64_t checkpoint_interval_us = 0;
  // Write checkpoint files on a background thread after the sinks committed (true), or
  // on the pipeline's thread before they commit (false, the slower original order).
  // Both are exactly-once; see pipeline_checkpoint.cc.
  bool checkpoint_async_write = true;
  // A savepoint's checkpoint file (`sluice run --from-savepoint`) to start from instead of
  // the pipeline's own checkpoints; empty = none. Needs checkpoints on. See
  // pipeline_checkpoint.cc for how it is reconciled with the sinks' commits.
  std::string restore_from;
};

// The answer of a pipeline to a savepoint request (Pipeline::RequestSavepoint).
struct SavepointReply {
  int64_t request = 0;        // the request answered; 0 = none yet
  int64_t checkpoint_id = 0;  // the checkpoint taken and copied
  Status status;              // why not, when not OK
};

// Counters readable from other threads (status line).
struct PipelineStats {
  std::atomic<int64_t> records_in{0};
  std::atomic<int64_t> records_out{0};
  std::atomic<int64_t> bytes_in{0};
  std::atomic<int64_t> bad_records{0};
  std::atomic<int64_t> lag{-1};
  std::atomic<bool> finished{false};
};

class Pipeline {
 public:
  Pipeline(PipelineSpec spec, PipelineOptions options);
  ~Pipeline();

  const std::string& name() const { return spec_.name; }
  const PipelineStats& stats() const { return stats_; }

  // Opens the source and every sink. `ctx` is the template context (project dir, state
  // dir, metrics, warehouse, stop flag); names are filled in per connector. `bad_records`
  // (may be null) receives every bad record; it must outlive the pipeline.
  // With checkpoints on (and a state dir), then resumes from the last checkpoint every
  // committing sink committed: restores the operators, seeks the source and restores the
  // record count. Fails (Invalid) when a query changed since that checkpoint.
  Status Open(const connectors::ConnectorContext& ctx, BadRecordLog* bad_records);
  // Runs until the source ends, max_events is reached, or *ctx.stop becomes true; then
  // flushes and closes every sink and the source. Returns the first fatal error.
  Status Run();

  // Savepoints. Thread-safe (called by the run's watcher while Run works): asks for a
  // checkpoint at the next batch boundary, taken exactly like a periodic one (sinks
  // commit), its file copied durably to `copy_to`; with `stop`, Run then returns without
  // finishing the operators (open windows stay open in the savepoint). The answer is
  // published in savepoint_reply() with `request` (> 0). Not answered when Run has
  // returned: use the newest file of checkpoint_dir() then.
  void RequestSavepoint(int64_t request, std::string copy_to, bool stop);
  SavepointReply savepoint_reply() const;
  // Where the pipeline's checkpoints go; empty when checkpoints are off (after Open).
  std::string checkpoint_dir() const;

 private:
  Status ProcessBatch(const connectors::SourceBatch& sb);
  Status RunQuery(PipelineQuery& q, const RecordBatch& input);
  Status RunOperator(PipelineQuery& q, int port, const RecordBatch& input);
  Status OnProcessingTime(int64_t now_us);
  // The source has been idle for spec_.idle_timeout_us: every query's watermark moves to
  // the largest event time read (PipelineSpec).
  Status AdvanceIdleWatermark();
  Status FinishOperators();
  // Writes a query's output (rows, or changes when `ops` is non-null) to its sink.
  Status Deliver(PipelineQuery& q, const RecordBatchPtr& rows,
                 const std::vector<warehouse::ChangeOp>* ops);
  void ReportBadRow(PipelineQuery& q, const RecordBatch& one, const Status& error);
  void ReportRefused(PipelineQuery& q);
  class QueryChangeSink;
  Status FlushSinks();
  Status CloseAll();
  // Checkpoints (pipeline_checkpoint.cc).
  Status SetUpCheckpoints();
  Status ResumeFromCheckpoint();
  Status ResumeFromSavepoint();
  // `where` names the checkpoint file in messages.
  Status RestoreCheckpoint(const CheckpointData& data, const std::string& where);
  // In Run, when a savepoint was requested: takes it; sets *stop when Run must return.
  Status AnswerSavepoint(bool* stop);
  CheckpointQuery DescribeQuery(const PipelineQuery& q) const;
  // `finished`: after FinishOperators (the run's final checkpoint).
  Status TakeCheckpoint(int64_t id, bool finished);
  // Waits for the checkpoint write in flight (if any); its error, if it failed.
  Status WaitForCheckpointWrite();
  // What the commit row of sink `s` says about its last commit `id` (for a replay to a
  // checkpoint whose file is missing); Invalid when it lacks the replay details.
  Result<CommitInfo> CommittedInfo(PipelineSink& s, int64_t id);
  std::string QueryFingerprint(const PipelineQuery& q) const;
  std::string StartOverAdvice() const;
  std::string CommitKey(const PipelineSink& s) const { return spec_.name + "/" + s.name; }
  bool SinkCommits(const PipelineSink& s) const {
    return checkpoints_ != nullptr && s.sink->SupportsCommit();
  }
  void ReportBad(connectors::BadRecord bad);

  struct Metrics;
  PipelineSpec spec_;
  PipelineOptions options_;
  PipelineStats stats_;
  connectors::ConnectorContext ctx_;
  BadRecordLog* bad_records_ = nullptr;
  std::unique_ptr<Metrics> metrics_;
  bool opened_ = false;
  std::unique_ptr<CheckpointStore> checkpoints_;  // null: checkpoints off
  // Writes checkpoint files in the background (checkpoint_async_write); declared after
  // checkpoints_ so it is destroyed (joined) first.
  std::unique_ptr<CheckpointWriter> checkpoint_writer_;
  int64_t next_checkpoint_id_ = 1;
  // A checkpoint that must be taken exactly after `forced_records_` records (id > 0):
  // some sink committed it already while another did not (crash between the two).
  int64_t max_event_time_ = INT64_MIN;  // over watermark_columns, for idle timeouts
  bool idle_advanced_ = false;          // the idle watermark was given this idle period
  int64_t forced_checkpoint_id_ = 0;
  // The checkpoint the operators' state was restored from (0: replaying from the
  // source's start to a committed checkpoint); -1 = a fresh start.
  int64_t resumed_from_ = -1;
  int64_t forced_records_ = 0;
  bool forced_finished_ = false;  // it was taken after Finish: take it after Finish too
  bool final_checkpoint_done_ = false;
  // Savepoint request (RequestSavepoint) and answer; the flag is read between batches.
  std::atomic<bool> savepoint_pending_{false};
  mutable std::mutex savepoint_mu_;
  int64_t savepoint_request_ = 0;
  std::string savepoint_copy_to_;
  bool savepoint_stop_ = false;
  SavepointReply savepoint_reply_;
};

}  // namespace sluice::stream
