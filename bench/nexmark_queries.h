// The Nexmark queries `sluice bench nexmark` runs, each in sluice's dialect (as close as
// the engine allows to the published Flink / RisingWave text; the deviations are listed
// in nexmark_queries.cc) and as the equivalent DuckDB batch query over table `bid` whose
// result columns have the same types and values.
#pragma once

#include <string_view>
#include <vector>

namespace sluice::bench {

struct NexmarkQuery {
  std::string_view name;        // "q0"
  std::string_view sluice_sql;  // over stream `bid`
  std::string_view duckdb_sql;  // over table `bid`, same columns, types and rows
};

// q0, q1, q2, q14, q21, q22 (the stateless queries), then q5_hop (a HOP window count,
// stateful), in that order.
const std::vector<NexmarkQuery>& NexmarkQueries();
// The query named `name` (case-sensitive, "q14"), or nullptr.
const NexmarkQuery* FindNexmarkQuery(std::string_view name);

}  // namespace sluice::bench
