// `sluice bench nexmark`: the Nexmark queries (q0-q22) planned by sluice's streaming
// planner and run as one QueryGraph over the nexmark generator's three streams (person,
// auction, bid) on one thread (generator included), and the same queries in DuckDB
// (one thread, in memory, batch) over the same events, with the final results compared.
// Fields and figures are in docs/benchmarks.md ("Nexmark").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "nexmark_queries.h"
#include "sql/plan.h"
#include "stream/state_backend.h"

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

// How far the graph lets event time run out of order. The generator's events are in
// event-time order, but one Next() returns a person, an auction and a bid batch covering
// the same 2048 events (~0.2 s of event time at the default 10K events/s), fed one after
// the other; 1 s covers that, so no operator should ever see a late row.
constexpr int64_t kNexmarkWatermarkDelayUs = 1000000;

// Plans `q.sluice_sql` over the generator's streams (person, auction, bid). The
// planner's error (with line:column) when sluice cannot run the query.
Result<sql::PlanPtr> PlanNexmarkQuery(const NexmarkQuery& q);

// Runs `q` in sluice over a fresh nexmark generator (seed, default options,
// max_events = events): the plan as a QueryGraph on this thread, every generator batch
// pushed on the graph ports that read its stream, Finish at the end. The output is the
// final state of the result changelog: rows = net row count (+I/+U count +1, -U/-D -1),
// checksum = wrapping sum of +I/+U row hashes minus -U/-D row hashes (so it equals the
// checksum of the final multiset of rows). With `checksum` false only rows are counted
// (the timed runs). Fails on plan or runtime errors, and (Invalid) when an operator
// refuses any row (late or failing): then sluice did not see the input DuckDB sees.
// `state`: where the graph's GROUP BY and join operators keep their state (default:
// memory; kRocksDb needs state.dir).
Result<QueryOutput> RunNexmarkInSluice(const NexmarkQuery& q, int64_t events, uint64_t seed,
                                       bool checksum, const stream::OperatorStateOptions& state = {});

// An in-memory DuckDB (threads = 1) holding tables person, auction and bid with the
// first `events` nexmark events (same generator, seed and defaults as above).
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
  bool supported = true;               // false: sluice cannot plan the query (error says why)
  std::string error;                   // planner or runtime error; empty when it ran
};

// One line of JSON with every field above; for an unsupported query (or one that failed)
// the query, events, "supported":false and/or "error", and "match":false.
std::string ToJson(const NexmarkBenchResult& r);

// The queries of NexmarkQueries() that sluice can plan, in order.
std::vector<std::string> SupportedNexmarkQueries();

// Runs each of `queries` (names from NexmarkQueries; empty or {"all"} = every supported
// query) `repeat` times in sluice (all queries first, DuckDB not loaded yet), then loads
// the events into DuckDB, runs each query `repeat` times there, and compares one
// checksummed run of each side. A query sluice cannot plan or run gets a result with
// `supported` false / `error` set (match false) and the others go on. Unknown query
// names, a non-positive event count or repeat are Invalid. Results are appended to `out`
// in order. `state`: the sluice runs' state backend (`--state-backend`); with kRocksDb
// and no state.dir, a scratch directory under the system temp dir, removed at the end.
Status RunNexmarkBench(const std::vector<std::string>& queries, int64_t events, int repeat,
                       uint64_t seed, std::vector<NexmarkBenchResult>* out,
                       const stream::OperatorStateOptions& state = {});

}  // namespace sluice::bench
