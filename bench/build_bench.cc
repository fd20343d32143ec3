#include "build_bench.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench_setup.h"
#include "core/diagnostics.h"
#include "core/value.h"
#include "transform/dbt_project.h"
#include "transform/manifest.h"
#include "transform/runner.h"
#include "warehouse/duckdb_warehouse.h"

namespace sluice::bench {

namespace {

namespace fs = std::filesystem;
using transform::Materialization;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// What a statement the runner sends is for, to say where the build's time goes.
const char* StatementKind(std::string_view sql) {
  auto starts = [&](std::string_view p) { return sql.substr(0, p.size()) == p; };
  if (sql.find("information_schema") != std::string_view::npos) return "lookup";
  if (starts("SELECT count(*)")) return "count";
  if (starts("CREATE SCHEMA")) return "schema";
  if (starts("CREATE")) return "create";
  if (starts("DROP")) return "drop";
  if (starts("ALTER")) return "rename";
  if (starts("BEGIN") || starts("COMMIT") || starts("ROLLBACK")) return "transaction";
  return "other";
}

// Time spent in warehouse calls, by StatementKind. Thread-safe.
class StatementTimes {
 public:
  void Add(const char* kind, double seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    Entry& e = by_kind_[kind];
    e.seconds += seconds;
    ++e.count;
  }
  struct Entry {
    double seconds = 0;
    int64_t count = 0;
  };
  std::map<std::string, Entry> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(by_kind_);
  }

 private:
  std::mutex mu_;
  std::map<std::string, Entry> by_kind_;
};

// A Connection that forwards every call and times Execute and Query.
class TimedConnection : public warehouse::Connection {
 public:
  TimedConnection(std::unique_ptr<warehouse::Connection> inner, StatementTimes* times)
      : inner_(std::move(inner)), times_(times) {}
  Status Execute(std::string_view sql) override {
    const double start = Now();
    Status st = inner_->Execute(sql);
    times_->Add(StatementKind(sql), Now() - start);
    return st;
  }
  Result<warehouse::QueryResult> Query(std::string_view sql) override {
    const double start = Now();
    Result<warehouse::QueryResult> r = inner_->Query(sql);
    times_->Add(StatementKind(sql), Now() - start);
    return r;
  }
  Result<bool> TableExists(std::string_view table) override { return inner_->TableExists(table); }
  Status EnsureTable(std::string_view table, const Schema& schema) override {
    return inner_->EnsureTable(table, schema);
  }
  Result<std::unique_ptr<warehouse::TableAppender>> Append(std::string_view table,
                                                           const Schema& schema) override {
    return inner_->Append(table, schema);
  }
  Result<std::unique_ptr<warehouse::TableUpserter>> Upsert(
      std::string_view table, const Schema& schema,
      const std::vector<std::string>& key_columns) override {
    return inner_->Upsert(table, schema, key_columns);
  }
  Result<std::optional<warehouse::CommitRecord>> LastCommit(std::string_view sink) override {
    return inner_->LastCommit(sink);
  }

 private:
  std::unique_ptr<warehouse::Connection> inner_;
  StatementTimes* times_;
};

class TimedWarehouse : public warehouse::Warehouse {
 public:
  TimedWarehouse(std::unique_ptr<warehouse::Warehouse> inner, StatementTimes* times)
      : inner_(std::move(inner)), times_(times) {}
  Result<std::unique_ptr<warehouse::Connection>> Connect() override {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::Connection> c, inner_->Connect());
    return std::unique_ptr<warehouse::Connection>(new TimedConnection(std::move(c), times_));
  }
  std::string Describe() const override { return inner_->Describe(); }
  std::string_view Kind() const override { return inner_->Kind(); }

 private:
  std::unique_ptr<warehouse::Warehouse> inner_;
  StatementTimes* times_;
};

std::string ModelName(int64_t i) {
  std::string digits = std::to_string(i);
  if (digits.size() < 5) digits.insert(0, 5 - digits.size(), '0');
  return "m" + digits;
}

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IOError("cannot write " + path + "; check --tmp-dir");
  return Status::OK();
}

