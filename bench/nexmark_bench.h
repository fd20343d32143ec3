// `sluice bench nexmark`: the stateless Nexmark queries run through sluice's compiled
// SELECT over the nexmark generator's bid stream on one thread (generator included),
// and the same queries in DuckDB (one thread, in memory) over the same bids, with the
// results compared. Fields and figures are in docs/benchmarks.md ("Nexmark").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "nexmark_queries.h"

namespace sluice::bench {

// What one run of a query produced: row count and an order-independent checksum
// (the wrapping sum over rows of a hash of the row's cells: integers, DECIMALs as
// unscaled integers, timestamps as microseconds, doubles by bits, strings by bytes,
// NULL as a marker), so equal multisets of rows give equal checksums.
struct QueryOutput {
  int64_t rows = 0;
  uint64_t checksum = 0;
  std::string types;  // the result column types, "BIGINT, VARCHAR, ..." (DuckDB names)
};

// Runs `q` in sluice over a fresh nexmark generator (seed, default options,
// max_events = events), evaluating the query on every bid batch on this thread.
// With `checksum` false only rows are counted (the timed runs). Fails on compile or
// runtime errors of the query.
Result<QueryOutput> RunNexmarkInSluice(const NexmarkQuery& q, int64_t events, uint64_t seed,
                                       bool checksum);

// An in-memory DuckDB (threads = 1) holding table `bid` with the bids of the first
// `events` nexmark events (same generator, seed and defaults as above).
class NexmarkDuckDb {
 public:
  static Result<std::unique_ptr<NexmarkDuckDb>> Load(int64_t events, uint64_t seed);
  ~NexmarkDuckDb();
  NexmarkDuckDb(const NexmarkDuckDb&) = delete;
  NexmarkDuckDb& operator=(const NexmarkDuckDb&) = delete;

  // Runs `q.duckdb_sql` and reads every result chunk (rows counted; checksummed when
  // `checksum`). Fails on a DuckDB error or a result column type the checksum does not
  // know.
  Result<QueryOutput> Run(const NexmarkQuery& q, bool checksum);
  int64_t bid_rows() const { return bid_rows_; }

 private:
  struct Impl;
  explicit NexmarkDuckDb(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  int64_t bid_rows_ = 0;
};

struct NexmarkBenchResult {
  std::string query;
  int64_t events = 0;
  int repeat = 0;
  double seconds = 0;                  // median wall time in sluice
  double events_per_sec_per_core = 0;  // median events per CPU second in sluice
  double rate_min = 0, rate_max = 0;
  int64_t peak_rss_bytes = 0;          // during the sluice runs, before DuckDB is loaded
  double duckdb_seconds = 0;           // median wall time of the DuckDB query (load not timed)
  double ratio = 0;                    // duckdb_seconds / seconds (> 1: sluice is faster)
  QueryOutput sluice, duckdb;
  bool match = false;                  // same rows and checksum
};

// One line of JSON with every field above.
std::string ToJson(const NexmarkBenchResult& r);

// Runs each of `queries` (names from NexmarkQueries) `repeat` times in sluice (all
// queries first, DuckDB not loaded yet), then loads the bids into DuckDB, runs each
// query `repeat` times there, and compares one checksummed run of each side. Unknown query names, a
// non-positive event count or repeat are Invalid. Results are appended to `out` in order.
Status RunNexmarkBench(const std::vector<std::string>& queries, int64_t events, int repeat,
                       uint64_t seed, std::vector<NexmarkBenchResult>* out);

}  // namespace sluice::bench
