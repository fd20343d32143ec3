// DbtProject: a folder of SQL models read the way dbt reads it — a plain dbt project
// (dbt_project.yml, no sluice.yaml) or a sluice project (sluice.yaml stands in for
// dbt_project.yml; a dbt_project.yml next to it, when present, adds model configs and
// vars). Loading reads files only: it connects to nothing and renders no model.
//
//   dbt_project.yml    name, profile, model-paths [models], macro-paths [macros],
//                      seed-paths [seeds], snapshot-paths [snapshots], test-paths [tests],
//                      vars, models:/seeds:/snapshots:/tests: (config trees, see
//                      model_config.h)
//   profiles.yml       optional (project folder, else $DBT_PROFILES_DIR, else ~/.dbt): the
//                      warehouse target
//   models/**/*.sql    one model per file, named by the file stem
//   models/**/*.yml    schema files (version 2): sources, models, seeds, snapshots
//   seeds/**/*.csv     seeds, named by the file stem
//   snapshots/**/*.sql {% snapshot name %} ... {% endsnapshot %} blocks
//   tests/**/*.sql     singular tests (a SELECT of failing rows)
//   macros/**/*.sql    {% macro %} definitions
//
// docs/transform.md is the user's view.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/diagnostics.h"
#include "core/status.h"
#include "warehouse/warehouse.h"

namespace sluice::transform {

// Where models are built: the warehouse and the schema models land in.
struct WarehouseTarget {
  std::string type = "duckdb";  // "duckdb" or "postgres"
  std::string path;             // duckdb: absolute file path (or ":memory:")
  std::string conninfo;         // postgres: libpq URL or key=value string
  std::string schema;           // models' schema: profile `schema`, else main / public
  std::string database;         // profile `dbname`/`database` (postgres), else ""
  std::string name = "default"; // the profile target's name (`target.name` in Jinja)
  int threads = 0;              // profile `threads`; 0 = not given
  std::string origin;           // for messages: "profiles.yml target 'dev'", "sluice.yaml"
};

// One table of a schema.yml `sources:` entry.
struct SourceTable {
  std::string source_name;
  std::string table_name;
  std::string schema;      // source `schema` (default: the source's name)
  std::string identifier;  // table `identifier` (default: the table's name)
  std::string description;
  std::string path;        // the schema file, relative to the project
  SourceLocation location;
  ConfigValue entry;       // the table's map in the schema file (columns, tests)
};

// A file of the project: a model, seed, snapshot file, singular test.
struct ModelFile {
  std::string name;      // file stem: the name ref() uses
  std::string path;      // relative to the project: "models/staging/stg_orders.sql"
  std::string abs_path;
  std::vector<std::string> folders;  // folders below the resource path: {"staging"}
  std::string text;      // the file's text (empty for seeds, which the runner reads)
};

struct MacroFile {
  std::string path;  // relative to the project
  std::string text;
};

// A parsed schema file (models/**/*.yml).
struct SchemaFile {
  std::string path;  // relative to the project
  ConfigValue root;  // the whole document (a map), null when it could not be parsed
};

// A table a sluice streaming materialized view writes (CREATE MATERIALIZED VIEW name).
struct StreamTable {
  std::string name;
  std::string path;                 // the stream file, relative to the project
  SourceLocation location;          // of the view name in that file
  std::vector<std::string> inputs;  // sluice sources (sources/*.yaml) it reads, sorted
};

struct DbtProject {
  std::string dir;          // absolute, normalized
  std::string name;         // project name
  std::string config_file;  // "dbt_project.yml" or "sluice.yaml"
  std::string state_dir;    // absolute; compiled SQL goes to <state_dir>/compiled
  std::string profile;      // dbt_project.yml `profile` (default: name)
  std::vector<std::string> model_paths{"models"};
  std::vector<std::string> macro_paths{"macros"};
  std::vector<std::string> seed_paths{"seeds"};
  std::vector<std::string> snapshot_paths{"snapshots"};
  std::vector<std::string> test_paths{"tests"};
  ConfigValue vars;              // the `vars:` map with --vars applied (null when neither)
  ConfigValue models_config;     // the `models:` tree (null when absent); see model_config.h
  ConfigValue seeds_config;      // `seeds:`
  ConfigValue snapshots_config;  // `snapshots:`
  ConfigValue tests_config;      // `tests:` / `data_tests:`
  WarehouseTarget target;
  std::vector<ModelFile> models;     // sorted by path
  std::vector<ModelFile> seeds;      // sorted by path
  std::vector<ModelFile> snapshots;  // sorted by path (files; a file may hold several)
  std::vector<ModelFile> tests;      // singular tests, sorted by path
  std::vector<MacroFile> macros;     // sorted by path
  std::vector<SchemaFile> schema_files;  // sorted by path
  // (source name, table name) -> table.
  std::map<std::pair<std::string, std::string>, SourceTable> sources;
  // Tables of sluice streaming materialized views (streams/*.sql) -> their stream file.
  // A ref() or source() naming one of them resolves to that table.
  std::map<std::string, std::string> stream_tables;
  std::vector<StreamTable> streams;  // the same tables with details, sorted by name
  // Sluice sources (sources/*.yaml): name -> file, for lineage.
  std::map<std::string, std::string> sluice_sources;
  // Values taken from the environment (passwords), to keep out of logs.
  std::vector<std::string> secrets;
};

struct LoadOptions {
  std::string target;  // profile target to use instead of the profile's `target:`
  // --vars: name -> YAML scalar text; replaces dbt_project.yml vars of that name.
  std::map<std::string, std::string> vars;
};

// Parses a --vars argument: a YAML/JSON map of scalars ("{start: '2024-01-01', n: 3}").
// Errors name the problem and show the expected shape.
Status ParseVarsArgument(std::string_view text, std::map<std::string, std::string>* vars);

// Loads the project in `dir` ("" = current directory). Every problem goes to `diag` with
// file:line:column and what to do (unknown dbt_project.yml keys get a did-you-mean);
// callers check diag->has_errors(). A folder with neither dbt_project.yml nor sluice.yaml
// is one error. Two models with one name are an error naming both files (reported by
// BuildManifest, which sees every resource kind).
DbtProject LoadDbtProject(const std::string& dir, const LoadOptions& options, Diagnostics* diag);

// Opens the warehouse `target` names (DuckDB file or PostgreSQL server).
Result<std::unique_ptr<warehouse::Warehouse>> OpenTargetWarehouse(const WarehouseTarget& target);

// Reads the warehouse target of a plain dbt project: profiles.yml in the project folder,
// else in $DBT_PROFILES_DIR (when set), else in ~/.dbt; without one, the embedded DuckDB at
// <state_dir>/warehouse.duckdb. Values may use {{ env_var('X') }} and
// {{ env_var('X', 'default') }}. Reports problems to `diag`. (dbt_profile.cc)
void LoadDbtProfile(const std::string& profile_name, const LoadOptions& options, DbtProject* p,
                    Diagnostics* diag);

}  // namespace sluice::transform
