// `sluice bench generate`: how fast the generator source produces events, alone, on
// one thread (no SQL, no sinks). Figures are in docs/benchmarks.md.
#pragma once

#include <cstdint>
#include <string>

#include "bench.h"
#include "core/status.h"

namespace sluice::bench {

// Creates a `generator` source for `generator` ("shop" or "nexmark") with `seed` and
// default options, pulls batches until `events` (> 0) events, and reports the wall time
// of that loop: name "generate/<generator>", events, bytes (sum of the batches'
// ByteSize), seconds, per_core_rate in events_per_sec_per_core, peak_rss_bytes.
// Fails on an unknown generator or a non-positive event count.
Result<BenchResult> RunGenerateBench(const std::string& generator, int64_t events,
                                     uint64_t seed = 42);

}  // namespace sluice::bench
