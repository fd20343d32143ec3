#include "transform/project_files.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "project/yaml_reader.h"
#include "sql/parser.h"

namespace sluice::transform {

namespace fs = std::filesystem;

Result<std::vector<StreamTable>> ScanStreamTables(std::string_view text, const std::string& path,
                                                  const std::map<std::string, std::string>& sources) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<sql::Statement> statements, sql::ParseScript(text, path));
  std::vector<StreamTable> out;
  for (const sql::Statement& stmt : statements) {
    if (stmt.kind != sql::Statement::kCreateMaterializedView) continue;
    StreamTable t;
    t.name = stmt.target;
    t.path = path;
    t.location = SourceLocation{path, stmt.target_pos.line, stmt.target_pos.column};
    const std::vector<sql::Identifier>& from = stmt.select->from.parts;
    if (!from.empty() && sources.count(from.front().name) > 0) t.inputs = {from.front().name};
    out.push_back(std::move(t));
  }
  return out;
}

namespace {

bool HasExtension(const std::string& name, const std::vector<std::string>& exts) {
  for (const std::string& e : exts) {
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
      return true;
    }
  }
  return false;
}

// Every file below <dir>/<root> ending in one of `exts`, as (path relative to dir, folders
// below root), sorted. `skip_folder` (may be empty) is a top-level folder not descended.
std::vector<std::pair<std::string, std::vector<std::string>>> ListTree(
    const fs::path& dir, const std::string& root, const std::vector<std::string>& exts,
    const std::string& skip_folder, Diagnostics* diag) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  std::error_code ec;
  const fs::path base = dir / root;
  if (!fs::exists(base, ec)) return out;
  if (!fs::is_directory(base, ec)) {
    diag->Error(SourceLocation{root, 0, 0}, root + " is a file, not a folder",
                "move it away or change the project's paths");
    return out;
  }
  fs::recursive_directory_iterator it(base, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& abs = it->path();
    const std::string fname = abs.filename().string();
    if (!fname.empty() && fname[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    const fs::path rel_to_root = abs.lexically_relative(base);
    if (it->is_directory(ec)) {
      if (it.depth() == 0 && !skip_folder.empty() && fname == skip_folder) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (!HasExtension(fname, exts)) continue;
    std::vector<std::string> folders;
    for (const auto& part : rel_to_root.parent_path()) folders.push_back(part.string());
    out.emplace_back((fs::path(root) / rel_to_root).generic_string(), std::move(folders));
  }
  if (ec) {
    diag->Error(SourceLocation{root, 0, 0}, "cannot list the folder: " + ec.message(),
                "check its permissions");
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Stem(const std::string& path) { return fs::path(path).stem().string(); }

void ReadFiles(DbtProject* p, const std::vector<std::string>& roots,
               const std::vector<std::string>& exts, bool read_text,
               const std::string& skip_folder, std::vector<ModelFile>* out, Diagnostics* diag) {
  const fs::path dir(p->dir);
  for (const std::string& root : roots) {
    for (auto& [rel, folders] : ListTree(dir, root, exts, skip_folder, diag)) {
      ModelFile f;
      f.name = Stem(rel);
      f.path = rel;
      f.abs_path = (dir / rel).string();
      f.folders = std::move(folders);
      if (read_text && !ReadTextFile((dir / rel).string(), rel, &f.text, diag)) continue;
      out->push_back(std::move(f));
    }
  }
  std::sort(out->begin(), out->end(),
            [](const ModelFile& a, const ModelFile& b) { return a.path < b.path; });
}

const std::vector<std::string> kSchemaKeys = {
    "version",   "models",         "sources",       "seeds",      "snapshots",
    "macros",    "exposures",      "metrics",       "analyses",   "semantic_models",
    "saved_queries", "unit_tests", "groups",        "data_tests", "tests"};

void ReadSources(const SchemaFile& f, DbtProject* p, Diagnostics* diag) {
  const ConfigValue* sources = f.root.Find("sources");
  if (sources == nullptr || sources->is_null()) return;
  if (!sources->is_list()) {
    diag->Error(sources->location, "'sources' must be a list of sources",
                "write each source as '- name: ...'");
    return;
  }
  for (const ConfigValue& src : sources->items) {
    const ConfigValue* name = src.Find("name");
    if (!src.is_map() || name == nullptr || !name->is_scalar()) {
      diag->Error(src.location, "a source needs a 'name'", "write '- name: my_source'");
      continue;
    }
    const ConfigValue* schema = src.Find("schema");
    const ConfigValue* tables = src.Find("tables");
    if (tables == nullptr || tables->is_null()) continue;
    if (!tables->is_list()) {
      diag->Error(tables->location, "'tables' must be a list", "write each as '- name: ...'");
      continue;
    }
    for (const ConfigValue& table : tables->items) {
      const ConfigValue* tname = table.Find("name");
      if (!table.is_map() || tname == nullptr || !tname->is_scalar()) {
        diag->Error(table.location, "a source table needs a 'name'", "write '- name: my_table'");
        continue;
      }
      SourceTable t;
      t.source_name = name->scalar;
      t.table_name = tname->scalar;
      t.schema = schema != nullptr && schema->is_scalar() ? schema->scalar : name->scalar;
      const ConfigValue* ident = table.Find("identifier");
      t.identifier = ident != nullptr && ident->is_scalar() ? ident->scalar : tname->scalar;
      const ConfigValue* desc = table.Find("description");
      if (desc != nullptr && desc->is_scalar()) t.description = desc->scalar;
      t.path = f.path;
      t.location = tname->location;
      t.entry = table;
      const auto key = std::make_pair(t.source_name, t.table_name);
      auto found = p->sources.find(key);
      if (found != p->sources.end()) {
        diag->Error(t.location,
                    "source table '" + t.source_name + "." + t.table_name +
                        "' is also declared at " + found->second.location.ToString(),
                    "declare each source table once");
        continue;
      }
      p->sources.emplace(key, std::move(t));
    }
  }
}

void ReadSchemaFiles(DbtProject* p, Diagnostics* diag) {
  std::vector<std::string> roots = p->model_paths;
  for (const auto& r : p->seed_paths) roots.push_back(r);
  for (const auto& r : p->snapshot_paths) roots.push_back(r);
  std::set<std::string> seen;
  const fs::path dir(p->dir);
  for (const std::string& root : roots) {
    for (auto& [rel, folders] : ListTree(dir, root, {".yml", ".yaml"}, "", diag)) {
      if (!seen.insert(rel).second) continue;
      Diagnostics local;
      SchemaFile f;
      f.path = rel;
      std::string text;
      if (ReadTextFile((dir / rel).string(), rel, &text, &local)) {
        Result<ConfigValue> root_value = project::ParseYaml(text, rel, &local, &p->secrets);
        if (root_value.ok() && root_value->is_map()) {
          f.root = std::move(*root_value);
          OptionReader r(f.root, &local);
          for (const std::string& k : kSchemaKeys) r.Node(k);
          r.Finish();
          ReadSources(f, p, &local);
        } else if (root_value.ok() && !root_value->is_null()) {
          local.Error(root_value->location, "a schema file must be a map",
                      "start it with 'version: 2' and 'models:' or 'sources:'");
        }
      }
      diag->AppendByPosition(local);
      p->schema_files.push_back(std::move(f));
    }
  }
  std::sort(p->schema_files.begin(), p->schema_files.end(),
            [](const SchemaFile& a, const SchemaFile& b) { return a.path < b.path; });
}

}  // namespace

void CollectProjectFiles(DbtProject* p, Diagnostics* diag) {
  ReadFiles(p, p->model_paths, {".sql"}, true, "", &p->models, diag);
  ReadFiles(p, p->seed_paths, {".csv"}, false, "", &p->seeds, diag);
  ReadFiles(p, p->snapshot_paths, {".sql"}, true, "", &p->snapshots, diag);
  // tests/generic/ holds {% test %} definitions in dbt, not singular tests.
  ReadFiles(p, p->test_paths, {".sql"}, true, "generic", &p->tests, diag);
  std::vector<ModelFile> macros;
  ReadFiles(p, p->macro_paths, {".sql"}, true, "", &macros, diag);
  for (ModelFile& m : macros) p->macros.push_back(MacroFile{m.path, std::move(m.text)});
  ReadSchemaFiles(p, diag);
}

}  // namespace sluice::transform
