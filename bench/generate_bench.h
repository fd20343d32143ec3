// `sluice bench generate`: how fast the generator source produces events, alone, on
// one thread (no SQL, no sinks). Fields and figures are in docs/benchmarks.md.
#pragma once

#include <cstdint>
#include <string>

#include "bench.h"
#include "core/status.h"

namespace sluice::bench {

// Runs `repeat` (>= 1) repetitions; each creates a fresh `generator` source for
// `generator` ("shop" or "nexmark") with `seed` and default options and pulls batches
// until `events` (> 0) events (the measured section: generating and dropping the
// batches), then runs the reference: copying the same number of bytes with memcpy, in
// the same chunk sizes as the source's Next calls produced, between two reused
// buffers. Reports name "generate/<generator>", events, bytes (sum of the batches'
// ByteSize), median seconds, per_core_rate in events_per_sec_per_core (per CPU second),
// peak_rss_bytes, the extras of Summarize plus output_mb_per_sec_per_core.
// Fails on an unknown generator, a non-positive event count or repeat, and if two
// repetitions produce different event or byte counts (the generator is deterministic).
Result<BenchResult> RunGenerateBench(const std::string& generator, int64_t events,
                                     int repeat = 5, uint64_t seed = 42);

}  // namespace sluice::bench
