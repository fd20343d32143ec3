#include "stream/pipeline.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/time.h"
#include "core/value.h"
#include "observe/log.h"
#include "observe/standard_metrics.h"
#include "stream/bad_record_log.h"
#include "stream/checkpoint.h"

namespace sluice::stream {

struct Pipeline::Metrics {
  observe::SourceMetrics source;
  std::vector<observe::OperatorMetrics> queries;
  std::vector<observe::SinkMetrics> sinks;
  observe::Histogram* batch_latency;
  std::vector<observe::Counter*> late;  // per query: sluice_late_records_total
};

Pipeline::Pipeline(PipelineSpec spec, PipelineOptions options)
    : spec_(std::move(spec)), options_(options) {}

Pipeline::~Pipeline() {
  if (opened_) (void)CloseAll();
}

Status Pipeline::Open(const connectors::ConnectorContext& ctx, BadRecordLog* bad_records) {
  ctx_ = ctx;
  bad_records_ = bad_records;
  metrics_ = std::make_unique<Metrics>(Metrics{
      observe::SourceMetrics::Make(ctx.metrics, spec_.name), {}, {},
      observe::BatchLatencyHistogram(ctx.metrics, spec_.name), {}});
  for (const auto& q : spec_.queries) {
    metrics_->queries.push_back(observe::OperatorMetrics::Make(ctx.metrics, spec_.name, q.name));
    metrics_->late.push_back(
        (ctx.metrics != nullptr ? ctx.metrics : observe::DiscardRegistry())
            ->GetCounter("sluice_late_records_total",
                         "Rows later than the watermark (their window had closed), kept in the "
                         "bad-record log.",
                         {{"pipeline", spec_.name}, {"operator", q.name}}));
  }
  for (const auto& s : spec_.sinks) {
    metrics_->sinks.push_back(observe::SinkMetrics::Make(ctx.metrics, s.name));
  }

  connectors::ConnectorContext source_ctx = ctx;
  source_ctx.name = spec_.name;
  source_ctx.on_bad_record = [this](connectors::BadRecord bad) { ReportBad(std::move(bad)); };
  SLUICE_RETURN_NOT_OK(spec_.source->Open(source_ctx).WithContext("source '" + spec_.name + "'"));
  opened_ = true;
  for (auto& s : spec_.sinks) {
    connectors::ConnectorContext sink_ctx = ctx;
    sink_ctx.name = s.name;
    sink_ctx.on_bad_record = [this](connectors::BadRecord bad) { ReportBad(std::move(bad)); };
    SLUICE_RETURN_NOT_OK(s.sink->Open(sink_ctx, s.schema).WithContext("sink '" + s.name + "'"));
  }
  return SetUpCheckpoints();
}

void Pipeline::ReportBad(connectors::BadRecord bad) {
  stats_.bad_records.fetch_add(1, std::memory_order_relaxed);
  metrics_->source.errors->Add(1);
  if (bad_records_ != nullptr) {
    // The checkpoint that will cover the record: a resume from an earlier one deletes the
    // table's copy, since the replay reports the record again.
    const int64_t covering = checkpoints_ == nullptr     ? 0
                             : forced_checkpoint_id_ > 0 ? forced_checkpoint_id_
                                                         : next_checkpoint_id_;
    bad_records_->Add(spec_.name, bad, covering);
  } else {
    observe::LogWarn("bad record skipped", {{"pipeline", spec_.name},
                                            {"connector", bad.connector},
                                            {"at", bad.location},
                                            {"error", bad.error}});
  }
}

Status Pipeline::Run() {
  std::vector<connectors::SourceBatch> batches;
  int64_t last_flush = MonotonicNanos();
  int64_t last_clock = last_flush;
  int64_t last_checkpoint = last_flush;
  int64_t last_data = last_flush;  // when the source last gave records
  const auto stopping = [this] {
    return ctx_.stop != nullptr && ctx_.stop->load(std::memory_order_relaxed);
  };
  Status result;
  // Stopped right after a savepoint (`sluice savepoint --stop`): the operators are not
  // finished (their open windows belong to the savepoint) and no final checkpoint follows.
  bool stopped_at_savepoint = false;
  while (!stopping()) {
    int64_t room = connectors::kNoRecordLimit;
    if (options_.max_events >= 0) {
      room = options_.max_events - stats_.records_in.load(std::memory_order_relaxed);
      if (room <= 0) break;
    }
    if (forced_checkpoint_id_ > 0) {
      // Replaying up to a checkpoint some sink already committed: stop exactly there.
      const int64_t left = forced_records_ - stats_.records_in.load(std::memory_order_relaxed);
      if (left <= 0) {
        // The original run ended here (and finished its operators): end this one too.
        if (forced_finished_) break;
        result = TakeCheckpoint(forced_checkpoint_id_, false);
        if (!result.ok()) break;
        forced_checkpoint_id_ = 0;
        last_checkpoint = MonotonicNanos();
        continue;
      }
      room = std::min(room, left);
    }
    batches.clear();
    Result<connectors::ReadState> state = spec_.source->Next(&batches, room);
    if (!state.ok()) {
      result = state.status().WithContext("source '" + spec_.name + "' failed");
      break;
    }
    for (const auto& sb : batches) {
      result = ProcessBatch(sb);
      if (!result.ok()) break;
    }
    if (!result.ok()) break;
    stats_.lag.store(spec_.source->Lag(), std::memory_order_relaxed);
    const int64_t now = MonotonicNanos();
    if (!batches.empty()) {
      last_data = now;
      idle_advanced_ = false;
    } else if (*state == connectors::ReadState::kIdle && spec_.idle_timeout_us > 0 && !idle_advanced_ &&
               forced_checkpoint_id_ == 0 && (now - last_data) / 1000 >= spec_.idle_timeout_us) {
      result = AdvanceIdleWatermark();
      if (!result.ok()) break;
      idle_advanced_ = true;
    }
    if ((now - last_clock) / 1000 >= options_.processing_time_interval_us) {
      result = OnProcessingTime(NowMicros());
      if (!result.ok()) break;
      last_clock = now;
    }
    if ((now - last_flush) / 1000 >= options_.flush_interval_us) {
      result = FlushSinks();
      if (!result.ok()) break;
      last_flush = now;
    }
    if (checkpoints_ != nullptr && forced_checkpoint_id_ == 0 &&
        (now - last_checkpoint) / 1000 >= options_.checkpoint_interval_us) {
      result = TakeCheckpoint(next_checkpoint_id_, false);
      if (!result.ok()) break;
      last_checkpoint = now;
    }
    if (savepoint_pending_.load(std::memory_order_acquire) && forced_checkpoint_id_ == 0) {
      result = AnswerSavepoint(&stopped_at_savepoint);
      if (!result.ok() || stopped_at_savepoint) break;
      last_checkpoint = now;
    }
    if (*state == connectors::ReadState::kEnd) break;
    if (*state == connectors::ReadState::kIdle) {
      std::this_thread::sleep_for(std::chrono::microseconds(options_.idle_sleep_us));
    }
  }
  if (stopped_at_savepoint) final_checkpoint_done_ = true;  // everything is committed
  if (result.ok() && !stopped_at_savepoint) result = FinishOperators();
  if (result.ok() && checkpoints_ != nullptr && !stopped_at_savepoint) {
    // The final state and every output, committed together. A forced checkpoint still
    // pending here was the original run's final one (else the input ended early: the
    // sinks ahead of it would get rows they hold already, so commit nothing).
    if (forced_checkpoint_id_ == 0) {
      result = TakeCheckpoint(next_checkpoint_id_, true);
      final_checkpoint_done_ = result.ok();
    } else if (forced_finished_ &&
               stats_.records_in.load(std::memory_order_relaxed) == forced_records_) {
      result = TakeCheckpoint(forced_checkpoint_id_, true);
      final_checkpoint_done_ = result.ok();
      forced_checkpoint_id_ = 0;
    }
  }
  // The last checkpoint's file (the final one's too) is durable before Run returns.
  Status written = WaitForCheckpointWrite();
  if (result.ok()) result = written;
  Status closed = CloseAll();
  if (result.ok()) result = closed;
  stats_.finished.store(true);
  return result;
}

Status Pipeline::ProcessBatch(const connectors::SourceBatch& sb) {
  const int64_t start = MonotonicNanos();
  RecordBatchPtr batch = sb.batch;
  if (options_.max_events >= 0) {
    const int64_t room = options_.max_events - stats_.records_in.load(std::memory_order_relaxed);
    if (room <= 0) return Status::OK();
    if (batch->num_rows() > room) batch = SliceBatch(*batch, 0, room);
  }
  const int64_t rows = batch->num_rows();
  const int64_t bytes = batch->ByteSize();
  if (static_cast<size_t>(sb.stream) < spec_.watermark_columns.size()) {
    const int column = spec_.watermark_columns[static_cast<size_t>(sb.stream)];
    if (column >= 0) {
      const Column& ts = batch->column(column);
      const int64_t* t = ts.values<int64_t>();
      int64_t mx = max_event_time_;
      for (int64_t i = 0; i < rows; ++i) {
        if (ts.IsValid(i) && t[i] > mx) mx = t[i];
      }
      max_event_time_ = mx;
    }
  }
  stats_.records_in.fetch_add(rows, std::memory_order_relaxed);
  stats_.bytes_in.fetch_add(bytes, std::memory_order_relaxed);
  metrics_->source.records->Add(static_cast<double>(rows));
  metrics_->source.bytes->Add(static_cast<double>(bytes));
  for (auto& q : spec_.queries) {
    if (q.input_streams.empty()) {
      if (q.stream != sb.stream) continue;
      SLUICE_RETURN_NOT_OK(RunQuery(q, *batch));
      continue;
    }
    for (size_t port = 0; port < q.input_streams.size(); ++port) {
      if (q.input_streams[port] != sb.stream) continue;
      const size_t qi = static_cast<size_t>(&q - spec_.queries.data());
      metrics_->queries[qi].records_in->Add(static_cast<double>(batch->num_rows()));
      SLUICE_RETURN_NOT_OK(RunOperator(q, static_cast<int>(port), *batch));
    }
  }
  metrics_->batch_latency->Observe(static_cast<double>(MonotonicNanos() - start) / 1e9);
  return Status::OK();
}

// Hands an operator's changes to the query's sink; remembers whether the sink failed
// (then the state already moved on and no part of the batch may be retried).
class Pipeline::QueryChangeSink final : public ChangeSink {
 public:
  QueryChangeSink(Pipeline* p, PipelineQuery* q) : p_(p), q_(q) {}
  Status Emit(const warehouse::ChangeBatch& changes) override {
    Status st = p_->Deliver(*q_, changes.rows, &changes.ops);
    if (!st.ok()) sink_failed_ = true;
    return st;
  }
  bool sink_failed() const { return sink_failed_; }

