// Shared pieces of the benchmark harness behind `sluice bench ...`. Benchmarks print
// one JSON object per result line; every field, the figures and how to reproduce them
// are in docs/benchmarks.md. Benchmarks never run as part of the test suite.
//
// Machines are noisy (shared cores, VMs), so a benchmark runs its measured section
// several times and reports the median, and next to every repetition it runs a
// reference (a fixed, simple job over the same bytes) so that the ratio between the two,
// taken in the same process at the same moment, says more than either figure alone.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice::bench {

struct BenchResult {
  std::string name;          // "generate/shop", "parse/ndjson"
  int64_t events = 0;        // records processed per repetition (0 if not applicable)
  int64_t bytes = 0;         // bytes processed per repetition (0 if not applicable)
  double seconds = 0;        // median wall time of the measured section
  double per_core_rate = 0;  // median events/s or MB/s per CPU second, see rate_unit
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
// Peak resident set size of this process (VmHWM), in bytes: since the last
// ResetPeakRss, or since the process started.
int64_t PeakRssBytes();
// Resets the peak RSS to the current RSS (Linux /proc/self/clear_refs), so that each
// benchmark of a run reports its own peak. Best effort: does nothing where not allowed.
void ResetPeakRss();

// CPU time (user + system) used by this process so far, in seconds.
double ProcessCpuSeconds();

// One repetition: the measured section and the reference that ran right after it.
struct Repetition {
  double wall_seconds = 0;           // measured section, wall clock
  double cpu_seconds = 0;            // measured section, process CPU time
  double reference_cpu_seconds = 0;  // the reference over the same bytes, CPU time
};

// The median of `values` (the mean of the two middle ones for an even count); 0 if empty.
double Median(std::vector<double> values);

// Fills r->seconds, r->per_core_rate and the extras common to every benchmark from
// `reps` (at least one): `units` is what one repetition processed in r->rate_unit's
// unit (events, or MB of 1e6 bytes) and `bytes` the bytes the reference went over.
// Extras: repeat, cpu_seconds (median), rate_min, rate_max (per-core rate of the
// slowest and fastest repetition), wall_rate (median units per wall second),
// reference_mb_per_sec (median) and ratio_vs_reference (median over repetitions of
// reference CPU time / measured CPU time = the measured byte rate over the reference's).
void Summarize(const std::vector<Repetition>& reps, double units, int64_t bytes,
               BenchResult* r);

}  // namespace sluice::bench
