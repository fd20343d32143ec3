// Project: a sluice project folder, loaded and checked.
//
//   myproject/
//     sluice.yaml        required: name, state_dir, warehouse, run, log, metrics
//     sources/*.yaml     one source per file (name defaults to the file stem)
//     sinks/*.yaml       one sink per file
//     streams/*.sql      continuous SQL, kept as text for the SQL module
//     models/ seeds/ checks/ syncs/   reserved: accepted, not read yet
//
// The loader knows the file layout and the keys of sluice.yaml and the keys every source
// and sink file has (name, type, description). It does not know connector types or SQL:
// each connector validates its own options (ConnectorSpec::options) through OptionReader,
// and the SQL module parses StreamFile::text. docs/project-format.md is the user's view.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/diagnostics.h"

namespace sluice::project {

// The only project format version this sluice reads (sluice.yaml `version`).
inline constexpr int64_t kProjectFormatVersion = 1;

struct WarehouseConfig {
  std::string type = "duckdb";  // "duckdb" or "postgres"
  std::string path;             // duckdb: absolute; default <state_dir>/warehouse.duckdb
  std::string url;              // postgres: libpq URL or conninfo (usually from ${ENV})
};

struct RunConfig {
  int64_t batch_size = 2048;               // rows per batch, 1..65536
  int64_t flush_interval_us = 1000000;     // how often sinks flush (> 0)
  int64_t status_interval_us = 1000000;    // status line / status log refresh (> 0)
  int64_t checkpoint_interval_us = 10000000;  // how often pipelines checkpoint; 0 = never
  // Where GROUP BY operators keep their groups: "memory" (all in memory) or "rocksdb"
  // (at most state_memory_budget_bytes in memory per operator, the rest on disk under
  // <state_dir>/state/).
  std::string state_backend = "memory";
  int64_t state_memory_budget_bytes = int64_t{256} << 20;  // rocksdb only; >= 1 MB
};

struct LogConfig {
  std::string level = "info";   // trace | debug | info | warn | error
  std::string format = "auto";  // auto | text | json
};

// One file of sources/ or sinks/.
struct ConnectorSpec {
  std::string name;               // `name`, or the file stem; unique among its kind
  SourceLocation name_location;   // where `name` is written, or the file when defaulted
  std::string type;               // `type` (required); the registry checks it
  SourceLocation type_location;
  std::string file;               // relative to the project, e.g. "sources/shop.yaml"
  std::string description;        // `description`, may be empty
  // The whole map of the file, `name`, `type` and `description` included, for the
  // connector to read through OptionReader.
  ConfigValue options;
};

// One file of streams/.
struct StreamFile {
  std::string path;      // relative to the project, e.g. "streams/orders.sql"
  std::string abs_path;  // absolute
  std::string text;      // the whole file
};

struct Project {
  std::string dir;          // absolute, normalized, no trailing '/'
  std::string name;         // [a-z][a-z0-9_]*; empty when sluice.yaml could not be read
  std::string description;
  std::string state_dir;    // absolute; default <dir>/.sluice
  WarehouseConfig warehouse;
  RunConfig run;
  LogConfig log;
  std::string metrics_addr;  // "host:port", empty = metrics off
  // sluice.yaml `collector: {listen: "host:port"}`: the HTTP event collector (http
  // sources); port 0 picks a free port (tests).
  std::string collector_listen = "127.0.0.1:8080";
  std::vector<ConnectorSpec> sources;  // in file name order
  std::vector<ConnectorSpec> sinks;    // in file name order
  std::vector<StreamFile> streams;     // in file name order
  // Every value substituted from the environment (${VAR}), to scrub from logs.
  std::vector<std::string> secrets;
};

// Loads the project in folder `dir` and checks everything it can without knowing
// connectors or SQL. Every problem goes to `diag` (file:line:column relative to the
// project, what is wrong, what to do); loading does not stop at the first one.
// Returns the project as far as it could be read: callers check diag->has_errors().
// A missing folder or sluice.yaml is one error saying how to create a project
// (`sluice init`); `name` is empty then. Reads files only; creates nothing.
Project LoadProject(const std::string& dir, Diagnostics* diag);

// True for names of the form [a-z][a-z0-9_]* (project names).
bool IsProjectName(std::string_view name);
// True for names of the form [A-Za-z_][A-Za-z0-9_]* (source and sink names, which SQL
// statements use as table names).
bool IsIdentifier(std::string_view name);

}  // namespace sluice::project
