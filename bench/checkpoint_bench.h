// `sluice bench checkpoint`: the cost of checkpoints on a stateful query. A Nexmark query
// (planned as in `sluice bench nexmark`, one QueryGraph over the generator on one thread)
// runs over the same events without checkpoints and with a checkpoint every `interval`,
// taken the way a pipeline takes it: QueryGraph::Snapshot of the whole state, the source
// position, then encoding, the durable write (temp file, fsync, rename, fsync of the
// folder) and Prune(2) on the CheckpointWriter's background thread (waiting for the
// previous write first; the run waits for the last one). Each repetition runs both, back
// to back; medians are reported. Fields and figures are in docs/benchmarks.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench.h"
#include "core/status.h"

namespace sluice::bench {

struct CheckpointBenchOptions {
  std::vector<std::string> queries = {"q5_eowc", "q4", "q15"};  // Nexmark query names
  int64_t events = 5000000;                                     // generated events per run (> 0)
  int64_t interval_us = 1000000;  // checkpoint interval of the measured runs (> 0)
  int repeat = 3;                 // repetitions (>= 1)
  std::string tmp_dir;            // where the checkpoint files go; empty = system temp
  // Write on the CheckpointWriter's thread (the pipeline's default); false = on the
  // measured thread, as PipelineOptions::checkpoint_async_write = false does.
  bool async_write = true;
};

// One result per query, named "checkpoint/<query>": per_core_rate = events per wall second
// with checkpoints (median; rate_unit "events_per_sec"), seconds = its median wall time,
// extras: events_per_sec_without (median), ratio (with / without, medians; target >= 0.9),
// checkpoints (per run, median), checkpoint_ms_mean / checkpoint_ms_max (time the query's
// thread spends per checkpoint: snapshot, waiting for the previous write, and encoding
// and the write itself when not async; over every checkpoint of every run),
// snapshot_ms_mean (of that, the QueryGraph::Snapshot alone), write_ms_mean (encoding,
// durable write and prune, on whichever thread), async (1 or 0), checkpoint_bytes_mean /
// checkpoint_bytes_max (state sizes, about the file sizes), interval_s, repeat. Invalid for unknown queries or
// bad options; a query the planner refuses fails the whole run with its message.
Result<std::vector<BenchResult>> RunCheckpointBench(const CheckpointBenchOptions& options);

}  // namespace sluice::bench
