// `sluice bench log`: append throughput of the embedded log (src/log) with a Sync about
// every MB, against the disk's raw sequential write speed measured in the same run.
// Fields and figures are in docs/benchmarks.md ("Embedded log").
#pragma once

#include <cstdint>
#include <string>

#include "bench.h"
#include "core/status.h"

namespace sluice::bench {

struct LogBenchOptions {
  int64_t mb = 512;            // record bytes appended per repetition, in MB (1e6 bytes; > 0)
  std::string codec = "none";  // none | lz4 | zstd
  int64_t record_bytes = 200;  // size of every record (> 0)
  int repeat = 3;              // repetitions (>= 1); medians are reported
  std::string tmp_dir;         // where the log and the raw file go; empty = system temp
};

// Records are generated before any timing: a pool of 4096 distinct records of
// `record_bytes` each (JSON-like text with varying numbers, so that compression has
// realistic work), cycled. Each repetition, in alternating order:
//  - log: a fresh Log (default options, the given codec, fsync policy on_sync) in a
//    new folder under tmp_dir; Append of batches of about 64 KB of records, a Sync after
//    each ~1 MB appended and one at the end (the timed section: first Append to last
//    Sync);
//  - raw: write() of the same record bytes in 64 KB chunks to a new plain file in the
//    same folder, fdatasync after each ~1 MB and at the end (what the log's Sync does).
// Everything written is removed after each repetition, also on failure. Reports name
// "log/append/<codec>", events = records, bytes = record bytes per repetition, seconds
// (median wall time of the log section), mb_per_sec (median, record MB per wall second),
// peak_rss_bytes, and extras: records_per_sec, raw_mb_per_sec (medians), ratio (median
// over repetitions of log MB/s / raw MB/s of the same repetition), rate_min, rate_max,
// repeat, log_file_bytes (bytes in the log's segment files: frames after compression).
// Fails on bad options or I/O errors.
Result<BenchResult> RunLogBench(const LogBenchOptions& options);

}  // namespace sluice::bench
