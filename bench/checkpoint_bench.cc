#include "checkpoint_bench.h"

#include <malloc.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "bench_setup.h"
#include "core/time.h"
#include "nexmark_bench.h"
#include "stream/checkpoint.h"
#include "stream/query_graph.h"
#include "stream/state_codec.h"

namespace sluice::bench {

namespace {

// Counts the result changelog (the query's output is not what is measured).
class CountingSink final : public stream::ChangeSink {
 public:
  Status Emit(const warehouse::ChangeBatch& c) override {
    rows_ += c.rows->num_rows();
    return Status::OK();
  }
  int64_t rows() const { return rows_; }

 private:
  int64_t rows_ = 0;
};

struct RunStats {
  double seconds = 0;
  int64_t checkpoints = 0;
  std::vector<double> checkpoint_ms;
  std::vector<double> checkpoint_bytes;
  double final_wait_ms = 0;  // after the last event, until the last checkpoint was durable
  std::vector<double> snapshot_ms;  // QueryGraph::Snapshot alone
  std::vector<double> write_ms;     // durable write + prune (background when async)
};

// Where checkpoints go: the store, and its background writer when async.
struct CheckpointTarget {
  stream::CheckpointStore* store;
  stream::CheckpointWriter* writer;  // null: write on the calling thread
};

// Takes checkpoint `id` of `graph` exactly as Pipeline::TakeCheckpoint does (minus the
// sinks): snapshot, encoding, then the durable write and prune, handed to the writer
// (after waiting for the previous one) or done here.
Status TakeCheckpoint(const NexmarkQuery& q, const stream::QueryGraph& graph,
                      const connectors::Source& source, int64_t id, int64_t records,
                      const CheckpointTarget& target, RunStats* stats) {
  const int64_t start = MonotonicNanos();
  stream::CheckpointData data;
  data.id = id;
  data.records = records;
  data.position = source.CurrentPosition();
  stream::CheckpointQuery cq;
  cq.name = std::string(q.name);
  cq.stateful = true;
  stream::StateWriter w(target.writer != nullptr ? target.writer->TakeSpareBuffer(0) : std::string());
  SLUICE_RETURN_NOT_OK(graph.Snapshot(&w));
  cq.state = w.Finish();
  stats->snapshot_ms.push_back(static_cast<double>(MonotonicNanos() - start) / 1e6);
  stats->checkpoint_bytes.push_back(static_cast<double>(cq.state.size()));
  data.queries.push_back(std::move(cq));
  if (target.writer != nullptr) {
    SLUICE_RETURN_NOT_OK(target.writer->Wait());
    if (id > 1) stats->write_ms.push_back(static_cast<double>(target.writer->last_write_nanos()) / 1e6);
    SLUICE_RETURN_NOT_OK(target.writer->Submit(std::move(data)));
  } else {
    const int64_t write_start = MonotonicNanos();
    SLUICE_RETURN_NOT_OK(target.store->Write(data));
    SLUICE_RETURN_NOT_OK(target.store->Prune(2));
    stats->write_ms.push_back(static_cast<double>(MonotonicNanos() - write_start) / 1e6);
  }
  stats->checkpoint_ms.push_back(static_cast<double>(MonotonicNanos() - start) / 1e6);
  ++stats->checkpoints;
  return Status::OK();
}

// One run of `q` over `events` generated events; with a `target` store, a checkpoint
// every `interval_us` between two generator reads (the run ends when the last is durable).
Result<RunStats> RunOnce(const NexmarkQuery& q, int64_t events, int64_t interval_us,
                         const CheckpointTarget& target) {
  SLUICE_ASSIGN_OR_RETURN(sql::PlanPtr plan, PlanNexmarkQuery(q));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<connectors::Source> source,
                          OpenGenerator("nexmark", 42, events, "nexmark"));
  stream::QueryGraphOptions options;
  options.watermark_delay_us = kNexmarkWatermarkDelayUs;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<stream::QueryGraph> graph,
                          stream::QueryGraph::Make(plan, options));
  const auto& streams = source->streams();
  std::vector<std::vector<int>> ports(streams.size());
  for (int p = 0; p < graph->num_inputs(); ++p) {
    for (size_t s = 0; s < streams.size(); ++s) {
      if (EqualsIgnoreCase(graph->input_tables()[static_cast<size_t>(p)], streams[s].name))
        ports[s].push_back(p);
    }
  }
  CountingSink sink;
  RunStats stats;
  std::vector<connectors::SourceBatch> batches;
  int64_t records = 0;
  int64_t id = 0;
  const int64_t start = MonotonicNanos();
  int64_t last = start;
  for (;;) {
    batches.clear();
    SLUICE_ASSIGN_OR_RETURN(connectors::ReadState state,
                            source->Next(&batches, connectors::kNoRecordLimit));
    for (const auto& b : batches) {
      records += b.batch->num_rows();
      for (int p : ports[static_cast<size_t>(b.stream)]) {
        SLUICE_RETURN_NOT_OK(graph->ApplyInput(p, *b.batch, &sink));
        while (graph->TakeRefusedRows().rows != nullptr) {
        }
      }
    }
    if (state == connectors::ReadState::kEnd) break;
    const int64_t now = MonotonicNanos();
    if (target.store != nullptr && (now - last) / 1000 >= interval_us) {
      SLUICE_RETURN_NOT_OK(TakeCheckpoint(q, *graph, *source, ++id, records, target, &stats));
      last = MonotonicNanos();
    }
  }
  SLUICE_RETURN_NOT_OK(graph->Finish(&sink));
  // The run's time ends with its last event: a stream does not end, and the write still in
  // flight overlaps the events after it (a writer slower than the interval shows in the
  // Wait of the next checkpoint, counted above). The final wait is reported apart.
  stats.seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
  if (target.writer != nullptr) {
    const int64_t wait_start = MonotonicNanos();
    SLUICE_RETURN_NOT_OK(target.writer->Wait());
    stats.final_wait_ms = static_cast<double>(MonotonicNanos() - wait_start) / 1e6;
    if (id > 0) stats.write_ms.push_back(static_cast<double>(target.writer->last_write_nanos()) / 1e6);
  }
  SLUICE_RETURN_NOT_OK(source->Close());
  return stats;
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

double Max(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

}  // namespace

Result<std::vector<BenchResult>> RunCheckpointBench(const CheckpointBenchOptions& o) {
  if (o.events <= 0) return Status::Invalid("--events must be positive");
  if (o.interval_us <= 0) return Status::Invalid("--interval must be positive");
  if (o.repeat < 1) return Status::Invalid("--repeat must be at least 1");
  std::vector<const NexmarkQuery*> todo;
  for (const std::string& name : o.queries) {
    const NexmarkQuery* q = FindNexmarkQuery(name);
    if (q == nullptr) return Status::Invalid("unknown Nexmark query '" + name + "'");
    todo.push_back(q);
  }
  namespace fs = std::filesystem;
  const fs::path root =
      fs::path(o.tmp_dir.empty() ? fs::temp_directory_path().string() : o.tmp_dir) /
      ("sluice-checkpoint-bench-" + std::to_string(NowMicros()));
  std::vector<BenchResult> out;
  for (const NexmarkQuery* q : todo) {
    malloc_trim(0);
    ResetPeakRss();
    std::vector<double> without, with, counts, ratios, final_waits;
    RunStats all;
    for (int i = 0; i < o.repeat; ++i) {
      // Alternate which run goes first, so warm-up (page faults, heap growth) does not
      // always fall on the same side.
      stream::CheckpointStore store((root / q->name / std::to_string(i)).string());
      Result<RunStats> plain = RunStats{}, checked = RunStats{};
      for (int k = 0; k < 2; ++k) {
        if ((k == 0) == (i % 2 == 0)) {
          plain = RunOnce(*q, o.events, 0, CheckpointTarget{nullptr, nullptr});
        } else {
          std::unique_ptr<stream::CheckpointWriter> writer;
          if (o.async_write) writer = std::make_unique<stream::CheckpointWriter>(&store, 2);
          checked = RunOnce(*q, o.events, o.interval_us, CheckpointTarget{&store, writer.get()});
        }
        malloc_trim(0);
      }
      std::error_code ec;
      fs::remove_all(store.dir(), ec);
      if (!plain.ok()) return plain.status();
      if (!checked.ok()) return checked.status();
      without.push_back(static_cast<double>(o.events) / plain->seconds);
      with.push_back(static_cast<double>(o.events) / checked->seconds);
      ratios.push_back(plain->seconds / checked->seconds);
      counts.push_back(static_cast<double>(checked->checkpoints));
      final_waits.push_back(checked->final_wait_ms);
      all.checkpoint_ms.insert(all.checkpoint_ms.end(), checked->checkpoint_ms.begin(),
                               checked->checkpoint_ms.end());
      all.snapshot_ms.insert(all.snapshot_ms.end(), checked->snapshot_ms.begin(),
                             checked->snapshot_ms.end());
      all.write_ms.insert(all.write_ms.end(), checked->write_ms.begin(), checked->write_ms.end());
      all.checkpoint_bytes.insert(all.checkpoint_bytes.end(), checked->checkpoint_bytes.begin(),
                                  checked->checkpoint_bytes.end());
    }
    BenchResult r;
    r.name = "checkpoint/" + std::string(q->name);
    r.events = o.events;
    r.per_core_rate = Median(with);
    r.seconds = static_cast<double>(o.events) / r.per_core_rate;
    r.rate_unit = "events_per_sec";
    r.peak_rss_bytes = PeakRssBytes();
    r.extra = {{"events_per_sec_without", Median(without)},
               {"ratio", Median(with) / Median(without)},
               {"ratio_per_repetition_median", Median(ratios)},
               {"checkpoints", Median(counts)},
               {"checkpoint_ms_mean", Mean(all.checkpoint_ms)},
               {"checkpoint_ms_max", Max(all.checkpoint_ms)},
               {"snapshot_ms_mean", Mean(all.snapshot_ms)},
               {"write_ms_mean", Mean(all.write_ms)},
               {"final_wait_ms", Median(final_waits)},
               {"async", o.async_write ? 1 : 0},
               {"checkpoint_bytes_mean", Mean(all.checkpoint_bytes)},
               {"checkpoint_bytes_max", Max(all.checkpoint_bytes)},
               {"interval_s", static_cast<double>(o.interval_us) / 1e6},
               {"repeat", o.repeat}};
    out.push_back(std::move(r));
  }
  std::error_code ec;
  fs::remove_all(root, ec);
  return out;
}

}  // namespace sluice::bench