// The text of model `i` (see build_bench.h for the shape of the project). Deterministic:
// parents come from a fixed linear congruential sequence. `is_table` records each
// model's materialization as it is decided, so views can pick table parents only.
std::string ModelSql(int64_t i, int64_t roots, std::vector<bool>* is_table, uint64_t* rng) {
  const bool table = i < roots ? i % 2 == 0 : i % 3 != 1;
  (*is_table)[static_cast<size_t>(i)] = table;
  std::string sql =
      std::string("{{ config(materialized='") + (table ? "table" : "view") + "') }}\n";
  if (i < roots) return sql + "select 1 as id, 'x' as name\n";
  auto pick = [&]() {
    for (;;) {  // model 0 is a table, so a view always finds a parent
      *rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
      const int64_t p = static_cast<int64_t>((*rng >> 33) % static_cast<uint64_t>(i));
      if (table || (*is_table)[static_cast<size_t>(p)]) return p;
    }
  };
  const int64_t a = pick();
  const int64_t b = i % 2 == 0 ? pick() : a;
  if (a == b) return sql + "select id, name from {{ ref('" + ModelName(a) + "') }}\n";
  return sql + "select a.id, a.name\nfrom {{ ref('" + ModelName(a) + "') }} as a\njoin {{ ref('" +
         ModelName(b) + "') }} as b on a.id = b.id\n";
}

Status WriteProject(const ScratchDir& dir, int64_t models, int threads) {
  const std::string root = dir.File("project");
  std::error_code ec;
  fs::create_directories(root + "/models", ec);
  if (ec) return Status::IOError("cannot create " + root + "/models: " + ec.message());
  SLUICE_RETURN_NOT_OK(WriteFile(root + "/dbt_project.yml",
                                 "name: bench\nversion: '1.0'\nconfig-version: 2\n"
                                 "profile: bench\nmodel-paths: [models]\n"));
  // The target is what `sluice build` would use; the benchmark opens its own fresh files.
  SLUICE_RETURN_NOT_OK(WriteFile(root + "/profiles.yml",
                                 "bench:\n  target: dev\n  outputs:\n    dev:\n"
                                 "      type: duckdb\n      path: " +
                                     dir.File("profile.duckdb") +
                                     "\n      threads: " + std::to_string(threads) + "\n"));
  const int64_t roots = std::clamp<int64_t>(models / 20, 1, 10);
  std::vector<bool> is_table(static_cast<size_t>(models), false);
  uint64_t rng = 42;
  for (int64_t i = 0; i < models; ++i) {
    SLUICE_RETURN_NOT_OK(
        WriteFile(root + "/models/" + ModelName(i) + ".sql", ModelSql(i, roots, &is_table, &rng)));
  }
  return Status::OK();
}

// A parsed project: what both halves of a repetition start from.
struct Parsed {
  transform::DbtProject project;
  transform::Manifest manifest;
  std::vector<int> order;  // the nodes `sluice build` runs, in dependency order
};

Status Parse(const std::string& dir, Parsed* out) {
  Diagnostics diag;
  out->project = transform::LoadDbtProject(dir, transform::LoadOptions{}, &diag);
  if (!diag.has_errors()) out->manifest = transform::BuildManifest(out->project, &diag);
  if (diag.has_errors())
    return Status::Internal("the generated project is invalid:\n" + diag.ToString());
  return Status::OK();
}

Status Select(Parsed* p) {
  using transform::NodeKind;
  SLUICE_ASSIGN_OR_RETURN(std::vector<int> selected,
                          transform::SelectNodes(p->manifest, {}, {},
                                                 {NodeKind::kModel, NodeKind::kSeed,
                                                  NodeKind::kSnapshot, NodeKind::kTest}));
  p->order = transform::TopologicalOrder(p->manifest, selected);
  return Status::OK();
}

// `sluice build` in-process: parse, select, open the warehouse, run, close. Sets
// *parse_seconds to the LoadDbtProject + BuildManifest part.
Result<double> TimedBuild(const std::string& project_dir, const std::string& db_file, int threads,
                          double* parse_seconds, StatementTimes* times) {
  const double start = Now();
  Parsed p;
  SLUICE_RETURN_NOT_OK(Parse(project_dir, &p));
  *parse_seconds = Now() - start;
  SLUICE_RETURN_NOT_OK(Select(&p));
  {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::Warehouse> duckdb,
                            warehouse::OpenDuckDB(db_file));
    auto wh = std::make_unique<TimedWarehouse>(std::move(duckdb), times);
    transform::RunOptions run;
    run.threads = threads;
    SLUICE_ASSIGN_OR_RETURN(transform::RunResult r,
                            transform::Run(p.manifest, p.order, wh.get(), run));
    if (!r.ok()) {
      for (const transform::NodeResult& n : r.results) {
        if (n.status != transform::NodeStatus::kSuccess) {
          return Status::Internal("sluice build of the generated project failed: " +
                                  transform::DescribeResult(p.manifest, n) + ": " + n.message);
        }
      }
      return Status::Internal("sluice build of the generated project did not succeed");
    }
  }
  return Now() - start;
}

