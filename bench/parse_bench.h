// `sluice bench parse`: how fast the file source turns CSV or NDJSON into typed batches.
#pragma once

#include <cstdint>
#include <string>

#include "bench.h"
#include "core/status.h"

namespace sluice::bench {

// Writes a synthetic file of about `bytes` bytes of order events (11 fields: integers,
// a DECIMAL(10,2), a DOUBLE, a BOOLEAN, an ISO timestamp and short strings, some with
// escapes) into `tmp_dir` as parse_bench.<format>, then reads it with the file source
// end to end on this thread and reports name "parse/<format>", bytes, events (rows),
// seconds (wall time of reading), per_core_rate in MB/s (1e6 bytes) per CPU second of
// reading (extras: cpu_seconds, wall_mb_per_sec) and peak RSS. The file is
// removed afterwards. `format` is "ndjson" or "csv".
Result<BenchResult> RunParseBench(const std::string& format, int64_t bytes,
                                  const std::string& tmp_dir);

}  // namespace sluice::bench
