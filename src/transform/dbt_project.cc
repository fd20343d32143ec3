// LoadDbtProject: dbt_project.yml or sluice.yaml, then every file of the project.
#include "transform/dbt_project.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "project/project.h"
#include "project/yaml_reader.h"
#include "transform/project_files.h"
#include "warehouse/duckdb_warehouse.h"
#include "warehouse/postgres_warehouse.h"

namespace sluice::transform {

namespace fs = std::filesystem;

namespace {

// Keys of dbt_project.yml that dbt defines and sluice accepts without using.
const std::vector<std::string> kIgnoredKeys = {
    "version",       "config-version",        "require-dbt-version", "analysis-paths",
    "docs-paths",    "asset-paths",           "target-path",         "clean-targets",
    "log-path",      "packages-install-path", "on-run-start",        "on-run-end",
    "quoting",       "query-comment",         "dispatch",            "flags",
    "metrics",       "semantic-models",       "saved-queries",       "exposures",
    "restrict-access", "dbt-cloud",           "sources",             "analyses",
    "unit_tests",    "packages"};

std::vector<std::string> PathList(OptionReader* r, std::string_view key,
                                  std::vector<std::string> fallback) {
  if (!r->Has(key)) return fallback;
  std::vector<std::string> paths = r->StringList(key);
  for (std::string& p : paths) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
  }
  return paths;
}

void ReadMapKey(OptionReader* r, std::string_view key, ConfigValue* out) {
  const ConfigValue* v = r->Node(key);
  if (v == nullptr || v->is_null()) return;
  if (!v->is_map()) {
    r->Error(key, "'" + std::string(key) + "' must be a map, found " + v->KindName(),
             "write it as 'key: value' lines indented below '" + std::string(key) + ":'");
    return;
  }
  *out = *v;
}

// Applies dbt_project.yml. `sluice_mode`: the name comes from sluice.yaml.
void ReadDbtProjectYml(const fs::path& dir, bool sluice_mode, DbtProject* p, Diagnostics* diag) {
  std::string text;
  Diagnostics local;
  if (ReadTextFile((dir / "dbt_project.yml").string(), "dbt_project.yml", &text, &local)) {
    Result<ConfigValue> root = project::ParseYaml(text, "dbt_project.yml", &local, &p->secrets);
    if (root.ok() && root->is_null()) {
      local.Error(SourceLocation{"dbt_project.yml", 1, 1}, "dbt_project.yml is empty",
                  "write at least 'name: my_project'");
    } else if (root.ok()) {
      OptionReader r(*root, &local);
      if (sluice_mode) {
        r.OptionalString("name");
        r.OptionalString("profile");
      } else {
        p->name = r.RequiredString("name", "name the project, e.g. 'name: my_project'");
        if (!p->name.empty() && !project::IsIdentifier(p->name)) {
          r.Error("name", "project name '" + p->name + "' is not a valid name",
                  "use letters, digits and '_', starting with a letter");
        }
        p->profile = r.String("profile", p->name);
      }
      p->model_paths = PathList(&r, "model-paths", {"models"});
      if (r.Has("source-paths")) p->model_paths = PathList(&r, "source-paths", p->model_paths);
      p->macro_paths = PathList(&r, "macro-paths", {"macros"});
      p->seed_paths = PathList(&r, "seed-paths", {"seeds"});
      if (r.Has("data-paths")) p->seed_paths = PathList(&r, "data-paths", p->seed_paths);
      p->snapshot_paths = PathList(&r, "snapshot-paths", {"snapshots"});
      p->test_paths = PathList(&r, "test-paths", {"tests"});
      ReadMapKey(&r, "vars", &p->vars);
      ReadMapKey(&r, "models", &p->models_config);
      ReadMapKey(&r, "seeds", &p->seeds_config);
      ReadMapKey(&r, "snapshots", &p->snapshots_config);
      ReadMapKey(&r, "tests", &p->tests_config);
      if (r.Has("data_tests")) ReadMapKey(&r, "data_tests", &p->tests_config);
      for (const std::string& k : kIgnoredKeys) r.Node(k);
      r.Finish();
    }
  }
  diag->AppendByPosition(local);
}

void ApplySluiceProject(const std::string& dir_arg, DbtProject* p, Diagnostics* diag) {
  project::Project sp = project::LoadProject(dir_arg, diag);
  p->config_file = "sluice.yaml";
  p->name = sp.name;
  p->profile = sp.name;
  p->state_dir = sp.state_dir;
  p->secrets = sp.secrets;
  WarehouseTarget& t = p->target;
  t.type = sp.warehouse.type;
  t.path = sp.warehouse.type == "duckdb" ? sp.warehouse.path : "";
  t.conninfo = sp.warehouse.url;
  t.schema = t.type == "postgres" ? "public" : "main";
  t.name = "default";
  t.origin = "sluice.yaml";
  for (const auto& src : sp.sources) p->sluice_sources[src.name] = src.file;
  for (const auto& stream : sp.streams) {
    Result<std::vector<StreamTable>> tables =
        ScanStreamTables(stream.text, stream.path, p->sluice_sources);
    if (!tables.ok()) {
      diag->AddFormatted(tables.status().message());
      continue;
    }
    for (StreamTable& table : *tables) {
      const auto [it, inserted] = p->stream_tables.emplace(table.name, table.path);
      if (!inserted) {
        diag->Error(table.location,
                    "materialized view '" + table.name + "' is also created in " + it->second,
                    "give one of them another name");
        continue;
      }
      p->streams.push_back(std::move(table));
    }
  }
  std::sort(p->streams.begin(), p->streams.end(),
            [](const StreamTable& a, const StreamTable& b) { return a.name < b.name; });
}

void ApplyVarOverrides(const LoadOptions& options, DbtProject* p) {
  if (options.vars.empty()) return;
  if (!p->vars.is_map()) p->vars = ConfigValue::Map(SourceLocation{"--vars", 0, 0});
  for (const auto& [name, text] : options.vars) {
    ConfigValue v = ConfigValue::Scalar(text, SourceLocation{"--vars", 0, 0});
    bool replaced = false;
    for (ConfigEntry& e : p->vars.entries) {
      if (e.key == name) {
        e.value = v;
        replaced = true;
      }
    }
    if (!replaced) p->vars.Set(name, v);
  }
}

}  // namespace

