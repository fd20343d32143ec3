// `sluice bench generate|parse|nexmark|load|build|log`: throughput benchmarks, one result
// line per benchmark (medians over --repeat repetitions, with a same-process reference;
// docs/benchmarks.md).
#include <filesystem>
#include <iostream>
#include <sstream>
#include <vector>

#include "bench.h"
#include "build_bench.h"
#include "checkpoint_bench.h"
#include "cli/commands.h"
#include "core/config.h"
#include "core/time.h"
#include "generate_bench.h"
#include "ingest_bench.h"
#include "load_bench.h"
#include "log_bench.h"
#include "nexmark_bench.h"
#include "parse_bench.h"

namespace sluice::cli {

namespace {

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// `sluice bench nexmark`: exits kExitFailure when sluice and DuckDB disagree.
int RunNexmark(const BenchOptions& o, const std::vector<std::string>& queries) {
  std::vector<bench::NexmarkBenchResult> results;
  stream::OperatorStateOptions state;
  if (o.state_backend == "rocksdb") {
    state.backend = stream::StateBackendKind::kRocksDb;
    state.memory_budget_bytes = ParseByteSize(o.state_memory_budget);
    if (state.memory_budget_bytes <= 0) {
      std::cerr << "error: --state-memory-budget must be a size such as 64MB, not '"
                << o.state_memory_budget << "'\n";
      return kExitInvalid;
    }
  }
  const Status st = bench::RunNexmarkBench(queries, o.events, o.repeat, 42, &results, state);
  if (!st.ok()) {
    std::cerr << "error: " << st.ToString() << "\n";
    return st.code() == StatusCode::kInvalid ? kExitInvalid : kExitFailure;
  }
  int rc = kExitOk;
  for (const auto& r : results) {
    if (o.json) {
      std::cout << bench::ToJson(r) << std::endl;
    } else if (r.error.empty()) {
      std::cout << r.query << ": " << static_cast<int64_t>(r.events_per_sec_per_core)
                << " events/s per core, " << r.seconds << " s; DuckDB " << r.duckdb_seconds
                << " s (ratio " << r.ratio << "); " << r.sluice.rows << " rows"
                << (r.match ? ", results match" : ", RESULTS DIFFER") << std::endl;
    }
    if (!r.error.empty()) {
      // Unsupported (the planner's message) or failed while running: no comparison.
      if (!o.json) std::cout << r.query << ": " << (r.supported ? "FAILED" : "unsupported") << std::endl;
      std::cerr << "error: " << r.query << ": " << r.error << "\n";
      rc = kExitFailure;
    } else if (!r.match) {
      std::cerr << "error: " << r.query << ": sluice and DuckDB results differ (" << r.sluice.rows
                << " vs " << r.duckdb.rows << " rows; types " << r.sluice.types << " vs "
                << r.duckdb.types << ")\n";
      rc = kExitFailure;
    }
  }
  return rc;
}

}  // namespace

int RunBench(const GlobalOptions& g, const BenchOptions& o) {
  if (!SetUpLogging(g)) return kExitInvalid;
  if (o.what == "nexmark") return RunNexmark(o, SplitList(o.queries));
  if (o.what == "checkpoint") {
    Result<int64_t> interval = ParseDuration(o.checkpoint_interval);
    if (!interval.ok() || *interval <= 0) {
      std::cerr << "error: --interval: expected a duration such as 1s, not '" << o.checkpoint_interval << "'\n";
      return kExitInvalid;
    }
    Result<std::vector<bench::BenchResult>> r = bench::RunCheckpointBench(
        {SplitList(o.checkpoint_queries), o.checkpoint_events, *interval, o.log_repeat, o.tmp_dir});
    if (!r.ok()) {
      std::cerr << "error: " << r.status().ToString() << "\n";
      return r.status().code() == StatusCode::kInvalid ? kExitInvalid : kExitFailure;
    }
    for (const auto& result : *r) std::cout << (o.json ? bench::ToJson(result) : bench::ToText(result)) << std::endl;
    return kExitOk;
  }
  if (o.what == "ingest") {
    Result<bench::BenchResult> r = bench::RunIngestBench(
        {o.ingest_seconds, o.connections, o.events_per_request, o.event_bytes, o.tmp_dir,
         !o.no_fsync});
    if (!r.ok()) {
      std::cerr << "error: " << r.status().ToString() << "\n";
      return r.status().code() == StatusCode::kInvalid ? kExitInvalid : kExitFailure;
    }
    std::cout << (o.json ? bench::ToJson(*r) : bench::ToText(*r)) << std::endl;
    return kExitOk;
  }
  if (o.what == "load" || o.what == "build" || o.what == "log") {
    Result<bench::BenchResult> r =
        o.what == "load"  ? bench::RunLoadBench({o.warehouse, o.rows, o.repeat, o.url, o.tmp_dir})
        : o.what == "log" ? bench::RunLogBench(
                                {o.log_mb, o.log_codec, o.record_bytes, o.log_repeat, o.tmp_dir})
                          : bench::RunBuildBench({o.models, o.threads, o.repeat, o.tmp_dir});
    if (!r.ok()) {
      std::cerr << "error: " << r.status().ToString() << "\n";
      return r.status().code() == StatusCode::kInvalid ? kExitInvalid : kExitFailure;
    }
    std::cout << (o.json ? bench::ToJson(*r) : bench::ToText(*r)) << std::endl;
    return kExitOk;
  }
  const bool generate = o.what == "generate";
  std::vector<std::string> items = SplitList(generate ? o.generator : o.format);
  for (const auto& item : items) {
    const bool known = generate ? (item == "shop" || item == "nexmark")
                                : (item == "ndjson" || item == "csv");
    if (!known) {
      std::cerr << "error: unknown " << (generate ? "generator" : "format") << " '" << item
                << "'; use " << (generate ? "shop or nexmark" : "ndjson or csv") << "\n";
      return kExitInvalid;
    }
  }
  if (o.events <= 0 || o.bytes <= 0) {
    std::cerr << "error: --events and --bytes must be positive\n";
    return kExitInvalid;
  }
  if (o.repeat < 1) {
    std::cerr << "error: --repeat must be at least 1\n";
    return kExitInvalid;
  }
  const std::string tmp =
      o.tmp_dir.empty() ? std::filesystem::temp_directory_path().string() : o.tmp_dir;
  int rc = kExitOk;
  for (const auto& item : items) {
    Result<bench::BenchResult> r = generate ? bench::RunGenerateBench(item, o.events, o.repeat)
                                            : bench::RunParseBench(item, o.bytes, tmp, o.repeat);
    if (!r.ok()) {
      std::cerr << "error: " << r.status().ToString() << "\n";
      rc = kExitFailure;
      continue;
    }
    std::cout << (o.json ? bench::ToJson(*r) : bench::ToText(*r)) << std::endl;
  }
  return rc;
}

}  // namespace sluice::cli
