// `sluice bench build`: the overhead of the transformation layer (`sluice build`) on a
// project of many trivial models, against the same SQL run directly, measured in the
// same run. Fields and figures are in docs/benchmarks.md ("Transformation").
#pragma once

#include <cstdint>
#include <string>

#include "bench.h"
#include "core/status.h"

namespace sluice::bench {

struct BuildBenchOptions {
  int64_t models = 200;  // models in the generated project (1 ..= kMaxBuildBenchModels)
  int threads = 1;       // `sluice build --threads` for the measured build (1 ..= 64)
  int repeat = 5;        // repetitions (1 ..= 1000); medians are reported
  std::string tmp_dir;   // where the project and DuckDB files go; empty = system temp
};

constexpr int64_t kMaxBuildBenchModels = 100000;

// Writes a plain dbt project (dbt_project.yml, models/*.sql) of `models` trivial models
// into a temporary folder: a few roots `select 1 as id, 'x' as name`, then models that
// ref() one or two earlier ones, about two thirds tables and one third views (a view only
// refs tables, so no view nests another), each with {{ config(materialized=...) }}.
// Each repetition then runs, in alternating order, on a fresh DuckDB file each:
//  - build: LoadDbtProject + BuildManifest (also reported alone as parse_seconds),
//    SelectNodes + TopologicalOrder, OpenDuckDB, transform::Run with `threads`, and
//    closing the warehouse — what `sluice build` does, without its terminal output;
//  - direct: OpenDuckDB, then on one connection `CREATE OR REPLACE TABLE|VIEW rel AS
//    (sql)` for every model in dependency order, the SQL rendered beforehand (outside
//    the timing) by RenderNode, then closing the warehouse.
// Both databases are checked (outside the timing) to hold the same number of tables and
// views, equal to the project's, and the same row count in every model.
// Reports name "build/duckdb", events = models, seconds = median build wall time,
// models_per_sec (models per build wall second, median), peak_rss_bytes, and extras:
// models, threads, repeat, build_seconds, direct_seconds, parse_seconds (medians),
// overhead_seconds (median over repetitions of build - direct of the same repetition),
// build_min, build_max, tables, views.
// Errors: Invalid for options out of range (naming the option); the first failing
// model's message when the build or the direct run fails; IOError for the temp folder.
Result<BenchResult> RunBuildBench(const BuildBenchOptions& options);

}  // namespace sluice::bench
