// The Nexmark queries `sluice bench nexmark` runs, each in sluice's dialect (as close as
// the engine allows to the published Flink / RisingWave text; the deviations, and the
// queries sluice cannot plan yet, are listed in nexmark_queries.cc) and as the
// equivalent DuckDB batch query over tables person, auction and bid whose result has the
// same column types and the same rows as the final state of sluice's changelog.
#pragma once

#include <string_view>
#include <vector>

namespace sluice::bench {

struct NexmarkQuery {
  std::string_view name;        // "q0"
  std::string_view sluice_sql;  // over streams person, auction, bid
  std::string_view duckdb_sql;  // over the same tables, same columns, types and final rows
};

// q0 ... q22 in numeric order, with q5_eowc and q11_eowc (q5 and q11 with EMIT ON
// WINDOW CLOSE, Flink's window-aggregate semantics) after q5 and q11. Includes the queries sluice cannot plan (q6 at the time of
// writing); SupportedNexmarkQueries() (nexmark_bench.h) leaves those out.
const std::vector<NexmarkQuery>& NexmarkQueries();
// The query named `name` (case-sensitive, "q14"), or nullptr.
const NexmarkQuery* FindNexmarkQuery(std::string_view name);

}  // namespace sluice::bench