Status ParseVarsArgument(std::string_view text, std::map<std::string, std::string>* vars) {
  const std::string shape = "pass a map, e.g. --vars '{start_date: 2024-01-01, limit: 10}'";
  Diagnostics diag;
  Result<ConfigValue> root = project::ParseYaml(text, "--vars", &diag, nullptr);
  if (!root.ok() || diag.has_errors()) {
    return Status::Invalid("--vars is not valid YAML: " +
                           (diag.has_errors() ? diag.items()[0].message : root.status().message()) +
                           " (" + shape + ")");
  }
  if (root->is_null()) return Status::OK();
  if (!root->is_map()) return Status::Invalid("--vars must be a map (" + shape + ")");
  for (const ConfigEntry& e : root->entries) {
    if (e.value.is_null()) {
      (*vars)[e.key] = "";
    } else if (!e.value.is_scalar()) {
      return Status::Invalid("--vars: the value of '" + e.key +
                             "' must be a single value, not a list or map (" + shape + ")");
    } else {
      (*vars)[e.key] = e.value.scalar;
    }
  }
  return Status::OK();
}

DbtProject LoadDbtProject(const std::string& dir_arg, const LoadOptions& options,
                          Diagnostics* diag) {
  DbtProject p;
  const std::string given = dir_arg.empty() ? "." : dir_arg;
  std::error_code ec;
  fs::path dir = fs::absolute(given, ec);
  if (ec) dir = given;
  dir = dir.lexically_normal();
  if (!dir.has_filename() && dir != dir.root_path()) dir = dir.parent_path();
  p.dir = dir.string();
  p.state_dir = (dir / ".sluice").string();

  if (!fs::is_directory(dir, ec)) {
    diag->Error(SourceLocation{}, "project folder " + p.dir + " does not exist",
                "pass the folder that holds dbt_project.yml or sluice.yaml");
    return p;
  }
  const bool has_sluice = fs::is_regular_file(dir / "sluice.yaml", ec);
  const bool has_dbt = fs::is_regular_file(dir / "dbt_project.yml", ec);
  if (!has_sluice && !has_dbt) {
    diag->Error(SourceLocation{}, "no dbt_project.yml or sluice.yaml in " + p.dir,
                "pass the project folder, or create dbt_project.yml with 'name: my_project'");
    return p;
  }
  if (has_sluice) {
    ApplySluiceProject(given, &p, diag);
    if (has_dbt) ReadDbtProjectYml(dir, /*sluice_mode=*/true, &p, diag);
  } else {
    p.config_file = "dbt_project.yml";
    ReadDbtProjectYml(dir, /*sluice_mode=*/false, &p, diag);
    LoadDbtProfile(p.profile, options, &p, diag);
  }
  ApplyVarOverrides(options, &p);
  CollectProjectFiles(&p, diag);
  return p;
}

}  // namespace sluice::transform

namespace sluice::transform {

Result<std::unique_ptr<warehouse::Warehouse>> OpenTargetWarehouse(const WarehouseTarget& target) {
  if (target.type == "postgres") return warehouse::OpenPostgres(target.conninfo);
  if (target.type == "duckdb") return warehouse::OpenDuckDB(target.path);
  return Status::Invalid(target.origin + ": warehouse type '" + target.type +
                         "' is not supported (use duckdb or postgres)");
}

}  // namespace sluice::transform
