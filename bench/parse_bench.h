// `sluice bench parse`: how fast the file source turns CSV or NDJSON into typed batches.
#pragma once

#include <cstdint>
#include <string>

#include "bench.h"
#include "core/status.h"

namespace sluice::bench {

// Writes a synthetic file of about `bytes` bytes of order events (11 fields: integers,
// a DECIMAL(10,2), a DOUBLE, a BOOLEAN, an ISO timestamp and short strings, some with
// escapes) into `tmp_dir` as parse_bench.<format>, then runs `repeat` (>= 1)
// repetitions of: reading it with a fresh file source end to end on this thread (the
// measured section), and the reference: reading the same file with pread in the
// source's chunk size into one reused buffer and counting its newlines with memchr
// (the I/O and single pass any line-oriented parser pays). Reports name
// "parse/<format>", bytes, events (rows), median seconds (wall time of reading),
// per_core_rate in MB/s (1e6 bytes) per CPU second of reading, peak RSS and the extras
// of Summarize. The file is removed afterwards, also on failure. `format` is "ndjson"
// or "csv". Fails on a bad format, repeat < 1, I/O errors, or any bad record.
Result<BenchResult> RunParseBench(const std::string& format, int64_t bytes,
                                  const std::string& tmp_dir, int repeat = 5);

}  // namespace sluice::bench
