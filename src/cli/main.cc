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
    b.what = *gen ? "generate" : "parse";
    return sluice::cli::RunBench(g, b);
  }
  return sluice::cli::kExitInvalid;
}