 private:
  Pipeline* p_;
  PipelineQuery* q_;
  bool sink_failed_ = false;
};

void Pipeline::ReportBadRow(PipelineQuery& q, const RecordBatch& one, const Status& error) {
  const size_t qi = static_cast<size_t>(&q - spec_.queries.data());
  metrics_->queries[qi].errors->Add(1);
  std::string raw;
  for (int c = 0; c < one.num_columns(); ++c) {
    raw += (c ? ", " : "") + one.schema()->field(c).name + "=" + FormatCell(one.column(c), 0);
  }
  ReportBad({q.name, q.location, raw, error.message()});
}

Status Pipeline::RunQuery(PipelineQuery& q, const RecordBatch& input) {
  const size_t qi = static_cast<size_t>(&q - spec_.queries.data());
  observe::OperatorMetrics& qm = metrics_->queries[qi];
  qm.records_in->Add(static_cast<double>(input.num_rows()));
  qm.bytes_in->Add(static_cast<double>(input.ByteSize()));
  if (q.op) return RunOperator(q, 0, input);
  std::vector<RecordBatchPtr> outputs;
  Result<RecordBatchPtr> out = q.transform->Apply(input);
  if (out.ok()) {
    outputs.push_back(std::move(out).value());
  } else {
    // Isolate the rows that fail; the rest of the batch still flows, in order.
    // Stateless: every error is the rows' own.
    SLUICE_RETURN_NOT_OK(IsolateBadRows(input, [&](const RecordBatchPtr& part, int64_t) -> Status {
      Result<RecordBatchPtr> part_out = q.transform->Apply(*part);
      if (!part_out.ok()) return Status::Invalid(part_out.status().message());
      outputs.push_back(std::move(part_out).value());
      return Status::OK();
    }, [&](const RecordBatchPtr& one, int64_t, const Status& error) { ReportBadRow(q, *one, error); }));
  }
  for (const auto& b : outputs) SLUICE_RETURN_NOT_OK(Deliver(q, b, nullptr));
  return Status::OK();
}

void Pipeline::ReportRefused(PipelineQuery& q) {
  const size_t qi = static_cast<size_t>(&q - spec_.queries.data());
  for (;;) {
    RefusedRows refused = q.op->TakeRefusedRows();
    if (refused.rows == nullptr) return;
    for (int64_t r = 0; r < refused.rows->num_rows(); ++r) {
      const std::string& reason = refused.reasons[static_cast<size_t>(r)];
      // Late rows are counted as late; rows a node could not evaluate as query errors.
      if (reason.rfind("late", 0) == 0) metrics_->late[qi]->Add(1);
      RecordBatchPtr one = SliceBatch(*refused.rows, r, 1);
      ReportBadRow(q, *one, Status::Invalid(reason));
    }
  }
}

Status Pipeline::AdvanceIdleWatermark() {
  if (max_event_time_ == INT64_MIN) return Status::OK();  // no event time read yet
  // At most the wall clock: processing-time windows take watermarks as wall-clock time.
  const int64_t watermark = std::min(max_event_time_, NowMicros());
  observe::LogInfo("source idle: watermark advanced to the newest event time",
                   {{"pipeline", spec_.name},
                    {"idle_for", FormatDuration(spec_.idle_timeout_us)},
                    {"watermark", FormatTimestamp(watermark)}});
  for (auto& q : spec_.queries) {
    if (!q.op) continue;
    QueryChangeSink out(this, &q);
    Status st = q.op->OnWatermark(watermark, &out);
    ReportRefused(q);
    if (!st.ok()) return out.sink_failed() ? st : st.WithContext(q.location);
  }
  return Status::OK();
}

Status Pipeline::OnProcessingTime(int64_t now_us) {
  for (auto& q : spec_.queries) {
    if (!q.op) continue;
    QueryChangeSink out(this, &q);
    Status st = q.op->OnProcessingTime(now_us, &out);
    ReportRefused(q);
    if (!st.ok()) return out.sink_failed() ? st : st.WithContext(q.location);
  }
  return Status::OK();
}

Status Pipeline::RunOperator(PipelineQuery& q, int port, const RecordBatch& input) {
  QueryChangeSink out(this, &q);
  Status st = q.op->ApplyInput(port, input, &out);
  ReportRefused(q);
  // Invalid from the operator itself: bad rows, state unchanged; isolate them.
  if (st.ok() || st.code() != StatusCode::kInvalid || out.sink_failed()) {
    return st.ok() || out.sink_failed() ? st : st.WithContext(q.location);
  }
  // A failed application left the state unchanged, so the parts go in again in order.
  Status fatal;  // not a bad row (or the sink failed after the state moved on): stop
  Status isolated = IsolateBadRows(input, [&](const RecordBatchPtr& part, int64_t) -> Status {
    Status applied = q.op->ApplyInput(port, *part, &out);
    ReportRefused(q);
    if (applied.ok() || (applied.code() == StatusCode::kInvalid && !out.sink_failed())) return applied;
    fatal = out.sink_failed() ? applied : applied.WithContext(q.location);
    return Status::Cancelled("stopped isolating bad rows");
  }, [&](const RecordBatchPtr& one, int64_t, const Status& error) { ReportBadRow(q, *one, error); });
  return fatal.ok() ? isolated : fatal;
}

Status Pipeline::FinishOperators() {
  for (auto& q : spec_.queries) {
    if (!q.op) continue;
    QueryChangeSink out(this, &q);
    SLUICE_RETURN_NOT_OK(q.op->Finish(&out));
    ReportRefused(q);
  }
  return Status::OK();
}

Status Pipeline::Deliver(PipelineQuery& q, const RecordBatchPtr& rows,
                         const std::vector<warehouse::ChangeOp>* ops) {
  if (rows == nullptr || rows->num_rows() == 0) return Status::OK();
  const size_t qi = static_cast<size_t>(&q - spec_.queries.data());
  observe::OperatorMetrics& qm = metrics_->queries[qi];
  PipelineSink& sink = spec_.sinks[static_cast<size_t>(q.sink)];
  observe::SinkMetrics& sm = metrics_->sinks[static_cast<size_t>(q.sink)];
  const double out_bytes = static_cast<double>(rows->ByteSize());
  qm.records_out->Add(static_cast<double>(rows->num_rows()));
  qm.bytes_out->Add(out_bytes);
  Status st;
  if (ops != nullptr && sink.sink->AcceptsChanges()) {
    st = sink.sink->WriteChanges(warehouse::ChangeBatch{rows, *ops});
  } else {
    if (ops != nullptr) {
      for (warehouse::ChangeOp op : *ops) {
        if (op != warehouse::ChangeOp::kInsert) {
          return Status::Internal("query " + q.location + " sends updates to sink '" + sink.name +
                                  "', which only appends");
        }
      }
    }
    st = sink.sink->Write(*rows);
  }
  if (!st.ok()) {
    sm.errors->Add(1);
    return st.WithContext("sink '" + sink.name + "' failed");
  }
  stats_.records_out.fetch_add(rows->num_rows(), std::memory_order_relaxed);
  sm.records->Add(static_cast<double>(rows->num_rows()));
  sm.bytes->Add(out_bytes);
  return Status::OK();
}

Status Pipeline::FlushSinks() {
  for (auto& s : spec_.sinks) {
    if (SinkCommits(s)) continue;  // commits at checkpoints only
    SLUICE_RETURN_NOT_OK(s.sink->Flush().WithContext("sink '" + s.name + "' failed to flush"));
  }
  if (bad_records_ != nullptr) bad_records_->Flush();
  return Status::OK();
}

Status Pipeline::CloseAll() {
  if (!opened_) return Status::OK();
  opened_ = false;
  Status first;
  for (auto& s : spec_.sinks) {
    if (SinkCommits(s) && !final_checkpoint_done_) {
      // Rows after the last checkpoint are dropped, not committed without one: the
      // next run replays them from that checkpoint.
      s.sink.reset();
      continue;
    }
    Status st = s.sink->Close().WithContext("sink '" + s.name + "' failed to close");
    if (first.ok()) first = st;
  }
  Status st = spec_.source->Close();
  if (first.ok()) first = st;
  if (bad_records_ != nullptr) bad_records_->Flush();
  return first;
}

}  // namespace sluice::stream
