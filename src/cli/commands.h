// The `sluice` commands. main.cc parses arguments into these option structs; each command
// returns the process exit code (0 success, 1 failure, 2 invalid project or usage).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace sluice::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitInvalid = 2;

struct GlobalOptions {
  // Empty = not given: the project's log settings (sluice.yaml `log:`) apply, else
  // info / auto.
  std::string log_level;
  std::string log_format;  // auto | text | json
};

int RunInit(const GlobalOptions& g, const std::string& dir);

int RunValidate(const GlobalOptions& g, const std::string& dir);

struct QueryOptions {
  std::string dir = ".";
  std::string sql;
  std::string format = "table";  // table | csv | json
};
int RunQuery(const GlobalOptions& g, const QueryOptions& o);

struct RunOptions {
  std::string dir = ".";
  std::string run_for;          // duration text, empty = until Ctrl-C
  int64_t max_events = -1;      // per source; -1 = unbounded
  std::string metrics_addr;     // overrides sluice.yaml metrics.addr
  std::string status = "auto";  // auto | line | log | off
  std::string from_savepoint;   // a savepoint folder to start every pipeline from
};
int RunRun(const GlobalOptions& g, const RunOptions& o);

struct BenchOptions {
  std::string what;              // generate | parse | nexmark
  std::string generator = "shop,nexmark";
  std::string format = "ndjson,csv";
  int64_t events = 10000000;
  int64_t bytes = 200000000;
  bool json = false;
  std::string tmp_dir;           // parse: where the synthetic file goes (default: system temp)
  int repeat = 5;                // repetitions per benchmark; medians are reported
  std::string queries = "all";  // nexmark: comma-separated names, or all (every supported query)
  std::string state_backend = "memory";       // nexmark: memory | rocksdb
  std::string state_memory_budget = "256MB";  // nexmark: the rocksdb backend's budget per operator
  std::string warehouse = "duckdb";  // load: duckdb | postgres
  int64_t rows = 1000000;            // load: rows per repetition
  std::string url;                   // load: PostgreSQL URL (empty = throwaway server)
  int64_t models = 200;              // build: models in the generated project
  int threads = 1;                   // build: --threads of the measured build
  int64_t log_mb = 512;              // log: MB of records appended per repetition
  std::string log_codec = "none";    // log: none | lz4 | zstd
  int64_t record_bytes = 200;        // log: bytes per record
  int log_repeat = 3;                // log: repetitions (its own default: I/O heavy)
  double ingest_seconds = 5;         // ingest: measured seconds
  int connections = 16;              // ingest: concurrent keep-alive connections
  int events_per_request = 500;      // ingest: NDJSON events per POST
  int event_bytes = 200;             // ingest: bytes per event
  bool no_fsync = false;             // ingest: log without fsync (shows the fsync cost)
  std::string checkpoint_queries = "q5_eowc,q4,q15";  // checkpoint: Nexmark queries
  int64_t checkpoint_events = 5000000;                // checkpoint: events per run
  std::string checkpoint_interval = "1s";             // checkpoint: interval of the timed runs
};
int RunBench(const GlobalOptions& g, const BenchOptions& o);

// `sluice build|seed|test|snapshot [DIR]` (cmd_build.cc): a dbt-style project's nodes,
// run against its warehouse in dependency order.
struct BuildOptions {
  std::string command = "build";            // build | seed | test | snapshot
  std::string dir = ".";
  std::vector<std::string> select;          // -s/--select, dbt selector syntax
  std::vector<std::string> exclude;         // --exclude
  std::vector<std::string> resource_types;  // build --resource-type model|seed|snapshot|test
  int threads = 0;                          // 0 = the target's threads, else 4
  bool full_refresh = false;
  bool fail_fast = false;
  std::string vars;                         // --vars '{key: value}'
  std::string target;                       // profiles.yml target
};
int RunBuild(const GlobalOptions& g, const BuildOptions& o);

// `sluice compile|ls|lineage [DIR]` (cmd_compile.cc): a dbt-style project's nodes without
// running them: compiled SQL into <state_dir>/compiled, the node list, the lineage graph.
struct CompileOptions {
  std::string dir = ".";
  std::vector<std::string> select;          // -s/--select, dbt selector syntax
  std::vector<std::string> exclude;         // --exclude
  std::vector<std::string> resource_types;  // ls --resource-type model|seed|...
  std::string output = "text";              // ls --output / lineage --format: text | json
  std::string vars;                         // --vars '{key: value}'
  std::string target;                       // profiles.yml target
};
int RunCompile(const GlobalOptions& g, const CompileOptions& o);
int RunLs(const GlobalOptions& g, const CompileOptions& o);
int RunLineage(const GlobalOptions& g, const CompileOptions& o);

// `sluice dlq list|show|replay` (cmd_dlq.cc): the dead-letter table
// (docs/dead_letters.md).
struct DlqOptions {
  std::string action;               // list | show | replay (set when parsed)
  std::vector<std::string> args;    // [DIR] (list, replay) or [DIR] ID (show)
  std::string source;               // --source: only this source's records
  int64_t limit = 50;               // list --limit
  std::vector<int64_t> ids;         // replay --ids
};
// Registers `dlq` and its subcommands on `app` (a CLI::App); `o` is filled when parsed.
CLI::App* AddDlqCommand(CLI::App* app, DlqOptions* o);
int RunDlq(const GlobalOptions& g, const DlqOptions& o);

// `sluice schema list|show|diff` (cmd_schema.cc): the schema registry (docs/schemas.md).
struct SchemaOptions {
  std::string action;               // list | show | diff
  std::vector<std::string> args;    // [DIR] [SOURCE]
  std::string from;                 // diff/show --from vN (default: the previous / latest)
  std::string to;                   // diff --to vN (default: the latest)
};
CLI::App* AddSchemaCommand(CLI::App* app, SchemaOptions* o);
int RunSchema(const GlobalOptions& g, const SchemaOptions& o);

// `sluice savepoint DIR` (cmd_savepoint.cc): asks the running `sluice run` of a project
// for a savepoint (docs/cli.md).
struct SavepointOptions {
  std::string dir;                // where the savepoint goes (must not exist)
  std::string project = ".";      // --project
  bool stop = false;              // --stop: stop the run right after
  std::string timeout = "2m";     // --timeout
};
CLI::App* AddSavepointCommand(CLI::App* app, SavepointOptions* o);
int RunSavepoint(const GlobalOptions& g, const SavepointOptions& o);

// Applies --log-level / --log-format, falling back to `project_level` / `project_format`
// (from sluice.yaml) and then to info / auto. Prints an error and returns false when
// invalid.
bool SetUpLogging(const GlobalOptions& g, const std::string& project_level = "",
                  const std::string& project_format = "");

}  // namespace sluice::cli
