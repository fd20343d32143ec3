// Entry point of the `sluice` command: argument parsing only; the work is in cmd_*.cc.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "dev"
#endif

using sluice::cli::BenchOptions;
using sluice::cli::GlobalOptions;
using sluice::cli::QueryOptions;
using sluice::cli::RunOptions;

int main(int argc, char** argv) {
  CLI::App app{"sluice: a data pipeline engine. Ingest, process streams with SQL, land in a "
               "warehouse, observe.\nEvery project command takes the project folder (default: "
               "the current directory)."};
  app.set_version_flag("--version", std::string("sluice ") + SLUICE_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions g;
  app.add_option("--log-level", g.log_level,
                 "trace, debug, info, warn or error (default: sluice.yaml log.level, else info)");
  app.add_option("--log-format", g.log_format,
                 "auto (text on a terminal, else json), text or json (default: sluice.yaml "
                 "log.format, else auto)");

  std::string init_dir;
  CLI::App* init = app.add_subcommand("init", "Create a new project (the shop example) in DIR");
  init->add_option("dir", init_dir, "Folder to create the project in")->required();

  std::string validate_dir = ".";
  CLI::App* validate = app.add_subcommand(
      "validate", "Load and check a project; report every problem with file:line:column");
  validate->add_option("dir", validate_dir, "Project folder")->capture_default_str();

  QueryOptions q;
  std::vector<std::string> query_args;
  CLI::App* query = app.add_subcommand("query", "Run a SQL statement against the project's warehouse");
  query->add_option("args", query_args, "[DIR] SQL")->required()->expected(1, 2);
  query->add_option("--format,-f", q.format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();

  RunOptions r;
  CLI::App* run = app.add_subcommand(
      "run", "Run every pipeline of the project until Ctrl-C, --for DURATION or --max-events N");
  run->add_option("dir", r.dir, "Project folder")->capture_default_str();
  run->add_option("--for", r.run_for, "Stop after this long, e.g. 30s, 5m, 1h");
  run->add_option("--max-events", r.max_events, "Stop each source after N events");
  run->add_option("--metrics-addr", r.metrics_addr,
                  "Serve Prometheus metrics on HOST:PORT (/metrics), e.g. 127.0.0.1:9464");
  run->add_option("--status", r.status,
                  "auto (live line on a terminal, logs otherwise), line, log or off")
      ->check(CLI::IsMember({"auto", "line", "log", "off"}))
      ->capture_default_str();
  run->add_option("--from-savepoint", r.from_savepoint,
                  "Start every pipeline from this savepoint (see `sluice savepoint`)");

  BenchOptions b;
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks (see docs/benchmarks.md)");
  bench->require_subcommand(1);
  CLI::App* gen = bench->add_subcommand("generate", "Generator throughput (events/s per core)");
  gen->add_option("--generator", b.generator, "shop, nexmark, or both comma-separated")
      ->capture_default_str();
  gen->add_option("--events", b.events, "Events per generator")->capture_default_str();
  gen->add_option("--repeat", b.repeat, "Repetitions; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  gen->add_flag("--json", b.json, "One JSON object per result line");
  CLI::App* parse = bench->add_subcommand("parse", "File source parse throughput (MB/s per core)");
  parse->add_option("--format", b.format, "ndjson, csv, or both comma-separated")
      ->capture_default_str();
  parse->add_option("--bytes", b.bytes, "Size of the synthetic input file")->capture_default_str();
  parse->add_option("--tmp-dir", b.tmp_dir, "Where to write the synthetic input file");
  parse->add_option("--repeat", b.repeat, "Repetitions; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  parse->add_flag("--json", b.json, "One JSON object per result line");
  CLI::App* nexmark = bench->add_subcommand(
      "nexmark", "Nexmark queries over the nexmark generator, checked against DuckDB (events/s per core)");
  nexmark->add_option("--events", b.events, "Generated events (all streams)")->capture_default_str();
  nexmark->add_option("--queries", b.queries, "Comma-separated queries")->capture_default_str();
  nexmark->add_option("--repeat", b.repeat, "Repetitions; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  nexmark->add_flag("--json", b.json, "One JSON object per query");
  nexmark->add_option("--state-backend", b.state_backend,
                      "Where GROUP BY and join state lives: memory or rocksdb (spilled to a scratch dir)")
      ->check(CLI::IsMember({"memory", "rocksdb"}))
      ->capture_default_str();
  nexmark->add_option("--state-memory-budget", b.state_memory_budget,
                      "rocksdb: in-memory state per operator, e.g. 64MB")
      ->capture_default_str();
  CLI::App* load = bench->add_subcommand(
      "load", "Warehouse load throughput (rows/s) versus the database's own CSV COPY");
  load->add_option("--warehouse", b.warehouse, "duckdb or postgres")
      ->check(CLI::IsMember({"duckdb", "postgres"}))
      ->capture_default_str();
  load->add_option("--rows", b.rows, "Rows loaded per repetition")->capture_default_str();
  load->add_option("--url", b.url, "postgres: server URL (default: start a throwaway server)");
  load->add_option("--tmp-dir", b.tmp_dir, "Where the CSV file (and DuckDB file) go");
  load->add_option("--repeat", b.repeat, "Repetitions; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  load->add_flag("--json", b.json, "One JSON object per result line");
  CLI::App* build_bench = bench->add_subcommand(
      "build", "sluice build overhead on trivial models versus the same SQL run directly");
  build_bench->add_option("--models", b.models, "Models in the generated project")
      ->capture_default_str();
  build_bench->add_option("--threads", b.threads, "Threads of the measured build")
      ->capture_default_str();
  build_bench->add_option("--tmp-dir", b.tmp_dir, "Where the project and DuckDB files go");
  build_bench->add_option("--repeat", b.repeat, "Repetitions; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  build_bench->add_flag("--json", b.json, "One JSON object per result line");
  CLI::App* log_bench = bench->add_subcommand(
      "log", "Embedded log append throughput (MB/s, Sync every ~1 MB) versus raw write+fsync");
  log_bench->add_option("--mb", b.log_mb, "MB of records appended per repetition")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}))
      ->capture_default_str();
  log_bench->add_option("--codec", b.log_codec, "none, lz4 or zstd")
      ->check(CLI::IsMember({"none", "lz4", "zstd"}))
      ->capture_default_str();
  log_bench->add_option("--record-bytes", b.record_bytes, "Bytes per record")
      ->check(CLI::Range(int64_t{1}, int64_t{100000000}))
      ->capture_default_str();
  log_bench->add_option("--tmp-dir", b.tmp_dir, "Where the log and the raw file go");
  log_bench->add_option("--repeat", b.log_repeat, "Repetitions; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  log_bench->add_flag("--json", b.json, "One JSON object per result line");
  CLI::App* ingest_bench = bench->add_subcommand(
      "ingest", "HTTP collector ingest with durable acks, from a separate load process");
  ingest_bench->add_option("--seconds", b.ingest_seconds, "Measured seconds")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  ingest_bench->add_option("--connections", b.connections, "Concurrent keep-alive connections")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  ingest_bench->add_option("--events-per-request", b.events_per_request, "Events per POST")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  ingest_bench->add_option("--event-bytes", b.event_bytes, "Bytes per event")
      ->check(CLI::Range(100, 100000))
      ->capture_default_str();
  ingest_bench->add_option("--tmp-dir", b.tmp_dir, "Where the source's log goes");
  ingest_bench->add_flag("--no-fsync", b.no_fsync, "Do not fsync the log (shows the fsync cost)");
  ingest_bench->add_flag("--json", b.json, "One JSON object per result line");
  CLI::App* checkpoint_bench = bench->add_subcommand(
      "checkpoint", "Stateful Nexmark queries with checkpoints every --interval versus without");
  checkpoint_bench->add_option("--queries", b.checkpoint_queries, "Comma-separated Nexmark queries")
      ->capture_default_str();
  checkpoint_bench->add_option("--events", b.checkpoint_events, "Generated events per run")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000000}))
      ->capture_default_str();
  checkpoint_bench->add_option("--interval", b.checkpoint_interval, "Checkpoint interval, e.g. 1s")
      ->capture_default_str();
  checkpoint_bench->add_option("--repeat", b.log_repeat, "Repetitions; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  checkpoint_bench->add_option("--tmp-dir", b.tmp_dir, "Where the checkpoint files go");
  checkpoint_bench->add_flag("--json", b.json, "One JSON object per result line");

  sluice::cli::BuildOptions build_opts;
  CLI::App* build_cmds[4] = {
      app.add_subcommand("build", "Build a dbt-style project: seeds, models, snapshots and tests "
                                  "in dependency order"),
      app.add_subcommand("seed", "Load the project's seeds/*.csv as tables"),
      app.add_subcommand("test", "Run the project's data tests (schema.yml and tests/*.sql)"),
      app.add_subcommand("snapshot", "Record the project's snapshots (SCD type 2)")};
  for (CLI::App* c : build_cmds) {
    c->add_option("dir", build_opts.dir, "Project folder")->capture_default_str();
    c->add_option("-s,--select", build_opts.select, "Nodes to run (dbt syntax: name, name+, "
                                                    "+name, tag:x, path:models/marts, ...)");
    c->add_option("--exclude", build_opts.exclude, "Nodes to leave out (same syntax)");
    c->add_option("--threads", build_opts.threads,
                  "Nodes built at once (default: the target's threads, else 4)")
        ->check(CLI::Range(1, 256));
    c->add_flag("--full-refresh", build_opts.full_refresh,
                "Rebuild incremental models and seeds from scratch");
    c->add_flag("--fail-fast,-x", build_opts.fail_fast, "Stop at the first failure");
    c->add_option("--vars", build_opts.vars, "Variables for var(), a YAML map: '{key: value}'");
    c->add_option("--target,-t", build_opts.target, "The profiles.yml target to use");
  }
  build_cmds[0]->add_option("--resource-type", build_opts.resource_types,
                            "Only these kinds: model, seed, snapshot, test");

  sluice::cli::CompileOptions compile_opts;
  CLI::App* compile_cmd = app.add_subcommand(
      "compile", "Render a dbt-style project's models, snapshots and tests to SQL in "
                 "<state_dir>/compiled");
  CLI::App* ls_cmd = app.add_subcommand("ls", "List a dbt-style project's nodes");
  CLI::App* lineage_cmd = app.add_subcommand(
      "lineage", "Print the project's DAG: sources -> streams -> models -> tests");
  for (CLI::App* c : {compile_cmd, ls_cmd, lineage_cmd}) {
    c->add_option("dir", compile_opts.dir, "Project folder")->capture_default_str();
    c->add_option("-s,--select", compile_opts.select, "Nodes (dbt syntax: name, name+, +name, "
                                                      "tag:x, path:models/marts, ...)");
    c->add_option("--exclude", compile_opts.exclude, "Nodes to leave out (same syntax)");
    c->add_option("--vars", compile_opts.vars, "Variables for var(), a YAML map: '{key: value}'");
    c->add_option("--target,-t", compile_opts.target, "The profiles.yml target to use");
  }
  ls_cmd->add_option("--resource-type", compile_opts.resource_types,
                     "Only these kinds: model, seed, snapshot, test, source, stream");
  ls_cmd->add_option("--output,-o", compile_opts.output, "text or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  lineage_cmd->add_option("--format,-f", compile_opts.output, "text (a tree) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  sluice::cli::DlqOptions dlq_opts;
  CLI::App* dlq_cmd = sluice::cli::AddDlqCommand(&app, &dlq_opts);
  sluice::cli::SchemaOptions schema_opts;
  CLI::App* schema_cmd = sluice::cli::AddSchemaCommand(&app, &schema_opts);
  sluice::cli::SavepointOptions savepoint_opts;
  CLI::App* savepoint_cmd = sluice::cli::AddSavepointCommand(&app, &savepoint_opts);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : sluice::cli::kExitInvalid;
  }

  if (*init) return sluice::cli::RunInit(g, init_dir);
  if (*validate) return sluice::cli::RunValidate(g, validate_dir);
  if (*query) {
    if (query_args.size() == 2) {
      q.dir = query_args[0];
      q.sql = query_args[1];
    } else {
      q.sql = query_args[0];
    }
    return sluice::cli::RunQuery(g, q);
  }
  if (*run) return sluice::cli::RunRun(g, r);
  if (*bench) {
    b.what = *gen ? "generate" : *nexmark ? "nexmark" : *load ? "load" : *build_bench ? "build"
           : *log_bench ? "log" : *ingest_bench ? "ingest" : *checkpoint_bench ? "checkpoint"
           : "parse";
    return sluice::cli::RunBench(g, b);
  }
  for (CLI::App* c : build_cmds) {
    if (*c) {
      build_opts.command = c->get_name();
      return sluice::cli::RunBuild(g, build_opts);
    }
  }
  if (*compile_cmd) return sluice::cli::RunCompile(g, compile_opts);
  if (*ls_cmd) return sluice::cli::RunLs(g, compile_opts);
  if (*lineage_cmd) return sluice::cli::RunLineage(g, compile_opts);
  if (*dlq_cmd) return sluice::cli::RunDlq(g, dlq_opts);
  if (*schema_cmd) return sluice::cli::RunSchema(g, schema_opts);
  if (*savepoint_cmd) return sluice::cli::RunSavepoint(g, savepoint_opts);
  return sluice::cli::kExitInvalid;
}