// The reference: the same statements on one connection, one after another.
// Sets *sql_seconds to the time of the statements alone.
Result<double> TimedDirect(const std::vector<std::string>& statements, const std::string& db_file,
                           double* sql_seconds) {
  const double start = Now();
  {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::Warehouse> wh,
                            warehouse::OpenDuckDB(db_file));
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::Connection> conn, wh->Connect());
    const double sql_start = Now();
    for (const std::string& sql : statements) {
      Status st = conn->Execute(sql);
      if (!st.ok()) return Status::Internal("direct run failed on `" + sql + "`: " + st.message());
    }
    *sql_seconds = Now() - sql_start;
  }
  return Now() - start;
}

// "CREATE OR REPLACE TABLE|VIEW rel AS (sql)" for every model of `p.order`.
Result<std::vector<std::string>> DirectStatements(const Parsed& p, int64_t* tables,
                                                  int64_t* views) {
  std::vector<std::string> out;
  for (int node : p.order) {
    const transform::Node& n = p.manifest.nodes[static_cast<size_t>(node)];
    if (n.kind != transform::NodeKind::kModel) continue;
    transform::RenderContext rc;
    rc.this_relation = n.relation;
    SLUICE_ASSIGN_OR_RETURN(std::string sql, transform::RenderNode(p.manifest, node, rc));
    const bool table = n.config.materialized == Materialization::kTable;
    if (!table && n.config.materialized != Materialization::kView) {
      return Status::Internal("model " + n.name + " is neither a table nor a view");
    }
    ++*(table ? tables : views);
    out.push_back(std::string("CREATE OR REPLACE ") + (table ? "TABLE " : "VIEW ") + n.relation +
                  " AS (" + sql + "\n)");
  }
  return out;
}

// What the database holds, as text: its table and view counts in schema main, then
// every model's row count (queried 100 models at a time: DuckDB limits expression depth).
Result<std::string> Contents(const std::string& db_file, const Parsed& p) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::Warehouse> wh, warehouse::OpenDuckDB(db_file));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::Connection> conn, wh->Connect());
  std::vector<std::string> queries = {
      "SELECT table_type, count(*) FROM information_schema.tables "
      "WHERE table_schema = 'main' GROUP BY table_type ORDER BY table_type"};
  for (size_t i = 0; i < p.order.size(); ++i) {
    const transform::Node& n = p.manifest.nodes[static_cast<size_t>(p.order[i])];
    if (i % 100 == 0) {
      queries.emplace_back();
    } else {
      queries.back() += "\nUNION ALL ";
    }
    queries.back() += "SELECT '" + n.name + "', count(*) FROM " + n.relation;
  }
  std::string text;
  for (const std::string& sql : queries) {
    SLUICE_ASSIGN_OR_RETURN(warehouse::QueryResult r, conn->Query(sql));
    for (const RecordBatchPtr& b : r.batches) {
      for (int64_t i = 0; i < b->num_rows(); ++i) {
        text += FormatCell(b->column(0), i) + "=" + FormatCell(b->column(1), i) + "\n";
      }
    }
  }
  return text;
}

Status Validate(const BuildBenchOptions& o) {
  if (o.models < 1 || o.models > kMaxBuildBenchModels) {
    return Status::Invalid("--models must be between 1 and " +
                           std::to_string(kMaxBuildBenchModels) + " (got " +
                           std::to_string(o.models) + ")");
  }
  if (o.threads < 1 || o.threads > 64) {
    return Status::Invalid("--threads must be between 1 and 64 (got " + std::to_string(o.threads) +
                           ")");
  }
  if (o.repeat < 1 || o.repeat > 1000) {
    return Status::Invalid("--repeat must be between 1 and 1000 (got " + std::to_string(o.repeat) +
                           ")");
  }
  return Status::OK();
}

}  // namespace

