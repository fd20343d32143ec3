// `sluice bench ingest`: HTTP event collector throughput with durable acknowledgement
// (docs/benchmarks.md "HTTP ingest", docs/collector.md).
#pragma once

#include <cstdint>
#include <string>

#include "bench.h"
#include "core/status.h"

namespace sluice::bench {

struct IngestBenchOptions {
  double seconds = 5;               // measured time (> 0)
  int connections = 16;             // concurrent keep-alive connections of the load process
  int events_per_request = 500;     // NDJSON events per POST (>= 1)
  int event_bytes = 200;            // bytes per event line (>= 100)
  std::string tmp_dir;              // where the source's log goes; empty = system temp
  bool fsync = true;                // false: log fsync policy never (to see the fsync cost)
};

// Forks the load-generating process first (before the collector has threads), then runs
// an HttpCollector + CollectorServer on 127.0.0.1 (port 0) with one http source whose log
// lives in a fresh folder under tmp_dir (removed afterwards). The load process (a fork of
// this one, sharing no memory after the fork) opens `connections` keep-alive connections,
// each a thread posting NDJSON bodies of events_per_request distinct events of
// event_bytes bytes (a pool of pre-built bodies, cycled) and waiting for each answer; it
// warms up for 0.5 s, measures for `seconds`, and reports acknowledged events and each
// request's latency (send of the request to the end of the response) through a pipe.
// Reports name "ingest/http", events and bytes acknowledged in the measured window,
// seconds, per_core_rate = events per CPU second of the collector process, and extras:
// events_per_sec, mb_per_sec (events' bytes), p50_ms, p99_ms, max_ms (ack latency),
// requests, non_200 (answers that were not 200: 429s count here), connections,
// events_per_request, collector_cpu_seconds, fsync (1 or 0).
Result<BenchResult> RunIngestBench(const IngestBenchOptions& options);

}  // namespace sluice::bench
