// Shared pieces of the benchmark harness behind `sluice bench ...`. Benchmarks print
// one JSON object per result line; figures and how to reproduce them are in
// docs/benchmarks.md. Benchmarks never run as part of the test suite.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice::bench {

struct BenchResult {
  std::string name;          // "generate/shop", "parse/ndjson"
  int64_t events = 0;        // records processed (0 if not applicable)
  int64_t bytes = 0;         // bytes processed (0 if not applicable)
  double seconds = 0;        // wall time of the measured section
  double per_core_rate = 0;  // events/s or MB/s per core, see rate_unit
  std::string rate_unit;     // "events_per_sec_per_core" or "mb_per_sec_per_core"
  int64_t peak_rss_bytes = 0;
  // Further numeric fields printed as-is, e.g. {"ratio_vs_reference", 0.93}.
  std::vector<std::pair<std::string, double>> extra;
};

// One line of JSON: {"name":..., "events":..., "bytes":..., "seconds":..., <rate_unit>:...,
// "peak_rss_bytes":..., <extra>...}.
std::string ToJson(const BenchResult& r);
// A short human line for terminals.
std::string ToText(const BenchResult& r);
// Peak resident set size of this process so far (VmHWM), in bytes.
int64_t PeakRssBytes();

}  // namespace sluice::bench
