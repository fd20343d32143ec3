#include "project/project.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "project/project_internal.h"
#include "project/yaml_reader.h"

namespace sluice::project {

namespace fs = std::filesystem;

bool IsProjectName(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool IsIdentifier(std::string_view name) {
  const auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (name.empty() || !alpha(name[0])) return false;
  for (char c : name) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

namespace {

// Finds dir/sluice.yaml or reports why there is none. Returns false when missing.
bool CheckProjectFolder(const std::string& given, const fs::path& dir, Diagnostics* diag) {
  const std::string init_hint =
      "run 'sluice init " + given + "' to create a project, or pass the project folder";
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (!fs::exists(st)) {
    diag->Error(SourceLocation{}, "project folder " + dir.string() + " does not exist", init_hint);
    return false;
  }
  if (!fs::is_directory(st)) {
    diag->Error(SourceLocation{}, dir.string() + " is a file, not a project folder",
                "pass the folder that holds sluice.yaml");
    return false;
  }
  const fs::file_status yaml = fs::status(dir / "sluice.yaml", ec);
  if (fs::is_regular_file(yaml)) return true;
  if (fs::exists(yaml)) {
    diag->Error(SourceLocation{"sluice.yaml", 0, 0}, "sluice.yaml is not a regular file",
                "make it a file holding the project settings");
    return false;
  }
  if (fs::is_regular_file(dir / "sluice.yml", ec)) {
    diag->Error(SourceLocation{"sluice.yml", 0, 0}, "the project file must be named sluice.yaml",
                "rename sluice.yml to sluice.yaml");
    return false;
  }
  diag->Error(SourceLocation{}, "no sluice.yaml in " + dir.string(), init_hint);
  return false;
}

}  // namespace

Project LoadProject(const std::string& dir_arg, Diagnostics* diag) {
  Project p;
  const std::string given = dir_arg.empty() ? "." : dir_arg;
  std::error_code ec;
  fs::path dir = fs::absolute(given, ec);
  if (ec) dir = given;
  dir = dir.lexically_normal();
  if (!dir.has_filename() && dir != dir.root_path()) {
    dir = dir.parent_path();  // "/x/" -> "/x"
  }
  p.dir = dir.string();
  p.state_dir = (dir / ".sluice").string();
  p.warehouse.path = (dir / ".sluice" / "warehouse.duckdb").string();
  if (!CheckProjectFolder(given, dir, diag)) return p;

  std::string text;
  Diagnostics settings_diag;
  if (ReadTextFile((dir / "sluice.yaml").string(), "sluice.yaml", &text, &settings_diag)) {
    Result<ConfigValue> root = ParseYaml(text, "sluice.yaml", &settings_diag, &p.secrets);
    if (root.ok()) internal::ReadSettings(*root, &p, &settings_diag);
  }
  diag->AppendByPosition(settings_diag);
  internal::LoadConnectors(dir, "sources", "source", &p.sources, &p.secrets, diag);
  internal::LoadConnectors(dir, "sinks", "sink", &p.sinks, &p.secrets, diag);
  internal::LoadStreams(dir, &p.streams, diag);
  // Reserved folders (models/, seeds/, checks/, syncs/) are accepted and not read yet.
  return p;
}

}  // namespace sluice::project
