// `sluice bench load`: how fast sluice batches load into a warehouse through
// Connection::Append, against the warehouse's own bulk loader reading the same rows from
// a CSV file, measured in the same run. Fields and figures are in docs/benchmarks.md.
#pragma once

#include <cstdint>
#include <string>

#include "bench.h"
#include "core/status.h"

namespace sluice::bench {

struct LoadBenchOptions {
  std::string warehouse = "duckdb";  // "duckdb" or "postgres"
  int64_t rows = 1000000;            // rows loaded per repetition (> 0)
  int repeat = 5;                    // repetitions (>= 1); medians are reported
  // postgres: the server to load into (a libpq URL); empty = start a throwaway server
  // in a temporary folder (as the tests do; needs the PostgreSQL server binaries).
  std::string url;
  std::string tmp_dir;  // where the CSV file (and the DuckDB file) go; empty = system temp
};

// The rows are the shop generator's `orders` stream (seed 42: BIGINT, five VARCHARs,
// TIMESTAMP, INTEGER, DECIMAL(12,2)) in 2048-row batches; the first 65,536 distinct
// orders are cycled up to `rows`. Generating them and writing the CSV file are outside
// the timing. Each repetition loads them into a freshly created table twice, in
// alternating order:
//  - sluice: Connection::Append, Write of every batch, Close (which commits);
//  - reference: DuckDB `COPY t FROM 'rows.csv' (HEADER)` run through the same
//    connection, or for PostgreSQL the `psql` client's `\copy t FROM 'rows.csv'
//    (FORMAT csv, HEADER)` (the whole psql process is timed: start, connect, load).
// Both loads are checked to hold `rows` rows, and after the first repetition the same
// rows (EXCEPT, outside the timing). Reports name "load/<warehouse>", events =
// rows, bytes (the batches' ByteSize), seconds (median wall time of the sluice load),
// rows_per_sec (median), peak_rss_bytes, and extras: rows, reference_rows_per_sec,
// reference_seconds (medians), ratio (median over repetitions of the sluice rate over
// the reference rate of the same repetition), rate_min, rate_max, repeat, csv_bytes.
Result<BenchResult> RunLoadBench(const LoadBenchOptions& options);

}  // namespace sluice::bench