Result<BenchResult> RunBuildBench(const BuildBenchOptions& options) {
  SLUICE_RETURN_NOT_OK(Validate(options));
  ResetPeakRss();
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ScratchDir> dir,
                          ScratchDir::Make(options.tmp_dir, "sluice-build-bench"));
  SLUICE_RETURN_NOT_OK(WriteProject(*dir, options.models, options.threads));
  const std::string project_dir = dir->File("project");

  Parsed parsed;  // for the reference statements and the checks, outside the timing
  SLUICE_RETURN_NOT_OK(Parse(project_dir, &parsed));
  SLUICE_RETURN_NOT_OK(Select(&parsed));
  int64_t tables = 0, views = 0;
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> statements,
                          DirectStatements(parsed, &tables, &views));
  if (tables + views != options.models) {
    return Status::Internal("the generated project has " + std::to_string(tables + views) +
                            " models instead of " + std::to_string(options.models));
  }
  const std::string expected_counts = "BASE TABLE=" + std::to_string(tables) + "\n" +
                                      (views > 0 ? "VIEW=" + std::to_string(views) + "\n" : "");

  std::vector<double> build, direct, parse, overhead, sql_total, direct_sql;
  std::map<std::string, std::vector<double>> sql_seconds;  // by statement kind
  std::map<std::string, int64_t> sql_count;                // of the last repetition
  int64_t statements_total = 0;
  for (int rep = 0; rep < options.repeat; ++rep) {
    const std::string build_db = dir->File("build" + std::to_string(rep) + ".duckdb");
    const std::string direct_db = dir->File("direct" + std::to_string(rep) + ".duckdb");
    double b = 0, d = 0, ps = 0, ds = 0;
    StatementTimes times;
    for (int half = 0; half < 2; ++half) {
      if ((half == 0) == (rep % 2 == 0)) {
        SLUICE_ASSIGN_OR_RETURN(b, TimedBuild(project_dir, build_db, options.threads, &ps, &times));
      } else {
        SLUICE_ASSIGN_OR_RETURN(d, TimedDirect(statements, direct_db, &ds));
      }
    }
    if (rep == 0) {
      SLUICE_ASSIGN_OR_RETURN(std::string built, Contents(build_db, parsed));
      SLUICE_ASSIGN_OR_RETURN(std::string reference, Contents(direct_db, parsed));
      if (built != reference) {
        return Status::Internal("sluice build and the direct SQL left different databases");
      }
      if (built.rfind(expected_counts + "m", 0) != 0) {
        return Status::Internal("expected " + std::to_string(tables) + " tables and " +
                                std::to_string(views) + " views, the database holds:\n" + built);
      }
    }
    std::error_code ec;
    fs::remove(build_db, ec);
    fs::remove(direct_db, ec);
    build.push_back(b);
    direct.push_back(d);
    direct_sql.push_back(ds);
    parse.push_back(ps);
    overhead.push_back(b - d);
    double total = 0;
    statements_total = 0;
    for (const auto& [kind, e] : times.Take()) {
      sql_seconds[kind].push_back(e.seconds);
      sql_count[kind] = e.count;
      total += e.seconds;
      statements_total += e.count;
    }
    sql_total.push_back(total);
  }

  BenchResult r;
  r.name = "build/duckdb";
  r.events = options.models;
  r.seconds = Median(build);
  r.rate_unit = "models_per_sec";
  r.per_core_rate = r.seconds > 0 ? static_cast<double>(options.models) / r.seconds : 0;
  r.peak_rss_bytes = PeakRssBytes();
  r.extra = {{"models", static_cast<double>(options.models)},
             {"threads", options.threads},
             {"repeat", options.repeat},
             {"build_seconds", Median(build)},
             {"direct_seconds", Median(direct)},
             {"overhead_seconds", Median(overhead)},
             {"parse_seconds", Median(parse)},
             {"build_min", *std::min_element(build.begin(), build.end())},
             {"build_max", *std::max_element(build.begin(), build.end())},
             {"tables", static_cast<double>(tables)},
             {"views", static_cast<double>(views)},
             {"build_statements", static_cast<double>(statements_total)},
             {"build_sql_seconds", Median(sql_total)},
             {"direct_sql_seconds", Median(direct_sql)}};
  for (const auto& [kind, seconds] : sql_seconds) {
    r.extra.emplace_back(kind + "_statements", static_cast<double>(sql_count[kind]));
    r.extra.emplace_back(kind + "_seconds", Median(seconds));
  }
  return r;
}

}  // namespace sluice::bench
